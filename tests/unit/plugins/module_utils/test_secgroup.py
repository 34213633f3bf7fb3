# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Deterministic tests, one per security-group requirement of the translation (the property
test in test_secgroup_property.py checks the union semantics on random input)."""

from __future__ import annotations

import itertools
import re

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import BLOCKER, WARNING
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import (
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    PROJECT_ID_LABEL,
    SOURCE_ID_ANNOTATION,
    SOURCE_TYPE_ANNOTATION,
)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.naming import is_qualified_key
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.secgroup import (
    DENY_ALL_POLICY_NAME,
    MEMBERSHIP_VALUE,
    NO_SECURITY_GROUPS_LABEL,
    NO_SECURITY_GROUPS_VALUE,
    RULE_ID_ANNOTATION,
    membership_label_key,
    port_isolation_labels,
    secgroups_to_policies,
)
from ansible_collections.ostokubevirt.migrate.tests.unit.plugins.module_utils.netpol_evaluator import Flow, KubernetesModel

NS = "acme-web"
WEB = "11111111-1111-4111-8111-111111111111"
DB = "22222222-2222-4222-8222-222222222222"
FOREIGN = "99999999-9999-4999-8999-999999999999"
PROJECT = "0123456789abcdef0123456789abcdef"
_ids = itertools.count()
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def is_dns_label(name):
    return bool(DNS_LABEL.match(name))


def rule(direction="ingress", ethertype="IPv4", protocol=None, low=None, high=None, prefix=None, group=None):
    return {
        "id": f"r{next(_ids)}",
        "direction": direction,
        "ethertype": ethertype,
        "protocol": protocol,
        "port_range_min": low,
        "port_range_max": high,
        "remote_ip_prefix": prefix,
        "remote_group_id": group,
        "remote_address_group_id": None,
    }


def group(sg_id=WEB, *rules, name="web"):
    return {"id": sg_id, "name": name, "project_id": PROJECT, "stateful": True, "security_group_rules": list(rules)}


def translate(*groups):
    return secgroups_to_policies(list(groups), namespace=NS, options=TranslationOptions())


def k8s_policy(objects, sg_id=WEB):
    found = [
        o
        for o in objects
        if o["kind"] == "NetworkPolicy" and o["apiVersion"] == "networking.k8s.io/v1" and o["metadata"]["annotations"][SOURCE_ID_ANNOTATION] == sg_id
    ]
    assert len(found) == 1, objects
    return found[0]


def calico_policy(objects, sg_id=WEB):
    found = [o for o in objects if o["apiVersion"] == "projectcalico.org/v3" and o["metadata"]["annotations"][SOURCE_ID_ANNOTATION] == sg_id]
    return found[0] if found else None


def only_rule(objects, direction="ingress", sg_id=WEB):
    rules = k8s_policy(objects, sg_id)["spec"][direction]
    assert len(rules) == 1, rules
    return rules[0]


def member(sg_id):
    return {membership_label_key(sg_id): MEMBERSHIP_VALUE}


# ---------------------------------------------------------------------------- policy shape


def test_one_policy_per_group_selecting_members_with_both_policy_types():
    objects, findings = translate(group(WEB, rule(protocol="tcp", low=22, high=22)), group(DB, rule(protocol="tcp", low=5432, high=5432), name="db"))
    assert findings == []
    web = k8s_policy(objects, WEB)
    assert web["metadata"]["namespace"] == NS
    assert web["spec"]["podSelector"] == {"matchLabels": member(WEB)}
    assert web["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert k8s_policy(objects, DB)["spec"]["podSelector"] == {"matchLabels": member(DB)}
    assert membership_label_key(WEB) == f"sg.ostokubevirt.io/{WEB}"


def test_provenance_metadata():
    policy = k8s_policy(translate(group(WEB, rule(protocol="tcp", low=22)))[0])
    meta = policy["metadata"]
    assert meta["labels"][MANAGED_BY_LABEL] == MANAGED_BY_VALUE
    assert meta["labels"][PROJECT_ID_LABEL] == PROJECT
    assert meta["annotations"][SOURCE_TYPE_ANNOTATION] == "neutron.security_group"
    assert is_dns_label(meta["name"])


def test_group_without_egress_rules_blocks_egress():
    policy = k8s_policy(translate(group(WEB, rule(protocol="tcp", low=22, high=22)))[0])
    assert "Egress" in policy["spec"]["policyTypes"]
    assert "egress" not in policy["spec"]


def test_group_without_any_rule_isolates_both_directions():
    objects, _unused = translate(group(WEB))
    spec = k8s_policy(objects)["spec"]
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in spec and "egress" not in spec
    assert calico_policy(objects) is None


def test_default_egress_rules_allow_everything_out():
    # Neutron's default group: one any-protocol egress rule per family, no remote.
    objects, _unused = translate(group(WEB, rule("egress", "IPv4"), rule("egress", "IPv6")))
    assert k8s_policy(objects)["spec"]["egress"] == [{}]


# ---------------------------------------------------------------------------- peers and families


def test_ipv4_rule_without_remote_is_any_ipv4_peer():
    assert only_rule(translate(group(WEB, rule(protocol="tcp", low=22, high=22)))[0]) == {
        "from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
        "ports": [{"protocol": "TCP", "port": 22}],
    }


def test_ipv6_rule_without_remote_is_any_ipv6_peer():
    assert only_rule(translate(group(WEB, rule(ethertype="IPv6", protocol="tcp", low=22, high=22)))[0]) == {
        "from": [{"ipBlock": {"cidr": "::/0"}}],
        "ports": [{"protocol": "TCP", "port": 22}],
    }


@pytest.mark.parametrize("ethertype, prefix, cidr", [("IPv4", "0.0.0.0/0", "0.0.0.0/0"), ("IPv6", "::/0", "::/0")])
def test_zero_prefix_means_any_peer_of_that_family(ethertype, prefix, cidr):
    with_prefix = only_rule(translate(group(WEB, rule(ethertype=ethertype, protocol="udp", low=53, prefix=prefix)))[0])
    without = only_rule(translate(group(WEB, rule(ethertype=ethertype, protocol="udp", low=53)))[0])
    assert with_prefix == without
    assert with_prefix["from"] == [{"ipBlock": {"cidr": cidr}}]


def test_both_families_open_means_no_peer_restriction():
    objects, _unused = translate(group(WEB, rule(protocol="tcp", low=443, prefix="0.0.0.0/0"), rule(ethertype="IPv6", protocol="tcp", low=443, prefix="::/0")))
    assert only_rule(objects) == {"ports": [{"protocol": "TCP", "port": 443}]}


def test_design_bug_slash_24_is_never_emitted_for_any():
    objects, _unused = translate(group(WEB, rule(protocol="tcp", low=22, prefix="0.0.0.0/0")))
    assert "0.0.0.0/24" not in repr(objects)


@pytest.mark.parametrize("prefix, cidr", [("10.0.0.0/24", "10.0.0.0/24"), ("10.0.0.7/24", "10.0.0.0/24"), ("192.0.2.5/32", "192.0.2.5/32")])
def test_remote_ipv4_cidr_becomes_ip_block(prefix, cidr):
    assert only_rule(translate(group(WEB, rule(protocol="tcp", low=22, prefix=prefix)))[0])["from"] == [{"ipBlock": {"cidr": cidr}}]


def test_remote_ipv6_cidr_becomes_ip_block():
    assert only_rule(translate(group(WEB, rule(ethertype="IPv6", protocol="tcp", low=22, prefix="2001:db8::/64")))[0])["from"] == [
        {"ipBlock": {"cidr": "2001:db8::/64"}}
    ]


def test_egress_rule_uses_to_peers():
    objects, _unused = translate(group(WEB, rule("egress", protocol="tcp", low=5432, prefix="10.1.0.0/16")))
    assert "ingress" not in k8s_policy(objects)["spec"]
    assert only_rule(objects, "egress") == {"to": [{"ipBlock": {"cidr": "10.1.0.0/16"}}], "ports": [{"protocol": "TCP", "port": 5432}]}


def test_remote_group_becomes_pod_selector_on_membership_label():
    objects, findings = translate(
        group(WEB, rule(protocol="tcp", low=80, group=DB), rule(ethertype="IPv6", protocol="tcp", low=80, group=DB)), group(DB, name="db")
    )
    assert findings == []
    assert only_rule(objects) == {"from": [{"podSelector": {"matchLabels": member(DB)}}], "ports": [{"protocol": "TCP", "port": 80}]}


def test_self_referencing_group_selects_its_own_members():
    objects, _unused = translate(group(WEB, rule(group=WEB), rule(ethertype="IPv6", group=WEB)))
    assert only_rule(objects) == {"from": [{"podSelector": {"matchLabels": member(WEB)}}]}


def test_cross_project_remote_group_uses_namespace_selector_and_is_reported():
    objects, findings = translate(group(WEB, rule(protocol="tcp", low=80, group=FOREIGN), rule(ethertype="IPv6", protocol="tcp", low=80, group=FOREIGN)))
    peer = only_rule(objects)["from"][0]
    assert peer == {"podSelector": {"matchLabels": member(FOREIGN)}, "namespaceSelector": {"matchLabels": {MANAGED_BY_LABEL: MANAGED_BY_VALUE}}}
    assert findings and all(f.severity == WARNING and "another project" in f.message for f in findings)
    assert any(f.field.endswith(".remote_group_id") for f in findings)


def test_remote_group_for_one_family_only_goes_to_calico_with_ip_version():
    # A podSelector matches both address families; only Calico can keep the IPv4 restriction.
    objects, _unused = translate(group(WEB, rule(protocol="tcp", low=80, group=DB)), group(DB, name="db"))
    assert "ingress" not in k8s_policy(objects)["spec"]
    calico = calico_policy(objects)
    assert calico["spec"]["ingress"][0]["ipVersion"] == 4
    assert calico["spec"]["ingress"][0]["source"] == {"selector": f"{membership_label_key(DB)} == '{MEMBERSHIP_VALUE}'"}
    assert calico["spec"]["ingress"][0]["destination"] == {"ports": [80]}


# ---------------------------------------------------------------------------- protocols and ports


@pytest.mark.parametrize("protocol, expected", [("tcp", "TCP"), ("udp", "UDP"), ("sctp", "SCTP"), ("6", "TCP"), ("17", "UDP"), ("132", "SCTP"), ("TCP", "TCP")])
def test_port_protocols(protocol, expected):
    assert only_rule(translate(group(WEB, rule(protocol=protocol, low=1000, high=1000)))[0])["ports"] == [{"protocol": expected, "port": 1000}]


def test_port_range_becomes_end_port():
    assert only_rule(translate(group(WEB, rule(protocol="tcp", low=8000, high=8100)))[0])["ports"] == [{"protocol": "TCP", "port": 8000, "endPort": 8100}]


def test_single_port_has_no_end_port():
    assert "endPort" not in only_rule(translate(group(WEB, rule(protocol="udp", low=53, high=53)))[0])["ports"][0]


@pytest.mark.parametrize("low, high", [(None, None), (1, 65535)])
def test_all_ports_of_one_protocol(low, high):
    assert only_rule(translate(group(WEB, rule(protocol="udp", low=low, high=high)))[0])["ports"] == [{"protocol": "UDP"}]


def test_several_ports_for_the_same_peer_share_one_rule():
    objects, _unused = translate(group(WEB, rule(protocol="tcp", low=80, high=80), rule(protocol="tcp", low=443, high=443)))
    assert only_rule(objects)["ports"] == [{"protocol": "TCP", "port": 80}, {"protocol": "TCP", "port": 443}]


@pytest.mark.parametrize("protocol", [None, "any"])
def test_any_protocol_rule_has_no_ports(protocol):
    rule_obj = only_rule(translate(group(WEB, rule(protocol=protocol, prefix="10.0.0.0/8")))[0])
    assert rule_obj == {"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}


def test_any_protocol_absorbs_port_rules_for_the_same_peer():
    objects, _unused = translate(group(WEB, rule(protocol=None, prefix="10.0.0.0/8"), rule(protocol="tcp", low=22, prefix="10.0.0.0/8")))
    assert only_rule(objects) == {"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}


def test_any_protocol_rule_still_lets_kubernetes_cover_icmp():
    """No Calico object is needed: a port-less Kubernetes rule already admits ICMP and every other protocol."""
    objects, _unused = translate(group(WEB, rule(protocol=None)))
    assert calico_policy(objects) is None


# ---------------------------------------------------------------------------- Calico


def test_icmp_goes_to_calico_with_type_and_code():
    objects, findings = translate(group(WEB, rule(protocol="tcp", low=22), rule(protocol="icmp", low=8, high=0, prefix="10.0.0.0/8")))
    assert findings == []
    k8s = k8s_policy(objects)
    assert k8s["spec"]["ingress"] == [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 22}]}]
    calico = calico_policy(objects)
    assert calico["apiVersion"] == "projectcalico.org/v3" and calico["kind"] == "NetworkPolicy"
    assert calico["metadata"]["namespace"] == NS
    assert calico["spec"]["selector"] == f"{membership_label_key(WEB)} == '{MEMBERSHIP_VALUE}'"
    assert calico["spec"]["types"] == ["Ingress", "Egress"]
    assert "egress" not in calico["spec"]
    (icmp,) = calico["spec"]["ingress"]
    assert icmp["action"] == "Allow" and icmp["protocol"] == "ICMP" and icmp["ipVersion"] == 4
    assert icmp["icmp"] == {"type": 8, "code": 0}
    assert icmp["source"] == {"nets": ["10.0.0.0/8"]}
    assert icmp["metadata"]["annotations"][RULE_ID_ANNOTATION].startswith("r")


def test_icmp_type_without_code():
    calico = calico_policy(translate(group(WEB, rule(protocol="icmp", low=3)))[0])
    assert calico["spec"]["ingress"][0]["icmp"] == {"type": 3}


def test_icmp_without_type_matches_all_icmp():
    calico = calico_policy(translate(group(WEB, rule(protocol="icmp")))[0])
    entry = calico["spec"]["ingress"][0]
    assert entry["protocol"] == "ICMP" and "icmp" not in entry and "source" not in entry


@pytest.mark.parametrize("protocol", ["ipv6-icmp", "icmpv6", "58", "icmp"])
def test_icmpv6_on_ipv6_rules(protocol):
    calico = calico_policy(translate(group(WEB, rule("egress", "IPv6", protocol=protocol, low=128, high=0)))[0])
    (entry,) = calico["spec"]["egress"]
    assert entry["protocol"] == "ICMPv6" and entry["ipVersion"] == 6 and entry["icmp"] == {"type": 128, "code": 0}


def test_egress_icmp_to_remote_group_puts_peer_in_destination():
    objects, _unused = translate(group(WEB, rule("egress", protocol="icmp", group=DB)), group(DB, name="db"))
    (entry,) = calico_policy(objects)["spec"]["egress"]
    assert "source" not in entry
    assert entry["destination"] == {"selector": f"{membership_label_key(DB)} == '{MEMBERSHIP_VALUE}'"}


def test_icmp_from_cross_project_group_has_calico_namespace_selector():
    objects, _unused = translate(group(WEB, rule(protocol="icmp", group=FOREIGN)))
    source = calico_policy(objects)["spec"]["ingress"][0]["source"]
    assert source["namespaceSelector"] == f"{MANAGED_BY_LABEL} == '{MANAGED_BY_VALUE}'"


@pytest.mark.parametrize("protocol, number", [("gre", 47), ("47", 47), ("vrrp", 112), ("esp", 50)])
def test_other_ip_protocols_go_to_calico_by_number(protocol, number):
    objects, _unused = translate(group(WEB, rule(protocol=protocol, prefix="10.0.0.0/8")))
    assert "ingress" not in k8s_policy(objects)["spec"]
    entry = calico_policy(objects)["spec"]["ingress"][0]
    assert entry["protocol"] == number and entry["source"] == {"nets": ["10.0.0.0/8"]}


def test_calico_policy_name_follows_kubernetes_policy():
    objects, _unused = translate(group(WEB, rule(protocol="icmp")))
    assert calico_policy(objects)["metadata"]["name"] == k8s_policy(objects)["metadata"]["name"] + "-calico"


# ---------------------------------------------------------------------------- ports and membership


def test_port_in_several_groups_carries_every_membership_label():
    labels = port_isolation_labels({"id": "p", "security_groups": [WEB, DB]})
    assert labels == {**member(WEB), **member(DB)}


def test_port_without_groups_is_denied_everything():
    assert port_isolation_labels({"id": "p", "security_groups": []}) == {NO_SECURITY_GROUPS_LABEL: NO_SECURITY_GROUPS_VALUE}
    objects, _unused = translate(group(WEB))
    (deny,) = [o for o in objects if o["metadata"]["name"] == DENY_ALL_POLICY_NAME]
    assert deny["spec"] == {
        "podSelector": {"matchLabels": {NO_SECURITY_GROUPS_LABEL: NO_SECURITY_GROUPS_VALUE}},
        "policyTypes": ["Ingress", "Egress"],
    }


@pytest.mark.parametrize(
    "port", [{"id": "p", "port_security_enabled": False, "security_groups": []}, {"id": "p", "port_security_enabled": False, "security_groups": [WEB]}]
)
def test_port_security_disabled_means_no_isolation(port):
    labels = port_isolation_labels(port)
    assert labels == {}
    objects, _unused = translate(group(WEB))
    # No generated policy selects a pod without labels, so Kubernetes leaves it unisolated.
    for obj in objects:
        if obj["apiVersion"] == "networking.k8s.io/v1":
            assert obj["spec"]["podSelector"]["matchLabels"]
            assert not set(obj["spec"]["podSelector"]["matchLabels"].items()) <= set(labels.items())


def _world(objects, labels_by_vm):
    pods = {vm: {"namespace": NS, "labels": labels} for vm, labels in labels_by_vm.items()}
    addresses = {"a": {4: "10.0.0.1", 6: "fd00::1"}, "b": {4: "10.0.0.2", 6: "fd00::2"}, "outside": {4: "203.0.113.9", 6: "2001:db8::9"}}
    return KubernetesModel(objects, pods, {NS: {MANAGED_BY_LABEL: MANAGED_BY_VALUE}}, addresses)


def test_vm_in_several_groups_gets_the_union_of_their_rules():
    objects, _unused = translate(group(WEB, rule(protocol="tcp", low=22)), group(DB, rule(protocol="tcp", low=5432), name="db"))
    both = port_isolation_labels({"id": "pa", "security_groups": [WEB, DB]})
    web_only = port_isolation_labels({"id": "pb", "security_groups": [WEB]})
    model = _world(objects, {"a": both, "b": web_only})
    assert model.allowed(Flow("outside", "a", 4, 6, port=22))
    assert model.allowed(Flow("outside", "a", 4, 6, port=5432))
    assert model.allowed(Flow("outside", "b", 4, 6, port=22))
    assert not model.allowed(Flow("outside", "b", 4, 6, port=5432))
    assert not model.allowed(Flow("outside", "a", 4, 6, port=80))
    # Neither group has egress rules, so both VMs are cut off outbound as in OpenStack.
    assert not model.allowed(Flow("a", "outside", 4, 6, port=443))


def test_remote_group_admits_only_members():
    objects, _unused = translate(
        group(WEB, rule(protocol="tcp", low=80, group=DB), rule(ethertype="IPv6", protocol="tcp", low=80, group=DB), rule("egress"), rule("egress", "IPv6")),
        group(DB, rule("egress"), rule("egress", "IPv6"), name="db"),
    )
    model = _world(objects, {"a": port_isolation_labels({"security_groups": [WEB]}), "b": port_isolation_labels({"security_groups": [DB]})})
    assert model.allowed(Flow("b", "a", 4, 6, port=80))
    assert model.allowed(Flow("b", "a", 6, 6, port=80))
    assert not model.allowed(Flow("outside", "a", 4, 6, port=80))


# ---------------------------------------------------------------------------- naming and errors


def test_groups_with_the_same_name_get_distinct_policy_names():
    objects, _unused = translate(group(WEB, name="default"), group(DB, name="default"))
    names = [o["metadata"]["name"] for o in objects]
    assert len(names) == len(set(names))
    assert all(is_dns_label(n) for n in names)


@pytest.mark.parametrize(
    "bad, field, needle",
    [
        ({"prefix": "10.0.0.0/33"}, "remote_ip_prefix", "invalid CIDR"),
        ({"prefix": "::/0"}, "remote_ip_prefix", "does not match ethertype"),
        ({"protocol": "tcp", "low": 90, "high": 80}, "port_range_min", "greater than"),
        ({"protocol": "tcp", "low": 0, "high": 80}, "port_range_min", "outside 1-65535"),
        ({"protocol": "bogus"}, "protocol", "unknown protocol"),
        ({"protocol": "gre", "low": 1}, "port_range_min", "not valid with"),
        ({"protocol": "icmp", "low": 255}, "port_range_min", "Calico accepts 0-254"),
        ({"ethertype": "IPv5"}, "ethertype", "unknown ethertype"),
        ({"direction": "sideways"}, "direction", "unknown direction"),
        ({"prefix": "10.0.0.0/8", "group": DB}, "remote_ip_prefix", "both set"),
    ],
)
def test_invalid_rules_are_skipped_with_a_finding_naming_group_rule_and_field(bad, field, needle):
    args = {"protocol": "tcp", "low": 22, **bad}
    direction = args.pop("direction", "ingress")
    ethertype = args.pop("ethertype", "IPv4")
    bad_rule = rule(direction, ethertype, **args)
    objects, findings = translate(group(WEB, bad_rule))
    assert "ingress" not in k8s_policy(objects)["spec"]
    assert calico_policy(objects) is None
    (finding,) = findings
    assert finding.subject == f"web ({WEB})" and finding.subject_kind == "security_group"
    assert finding.field == f"security_group_rules[{bad_rule['id']}].{field}"
    assert needle in finding.message


def test_remote_address_group_is_reported_not_widened():
    bad = rule(protocol="tcp", low=22)
    bad["remote_address_group_id"] = "ag-1"
    objects, findings = translate(group(WEB, bad))
    assert "ingress" not in k8s_policy(objects)["spec"]
    assert "remote address groups" in findings[0].message


def test_stateless_group_is_reported():
    sg = group(WEB, rule(protocol="tcp", low=22))
    sg["stateful"] = False
    _unused, findings = translate(sg)
    assert [f.field for f in findings] == ["stateful"]


@pytest.mark.parametrize(
    "groups, field",
    [
        ([{"name": "no-id"}], "id"),
        (["text"], ""),
        ([group(WEB), group(WEB)], "id"),
    ],
)
def test_broken_groups_are_blocked_and_the_rest_translated(groups, field):
    objects, findings = translate(group(DB, name="db"), *groups)
    k8s_policy(objects, DB)
    assert [(f.severity, f.field) for f in findings] == [(BLOCKER, field)]


def test_non_list_input_is_a_blocker_not_a_traceback():
    objects, findings = secgroups_to_policies("nope", namespace=NS, options=TranslationOptions())
    assert findings[0].severity == BLOCKER and "expected a list" in findings[0].message
    assert [o["metadata"]["name"] for o in objects] == [DENY_ALL_POLICY_NAME]


def test_non_uuid_group_id_still_gives_a_valid_label_key():
    key = membership_label_key("Weird Group/ID with spaces and more than sixty-three characters in it")
    assert is_qualified_key(key) and key.startswith("sg.ostokubevirt.io/")


def test_cidr_rule_covering_a_tenant_subnet_is_reported():
    groups = [
        group(
            WEB,
            rule(protocol="tcp", low=22, prefix="10.0.0.0/16"),
            rule(protocol="tcp", low=80),
            rule(protocol="tcp", low=443, prefix="203.0.113.0/24"),
            rule(ethertype="IPv6", protocol="tcp", low=22, prefix="fd00::/64"),
        )
    ]
    objects, findings = secgroups_to_policies(groups, namespace=NS, options=TranslationOptions(), internal_cidrs=["10.0.1.0/24", "fd00::/64", "not-a-cidr"])
    assert [(f.severity, f.field) for f in findings] == [
        (WARNING, f"security_group_rules[{groups[0]['security_group_rules'][0]['id']}].remote_ip_prefix"),
        (WARNING, f"security_group_rules[{groups[0]['security_group_rules'][3]['id']}].remote_ip_prefix"),
    ]
    assert "10.0.1.0/24" in findings[0].message
    # Reported, not changed: the rule is still translated as written.
    assert {"ipBlock": {"cidr": "10.0.0.0/16"}} in [p for r in k8s_policy(objects)["spec"]["ingress"] for p in r.get("from", [])]
    assert translate(*groups)[1] == []
