# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Neutron floating IPs -> Services of type LoadBalancer that keep the address.

A floating IP is 1:1 NAT to one port for every protocol; a Service forwards only the ports
it lists. The ports are therefore taken from what the port's security groups let in from
outside (ingress TCP/UDP/SCTP rules with an address peer), which is exactly the traffic that
could reach the VM through the floating IP in OpenStack.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import Finding, FindingCollector, describe, type_name
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import PROJECT_ID_LABEL, k8s_object, object_meta
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.naming import is_label_value
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import LB_IP_ANNOTATION_STYLES, TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.secgroup import (
    K8S_PROTOCOLS,
    PROTO_ICMP,
    PROTO_ICMPV6,
    parse_rule,
)

SOURCE_TYPE = "neutron.floating_ip"
SUBJECT_KIND = "floating_ip"


def _subject(fip) -> str:
    if not isinstance(fip, dict):
        return "<invalid floating_ip>"
    address = fip.get("floating_ip_address")
    ident = fip.get("id")
    if address and ident:
        return f"{address} ({ident})"
    return describe(fip, SUBJECT_KIND)


def service_name(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """DNS-1035 label from the address: fip-203-0-113-10; IPv6 uses the exploded form so no two addresses collide."""
    text = str(address) if address.version == 4 else address.exploded
    return "fip-" + text.replace(".", "-").replace(":", "-")


def _port_name(protocol: int, port: int) -> str:
    # IANA_SVC_NAME: <= 15 chars, lowercase alphanumerics and '-', "sctp-65535" is the longest we build.
    return f"{K8S_PROTOCOLS[protocol].lower()}-{port}"


def _service_ports(groups: list[dict], family: int, limit: int, collector: FindingCollector) -> set:
    wanted: set = set()
    for sg in groups:
        label = describe(sg, "security_group")
        rules = sg.get("security_group_rules") or []
        if not isinstance(rules, list):
            continue
        # Rule problems are reported by the security-group translation; do not report them twice.
        quiet = FindingCollector("security_group", label)
        for raw in rules:
            rule = parse_rule(raw, quiet)
            if rule is None or rule.direction != "ingress" or rule.family != family:
                continue
            if rule.peer[0] == "group":
                continue  # admits only group members, never traffic arriving from outside
            field = f"security_groups[{label}].security_group_rules[{rule.rule_id}]"
            if rule.protocol is None:
                collector.warn(
                    field,
                    "group allows every protocol from outside; a Service forwards only the listed "
                    "TCP/UDP/SCTP ports, other traffic to the floating IP is not carried",
                )
                continue
            if rule.protocol in (PROTO_ICMP, PROTO_ICMPV6):
                collector.warn(field, "ICMP to the floating IP cannot be carried by a Service")
                continue
            if rule.protocol not in K8S_PROTOCOLS:
                collector.warn(field, f"IP protocol {rule.protocol} to the floating IP cannot be carried by a Service")
                continue
            low, high = rule.ports if rule.ports is not None else (1, 65535)
            if high - low + 1 > limit:
                collector.warn(
                    field,
                    f"port range {low}-{high} has more than service_port_range_limit={limit} ports; "
                    "not forwarded (add the ports you need to the Service by hand)",
                )
                continue
            wanted.update((rule.protocol, port) for port in range(low, high + 1))
    return wanted


def floating_ip_to_service(
    fip: dict, port: dict | None, vm_selector: dict | None, groups: list[dict], *, namespace: str, options: TranslationOptions
) -> tuple[dict | None, list[Finding]]:
    """A LoadBalancer Service that keeps the floating IP's address, or None with the reason in the findings."""
    collector = FindingCollector(SUBJECT_KIND, _subject(fip))
    if not isinstance(fip, dict):
        collector.block("", f"floating IP is not an object ({type_name(fip)})")
        return None, collector.findings
    try:
        address = ipaddress.ip_address(str(fip.get("floating_ip_address") or "").strip())
    except ValueError:
        collector.block("floating_ip_address", f"invalid address {fip.get('floating_ip_address')!r}")
        return None, collector.findings
    if not fip.get("port_id"):
        collector.warn("port_id", "floating IP is not associated with a port: reported, not served (no Service)")
        return None, collector.findings
    if not isinstance(port, dict):
        collector.warn("port_id", f"port {fip.get('port_id')} is not in the snapshot; no Service")
        return None, collector.findings
    if port.get("id") and str(port.get("id")) != str(fip.get("port_id")):
        collector.warn("port_id", f"port given ({port.get('id')}) is not the floating IP's port ({fip.get('port_id')}); no Service")
        return None, collector.findings
    if not vm_selector or not isinstance(vm_selector, dict):
        collector.warn("port_id", f"port {fip.get('port_id')} is not the pod-network port of a migrated VM; no Service")
        return None, collector.findings
    if port.get("port_security_enabled", True) is False:
        collector.warn(
            "port_id",
            f"port {fip.get('port_id')} has port security disabled, so every protocol and port "
            "reached it; a Service needs an explicit port list; no Service (create one by hand)",
        )
        return None, collector.findings

    wanted_ids = [g for g in port.get("security_groups") or [] if isinstance(g, str)]
    by_id = {sg.get("id"): sg for sg in groups or [] if isinstance(sg, dict)}
    for missing in (g for g in wanted_ids if g not in by_id):
        collector.warn("port_id", f"security group {missing} of port {fip.get('port_id')} is not in the snapshot; its ports are not forwarded")
    port_groups = [by_id[g] for g in wanted_ids if g in by_id]
    wanted = _service_ports(port_groups, address.version, options.service_port_range_limit, collector)
    if not wanted:
        collector.warn(
            "port_id",
            "no TCP/UDP/SCTP port is open to outside addresses in the port's security groups, so "
            "nothing could reach the VM through this floating IP; no Service (address not reserved)",
        )
        return None, collector.findings

    annotation_key, in_spec = LB_IP_ANNOTATION_STYLES[options.lb_ip_annotation_style]
    annotations = {annotation_key: str(address)} if annotation_key else {}
    project = fip.get("project_id") or fip.get("tenant_id")
    labels = {PROJECT_ID_LABEL: str(project)} if project and is_label_value(str(project)) else {}
    spec: dict = {
        "type": "LoadBalancer",
        "selector": dict(vm_selector),
        # Local keeps the client source address, so CIDR rules of the security groups (now
        # NetworkPolicies) still see the real client, as they did behind the floating IP.
        "externalTrafficPolicy": "Local",
        "ipFamilyPolicy": "SingleStack",
        "ipFamilies": ["IPv4" if address.version == 4 else "IPv6"],
        "ports": [
            {"name": _port_name(proto, number), "protocol": K8S_PROTOCOLS[proto], "port": number, "targetPort": number} for proto, number in sorted(wanted)
        ],
    }
    if in_spec:
        spec["loadBalancerIP"] = str(address)
    service = k8s_object(
        "v1",
        "Service",
        object_meta(
            service_name(address),
            namespace,
            source_type=SOURCE_TYPE,
            source_id=str(fip.get("id") or address),
            source_name=str(address),
            labels=labels,
            annotations=annotations,
        ),
        spec=spec,
    )
    return service, collector.findings
