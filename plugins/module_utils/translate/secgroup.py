# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Neutron security groups -> Kubernetes NetworkPolicies (+ Calico NetworkPolicies).

OpenStack security groups and Kubernetes NetworkPolicies share the same model: stateful
allow-lists whose union applies to an endpoint, and an endpoint selected for a direction is
isolated in that direction. So each group becomes one policy that selects the pods carrying
that group's membership label, always with both policy types (a group without egress rules
blocks egress, exactly as it does in OpenStack, but only in union with the VM's other groups).

What Kubernetes cannot say (ICMP type/code, other IP protocols, a remote group limited to one
address family) goes into a namespaced projectcalico.org/v3 NetworkPolicy in the default tier
with the same selector: Calico evaluates Kubernetes policies in that tier too, so the allow
rules of both objects form one union.
"""

from __future__ import annotations

import dataclasses
import ipaddress

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import Finding, FindingCollector, describe, type_name
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.integers import NotAnInteger, parse_int
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import (
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    PROJECT_ID_LABEL,
    k8s_object,
    object_meta,
)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.naming import (
    NameAllocator,
    dns_label,
    is_label_value,
    is_qualified_key,
    with_hash_suffix,
)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions

MEMBERSHIP_LABEL_PREFIX = "sg.ostokubevirt.io/"
MEMBERSHIP_VALUE = "member"
# A port with port security on and no group drops everything in OpenStack; pods carrying this
# label are selected by the deny-all policy, which isolates both directions and allows nothing.
NO_SECURITY_GROUPS_LABEL = "ostokubevirt.io/no-security-groups"
NO_SECURITY_GROUPS_VALUE = "true"
DENY_ALL_POLICY_NAME = "no-security-groups-deny-all"
RULE_ID_ANNOTATION = "ostokubevirt.io/rule-id"
SOURCE_TYPE = "neutron.security_group"
SUBJECT_KIND = "security_group"
CALICO_TIER = "default"

PROTO_ICMP = 1
PROTO_TCP = 6
PROTO_UDP = 17
PROTO_DCCP = 33
PROTO_ICMPV6 = 58
PROTO_SCTP = 132
PROTO_UDPLITE = 136

# Neutron's protocol names (neutron-lib IP_PROTOCOL_MAP) -> IANA protocol numbers.
PROTOCOL_NUMBERS = {
    "ah": 51,
    "dccp": 33,
    "egp": 8,
    "esp": 50,
    "gre": 47,
    "hopopt": 0,
    "icmp": 1,
    "igmp": 2,
    "ipip": 4,
    "ipv6-encap": 41,
    "ipv6-frag": 44,
    "ipv6-icmp": 58,
    "icmpv6": 58,
    "ipv6-nonxt": 59,
    "ipv6-opts": 60,
    "ipv6-route": 43,
    "ospf": 89,
    "pgm": 113,
    "rsvp": 46,
    "sctp": 132,
    "tcp": 6,
    "udp": 17,
    "udplite": 136,
    "vrrp": 112,
}
ANY_PROTOCOL_NAMES = ("any",)
# Protocols for which Neutron accepts a port range.
PORT_PROTOCOLS = (PROTO_TCP, PROTO_UDP, PROTO_DCCP, PROTO_SCTP, PROTO_UDPLITE)
K8S_PROTOCOLS = {PROTO_TCP: "TCP", PROTO_UDP: "UDP", PROTO_SCTP: "SCTP"}
CALICO_PROTOCOL_NAMES = {PROTO_TCP: "TCP", PROTO_UDP: "UDP", PROTO_SCTP: "SCTP", PROTO_UDPLITE: "UDPLite", PROTO_ICMP: "ICMP", PROTO_ICMPV6: "ICMPv6"}
CALICO_ICMP_TYPE_MAX = 254  # the Calico CRD caps the ICMP type at 254; 255 is reserved anyway
ETHERTYPES = {"IPv4": 4, "IPv6": 6}
ANY_NETWORK = {4: "0.0.0.0/0", 6: "::/0"}


@dataclasses.dataclass(frozen=True)
class ParsedRule:
    """One security-group rule after validation, in the terms both targets need.

    ports: (min, max) for port protocols, None for all ports.
    peer: ("any",), ("cidr", "<network>") or ("group", "<security group id>").
    """

    rule_id: str
    direction: str
    family: int
    protocol: int | None
    ports: tuple[int, int] | None
    icmp_type: int | None
    icmp_code: int | None
    peer: tuple


def membership_label_key(sg_id: str) -> str:
    """Label key marking a pod as a member of one security group (labels are per group, so membership is a set)."""
    key = f"{MEMBERSHIP_LABEL_PREFIX}{sg_id}"
    if is_qualified_key(key):
        return key
    # Neutron ids are UUIDs; anything else is hashed so the key stays valid and distinct.
    return f"{MEMBERSHIP_LABEL_PREFIX}{with_hash_suffix(dns_label(str(sg_id), max_length=52) or 'sg', str(sg_id))}"


def port_isolation_labels(port: dict) -> dict:
    """Labels the VM pod needs for its primary port so the right policies select it."""
    if not isinstance(port, dict):
        return {}
    if port.get("port_security_enabled", True) is False:
        return {}  # OpenStack does not filter such a port at all
    groups = port.get("security_groups")
    ids = [str(g) for g in groups if isinstance(g, str) and g] if isinstance(groups, list) else []
    if not ids:
        return {NO_SECURITY_GROUPS_LABEL: NO_SECURITY_GROUPS_VALUE}
    return {membership_label_key(sg_id): MEMBERSHIP_VALUE for sg_id in ids}


class _Skip(Exception):
    """A rule that cannot be translated: the field and the warning that says why it is skipped."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _port_field(rule: dict, name: str, field: str) -> int | None:
    try:
        return parse_int(rule.get(name))
    except NotAnInteger:
        raise _Skip(f"{field}.{name}", f"not an integer: {rule.get(name)!r}; rule skipped") from None


