# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""How migrated VMs keep reaching each other once masquerade has taken their fixed IPs away.

address_mode "pod": every VM on the pod network gets hostname + subdomain, and one headless
Service per tenant makes "<hostname>.<subdomain>.<namespace>.svc" resolve to its current pod
address (all ports). A ClusterIP Service per VM lists the ports its security groups open to
tenant peers, so those have a name whose address survives restarts and migrations. The plan
maps every old fixed IP to both names, which is what users grep their configs for.
"""

from __future__ import annotations

import ipaddress
from collections import Counter

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import WARNING, Finding, FindingCollector, describe
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import (
    PROJECT_ID_LABEL,
    SERVER_ID_LABEL,
    k8s_object,
    object_meta,
)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.naming import dns_label
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import ADDRESS_POD
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.secgroup import K8S_PROTOCOLS, PROTO_ICMP, PROTO_ICMPV6, parse_rule

POD = ADDRESS_POD
HOSTNAMES_SERVICE = "vms"
# Template label the headless Service selects; the value is the subdomain.
SUBDOMAIN_LABEL = "ostokubevirt.io/subdomain"
HOSTNAMES_SOURCE_TYPE = "keystone.project.hostnames"
VM_SERVICE_SOURCE_TYPE = "nova.server.addresses"


def hostname_fqdn(hostname: str, namespace: str) -> str:
    return f"{hostname}.{HOSTNAMES_SERVICE}.{namespace}.svc"


def vm_service_name(vm_name: str) -> str:
    """The VM's ClusterIP Service name; a VM named like the headless Service gets a suffix."""
    return vm_name if vm_name != HOSTNAMES_SERVICE else dns_label(f"{vm_name}-vm")


def _tenant_networks(cidrs: list) -> list:
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(str(cidr), strict=False))
        except ValueError:
            continue  # reported by the security-group translation
    return networks


def _admits_tenant(peer: tuple, tenant_networks: list) -> bool:
    if peer[0] in ("any", "group"):
        return True
    network = ipaddress.ip_network(peer[1], strict=False)
    return any(network.version == t.version and network.overlaps(t) for t in tenant_networks)


def tenant_ports(groups: list[dict], tenant_cidrs: list, limit: int) -> tuple[set, list[str]]:
    """(protocol, port) pairs the groups let tenant peers reach, and what could not be listed."""
    return _tenant_ports(groups, _tenant_networks(tenant_cidrs), limit)


def _tenant_ports(groups: list[dict], networks: list, limit: int) -> tuple[set, list[str]]:
    wanted: set = set()
    notes: list[str] = []
    for sg in groups:
        label = describe(sg, "security_group")
        quiet = FindingCollector("security_group", label)  # rule problems are reported by secgroup.py
        for raw in sg.get("security_group_rules") or []:
            rule = parse_rule(raw, quiet) if isinstance(raw, dict) else None
            if rule is None or rule.direction != "ingress" or not _admits_tenant(rule.peer, networks):
                continue
            if rule.protocol is None:
                notes.append(
                    f"security group {label} lets tenant peers use every protocol and port; a Service lists ports, so reach those through the hostname instead"
                )
            elif rule.protocol in (PROTO_ICMP, PROTO_ICMPV6) or rule.protocol not in K8S_PROTOCOLS:
                continue  # ping and the like reach the pod address the hostname resolves to
            else:
                low, high = rule.ports if rule.ports is not None else (1, 65535)
                if high - low + 1 > limit:
                    notes.append(
                        f"security group {label}: port range {low}-{high} exceeds service_port_range_limit="
                        f"{limit}; not listed in the Service (use the hostname)"
                    )
                    continue
                wanted.update((rule.protocol, port) for port in range(low, high + 1))
    return wanted, sorted(set(notes))


def hostnames_service(namespace: str, project_id: str) -> dict:
    meta = object_meta(
        HOSTNAMES_SERVICE,
        namespace,
        source_type=HOSTNAMES_SOURCE_TYPE,
        source_id=project_id,
        source_name=HOSTNAMES_SERVICE,
        labels={PROJECT_ID_LABEL: dns_label(project_id)},
    )
    # Headless: DNS publishes <hostname>.<subdomain> for every selected pod; no ports are needed for that.
    return k8s_object("v1", "Service", meta, spec={"clusterIP": "None", "selector": {SUBDOMAIN_LABEL: HOSTNAMES_SERVICE}, "publishNotReadyAddresses": True})


