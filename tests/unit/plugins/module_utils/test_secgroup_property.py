# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Property test: for random security groups, VMs and connections, the generated Kubernetes +
Calico policies allow exactly what Neutron allows (two independent evaluators must agree)."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import MANAGED_BY_LABEL, MANAGED_BY_VALUE
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.secgroup import (
    MEMBERSHIP_VALUE,
    membership_label_key,
    port_isolation_labels,
    secgroups_to_policies,
)
from ansible_collections.ostokubevirt.migrate.tests.unit.plugins.module_utils.netpol_evaluator import Flow, KubernetesModel, OpenStackModel

TENANT_GROUPS = [f"aaaaaaaa-0000-4000-8000-00000000000{i}" for i in range(1, 4)]
FOREIGN_GROUP = "ffffffff-0000-4000-8000-000000000001"
NAMESPACE = "tenant"
OTHER_NAMESPACE = "other-tenant"
PORTS = [22, 80, 443, 1000, 2000, 8080]
CIDRS = {
    4: ["0.0.0.0/0", "10.0.0.0/24", "10.0.0.2/32", "203.0.113.0/24", "10.0.0.0/8", "10.0.0.0/30"],
    6: ["::/0", "fd00::/64", "fd00::2/128", "2001:db8::/32", "fd00::/126"],
}
PROTOCOLS = {
    4: [None, "any", "tcp", "udp", "sctp", "icmp", "6", "17", "132", "1", "47", "gre"],
    6: [None, "any", "tcp", "udp", "sctp", "icmp", "ipv6-icmp", "icmpv6", "58", "6", "17", "132", "47"],
}
PORT_PROTOCOLS = {"tcp", "udp", "sctp", "6", "17", "132"}
ICMP_PROTOCOLS = {"icmp", "ipv6-icmp", "icmpv6", "1", "58"}
VMS = ["vm0", "vm1", "vm2"]
ADDRESSES = {
    "vm0": {4: "10.0.0.1", 6: "fd00::1"},
    "vm1": {4: "10.0.0.2", 6: "fd00::2"},
    "vm2": {4: "10.0.0.3", 6: "fd00::3"},
    "foreign": {4: "10.1.0.5", 6: "fd01::5"},
    "ext-internet": {4: "203.0.113.7", 6: "2001:db8::7"},
    "ext-same-subnet": {4: "10.0.0.200", 6: "fd00::200"},
    "ext-other": {4: "198.51.100.1", 6: "2001:db8:1::1"},
}
ENDPOINTS = sorted(ADDRESSES)


@st.composite
def rules(draw):
    family = draw(st.sampled_from([4, 6]))
    protocol = draw(st.sampled_from(PROTOCOLS[family]))
    rule = {
        "direction": draw(st.sampled_from(["ingress", "egress"])),
        "ethertype": f"IPv{family}",
        "protocol": protocol,
        "port_range_min": None,
        "port_range_max": None,
        "remote_ip_prefix": None,
        "remote_group_id": None,
        "remote_address_group_id": None,
    }
    if protocol in PORT_PROTOCOLS:
        shape = draw(st.sampled_from(["all", "single", "range", "full", "min-only"]))
        if shape == "single":
            rule["port_range_min"] = rule["port_range_max"] = draw(st.sampled_from(PORTS))
        elif shape == "range":
            low, high = sorted(draw(st.lists(st.sampled_from(PORTS), min_size=2, max_size=2)))
            rule["port_range_min"], rule["port_range_max"] = low, high
        elif shape == "full":
            rule["port_range_min"], rule["port_range_max"] = 1, 65535
        elif shape == "min-only":
            rule["port_range_min"] = draw(st.sampled_from(PORTS))
    elif protocol in ICMP_PROTOCOLS:
        shape = draw(st.sampled_from(["all", "type", "type-code"]))
        if shape != "all":
            rule["port_range_min"] = draw(st.sampled_from([0, 3, 8]))
        if shape == "type-code":
            rule["port_range_max"] = draw(st.sampled_from([0, 1]))
    remote = draw(st.sampled_from(["any", "cidr", "group"]))
    if remote == "cidr":
        rule["remote_ip_prefix"] = draw(st.sampled_from(CIDRS[family]))
    elif remote == "group":
        rule["remote_group_id"] = draw(st.sampled_from([*TENANT_GROUPS, FOREIGN_GROUP]))
    return rule


