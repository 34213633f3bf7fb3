# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import itertools

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import BLOCKER, WARNING
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.floating_ip import floating_ip_to_service
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import (
    MANAGED_BY_LABEL,
    PROJECT_ID_LABEL,
    SERVER_ID_LABEL,
    SOURCE_ID_ANNOTATION,
    SOURCE_TYPE_ANNOTATION,
)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant

NS = "acme-web"
FIP_ID = "f1f1f1f1-0000-4000-8000-000000000001"
PORT_ID = "b0b0b0b0-0000-4000-8000-000000000001"
SERVER_ID = "5e5e5e5e-0000-4000-8000-000000000001"
WEB = "11111111-1111-4111-8111-111111111111"
SSH = "22222222-2222-4222-8222-222222222222"
OTHER = "33333333-3333-4333-8333-333333333333"
PROJECT = "0123456789abcdef0123456789abcdef"
SELECTOR = {SERVER_ID_LABEL: SERVER_ID}
_ids = itertools.count()


def rule(direction="ingress", ethertype="IPv4", protocol="tcp", low=None, high=None, prefix=None, group=None):
    return {
        "id": f"r{next(_ids)}",
        "direction": direction,
        "ethertype": ethertype,
        "protocol": protocol,
        "port_range_min": low,
        "port_range_max": high if high is not None else low,
        "remote_ip_prefix": prefix,
        "remote_group_id": group,
    }


def sg(sg_id, *rules, name=None):
    return {"id": sg_id, "name": name or sg_id[:4], "security_group_rules": list(rules)}


def fip(address="203.0.113.10", port_id=PORT_ID):
    return {"id": FIP_ID, "floating_ip_address": address, "port_id": port_id, "project_id": PROJECT, "fixed_ip_address": "10.0.0.5" if port_id else None}


def port(*groups, **extra):
    return {"id": PORT_ID, "device_id": SERVER_ID, "security_groups": list(groups), **extra}


GROUPS = [sg(WEB, rule(low=80), rule(low=443), rule("egress", low=5432)), sg(SSH, rule(low=22, prefix="198.51.100.0/24")), sg(OTHER, rule(low=3306))]


def serve(the_fip=None, the_port=None, selector="default", groups=None, **options):
    return floating_ip_to_service(
        the_fip or fip(),
        the_port if the_port is not None else port(WEB, SSH),
        dict(SELECTOR) if selector == "default" else selector,
        GROUPS if groups is None else groups,
        namespace=NS,
        options=TranslationOptions(**options),
    )


def ports_of(service):
    return [(p["protocol"], p["port"]) for p in service["spec"]["ports"]]


def test_associated_fip_becomes_load_balancer_keeping_the_address():
    service, findings = serve()
    assert findings == []
    assert service["apiVersion"] == "v1" and service["kind"] == "Service"
    assert service["spec"]["type"] == "LoadBalancer"
    meta = service["metadata"]
    assert meta["name"] == "fip-203-0-113-10" and meta["namespace"] == NS
    assert meta["annotations"]["metallb.io/loadBalancerIPs"] == "203.0.113.10"
    assert meta["annotations"][SOURCE_ID_ANNOTATION] == FIP_ID
    assert meta["annotations"][SOURCE_TYPE_ANNOTATION] == "neutron.floating_ip"
    assert meta["labels"][PROJECT_ID_LABEL] == PROJECT and MANAGED_BY_LABEL in meta["labels"]
    assert "loadBalancerIP" not in service["spec"]
    assert service["spec"]["ipFamilies"] == ["IPv4"]
    # Source address preserved so CIDR-based NetworkPolicies still see the client.
    assert service["spec"]["externalTrafficPolicy"] == "Local"


def test_service_selects_only_that_vm():
    service, _unused = serve()
    assert service["spec"]["selector"] == SELECTOR


def test_ports_come_from_ingress_rules_of_the_ports_groups_only():
    service, _unused = serve()
    # WEB: 80, 443 ingress (5432 is egress); SSH: 22 from a CIDR; OTHER's 3306 is not on this port.
    assert ports_of(service) == [("TCP", 22), ("TCP", 80), ("TCP", 443)]
    assert all(p["targetPort"] == p["port"] for p in service["spec"]["ports"])
    assert [p["name"] for p in service["spec"]["ports"]] == ["tcp-22", "tcp-80", "tcp-443"]


def test_port_with_fewer_groups_gets_fewer_ports():
    service, _unused = serve(the_port=port(SSH))
    assert ports_of(service) == [("TCP", 22)]


@pytest.mark.parametrize(
    "style, key",
    [
        ("metallb", "metallb.io/loadBalancerIPs"),
        ("metallb-legacy", "metallb.universe.tf/loadBalancerIPs"),
        ("kube-vip", "kube-vip.io/loadbalancerIPs"),
        ("cilium", "lbipam.cilium.io/ips"),
    ],
)
def test_annotation_styles(style, key):
    service, _unused = serve(lb_ip_annotation_style=style)
    assert service["metadata"]["annotations"][key] == "203.0.113.10"
    assert "loadBalancerIP" not in service["spec"]


def test_spec_style_uses_load_balancer_ip_field():
    service, _unused = serve(lb_ip_annotation_style="spec")
    assert service["spec"]["loadBalancerIP"] == "203.0.113.10"
    assert not any("loadbalancerips" in k.lower() for k in service["metadata"]["annotations"])


