# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import extra_specs as es
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import FindingCollector
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions


def classify(specs, node_selector_map=None):
    s = FindingCollector("server", "vm1 (id1)")
    out = es.classify(specs, collector=s, options=TranslationOptions(node_selector_map=node_selector_map or {}))
    return out, s


def test_aggregate_specs_become_node_selector():
    out, s = classify({"aggregate_instance_extra_specs:ssd": "true", "aggregate_instance_extra_specs:zone": "fast-1"})
    assert out.node_selector == {"ssd": "true", "zone": "fast-1"}
    assert s.findings == []
    assert set(out.classification.values()) == {es.NODE_SELECTOR}


@pytest.mark.parametrize(
    "key,value",
    [
        ("aggregate_instance_extra_specs:bad key", "x"),
        ("aggregate_instance_extra_specs:ok", "not valid!"),
        ("aggregate_instance_extra_specs:ok", "x" * 64),
    ],
)
def test_invalid_labels_warn(key, value):
    out, s = classify({key: value})
    assert out.node_selector == {}
    assert [f.field for f in s.findings] == [f"flavor.extra_specs.{key}"]


def test_aggregate_operator_values_warn():
    out, s = classify({"aggregate_instance_extra_specs:cpu": "<in> xeon"})
    assert out.node_selector == {}
    assert "operator" in s.findings[0].message


def test_node_selector_map_wins_for_any_key():
    mapping = {"trait:CUSTOM_GPU=required": {"nvidia.com/gpu.present": "true"}, "aggregate_instance_extra_specs:ssd=true": {"disktype": "ssd"}}
    out, s = classify({"trait:CUSTOM_GPU": "required", "aggregate_instance_extra_specs:ssd": "true"}, mapping)
    assert out.node_selector == {"nvidia.com/gpu.present": "true", "disktype": "ssd"}
    assert s.findings == []


def test_unmapped_trait_and_resources_warn():
    out, s = classify({"trait:CUSTOM_GPU": "required", "resources:CUSTOM_X": "1"}, {"trait:CUSTOM_GPU=forbidden": {"gpu": "no"}})
    assert out.node_selector == {}
    assert sorted(f.field for f in s.findings) == ["flavor.extra_specs.resources:CUSTOM_X", "flavor.extra_specs.trait:CUSTOM_GPU"]
    assert all("node_selector_map" in f.message for f in s.findings)


def test_conflicting_labels_warn_and_keep_first():
    mapping = {"trait:A=required": {"zone": "a"}, "trait:B=required": {"zone": "b"}}
    out, s = classify({"trait:A": "required", "trait:B": "required"}, mapping)
    assert out.node_selector == {"zone": "a"}
    assert [f.field for f in s.findings] == ["flavor.extra_specs.trait:B"]


def test_bad_map_entry_warns():
    out, s = classify({"trait:A": "required"}, {"trait:A=required": "zone=a"})
    assert out.node_selector == {}
    assert "must be a dict" in s.findings[0].message


@pytest.mark.parametrize(
    "key",
    [
        "quota:disk_read_bytes_sec",
        "quota:vif_inbound_average",
        "quota:cpu_shares",
        "hw_rng:rate_bytes",
        "hw_video:ram_max_mb",
        "pci_passthrough:alias",
        "accel:device_profile",
        "capabilities:hypervisor_type",
        "hw:something_new",
        "vmware:hw_version",
        "totally_unknown",
    ],
)
def test_unsupported_specs_warn(key):
    out, s = classify({key: "1"})
    assert [f.field for f in s.findings] == [f"flavor.extra_specs.{key}"]
    assert out.classification[key] == es.WARNED


@pytest.mark.parametrize(
    "key",
    [
        "hw:cpu_policy",
        "hw:cpu_sockets",
        "hw:cpu_max_threads",
        "hw:mem_page_size",
        "hw:numa_nodes",
        "hw:numa_cpus.0",
        "hw:numa_mem.1",
        "hw:cpu_realtime_mask",
        "hw:emulator_threads_policy",
        "resources:PCPU",
        "hw:tpm_version",
        "os:secure_boot",
        "hw_rng:allowed",
        "hw:watchdog_action",
    ],
)
def test_consumed_specs_are_left_to_translators(key):
    out, s = classify({key: "x"})
    assert out.classification[key] == es.CONSUMED
    assert s.findings == []


def test_every_key_is_classified():
    specs = {"hw:cpu_policy": "dedicated", "aggregate_instance_extra_specs:a": "b", "quota:cpu_quota": "1", "x": "y"}
    out, _unused = classify(specs)
    assert set(out.classification) == set(specs)
