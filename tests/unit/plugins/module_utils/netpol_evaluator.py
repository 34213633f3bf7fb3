# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Two independent packet-filter evaluators used to check the security-group translation.

OpenStackModel decides a new connection the way Neutron's security groups do, straight from
the raw API objects. KubernetesModel decides it from the generated objects the way a
Kubernetes cluster with Calico does: networking.k8s.io/v1 NetworkPolicy and
projectcalico.org/v3 NetworkPolicy, additive allow rules, default allow for a pod no policy
selects for that direction. Neither imports the translation code, so a shared mistake in
reading a rule cannot hide.

A flow is one new connection (both models are stateful, replies are always allowed) from
`src` to `dst`, each an endpoint name. Endpoints with a port/pod are filtered on their side
(egress at the source, ingress at the destination); other endpoints are plain addresses.
Pods are assumed to keep their VM's addresses, so CIDR rules see the same address in both
worlds (see docs: pod-network VMs get new addresses, CIDR rules naming them must be revised).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re


@dataclasses.dataclass(frozen=True)
class Flow:
    src: str
    dst: str
    family: int  # 4 or 6
    protocol: int  # IANA number
    port: int | None = None  # destination port for TCP/UDP/SCTP
    icmp_type: int | None = None
    icmp_code: int | None = None


def _in_network(address: str | None, cidr: str) -> bool:
    if address is None:
        return False
    net = ipaddress.ip_network(cidr, strict=False)
    addr = ipaddress.ip_address(address)
    return addr.version == net.version and addr in net


# ----------------------------------------------------------------------------------------------
# OpenStack (Neutron security groups)
# ----------------------------------------------------------------------------------------------
_NEUTRON_NAMES = {"tcp": 6, "udp": 17, "sctp": 132, "icmp": 1, "ipv6-icmp": 58, "icmpv6": 58, "gre": 47}


class OpenStackModel:
    """groups: the tenant's security groups; ports: endpoint -> Neutron port (tenant and foreign VMs);
    filtered: endpoints whose own groups are enforced here (the tenant's VMs); addresses: endpoint -> {4: ip, 6: ip}."""

    def __init__(self, groups: list[dict], ports: dict[str, dict], filtered: set[str], addresses: dict[str, dict]):
        self.groups = {g["id"]: g for g in groups}
        self.ports = ports
        self.filtered = filtered
        self.addresses = addresses

    def _groups_of(self, endpoint: str) -> list[str] | None:
        """None = not filtered (port security off); [] = filtered, no group."""
        port = self.ports[endpoint]
        if port.get("port_security_enabled", True) is False:
            return None
        return list(port.get("security_groups") or [])

    def _is_member(self, endpoint: str, group_id: str) -> bool:
        port = self.ports.get(endpoint)
        if port is None or port.get("port_security_enabled", True) is False:
            return False
        return group_id in (port.get("security_groups") or [])

    @staticmethod
    def _protocol(rule: dict) -> int | None:
        proto = rule.get("protocol")
        if proto is None or str(proto).lower() == "any":
            return None
        text = str(proto).lower()
        number = int(text) if text.isdigit() else _NEUTRON_NAMES[text]
        if rule["ethertype"] == "IPv6" and number == 1:
            number = 58  # Neutron stores "icmp" on an IPv6 rule as ipv6-icmp
        return number

    def _rule_matches(self, rule: dict, flow: Flow, peer: str) -> bool:
        if rule["ethertype"] != f"IPv{flow.family}":
            return False
        proto = self._protocol(rule)
        if proto is not None:
            if proto != flow.protocol:
                return False
            low, high = rule.get("port_range_min"), rule.get("port_range_max")
            if proto in (6, 17, 132) and low is not None:
                high = low if high is None else high
                if flow.port is None or not low <= flow.port <= high:
                    return False
            if proto in (1, 58) and low is not None:
                if flow.icmp_type != low or (high is not None and flow.icmp_code != high):
                    return False
        peer_address = self.addresses.get(peer, {}).get(flow.family)
        if rule.get("remote_ip_prefix"):
            return _in_network(peer_address, rule["remote_ip_prefix"])
        if rule.get("remote_group_id"):
            # Neutron matches the addresses of the group's member ports.
            return peer_address is not None and self._is_member(peer, rule["remote_group_id"])
        return True

    def _side_allows(self, endpoint: str, direction: str, flow: Flow, peer: str) -> bool:
        if endpoint not in self.filtered:
            return True
        groups = self._groups_of(endpoint)
        if groups is None:
            return True
        for group_id in groups:
            for rule in self.groups.get(group_id, {}).get("security_group_rules", []):
                if rule["direction"] == direction and self._rule_matches(rule, flow, peer):
                    return True
        return False

    def allowed(self, flow: Flow) -> bool:
        return self._side_allows(flow.src, "egress", flow, flow.dst) and self._side_allows(flow.dst, "ingress", flow, flow.src)


