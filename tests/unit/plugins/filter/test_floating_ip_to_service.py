# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.filter.floating_ip_to_service import FilterModule, floating_ip_to_service

SG = "11111111-1111-4111-8111-111111111111"
FIP = {"id": "fip-1", "floating_ip_address": "203.0.113.10", "port_id": "port-1"}
PORT = {"id": "port-1", "device_id": "srv-1", "security_groups": [SG]}
GROUPS = [
    {
        "id": SG,
        "name": "web",
        "security_group_rules": [
            {
                "id": "r1",
                "direction": "ingress",
                "ethertype": "IPv4",
                "protocol": "tcp",
                "port_range_min": 443,
                "port_range_max": 443,
                "remote_ip_prefix": None,
                "remote_group_id": None,
            }
        ],
    }
]
SELECTOR = {"ostokubevirt.io/server-id": "srv-1"}


def test_service_for_associated_fip():
    result = floating_ip_to_service(FIP, port=PORT, vm_selector=SELECTOR, security_groups=GROUPS, namespace="ns")
    service = result["service"]
    assert result["findings"] == []
    assert service["spec"]["type"] == "LoadBalancer" and service["spec"]["selector"] == SELECTOR
    assert service["metadata"]["annotations"]["metallb.io/loadBalancerIPs"] == "203.0.113.10"
    assert [(p["protocol"], p["port"]) for p in service["spec"]["ports"]] == [("TCP", 443)]


def test_options_are_passed_through():
    result = floating_ip_to_service(FIP, port=PORT, vm_selector=SELECTOR, security_groups=GROUPS, namespace="ns", lb_ip_annotation_style="spec")
    assert result["service"]["spec"]["loadBalancerIP"] == "203.0.113.10"


def test_unassociated_fip_has_no_service_and_a_finding():
    result = floating_ip_to_service({**FIP, "port_id": None}, namespace="ns")
    assert result["service"] is None
    assert "not associated" in result["findings"][0]["message"]


def test_registered_under_its_own_name():
    assert FilterModule().filters() == {"floating_ip_to_service": floating_ip_to_service}


@pytest.mark.parametrize(
    "value, kwargs, needle",
    [
        ("203.0.113.10", {"namespace": "ns"}, "expected a floating IP dict"),
        (FIP, {"namespace": "ns", "port": "port-1"}, "port must be a dict"),
        (FIP, {"namespace": "ns", "vm_selector": ["x"]}, "vm_selector must be a dict"),
        (FIP, {"namespace": "ns", "security_groups": "web"}, "security_groups must be a list"),
        (FIP, {}, "namespace is required"),
        (FIP, {"namespace": "ns", "lb_ip_annotation_style": "f5"}, "option lb_ip_annotation_style must be one of"),
        (FIP, {"namespace": "ns", "service_port_range_limit": 0}, "option service_port_range_limit must be a positive"),
    ],
)
def test_bad_input_is_a_filter_error(value, kwargs, needle):
    with pytest.raises(AnsibleFilterError, match=f"floating_ip_to_service: {needle}"):
        floating_ip_to_service(value, **kwargs)
