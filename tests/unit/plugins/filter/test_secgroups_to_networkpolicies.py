# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.filter.secgroups_to_networkpolicies import (
    FilterModule,
    secgroups_to_networkpolicies,
)

SG = "11111111-1111-4111-8111-111111111111"
GROUP = {
    "id": SG,
    "name": "web",
    "security_group_rules": [
        {
            "id": "r1",
            "direction": "ingress",
            "ethertype": "IPv4",
            "protocol": "tcp",
            "port_range_min": 22,
            "port_range_max": 22,
            "remote_ip_prefix": "0.0.0.0/0",
            "remote_group_id": None,
        },
        {
            "id": "r2",
            "direction": "ingress",
            "ethertype": "IPv4",
            "protocol": "icmp",
            "port_range_min": None,
            "port_range_max": None,
            "remote_ip_prefix": None,
            "remote_group_id": None,
        },
        {
            "id": "r3",
            "direction": "ingress",
            "ethertype": "IPv4",
            "protocol": "tcp",
            "port_range_min": 99,
            "port_range_max": 1,
            "remote_ip_prefix": None,
            "remote_group_id": None,
        },
    ],
}


def test_returns_policies_labels_and_findings():
    result = secgroups_to_networkpolicies([GROUP], namespace="acme-web")
    kinds = [(o["apiVersion"], o["metadata"]["name"]) for o in result["objects"]]
    assert kinds == [("networking.k8s.io/v1", "sg-web"), ("projectcalico.org/v3", "sg-web-calico"), ("networking.k8s.io/v1", "no-security-groups-deny-all")]
    assert all(o["metadata"]["namespace"] == "acme-web" for o in result["objects"])
    assert result["objects"][0]["spec"]["ingress"] == [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 22}]}]
    assert result["membership_labels"] == {SG: {f"sg.ostokubevirt.io/{SG}": "member"}}
    (finding,) = result["findings"]
    assert finding["severity"] == "warning" and finding["field"] == "security_group_rules[r3].port_range_min"


def test_registered_under_its_own_name():
    assert FilterModule().filters() == {"secgroups_to_networkpolicies": secgroups_to_networkpolicies}


@pytest.mark.parametrize(
    "value, kwargs, needle",
    [
        ("web", {"namespace": "ns"}, "expected a list"),
        ({"id": SG}, {"namespace": "ns"}, "expected a list"),
        (None, {"namespace": "ns"}, "expected a list"),
        ([GROUP], {}, "namespace is required"),
        ([GROUP], {"namespace": ""}, "namespace is required"),
        ([GROUP], {"namespace": "ns", "internal_cidrs": "10.0.0.0/24"}, "internal_cidrs must be a list"),
    ],
)
def test_bad_input_is_a_filter_error(value, kwargs, needle):
    with pytest.raises(AnsibleFilterError, match=f"secgroups_to_networkpolicies: {needle}"):
        secgroups_to_networkpolicies(value, **kwargs)


def test_broken_group_is_a_finding_not_an_exception():
    result = secgroups_to_networkpolicies([GROUP, "junk", {"name": "no id"}], namespace="ns")
    assert [f["severity"] for f in result["findings"] if f["severity"] == "blocker"] == ["blocker", "blocker"]
    assert result["membership_labels"] == {SG: {f"sg.ostokubevirt.io/{SG}": "member"}}


def test_internal_cidrs_are_passed_through():
    group = {
        "id": SG,
        "name": "web",
        "security_group_rules": [
            {
                "id": "r9",
                "direction": "ingress",
                "ethertype": "IPv4",
                "protocol": "tcp",
                "port_range_min": 22,
                "port_range_max": 22,
                "remote_ip_prefix": "10.0.0.0/24",
                "remote_group_id": None,
            }
        ],
    }
    assert secgroups_to_networkpolicies([group], namespace="ns")["findings"] == []
    (finding,) = secgroups_to_networkpolicies([group], namespace="ns", internal_cidrs=["10.0.0.0/24"])["findings"]
    assert finding["field"] == "security_group_rules[r9].remote_ip_prefix"