# ----------------------------------------------------------------------------------------------
# Kubernetes NetworkPolicy + Calico NetworkPolicy
# ----------------------------------------------------------------------------------------------
def match_label_selector(selector: dict | None, labels: dict) -> bool:
    """metav1.LabelSelector: matchLabels AND matchExpressions; an empty selector matches everything."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            raise ValueError(f"unknown matchExpressions operator {op!r}")
    return True


_CALICO_TERM = re.compile(
    r"""^\s*(?:
    (?P<all>all\(\))
  | has\((?P<has>[A-Za-z0-9_./-]+)\)
  | (?P<key>[A-Za-z0-9_./-]+)\s*(?P<op>==|!=)\s*'(?P<value>[^']*)'
)\s*$""",
    re.VERBOSE,
)


def match_calico_selector(selector: str | None, labels: dict) -> bool:
    """The subset of Calico's selector language the translation emits: all(), has(k), k == 'v', k != 'v', &&, ||."""
    if selector is None or not selector.strip():
        return True
    for alternative in selector.split("||"):
        ok = True
        for term in alternative.split("&&"):
            match = _CALICO_TERM.match(term)
            if not match:
                raise ValueError(f"unsupported Calico selector term {term!r}")
            if match["all"]:
                continue
            if match["has"]:
                ok = ok and match["has"] in labels
            elif match["op"] == "==":
                ok = ok and labels.get(match["key"]) == match["value"]
            else:
                ok = ok and labels.get(match["key"]) != match["value"]
        if ok:
            return True
    return False


_K8S_PROTOCOLS = {"TCP": 6, "UDP": 17, "SCTP": 132}
_CALICO_PROTOCOLS = {"TCP": 6, "UDP": 17, "SCTP": 132, "ICMP": 1, "ICMPv6": 58, "UDPLite": 136}