def _direction_and_family(rule: dict, field: str) -> tuple[str, int]:
    direction = rule.get("direction")
    if direction not in ("ingress", "egress"):
        raise _Skip(f"{field}.direction", f"unknown direction {direction!r} (expected ingress or egress); rule skipped")
    ethertype = rule.get("ethertype")
    if ethertype not in ETHERTYPES:
        raise _Skip(f"{field}.ethertype", f"unknown ethertype {ethertype!r} (expected IPv4 or IPv6); rule skipped")
    return direction, ETHERTYPES[ethertype]


def _protocol(raw, family: int, rule_field: str) -> int | None:
    """The IP protocol number, or None for any."""
    if raw is None:
        return None
    text = str(raw).strip().lower()
    if text in ANY_PROTOCOL_NAMES or text == "":
        return None
    if text.isdigit():
        number = int(text)
        if number > 255:
            raise _Skip(rule_field, f"protocol number {raw!r} is not 0-255; rule skipped")
    elif text in PROTOCOL_NUMBERS:
        number = PROTOCOL_NUMBERS[text]
    else:
        raise _Skip(rule_field, f"unknown protocol {raw!r}; rule skipped")
    # Neutron itself treats the legacy ICMP spellings on an IPv6 rule as ICMPv6.
    if family == 6 and number == PROTO_ICMP:
        number = PROTO_ICMPV6
    if family == 4 and number == PROTO_ICMPV6:
        raise _Skip(rule_field, f"protocol {raw!r} (ICMPv6) conflicts with ethertype IPv4; rule skipped")
    if number == 0:
        raise _Skip(rule_field, "protocol 0 (HOPOPT) cannot be expressed in Kubernetes or Calico policy; rule skipped")
    return number


def _port_range(low: int | None, high: int | None, field: str) -> tuple[int, int] | None:
    """TCP/UDP/SCTP/UDPLite/DCCP ports; None for all ports."""
    if low is None and high is not None:
        raise _Skip(f"{field}.port_range_min", "port_range_max is set without port_range_min; rule skipped")
    if low is None:
        return None
    high = low if high is None else high
    for name, value in (("port_range_min", low), ("port_range_max", high)):
        if not 1 <= value <= 65535:
            raise _Skip(f"{field}.{name}", f"port {value} is outside 1-65535; rule skipped")
    if low > high:
        raise _Skip(f"{field}.port_range_min", f"port_range_min {low} is greater than port_range_max {high}; rule skipped")
    return None if (low, high) == (1, 65535) else (low, high)  # Neutron stores 1-65535 as "all ports" too