@st.composite
def worlds(draw):
    group_count = draw(st.integers(min_value=1, max_value=3))
    groups = []
    counter = itertools.count()
    for sg_id in TENANT_GROUPS[:group_count]:
        group_rules = draw(st.lists(rules(), max_size=6))
        for rule in group_rules:
            rule["id"] = f"rule-{next(counter)}"
            rule["security_group_id"] = sg_id
        # Same name on purpose: policy names must still be unique.
        groups.append({"id": sg_id, "name": "default", "stateful": True, "security_group_rules": group_rules})
    ports = {}
    for vm in VMS:
        secured = draw(st.sampled_from([True, True, True, False, None]))
        port = {"id": f"port-{vm}", "security_groups": []}
        if secured is not None:
            port["port_security_enabled"] = secured
        if secured is not False:
            port["security_groups"] = draw(st.lists(st.sampled_from(TENANT_GROUPS[:group_count]), unique=True, max_size=3))
        ports[vm] = port
    ports["foreign"] = {"id": "port-foreign", "security_groups": [FOREIGN_GROUP]}
    return groups, ports


@st.composite
def flows(draw):
    src, dst = draw(st.lists(st.sampled_from(ENDPOINTS), min_size=2, max_size=2, unique=True))
    family = draw(st.sampled_from([4, 6]))
    protocol = draw(st.sampled_from([6, 17, 132, "icmp", 47, 136]))
    if protocol == "icmp":
        return Flow(src, dst, family, 1 if family == 4 else 58, icmp_type=draw(st.sampled_from([0, 3, 8])), icmp_code=draw(st.sampled_from([0, 1])))
    port = draw(st.sampled_from([*PORTS, 1, 65535, 500])) if protocol in (6, 17, 132, 136) else None
    return Flow(src, dst, family, protocol, port=port)


def _kubernetes_world(ports: dict) -> tuple[dict, dict]:
    pods = {vm: {"namespace": NAMESPACE, "labels": {"kubevirt.io/domain": vm, **port_isolation_labels(ports[vm])}} for vm in VMS}
    # The other project's VM, migrated into its own namespace with its own membership label.
    pods["foreign"] = {"namespace": OTHER_NAMESPACE, "labels": {membership_label_key(FOREIGN_GROUP): MEMBERSHIP_VALUE}}
    namespaces = {NAMESPACE: {MANAGED_BY_LABEL: MANAGED_BY_VALUE}, OTHER_NAMESPACE: {MANAGED_BY_LABEL: MANAGED_BY_VALUE}}
    return pods, namespaces


@settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds(), sample=st.lists(flows(), min_size=30, max_size=30))
def test_policies_allow_exactly_what_security_groups_allow(world, sample):
    groups, ports = world
    objects, findings = secgroups_to_policies(groups, namespace=NAMESPACE, options=TranslationOptions())
    # Valid Neutron input: the only thing worth telling the user is the cross-project reference.
    assert all("another project" in f.message for f in findings), [str(f) for f in findings]

    openstack = OpenStackModel(groups, ports, filtered=set(VMS), addresses=ADDRESSES)
    pods, namespaces = _kubernetes_world(ports)
    kubernetes = KubernetesModel(objects, pods, namespaces, ADDRESSES)
    for flow in sample:
        expected = openstack.allowed(flow)
        assert kubernetes.allowed(flow) == expected, (flow, expected, groups, ports, objects)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(world=worlds())
def test_exhaustive_flows_between_vms(world):
    """Every VM pair, both families, every protocol shape: catches what 30 sampled flows miss."""
    groups, ports = world
    objects, dummy = secgroups_to_policies(groups, namespace=NAMESPACE, options=TranslationOptions())
    openstack = OpenStackModel(groups, ports, filtered=set(VMS), addresses=ADDRESSES)
    pods, namespaces = _kubernetes_world(ports)
    kubernetes = KubernetesModel(objects, pods, namespaces, ADDRESSES)
    for src, dst in itertools.permutations(ENDPOINTS, 2):
        if src not in VMS and dst not in VMS:
            continue
        for family in (4, 6):
            icmp = 1 if family == 4 else 58
            candidates = [Flow(src, dst, family, proto, port=port) for proto in (6, 17, 132) for port in (22, 80, 1000, 8080)]
            candidates += [Flow(src, dst, family, icmp, icmp_type=t, icmp_code=c) for t in (3, 8) for c in (0, 1)]
            candidates.append(Flow(src, dst, family, 47))
            for flow in candidates:
                assert kubernetes.allowed(flow) == openstack.allowed(flow), (flow, groups, ports, objects)