class KubernetesModel:
    """objects: generated manifests; pods: endpoint -> {"namespace", "labels"}; namespaces: name -> labels;
    addresses: endpoint -> {4: ip, 6: ip}. Endpoints that are not pods are external addresses."""

    def __init__(self, objects: list[dict], pods: dict[str, dict], namespaces: dict[str, dict], addresses: dict[str, dict]):
        self.k8s = [o for o in objects if o["apiVersion"] == "networking.k8s.io/v1" and o["kind"] == "NetworkPolicy"]
        self.calico = [o for o in objects if o["apiVersion"] == "projectcalico.org/v3" and o["kind"] == "NetworkPolicy"]
        unknown = [o for o in objects if o not in self.k8s and o not in self.calico]
        if unknown:
            raise ValueError(f"evaluator does not model {[(o['apiVersion'], o['kind']) for o in unknown]}")
        self.pods = pods
        self.namespaces = namespaces
        self.addresses = addresses

    # -- Kubernetes ------------------------------------------------------------------------
    def _k8s_peer_matches(self, peer: dict, policy_ns: str, other: str, family: int) -> bool:
        if "ipBlock" in peer:
            block = peer["ipBlock"]
            address = self.addresses.get(other, {}).get(family)
            # Calico applies ipBlock to every source, pods included.
            return _in_network(address, block["cidr"]) and not any(_in_network(address, e) for e in block.get("except") or [])
        pod = self.pods.get(other)
        if pod is None or self.addresses.get(other, {}).get(family) is None:
            return False
        if "namespaceSelector" in peer:
            if not match_label_selector(peer["namespaceSelector"], self.namespaces.get(pod["namespace"], {})):
                return False
        elif pod["namespace"] != policy_ns:
            return False  # a podSelector alone means the policy's own namespace
        return match_label_selector(peer.get("podSelector"), pod["labels"])

    @staticmethod
    def _k8s_port_matches(entry: dict, flow: Flow) -> bool:
        if _K8S_PROTOCOLS[entry.get("protocol", "TCP")] != flow.protocol:
            return False
        if "port" not in entry:
            return True
        start = entry["port"]
        if not isinstance(start, int):
            raise ValueError("named ports are not modelled")
        return flow.port is not None and start <= flow.port <= entry.get("endPort", start)

    def _k8s_rule_matches(self, rule: dict, direction: str, policy_ns: str, other: str, flow: Flow) -> bool:
        peers = rule.get("from" if direction == "ingress" else "to")
        if peers and not any(self._k8s_peer_matches(p, policy_ns, other, flow.family) for p in peers):
            return False
        ports = rule.get("ports")
        return not ports or any(self._k8s_port_matches(p, flow) for p in ports)

    # -- Calico ----------------------------------------------------------------------------
    def _calico_entity_matches(self, entity: dict, policy_ns: str, endpoint: str, flow: Flow, check_ports: bool) -> bool:
        address = self.addresses.get(endpoint, {}).get(flow.family)
        if "nets" in entity and not any(_in_network(address, n) for n in entity["nets"]):
            return False
        if "notNets" in entity and any(_in_network(address, n) for n in entity["notNets"]):
            return False
        if "selector" in entity or "namespaceSelector" in entity:
            pod = self.pods.get(endpoint)
            if pod is None:
                return False
            if "namespaceSelector" in entity:
                if not match_calico_selector(entity["namespaceSelector"], self.namespaces.get(pod["namespace"], {})):
                    return False
            elif pod["namespace"] != policy_ns:
                return False
            if not match_calico_selector(entity.get("selector"), pod["labels"]):
                return False
        if check_ports and "ports" in entity:
            if flow.port is None:
                return False
            ok = False
            for item in entity["ports"]:
                low, dummy, high = str(item).partition(":")
                ok = ok or int(low) <= flow.port <= int(high or low)
            if not ok:
                return False
        return True

    def _calico_rule_matches(self, rule: dict, direction: str, policy_ns: str, me: str, other: str, flow: Flow) -> bool:
        if rule["action"] != "Allow":
            raise ValueError(f"only Allow rules are modelled, got {rule['action']!r}")
        if "ipVersion" in rule and rule["ipVersion"] != flow.family:
            return False
        if "protocol" in rule:
            proto = rule["protocol"]
            number = _CALICO_PROTOCOLS[proto] if isinstance(proto, str) else int(proto)
            if number != flow.protocol:
                return False
        if "icmp" in rule:
            icmp = rule["icmp"]
            if "type" in icmp and icmp["type"] != flow.icmp_type:
                return False
            if "code" in icmp and icmp["code"] != flow.icmp_code:
                return False
        src, dst = (other, me) if direction == "ingress" else (me, other)
        return self._calico_entity_matches(rule.get("source") or {}, policy_ns, src, flow, check_ports=False) and self._calico_entity_matches(
            rule.get("destination") or {}, policy_ns, dst, flow, check_ports=True
        )

    # -- Decision --------------------------------------------------------------------------
    def _side_allows(self, endpoint: str, direction: str, flow: Flow, other: str) -> bool:
        pod = self.pods.get(endpoint)
        if pod is None:
            return True
        kind = "Ingress" if direction == "ingress" else "Egress"
        isolated = False
        for policy in self.k8s:
            spec = policy["spec"]
            if policy["metadata"]["namespace"] != pod["namespace"] or not match_label_selector(spec["podSelector"], pod["labels"]):
                continue
            types = spec.get("policyTypes") or (["Ingress", "Egress"] if spec.get("egress") else ["Ingress"])
            if kind not in types:
                continue
            isolated = True
            for rule in spec.get(direction) or []:
                if self._k8s_rule_matches(rule, direction, pod["namespace"], other, flow):
                    return True
        for policy in self.calico:
            spec = policy["spec"]
            if policy["metadata"]["namespace"] != pod["namespace"] or not match_calico_selector(spec.get("selector"), pod["labels"]):
                continue
            types = spec.get("types") or (["Ingress", "Egress"] if spec.get("egress") else ["Ingress"])
            if kind not in types:
                continue
            isolated = True
            for rule in spec.get(direction) or []:
                if self._calico_rule_matches(rule, direction, pod["namespace"], endpoint, other, flow):
                    return True
        return not isolated

    def allowed(self, flow: Flow) -> bool:
        return self._side_allows(flow.src, "egress", flow, flow.dst) and self._side_allows(flow.dst, "ingress", flow, flow.src)
