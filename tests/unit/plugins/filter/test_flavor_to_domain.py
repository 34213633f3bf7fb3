# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.filter.flavor_to_domain import FilterModule, flavor_to_domain

FLAVOR = {
    "original_name": "m1.large",
    "vcpus": 4,
    "ram": 8192,
    "disk": 40,
    "ephemeral": 0,
    "swap": 0,
    "extra_specs": {"hw:cpu_sockets": "2", "aggregate_instance_extra_specs:ssd": "true", "hw:frobnicate": "1"},
}


def test_domain_fragment_with_findings():
    result = flavor_to_domain(FLAVOR, image_props={"hw_firmware_type": "uefi", "hw_disk_bus": "scsi"}, subject="web-1")
    assert result["domain"]["cpu"] == {"sockets": 2, "cores": 2, "threads": 1}
    assert result["domain"]["memory"] == {"guest": "8192Mi"}
    assert result["domain"]["firmware"] == {"bootloader": {"efi": {"secureBoot": False}}}
    assert result["node_selector"] == {"ssd": "true"}
    assert result["disk_bus"] == "scsi" and result["nic_model"] == "virtio" and result["os_windows"] is False
    fields = {f["field"] for f in result["findings"]}
    assert "flavor.extra_specs.hw:frobnicate" in fields
    assert all(f["subject"] == "web-1" for f in result["findings"])


def test_node_selector_map_option():
    flavor = {**FLAVOR, "extra_specs": {"trait:CUSTOM_GPU": "required"}}
    result = flavor_to_domain(flavor, options={"node_selector_map": {"trait:CUSTOM_GPU=required": {"gpu": "true"}}})
    assert result["node_selector"] == {"gpu": "true"}
    assert result["findings"] == []


def test_registered_under_its_own_name():
    assert FilterModule().filters() == {"flavor_to_domain": flavor_to_domain}


@pytest.mark.parametrize(
    "flavor, kwargs, needle",
    [
        ("m1.large", {}, "expected a dict"),
        (FLAVOR, {"image_props": "cirros"}, "image_props must be a dict"),
        (FLAVOR, {"options": {"bogus": 1}}, "unknown translation option"),
        ({**FLAVOR, "vcpus": None}, {}, "flavor.vcpus"),
        (FLAVOR, {"image_props": {"hw_cpu_sockets": "8", "hw_cpu_max_sockets": "1"}}, "hw_cpu_sockets"),
        (FLAVOR, {"image_props": {"os_secure_boot": "required"}}, "os_secure_boot"),
    ],
)
def test_errors_name_the_field(flavor, kwargs, needle):
    with pytest.raises(AnsibleFilterError, match=f"flavor_to_domain: .*{needle}"):
        flavor_to_domain(flavor, **kwargs)
