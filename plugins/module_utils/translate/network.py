# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A server's Neutron ports -> KubeVirt interfaces and networks.

The first port joins the pod network with masquerade binding (live-migratable, and where
NetworkPolicies apply); every further port joins a Multus network from the network map.
MAC addresses are kept on every interface so guest NIC naming and MAC-matched network
configuration keep working. Fixed IPs cannot be kept on the pod network: they are recorded.
"""

from __future__ import annotations

import dataclasses

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import addressing as _addressing
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import FindingCollector
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.naming import dns_label
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import ADDRESS_STATIC, POD_NETWORK, TranslationOptions

POD_INTERFACE_NAME = "default"
SRIOV_VNIC_TYPES = ("direct", "direct-physical", "macvtap")


@dataclasses.dataclass
class ServerNetworking:
    interfaces: list[dict]
    networks: list[dict]
    primary_port: dict | None
    plan_rows: list[dict]
    # address_mode static: one NetworkAttachmentDefinition per port ({"name", "bridge", "config"}).
    static_attachments: list[dict] = dataclasses.field(default_factory=list)


def _mac_order(server: dict) -> dict[str, int]:
    """Position of each MAC in Nova's addresses (the order the guest saw its NICs)."""
    order: dict[str, int] = {}
    for addresses in (server.get("addresses") or {}).values():
        for address in addresses or []:
            mac = str(address.get("OS-EXT-IPS-MAC:mac_addr") or "").lower()
            if mac and mac not in order:
                order[mac] = len(order)
    return order


def order_ports(server: dict, ports: list[dict]) -> list[dict]:
    order = _mac_order(server)
    return sorted(ports, key=lambda p: (order.get(str(p.get("mac_address", "")).lower(), len(order)), str(p.get("created_at") or ""), str(p.get("id"))))


def _network_label(port: dict, networks_by_id: dict) -> str:
    network = networks_by_id.get(str(port.get("network_id")), {})
    return network.get("name") or str(port.get("network_id") or "?")


def _multus_target(port: dict, networks_by_id: dict, namespace: str, options: TranslationOptions, collector: FindingCollector, field: str) -> str:
    network = networks_by_id.get(str(port.get("network_id")), {})
    for key in (str(port.get("network_id")), network.get("name")):
        if key and key in options.network_map:
            return str(options.network_map[key])
    assumed = f"{namespace}/{dns_label(network.get('name') or str(port.get('network_id')))}"
    collector.warn(
        field, f"network {_network_label(port, networks_by_id)!r} has no entry in network_map; assuming NetworkAttachmentDefinition {assumed!r} exists"
    )
    return assumed


def _unique_name(name: str, index: int, used: set[str]) -> str:
    while name in used:
        name = dns_label(f"{name}-{index}", max_length=40)
    return name


def server_networking(
    server: dict,
    ports: list[dict],
    *,
    networks_by_id: dict,
    namespace: str,
    nic_model: str,
    options: TranslationOptions,
    collector: FindingCollector,
    vm_name: str = "",
    subnets_by_id: dict | None = None,
) -> ServerNetworking:
    static = options.address_mode == ADDRESS_STATIC
    attachments: list[dict] = []
    interfaces: list[dict] = []
    networks: list[dict] = []
    rows: list[dict] = []
    primary = None
    used_names: set[str] = set()
    for index, port in enumerate(order_ports(server, ports)):
        field = f"ports[{port.get('id')}]"
        mac = str(port.get("mac_address") or "").lower()
        network_name = _network_label(port, networks_by_id)
        target = options.network_map.get(str(port.get("network_id"))) or options.network_map.get(network_name)
        vnic_type = port.get("binding:vnic_type") or "normal"
        keep_static = static and vnic_type not in SRIOV_VNIC_TYPES
        on_pod = primary is None and (target in (None, POD_NETWORK)) and not static
        if keep_static:
            name = _unique_name(dns_label(f"net{index}-{network_name}", max_length=40), index, used_names)
            suffix = f"-{index}" if any(a["network"] == network_name for a in attachments) else ""
            attachment = _addressing.static_attachment(
                port,
                name=dns_label(f"{vm_name or server.get('id')}-{network_name}{suffix}"),
                network_label=network_name,
                namespace=namespace,
                subnets_by_id=subnets_by_id or {},
                bridge_map=options.static_bridge_map,
                collector=collector,
                field=field,
            )
            attachments.append(attachment)
            interface = {"name": name, "bridge": {}}
            networks.append({"name": name, "multus": {"networkName": attachment["name"]}})
            primary = primary or port
        elif on_pod:
            name = POD_INTERFACE_NAME
            primary = port
            interface = {"name": name, "masquerade": {}}
            networks.append({"name": name, "pod": {}})
        else:
            if target == POD_NETWORK:
                collector.warn(
                    field, "network_map puts a second port on the pod network; a VM has one pod interface, so this port goes to a Multus network instead"
                )
                target = None
            name = _unique_name(dns_label(f"net{index}-{network_name}", max_length=40), index, used_names)
            multus = target or _multus_target(port, networks_by_id, namespace, options, collector, f"{field}.network_id")
            if vnic_type in SRIOV_VNIC_TYPES:
                interface = {"name": name, "sriov": {}}
                collector.warn(
                    f"{field}.binding:vnic_type",
                    f"SR-IOV port ({vnic_type}) becomes an sriov interface on an "
                    "SR-IOV network; it live-migrates (KubeVirt v1.9.0), but the VF is unplugged and plugged "
                    "back, so this NIC drops during a migration and the target node needs a free VF",
                )
            else:
                interface = {"name": name, "bridge": {}}
            networks.append({"name": name, "multus": {"networkName": multus}})
            if port.get("port_security_enabled", True) and port.get("security_groups"):
                collector.warn(
                    f"{field}.security_groups",
                    "security groups on a secondary (Multus) interface are not enforced by Kubernetes NetworkPolicies; restrict that network separately",
                )
        used_names.add(name)
        if mac:
            interface["macAddress"] = mac
        else:
            collector.warn(f"{field}.mac_address", "port has no MAC address; the guest will see a new MAC")
        if "sriov" not in interface:
            interface["model"] = nic_model
        if port.get("allowed_address_pairs"):
            collector.warn(
                f"{field}.allowed_address_pairs",
                "allowed address pairs (VIPs, e.g. keepalived) have no equivalent on a masquerade/bridge interface; those addresses will not be reachable",
            )
        interfaces.append(interface)
        rows.append(
            {
                "interface": name,
                "port_id": port.get("id"),
                "network": network_name,
                "mac": mac,
                "fixed_ips": [ip.get("ip_address") for ip in port.get("fixed_ips") or [] if ip.get("ip_address")],
                "target": "pod (masquerade)" if on_pod else networks[-1]["multus"]["networkName"],
                "port_security": bool(port.get("port_security_enabled", True)),
            }
        )
    if not ports and server.get("addresses"):
        collector.warn(
            "addresses",
            "server has addresses but none of its Neutron ports is in the snapshot; the VM "
            "gets no network interface (re-export with ports to migrate its networking)",
        )
    elif not ports:
        collector.warn(
            "addresses",
            "server has no Neutron port and no address in the snapshot; the VM gets no network interface (if it had one on OpenStack, re-export with ports)",
        )
    return ServerNetworking(interfaces, networks, primary, rows, attachments)