def _icmp(low: int | None, high: int | None, field: str) -> tuple[int | None, int | None]:
    """(ICMP type, code): for ICMP Neutron reuses the port fields, min is the type and max the code."""
    if low is None and high is not None:
        raise _Skip(f"{field}.port_range_max", f"ICMP code {high} given without an ICMP type; rule skipped")
    for name, value in (("port_range_min", low), ("port_range_max", high)):
        if value is not None and not 0 <= value <= 255:
            raise _Skip(f"{field}.{name}", f"ICMP value {value} is outside 0-255; rule skipped")
    if low is not None and low > CALICO_ICMP_TYPE_MAX:
        raise _Skip(f"{field}.port_range_min", f"ICMP type {low} cannot be expressed (Calico accepts 0-254); rule skipped")
    return low, high


def _ports(rule: dict, protocol: int | None, field: str) -> tuple[tuple[int, int] | None, int | None, int | None]:
    """(port range, ICMP type, ICMP code) from port_range_min/max, read as the protocol gives them meaning."""
    low = _port_field(rule, "port_range_min", field)
    high = _port_field(rule, "port_range_max", field)
    if protocol in PORT_PROTOCOLS:
        ports = _port_range(low, high, field)
        if protocol == PROTO_DCCP and ports is not None:
            raise _Skip(
                f"{field}.protocol", "DCCP with a port range cannot be expressed (Calico matches ports only for TCP, UDP, SCTP and UDPLite); rule skipped"
            )
        return ports, None, None
    if protocol in (PROTO_ICMP, PROTO_ICMPV6):
        return (None, *_icmp(low, high, field))
    if low is not None or high is not None:
        what = "any protocol" if protocol is None else f"protocol {protocol}"
        raise _Skip(f"{field}.port_range_min", f"a port range is not valid with {what}; rule skipped")
    return None, None, None


def _peer(rule: dict, family: int, field: str, collector: FindingCollector, known_group_ids) -> tuple:
    """("any",), ("cidr", network) or ("group", security group id)."""
    if rule.get("remote_address_group_id"):
        raise _Skip(f"{field}.remote_address_group_id", "remote address groups are not supported; rule skipped (traffic it allowed is now denied)")
    prefix = rule.get("remote_ip_prefix")
    remote_group = rule.get("remote_group_id")
    if prefix and remote_group:
        raise _Skip(f"{field}.remote_ip_prefix", "remote_ip_prefix and remote_group_id are both set; rule skipped")
    if prefix:
        try:
            network = ipaddress.ip_network(str(prefix).strip(), strict=False)
        except ValueError:
            raise _Skip(f"{field}.remote_ip_prefix", f"invalid CIDR {prefix!r}; rule skipped") from None
        if network.version != family:
            raise _Skip(f"{field}.remote_ip_prefix", f"CIDR {prefix!r} does not match ethertype {rule.get('ethertype')}; rule skipped")
        return ("any",) if network.prefixlen == 0 else ("cidr", str(network))
    if remote_group:
        if not isinstance(remote_group, str):
            raise _Skip(f"{field}.remote_group_id", f"invalid group id {remote_group!r}; rule skipped")
        if known_group_ids and remote_group not in known_group_ids:
            collector.warn(
                f"{field}.remote_group_id",
                f"remote group {remote_group} belongs to another project; its members are matched in every "
                f"namespace labelled {MANAGED_BY_LABEL}={MANAGED_BY_VALUE} (only if that project is migrated too)",
            )
        return ("group", remote_group)
    return ("any",)