def vm_service(vm_name: str, server_id: str, server_name: str, namespace: str, ports: set) -> dict:
    meta = object_meta(
        vm_service_name(vm_name),
        namespace,
        source_type=VM_SERVICE_SOURCE_TYPE,
        source_id=server_id,
        source_name=server_name,
        labels={SERVER_ID_LABEL: server_id},
    )
    return k8s_object(
        "v1",
        "Service",
        meta,
        spec={
            "type": "ClusterIP",
            "selector": {SERVER_ID_LABEL: server_id},
            "ports": [
                {"name": f"{K8S_PROTOCOLS[proto].lower()}-{number}", "protocol": K8S_PROTOCOLS[proto], "port": number, "targetPort": number}
                for proto, number in sorted(ports)
            ],
        },
    )


def pod_address_plan(*, hostname: str, vm_name: str, namespace: str, fixed_ips: list[str], ports: set, notes: list[str]) -> dict:
    service = f"{vm_service_name(vm_name)}.{namespace}.svc" if ports else None
    service_ports = [f"{K8S_PROTOCOLS[proto].lower()}/{number}" for proto, number in sorted(ports)]
    return {
        "mode": POD,
        "hostname": hostname_fqdn(hostname, namespace),
        "service": service,
        "service_ports": service_ports,
        "fixed_ip_names": [
            {"fixed_ip": ip, "dns_name": hostname_fqdn(hostname, namespace), "service": service, "service_ports": service_ports} for ip in fixed_ips
        ],
        "notes": notes,
    }


def tenant_address_services(snapshot, results: list, *, namespace: str, service_port_range_limit: int) -> tuple[list[dict], list[Finding]]:
    """The headless hostnames Service, one ClusterIP Service per VM with tenant ports, and each VM's plan entry.

    results: the translated servers (server.ServerResult); only VMs given a subdomain take part.
    """
    services: list[dict] = []
    hostnames: list[str] = []
    networks = _tenant_networks([subnet.get("cidr") for subnet in snapshot.lists["subnets"] if isinstance(subnet, dict)])
    # Many VMs share the same groups; their rules are parsed once per distinct set.
    ports_by_groups: dict[tuple, tuple[set, list[str]]] = {}
    for result in sorted(results, key=lambda r: r.vm_name):
        vm = result.virtualmachine
        template_spec = vm["spec"]["template"]["spec"] if vm else {}
        port = result.pod_port
        if template_spec.get("subdomain") != HOSTNAMES_SERVICE or port is None:
            continue
        hostname = template_spec["hostname"]
        hostnames.append(hostname)
        fixed_ips = [ip.get("ip_address") for ip in port.get("fixed_ips") or [] if ip.get("ip_address")]
        if port.get("port_security_enabled", True) is False:
            ports: set = set()
            notes = ["port security was off, so every port was reachable: use the hostname"]
        else:
            group_ids = tuple(g for g in port.get("security_groups") or [] if g in snapshot.security_groups_by_id)
            if group_ids not in ports_by_groups:
                groups = [snapshot.security_groups_by_id[g] for g in group_ids]
                ports_by_groups[group_ids] = _tenant_ports(groups, networks, service_port_range_limit)
            ports, notes = ports_by_groups[group_ids]
            notes = list(notes)
        if ports:
            services.append(vm_service(result.vm_name, result.server_id, result.name, namespace, ports))
        result.plan["addresses"] = pod_address_plan(
            hostname=hostname, vm_name=result.vm_name, namespace=namespace, fixed_ips=fixed_ips, ports=ports, notes=notes
        )
    findings = [
        Finding(
            WARNING,
            "server",
            name,
            "OS-EXT-SRV-ATTR:hostname",
            f"{count} VMs have the hostname {name!r}; {hostname_fqdn(name, namespace)} resolves to all of "
            "them (rename one in the VM's spec.template.spec.hostname)",
        )
        for name, count in sorted(Counter(hostnames).items())
        if count > 1
    ]
    if hostnames:
        services.insert(0, hostnames_service(namespace, str(snapshot.project.get("id"))))
    return services, findings