def test_udp_sctp_and_ranges_are_enumerated():
    groups = [sg(WEB, rule(protocol="udp", low=53), rule(protocol="sctp", low=3868), rule(low=8000, high=8002))]
    service, _unused = serve(the_port=port(WEB), groups=groups)
    assert ports_of(service) == [("TCP", 8000), ("TCP", 8001), ("TCP", 8002), ("UDP", 53), ("SCTP", 3868)]
    assert [p["name"] for p in service["spec"]["ports"]][-2:] == ["udp-53", "sctp-3868"]


def test_overlapping_rules_give_each_port_once():
    groups = [sg(WEB, rule(low=80), rule(low=79, high=81)), sg(SSH, rule(low=80))]
    service, _unused = serve(the_port=port(WEB, SSH), groups=groups)
    assert ports_of(service) == [("TCP", 79), ("TCP", 80), ("TCP", 81)]


def test_range_beyond_limit_is_reported_not_enumerated():
    groups = [sg(WEB, rule(low=22), rule(low=10000, high=10100))]
    service, findings = serve(the_port=port(WEB), groups=groups, service_port_range_limit=64)
    assert ports_of(service) == [("TCP", 22)]
    (finding,) = findings
    assert finding.severity == WARNING and "10000-10100" in finding.message
    assert service is not None


def test_all_ports_rule_is_over_the_limit():
    service, findings = serve(the_port=port(WEB), groups=[sg(WEB, rule(low=None), rule(low=22))])
    assert ports_of(service) == [("TCP", 22)]
    assert "1-65535" in findings[0].message


def test_rules_that_cannot_reach_the_fip_are_ignored_or_reported():
    groups = [
        sg(
            WEB,
            rule(low=22),
            rule(low=80, group=SSH),  # only group members, never outside traffic: silent
            rule(ethertype="IPv6", low=8080),  # other family than the FIP: silent
            rule(protocol="icmp", low=None),
            rule(protocol=None, low=None, prefix="10.0.0.0/8"),
            rule(protocol="gre", low=None),
        )
    ]
    service, findings = serve(the_port=port(WEB), groups=groups)
    assert ports_of(service) == [("TCP", 22)]
    messages = " | ".join(f.message for f in findings)
    assert "ICMP" in messages and "every protocol" in messages and "IP protocol 47" in messages
    assert len(findings) == 3


def test_ipv6_fip():
    groups = [sg(WEB, rule(ethertype="IPv6", low=443), rule(low=80))]
    service, _unused = serve(the_fip=fip("2001:db8::10"), the_port=port(WEB), groups=groups)
    assert service["spec"]["ipFamilies"] == ["IPv6"]
    assert ports_of(service) == [("TCP", 443)]
    assert service["metadata"]["name"] == "fip-2001-0db8-0000-0000-0000-0000-0000-0010"


@pytest.mark.parametrize("port_id", [None, ""])
def test_unassociated_fip_is_reported_not_served(port_id):
    service, findings = floating_ip_to_service(fip(port_id=port_id), None, None, GROUPS, namespace=NS, options=TranslationOptions())
    assert service is None
    (finding,) = findings
    assert finding.severity == WARNING and finding.field == "port_id"
    assert "not associated" in finding.message and "203.0.113.10" in finding.subject


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"the_port": port(WEB, port_security_enabled=False)}, "port security disabled"),
        ({"selector": None}, "not the pod-network port"),
        ({"the_port": {"id": "another", "security_groups": [WEB]}}, "is not the floating IP's port"),
        ({"the_port": port(OTHER), "groups": [sg(OTHER, rule("egress", low=80))]}, "no TCP/UDP/SCTP port is open"),
    ],
)
def test_no_service_with_reason(kwargs, needle):
    service, findings = serve(**kwargs)
    assert service is None
    assert any(needle in f.message for f in findings), [str(f) for f in findings]


def test_port_missing_from_snapshot():
    service, findings = floating_ip_to_service(fip(), None, SELECTOR, GROUPS, namespace=NS, options=TranslationOptions())
    assert service is None and "not in the snapshot" in findings[0].message


def test_unknown_group_of_port_is_reported():
    service, findings = serve(the_port=port(WEB, "44444444-0000-4000-8000-000000000000"))
    assert ports_of(service) == [("TCP", 80), ("TCP", 443)]
    assert "44444444-0000-4000-8000-000000000000" in findings[0].message


@pytest.mark.parametrize("bad", ["not-an-ip", None, "203.0.113.300"])
def test_invalid_address_blocks(bad):
    service, findings = serve(the_fip=fip(bad))
    assert service is None
    assert findings[0].severity == BLOCKER and findings[0].field == "floating_ip_address"


def test_non_dict_fip_blocks():
    service, findings = floating_ip_to_service("x", None, None, [], namespace=NS, options=TranslationOptions())
    assert service is None and findings[0].severity == BLOCKER


def test_demo_tenant_serves_associated_and_reports_unassociated_fips(demo_snapshot):
    translation = translate_tenant(demo_snapshot)
    services = [o for o in translation.objects if o["kind"] == "Service" and o["metadata"]["annotations"][SOURCE_TYPE_ANNOTATION] == "neutron.floating_ip"]
    fips = demo_snapshot["floating_ips"]
    unassociated = [f for f in fips if not f.get("port_id")]
    assert services and unassociated
    served = {s["metadata"]["annotations"][SOURCE_ID_ANNOTATION] for s in services}
    assert not served & {f["id"] for f in unassociated}
    # Reported in the plan the user reads, not only in a log.
    findings = [f for f in translation.plan["tenant_findings"] if f["subject_kind"] == "floating_ip"]
    for f in unassociated:
        assert any(f["floating_ip_address"] in x["subject"] and "not associated" in x["message"] for x in findings)
    for service in services:
        assert set(service["spec"]["selector"]) == {SERVER_ID_LABEL}