def parse_rule(rule: dict, collector: FindingCollector, *, known_group_ids: frozenset | set = frozenset()) -> ParsedRule | None:
    """Validate one Neutron rule; on any problem record a finding naming the field and return None."""
    if not isinstance(rule, dict):
        collector.warn("security_group_rules", f"rule is not an object ({type_name(rule)}); skipped")
        return None
    rule_id = str(rule.get("id") or "<no id>")
    field = f"security_group_rules[{rule_id}]"
    try:
        direction, family = _direction_and_family(rule, field)
        protocol = _protocol(rule.get("protocol"), family, f"{field}.protocol")
        ports, icmp_type, icmp_code = _ports(rule, protocol, field)
        peer = _peer(rule, family, field, collector, known_group_ids)
    except _Skip as skip:
        collector.warn(skip.field, skip.message)
        return None
    return ParsedRule(rule_id, direction, family, protocol, ports, icmp_type, icmp_code, peer)


# ----------------------------------------------------------------------------------------------
# Kubernetes side
# ----------------------------------------------------------------------------------------------
def _k8s_port(port_key: tuple) -> dict:
    protocol, ports = port_key
    entry: dict = {"protocol": K8S_PROTOCOLS[protocol]}
    if ports is not None:
        entry["port"] = ports[0]
        if ports[1] > ports[0]:
            entry["endPort"] = ports[1]
    return entry


def _group_selector(group_id: str) -> dict:
    return {"matchLabels": {membership_label_key(group_id): MEMBERSHIP_VALUE}}


def _k8s_peer(peer: tuple, local_ids: set) -> dict:
    kind = peer[0]
    if kind == "cidr":
        return {"ipBlock": {"cidr": peer[1]}}
    peer_obj: dict = {"podSelector": _group_selector(peer[1])}
    if peer[1] not in local_ids:
        peer_obj["namespaceSelector"] = {"matchLabels": {MANAGED_BY_LABEL: MANAGED_BY_VALUE}}
    return peer_obj


def _sort_key(value) -> str:
    return repr(value)


def _k8s_rules(rules: list[ParsedRule], direction: str, local_ids: set) -> tuple[list[dict], list[ParsedRule]]:
    """Kubernetes rules for one direction, plus the rules left for Calico.

    Rules are merged where that changes nothing: a v4-any and a v6-any peer for the same
    ports become one peer-less rule; a remote group allowed for both families becomes one
    podSelector peer (a podSelector cannot restrict the address family, so a remote group
    allowed for only one family goes to Calico with ipVersion instead).
    """
    # port_key: None = every protocol; (protocol, ports) otherwise.
    peers: dict = {}
    group_families: dict = {}
    leftover: list[ParsedRule] = []
    for rule in rules:
        if rule.direction != direction:
            continue
        if rule.protocol is not None and rule.protocol not in K8S_PROTOCOLS:
            leftover.append(rule)
            continue
        port_key = None if rule.protocol is None else (rule.protocol, rule.ports)
        if rule.peer[0] == "group":
            group_families.setdefault((port_key, rule.peer), {}).setdefault(rule.family, []).append(rule)
            continue
        peer = ("cidr", ANY_NETWORK[rule.family]) if rule.peer[0] == "any" else rule.peer
        peers.setdefault(port_key, set()).add(peer)
    for (port_key, peer), by_family in group_families.items():
        if set(by_family) == {4, 6}:
            peers.setdefault(port_key, set()).add(peer)
        else:
            for family_rules in by_family.values():
                leftover.extend(family_rules)
    for peer_set in peers.values():
        if {("cidr", ANY_NETWORK[4]), ("cidr", ANY_NETWORK[6])} <= peer_set:
            peer_set.clear()
            peer_set.add(("all",))
    by_peers: dict = {}
    for port_key, peer_set in peers.items():
        by_peers.setdefault(frozenset(peer_set), set()).add(port_key)
    out: list[dict] = []
    for peer_set, port_keys in sorted(by_peers.items(), key=lambda item: _sort_key(sorted(item[0], key=_sort_key))):
        rule_obj: dict = {}
        if ("all",) not in peer_set:
            rule_obj["from" if direction == "ingress" else "to"] = [_k8s_peer(p, local_ids) for p in sorted(peer_set, key=_sort_key)]
        if None not in port_keys:  # a rule without ports already allows every protocol and port
            # Numeric order: repr() would put port 443 before port 80.
            rule_obj["ports"] = [_k8s_port(k) for k in sorted(port_keys, key=lambda k: (k[0], k[1] or (0, 0)))]
        out.append(rule_obj)
    return out, leftover