# Linux interface names (and so bridge names) are at most 15 characters.
_IFNAMSIZ = 15


def static_bridge(network_id: str, network_label: str, bridge_map, collector: FindingCollector, field: str) -> str:
    for key in (network_id, network_label):
        if key and key in bridge_map:
            return str(bridge_map[key])
    assumed = dns_label(f"br-{network_label}", max_length=_IFNAMSIZ)
    collector.warn(field, f"network {network_label!r} has no static_bridge_map entry; assuming the nodes have a Linux bridge {assumed!r} on its segment")
    return assumed


def static_ipam_addresses(port: dict, subnets_by_id: dict) -> list[dict]:
    """The port's fixed IPs with their subnet prefix and gateway, as the static IPAM plugin takes them."""
    addresses = []
    for fixed in port.get("fixed_ips") or []:
        subnet = subnets_by_id.get(str(fixed.get("subnet_id"))) or {}
        try:
            network = ipaddress.ip_network(str(subnet.get("cidr")), strict=False)
            address = ipaddress.ip_address(str(fixed.get("ip_address")))
        except ValueError:
            continue
        entry = {"address": f"{address}/{network.prefixlen}"}
        if subnet.get("gateway_ip"):
            entry["gateway"] = str(subnet["gateway_ip"])
        addresses.append(entry)
    return addresses


def static_attachment(
    port: dict, *, name: str, network_label: str, namespace: str, subnets_by_id: dict, bridge_map, collector: FindingCollector, field: str
) -> dict:
    """The NetworkAttachmentDefinition one port needs to keep its fixed IPs: "namespace/name" and its CNI config."""
    bridge = static_bridge(str(port.get("network_id")), network_label, bridge_map, collector, f"{field}.network_id")
    config = {"cniVersion": "0.3.1", "type": "bridge", "bridge": bridge, "ipam": {"type": "static", "addresses": static_ipam_addresses(port, subnets_by_id)}}
    collector.warn(
        field,
        f"address_mode static keeps the fixed IPs on bridge {bridge!r}: every node that may run this "
        "VM needs that bridge attached at L2 to the Neutron network's segment (same VLAN, the old "
        "gateway reachable), and Kubernetes NetworkPolicies do not apply on it",
    )
    return {"name": f"{namespace}/{name}", "network": network_label, "bridge": bridge, "config": config}


def nad_prerequisite(attachment: dict) -> str:
    return (
        f"NetworkAttachmentDefinition {attachment['name']} with the CNI config in the plan's "
        "addresses.network_attachments (static IPAM carrying the port's fixed IPs)"
    )


# KubeVirt's masquerade network for the guest side (PodNetwork.vmIPv6NetworkCIDR default fd10:0:2::/120).
MASQUERADE_GUEST_IPV6 = "fd10:0:2::2/120"
MASQUERADE_GATEWAY_IPV6 = "fd10:0:2::1"


def ipv6_addresses(fixed_ips: list[str]) -> list[str]:
    found = []
    for text in fixed_ips:
        if ":" not in str(text):
            continue  # IPv4: no need to parse
        try:
            if ipaddress.ip_address(str(text)).version == 6:
                found.append(str(text))
        except ValueError:
            continue
    return found


def masquerade_ipv6_network_data(mac: str) -> str:
    """cloud-init network config v2 for the pod interface: DHCPv4 plus the static masquerade IPv6 address.

    It replaces cloud-init's fallback network configuration, so it names only the interface it configures.
    """
    return (
        "version: 2\n"
        "ethernets:\n"
        "  pod:\n"
        "    match:\n"
        f"      macaddress: \"{mac}\"\n"
        "    dhcp4: true\n"
        f"    addresses: [\"{MASQUERADE_GUEST_IPV6}\"]\n"
        "    routes:\n"
        f"      - {{to: \"::/0\", via: \"{MASQUERADE_GATEWAY_IPV6}\"}}\n"
    )