# ----------------------------------------------------------------------------------------------
# Calico side
# ----------------------------------------------------------------------------------------------
def calico_label_selector(key: str, value: str) -> str:
    return f"{key} == '{value}'"


def _calico_rule(rule: ParsedRule, local_ids: set) -> dict:
    out: dict = {"action": "Allow", "ipVersion": rule.family}
    if rule.protocol is not None:
        out["protocol"] = CALICO_PROTOCOL_NAMES.get(rule.protocol, rule.protocol)
    if rule.icmp_type is not None:
        out["icmp"] = {"type": rule.icmp_type}
        if rule.icmp_code is not None:
            out["icmp"]["code"] = rule.icmp_code
    peer: dict = {}
    if rule.peer[0] == "cidr":
        peer["nets"] = [rule.peer[1]]
    elif rule.peer[0] == "group":
        peer["selector"] = calico_label_selector(membership_label_key(rule.peer[1]), MEMBERSHIP_VALUE)
        if rule.peer[1] not in local_ids:
            peer["namespaceSelector"] = calico_label_selector(MANAGED_BY_LABEL, MANAGED_BY_VALUE)
    own: dict = {}
    if rule.ports is not None:
        low, high = rule.ports
        own["ports"] = [low if low == high else f"{low}:{high}"]
    if rule.direction == "ingress":
        source, destination = peer, own
    else:
        source, destination = {}, {**peer, **own}
    if source:
        out["source"] = source
    if destination:
        out["destination"] = destination
    out["metadata"] = {"annotations": {RULE_ID_ANNOTATION: rule.rule_id}}
    return out


# ----------------------------------------------------------------------------------------------
# Entry point
# ----------------------------------------------------------------------------------------------
def _labels(sg: dict) -> dict:
    project = sg.get("project_id") or sg.get("tenant_id")
    return {PROJECT_ID_LABEL: str(project)} if project and is_label_value(str(project)) else {}


def _parse_networks(cidrs) -> list:
    networks = []
    for cidr in cidrs or ():
        try:
            networks.append(ipaddress.ip_network(str(cidr).strip(), strict=False))
        except ValueError:
            continue  # a broken subnet is reported by the network translation, not here
    return networks


def _warn_internal_prefix(rule: ParsedRule, internal: list, collector: FindingCollector) -> None:
    """A CIDR rule that named the tenant's own subnets meant "these VMs": after the move they have pod addresses."""
    if rule.peer[0] != "cidr":
        return
    network = ipaddress.ip_network(rule.peer[1])
    hits = sorted(str(n) for n in internal if n.version == network.version and network.overlaps(n))
    if hits:
        collector.warn(
            f"security_group_rules[{rule.rule_id}].remote_ip_prefix",
            f"{network} covers the tenant subnet(s) {', '.join(hits)}: migrated VMs get pod-network "
            "addresses, so traffic between them no longer matches this rule (a remote-group rule would)",
        )


def _group_policies(sg: dict, name: str, namespace: str, local_ids: set, collector: FindingCollector, internal: list = ()) -> list[dict]:
    sg_id = str(sg["id"])
    if sg.get("stateful") is False:
        collector.warn("stateful", "stateless group: Kubernetes and Calico policies are always stateful, so reply traffic is allowed without an explicit rule")
    raw_rules = sg.get("security_group_rules")
    if raw_rules is None:
        raw_rules = []
    if not isinstance(raw_rules, list):
        collector.warn("security_group_rules", f"expected a list, got {type_name(raw_rules)}; the group allows nothing")
        raw_rules = []
    parsed = [r for r in (parse_rule(raw, collector, known_group_ids=local_ids) for raw in raw_rules) if r is not None]
    for rule in parsed:
        _warn_internal_prefix(rule, internal, collector)

    selector_labels = {membership_label_key(sg_id): MEMBERSHIP_VALUE}
    ingress, calico_in = _k8s_rules(parsed, "ingress", local_ids)
    egress, calico_out = _k8s_rules(parsed, "egress", local_ids)
    meta_args = {"source_type": SOURCE_TYPE, "source_id": sg_id, "source_name": sg.get("name") or None, "labels": _labels(sg)}
    objects = [
        k8s_object(
            "networking.k8s.io/v1",
            "NetworkPolicy",
            object_meta(name, namespace, **meta_args),
            spec={"podSelector": {"matchLabels": selector_labels}, "policyTypes": ["Ingress", "Egress"], **_rule_lists(ingress, egress)},
        )
    ]
    if calico_in or calico_out:
        # Same selector and both types as the Kubernetes policy, so this object never isolates
        # a direction the Kubernetes policy leaves open.
        objects.append(
            k8s_object(
                "projectcalico.org/v3",
                "NetworkPolicy",
                object_meta(f"{name}-calico", namespace, **meta_args),
                spec={
                    "tier": CALICO_TIER,
                    "selector": calico_label_selector(*next(iter(selector_labels.items()))),
                    "types": ["Ingress", "Egress"],
                    **_rule_lists([_calico_rule(r, local_ids) for r in calico_in], [_calico_rule(r, local_ids) for r in calico_out]),
                },
            )
        )
    return objects


def deny_all_policy(namespace: str) -> dict:
    """Isolates pods whose port had port security on but no security group (OpenStack drops all their traffic)."""
    return k8s_object(
        "networking.k8s.io/v1",
        "NetworkPolicy",
        object_meta(
            DENY_ALL_POLICY_NAME, namespace, source_type="neutron.port", source_id="*", source_name="ports with port security enabled and no security group"
        ),
        spec={"podSelector": {"matchLabels": {NO_SECURITY_GROUPS_LABEL: NO_SECURITY_GROUPS_VALUE}}, "policyTypes": ["Ingress", "Egress"]},
    )


def _rule_lists(ingress: list, egress: list) -> dict:
    """The non-empty rule lists of a policy spec.

    The policy types already isolate both directions, so an empty list adds nothing; and the API server
    stores an applied empty list as absent, so sending one makes every server-side re-apply a change
    (generation bump), which breaks idempotence.
    """
    return {key: rules for key, rules in (("ingress", ingress), ("egress", egress)) if rules}


def secgroups_to_policies(security_groups: list[dict], *, namespace: str, options: TranslationOptions, internal_cidrs=()) -> tuple[list[dict], list[Finding]]:
    """All policies for one tenant's security groups, plus the deny-all policy, and the findings.

    internal_cidrs: the tenant's subnet CIDRs; CIDR rules that cover them are reported, because
    the migrated VMs no longer have those addresses.
    """
    del options  # accepted for a uniform translation interface; nothing here is tunable yet
    internal = _parse_networks(internal_cidrs)
    findings: list[Finding] = []
    if not isinstance(security_groups, list):
        collector = FindingCollector(SUBJECT_KIND, "<security group list>")
        collector.block("security_groups", f"expected a list of security groups, got {type_name(security_groups)}")
        return [deny_all_policy(namespace)], collector.findings

    valid: list[dict] = []
    seen: set = set()
    for index, sg in enumerate(security_groups):
        collector = FindingCollector(SUBJECT_KIND, describe(sg, SUBJECT_KIND) if isinstance(sg, dict) else f"#{index}")
        if not isinstance(sg, dict):
            collector.block("", f"security group entry #{index} is not an object ({type_name(sg)}); skipped")
        elif not sg.get("id") or not isinstance(sg.get("id"), str):
            collector.block("id", "security group has no id; it cannot be referenced by ports and is skipped")
        elif sg["id"] in seen:
            collector.block("id", f"duplicate security group id {sg['id']}; only the first one is translated")
        else:
            seen.add(sg["id"])
            valid.append(sg)
        findings.extend(collector.findings)

    allocator = NameAllocator(max_length=56)  # room for the "-calico" suffix
    for sg in valid:
        allocator.claim(f"sg-{sg.get('name') or ''}".rstrip("-"), sg["id"])
    names = allocator.assign()

    objects: list[dict] = []
    for sg in valid:
        collector = FindingCollector(SUBJECT_KIND, describe(sg, SUBJECT_KIND))
        objects.extend(_group_policies(sg, names[sg["id"]], namespace, seen, collector, internal))
        findings.extend(collector.findings)
    objects.append(deny_all_policy(namespace))
    return objects, findings
