# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import flavor as fl
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import FindingCollector, TranslationError


def subject() -> FindingCollector:
    return FindingCollector("server", "vm1 (id1)")


def topo(vcpus, specs=None, props=None):
    t = fl.best_topology(vcpus, specs or {}, props or {}, collector=subject())
    return (t.sockets, t.cores, t.threads)


def translate(specs=None, props=None, vcpus=4, ram=4096):
    s = subject()
    out = fl.translate_flavor({"vcpus": vcpus, "ram": ram, "extra_specs": specs or {}}, props or {}, collector=s)
    return out, s


def fields(s):
    return [f.field for f in s.findings]


# ----------------------------------------------------------------- CPU topology (nova/virt/hardware.py)


@pytest.mark.parametrize(
    "vcpus,specs,props,expected",
    [
        # Nothing set: one socket per vCPU.
        (8, {}, {}, (8, 1, 1)),
        (1, {}, {}, (1, 1, 1)),
        # Limits only: the base order prefers sockets, then cores, threads last.
        (8, {"hw:cpu_max_sockets": "2"}, {}, (2, 4, 1)),
        (8, {"hw:cpu_max_sockets": "2", "hw:cpu_max_cores": "2"}, {}, (2, 2, 2)),
        (8, {"hw:cpu_max_sockets": "1", "hw:cpu_max_cores": "1"}, {}, (1, 1, 8)),
        # Partial preference: best score wins, ties keep the base order.
        (8, {"hw:cpu_sockets": "4"}, {}, (4, 2, 1)),
        (8, {"hw:cpu_cores": "2"}, {}, (4, 2, 1)),
        (4, {"hw:cpu_threads": "2"}, {}, (2, 1, 2)),
        (8, {"hw:cpu_sockets": "2", "hw:cpu_threads": "2"}, {}, (2, 2, 2)),
        # Full preference that multiplies out is taken as is.
        (12, {"hw:cpu_sockets": "2", "hw:cpu_cores": "3", "hw:cpu_threads": "2"}, {}, (2, 3, 2)),
        # Preference that does not multiply out: closest match.
        (6, {"hw:cpu_sockets": "4"}, {}, (6, 1, 1)),
        # Any image preference replaces the whole flavor preference.
        (8, {"hw:cpu_sockets": "8"}, {"hw_cpu_cores": "2"}, (4, 2, 1)),
        # Image limit below the flavor preference silently discards the flavor preference (Nova).
        (8, {"hw:cpu_sockets": "8"}, {"hw_cpu_max_sockets": "2"}, (2, 4, 1)),
        # Image limits without flavor limits.
        (16, {}, {"hw_cpu_max_sockets": 2, "hw_cpu_max_threads": 2}, (2, 8, 1)),
        # String numbers from volume_image_metadata.
        (4, {}, {"hw_cpu_sockets": "1", "hw_cpu_cores": "4"}, (1, 4, 1)),
        # 0 means unset, as in Nova.
        (4, {"hw:cpu_sockets": "0"}, {}, (4, 1, 1)),
    ],
)
def test_topology_matches_nova(vcpus, specs, props, expected):
    assert topo(vcpus, specs, props) == expected


def test_image_preference_above_flavor_limit_blocks():
    with pytest.raises(TranslationError) as exc:
        topo(8, {"hw:cpu_max_sockets": "2"}, {"hw_cpu_sockets": "4"})
    assert exc.value.finding.field == "image.hw_cpu_sockets"
    assert "ImageVCPUTopologyRangeExceeded" in exc.value.finding.message


def test_image_limit_above_flavor_limit_blocks():
    with pytest.raises(TranslationError) as exc:
        topo(8, {"hw:cpu_max_cores": "2"}, {"hw_cpu_max_cores": "4"})
    assert exc.value.finding.field == "image.hw_cpu_max_cores"


def test_impossible_limits_block():
    with pytest.raises(TranslationError) as exc:
        topo(7, {"hw:cpu_max_sockets": "2", "hw:cpu_max_cores": "2", "hw:cpu_max_threads": "1"})
    assert "ImageVCPULimitsRangeImpossible" in exc.value.finding.message


@pytest.mark.parametrize(
    "specs,field",
    [
        ({"hw:cpu_sockets": "two"}, "flavor.extra_specs.hw:cpu_sockets"),
        ({"hw:cpu_max_threads": "-1"}, "flavor.extra_specs.hw:cpu_max_threads"),
        ({"hw:cpu_cores": True}, "flavor.extra_specs.hw:cpu_cores"),
    ],
)
def test_invalid_topology_values_block_with_field(specs, field):
    with pytest.raises(TranslationError) as exc:
        topo(4, specs)
    assert exc.value.finding.field == field
    assert exc.value.finding.subject == "vm1 (id1)"


def _divisor_pref():
    return st.one_of(st.just(0), st.integers(min_value=1, max_value=8))


@settings(max_examples=400, deadline=None)
@given(
    vcpus=st.integers(min_value=1, max_value=96),
    pref=st.tuples(_divisor_pref(), _divisor_pref(), _divisor_pref()),
    limits=st.tuples(_divisor_pref(), _divisor_pref(), _divisor_pref()),
)
def test_topology_always_multiplies_out_and_respects_limits(vcpus, pref, limits):
    specs = {}
    for name, value in zip(("sockets", "cores", "threads"), pref, strict=True):
        if value:
            specs[f"hw:cpu_{name}"] = str(value)
    for name, value in zip(("sockets", "cores", "threads"), limits, strict=True):
        if value:
            specs[f"hw:cpu_max_{name}"] = str(value)
    try:
        s, c, t = topo(vcpus, specs)
    except TranslationError as exc:
        # Only legitimately impossible limit combinations may fail.
        cap = [v or vcpus for v in limits]
        assert not any(vcpus == a * b * d for a in range(1, cap[0] + 1) for b in range(1, cap[1] + 1) for d in range(1, cap[2] + 1)), exc
        return
    assert s * c * t == vcpus
    for have, limit in zip((s, c, t), limits, strict=True):
        assert not limit or have <= limit
    wanted = list(pref)
    fits = all(not w or w <= (lim or vcpus) for w, lim in zip(wanted, limits, strict=True))
    if fits and all(wanted) and wanted[0] * wanted[1] * wanted[2] == vcpus:
        assert (s, c, t) == tuple(wanted)
    if not any(pref) and not any(limits):
        assert (s, c, t) == (vcpus, 1, 1)


@settings(max_examples=200, deadline=None)
@given(vcpus=st.integers(min_value=1, max_value=64), props=st.tuples(_divisor_pref(), _divisor_pref(), _divisor_pref()))
def test_possible_topologies_is_complete_and_ordered(vcpus, props):
    maximum = fl.Topology(*(v or fl._UNLIMITED for v in props))
    got = fl.possible_topologies(vcpus, maximum)
    brute = {
        (s, c, t)
        for s in range(1, min(vcpus, maximum.sockets) + 1)
        for c in range(1, min(vcpus, maximum.cores) + 1)
        for t in range(1, min(vcpus, maximum.threads) + 1)
        if s * c * t == vcpus
    }
    assert {(x.sockets, x.cores, x.threads) for x in got} == brute
    keys = [(x.sockets * x.cores, x.sockets, x.threads) for x in got]
    assert keys == sorted(keys, reverse=True)


# ----------------------------------------------------------------- sizing and memory


def test_plain_flavor():
    out, s = translate(vcpus=2, ram="2048")
    assert out.cpu == {"sockets": 2, "cores": 1, "threads": 1}
    assert out.memory == {"guest": "2048Mi"}
    assert out.resources == {}
    assert s.findings == []


@pytest.mark.parametrize(
    "flavor,field",
    [
        ({"ram": 1024}, "flavor.vcpus"),
        ({"vcpus": 0, "ram": 1024}, "flavor.vcpus"),
        ({"vcpus": "x", "ram": 1024}, "flavor.vcpus"),
        ({"vcpus": 1}, "flavor.ram"),
        ({"vcpus": 1, "ram": ""}, "flavor.ram"),
        ({"vcpus": 1, "ram": 1024, "extra_specs": ["a"]}, "flavor.extra_specs"),
    ],
)
def test_invalid_flavor_blocks(flavor, field):
    with pytest.raises(TranslationError) as exc:
        fl.translate_flavor(flavor, {}, collector=subject())
    assert exc.value.finding.field == field


@pytest.mark.parametrize(
    "value,expected",
    [
        ("small", None),
        ("4", None),
        ("large", "2Mi"),
        ("2MB", "2Mi"),
        ("2048", "2Mi"),
        ("2MiB", "2Mi"),
        ("1GB", "1Gi"),
        ("1048576", "1Gi"),
        ("1GiB", "1Gi"),
    ],
)
def test_page_sizes(value, expected):
    out, s = translate({"hw:mem_page_size": value})
    assert out.hugepages == expected
    assert out.memory.get("hugepages") == ({"pageSize": expected} if expected else None)
    assert s.findings == []


def test_page_size_any_warns():
    out, s = translate({"hw:mem_page_size": "any"})
    assert out.memory["hugepages"] == {"pageSize": "2Mi"}
    assert fields(s) == ["flavor.extra_specs.hw:mem_page_size"]


@pytest.mark.parametrize("value", ["huge", "2M", "16384", "64KB", "-1"])
def test_invalid_page_size_blocks(value):
    with pytest.raises(TranslationError) as exc:
        translate({"hw:mem_page_size": value})
    assert exc.value.finding.field == "flavor.extra_specs.hw:mem_page_size"


def test_memory_not_multiple_of_page_blocks():
    with pytest.raises(TranslationError) as exc:
        translate({"hw:mem_page_size": "1GB"}, ram=1536)
    assert "multiple" in exc.value.finding.message
    out, _unused = translate({"hw:mem_page_size": "1GB"}, ram=2048)
    assert out.hugepages == "1Gi"


def test_image_page_size_needs_flavor_permission():
    with pytest.raises(TranslationError) as exc:
        translate({}, {"hw_mem_page_size": "1GB"})
    assert exc.value.finding.field == "image.hw_mem_page_size"
    with pytest.raises(TranslationError):
        translate({"hw:mem_page_size": "small"}, {"hw_mem_page_size": "1GB"})
    out, _unused = translate({"hw:mem_page_size": "large"}, {"hw_mem_page_size": "1GB"})
    assert out.hugepages == "1Gi"


# ----------------------------------------------------------------- CPU policies


def test_dedicated_cpus_get_guaranteed_memory():
    out, s = translate({"hw:cpu_policy": "dedicated"})
    assert out.cpu["dedicatedCpuPlacement"] is True
    assert out.resources == {"requests": {"memory": "4096Mi"}, "limits": {"memory": "4096Mi"}}
    assert s.findings == []


def test_image_dedicated_policy_applies_without_flavor_policy():
    out, _unused = translate({}, {"hw_cpu_policy": "dedicated"})
    assert out.dedicated


def test_shared_flavor_forbids_image_dedicated():
    with pytest.raises(TranslationError) as exc:
        translate({"hw:cpu_policy": "shared"}, {"hw_cpu_policy": "dedicated"})
    assert exc.value.finding.field == "image.hw_cpu_policy"


def test_mixed_policy_pins_all_with_warning():
    out, s = translate({"hw:cpu_policy": "mixed", "hw:cpu_dedicated_mask": "^0"})
    assert out.cpu["dedicatedCpuPlacement"] is True
    assert "flavor.extra_specs.hw:cpu_policy" in fields(s)


def test_invalid_policy_blocks():
    with pytest.raises(TranslationError):
        translate({"hw:cpu_policy": "pinned"})


def test_resources_pcpu_means_dedicated():
    out, _unused = translate({"resources:PCPU": "4"})
    assert out.dedicated
    with pytest.raises(TranslationError):
        translate({"resources:PCPU": "4", "hw:cpu_policy": "dedicated"})


def test_thread_policy():
    _unused, s = translate({"hw:cpu_policy": "dedicated", "hw:cpu_thread_policy": "isolate"})
    assert fields(s) == ["flavor.extra_specs.hw:cpu_thread_policy"]
    _unused, s = translate({"hw:cpu_policy": "dedicated", "hw:cpu_thread_policy": "prefer"})
    assert s.findings == []
    with pytest.raises(TranslationError):
        translate({"hw:cpu_thread_policy": "require"})
    with pytest.raises(TranslationError):
        translate({"hw:cpu_policy": "dedicated", "hw:cpu_thread_policy": "require"}, {"hw_cpu_thread_policy": "isolate"})


def test_emulator_threads():
    out, s = translate({"hw:cpu_policy": "dedicated", "hw:emulator_threads_policy": "isolate"})
    assert out.cpu["isolateEmulatorThread"] is True
    assert s.findings == []
    out, s = translate({"hw:cpu_policy": "dedicated", "hw:emulator_threads_policy": "share"})
    assert "isolateEmulatorThread" not in out.cpu
    assert fields(s) == ["flavor.extra_specs.hw:emulator_threads_policy"]
    with pytest.raises(TranslationError) as exc:
        translate({"hw:emulator_threads_policy": "isolate"})
    assert "BadRequirementEmulatorThreadsPolicy" in exc.value.finding.message


# ----------------------------------------------------------------- NUMA and realtime

DEDICATED_HUGE = {"hw:cpu_policy": "dedicated", "hw:mem_page_size": "1GB"}


def test_numa_passthrough_with_dedicated_and_hugepages():
    out, s = translate({**DEDICATED_HUGE, "hw:numa_nodes": "2"})
    assert out.cpu["numa"] == {"guestMappingPassthrough": {}}
    assert fields(s) == ["flavor.extra_specs.hw:numa_nodes"]


@pytest.mark.parametrize(
    "specs,missing",
    [
        ({"hw:numa_nodes": "2"}, "dedicated"),
        ({"hw:numa_nodes": "2", "hw:cpu_policy": "dedicated"}, "hugepages"),
        ({"hw:numa_nodes": "2", "hw:mem_page_size": "large"}, "dedicated"),
    ],
)
def test_numa_without_prerequisites_warns(specs, missing):
    out, s = translate(specs)
    assert "numa" not in out.cpu
    messages = [f.message for f in s.findings if f.field == "flavor.extra_specs.hw:numa_nodes"]
    assert messages and missing in messages[0]


def test_numa_manual_layout_validated_and_warned():
    specs = {**DEDICATED_HUGE, "hw:numa_nodes": "2", "hw:numa_cpus.0": "0,1", "hw:numa_cpus.1": "2-3", "hw:numa_mem.0": "1024", "hw:numa_mem.1": "3072"}
    out, s = translate(specs)
    assert out.cpu["numa"] == {"guestMappingPassthrough": {}}
    assert "flavor.extra_specs.hw:numa_cpus.0" in fields(s)


@pytest.mark.parametrize(
    "extra,needle",
    [
        ({"hw:numa_cpus.0": "0-1", "hw:numa_cpus.1": "2", "hw:numa_mem.0": "2048", "hw:numa_mem.1": "2048"}, "not assigned"),
        ({"hw:numa_cpus.0": "0-2", "hw:numa_cpus.1": "2-3", "hw:numa_mem.0": "2048", "hw:numa_mem.1": "2048"}, "more than one"),
        ({"hw:numa_cpus.0": "0-1", "hw:numa_cpus.1": "2-4", "hw:numa_mem.0": "2048", "hw:numa_mem.1": "2048"}, "out of range"),
        ({"hw:numa_cpus.0": "0-1", "hw:numa_cpus.1": "2-3", "hw:numa_mem.0": "2048", "hw:numa_mem.1": "1024"}, "adds up"),
        ({"hw:numa_cpus.0": "0-1", "hw:numa_cpus.1": "2-3", "hw:numa_mem.0": "2048"}, "Incomplete"),
    ],
)
def test_numa_manual_layout_errors(extra, needle):
    with pytest.raises(TranslationError) as exc:
        translate({**DEDICATED_HUGE, "hw:numa_nodes": "2", **extra})
    assert needle in exc.value.finding.message


def test_numa_asymmetric_and_invalid_block():
    with pytest.raises(TranslationError):
        translate({"hw:numa_nodes": "3"}, vcpus=4)
    with pytest.raises(TranslationError):
        translate({"hw:numa_nodes": "0"})
    with pytest.raises(TranslationError):
        translate({"hw:numa_nodes": "2"}, {"hw_numa_nodes": "2"})


def test_realtime_with_mask():
    out, s = translate({**DEDICATED_HUGE, "hw:cpu_realtime": "yes", "hw:cpu_realtime_mask": "^0"})
    assert out.cpu["realtime"] == {"mask": "1-3"}
    assert out.cpu["numa"] == {"guestMappingPassthrough": {}}
    assert "flavor.extra_specs.hw:cpu_realtime" in fields(s)


def test_realtime_all_vcpus_needs_emulator_policy():
    with pytest.raises(TranslationError):
        translate({**DEDICATED_HUGE, "hw:cpu_realtime": "true"})
    out, _unused = translate({**DEDICATED_HUGE, "hw:cpu_realtime": "true", "hw:emulator_threads_policy": "isolate"})
    assert out.cpu["realtime"] == {}


def test_realtime_requires_dedicated_and_is_dropped_without_hugepages():
    with pytest.raises(TranslationError):
        translate({"hw:cpu_realtime": "true", "hw:cpu_realtime_mask": "^0"})
    out, s = translate({"hw:cpu_policy": "dedicated", "hw:cpu_realtime": "true", "hw:cpu_realtime_mask": "^0"})
    assert "realtime" not in out.cpu
    assert "flavor.extra_specs.hw:cpu_realtime" in fields(s)


def test_image_realtime_mask_overrides_flavor():
    out, _unused = translate({**DEDICATED_HUGE, "hw:cpu_realtime": "true", "hw:cpu_realtime_mask": "^0"}, {"hw_cpu_realtime_mask": "2-3"})
    assert out.cpu["realtime"] == {"mask": "2-3"}


def test_cpu_set_helpers():
    s = subject()
    assert fl.parse_cpu_spec("0-3,^2,5", collector=s, field="x") == {0, 1, 3, 5}
    assert fl.format_cpu_set({0, 1, 2, 5, 7, 8}) == "0-2,5,7-8"
    with pytest.raises(TranslationError):
        fl.parse_cpu_spec("a-b", collector=s, field="x")


# ----------------------------------------------------------------- what KubeVirt's admission demands


@pytest.mark.parametrize("page", ["2MB", "1GB", "large"])
def test_hugepages_without_dedicated_cpus_request_memory(page):
    """virt-api compares the page size with resources.requests.memory; without it the VM is rejected."""
    out, _unused = translate({"hw:mem_page_size": page}, ram=4096)
    assert out.resources == {"requests": {"memory": "4096Mi"}}
    assert "limits" not in out.resources


def test_small_pages_request_nothing():
    out, _unused = translate({"hw:mem_page_size": "small"})
    assert out.resources == {}


@pytest.mark.parametrize(
    "specs, props, expected",
    [
        # Nova would pick 1 socket x 1 core x 8 threads (the limits force it); the limits cannot be kept.
        ({"hw:cpu_policy": "dedicated", "hw:cpu_max_sockets": "1", "hw:cpu_max_cores": "1"}, {}, (8, 1, 1)),
        # A preference for 4 threads: the closest topology with 2 threads that respects the limits.
        ({"hw:cpu_policy": "dedicated", "hw:cpu_threads": "4"}, {}, (4, 1, 2)),
        ({"hw:cpu_policy": "dedicated"}, {"hw_cpu_sockets": "1", "hw_cpu_cores": "2", "hw_cpu_threads": "4"}, (2, 2, 2)),
    ],
)
def test_dedicated_cpus_have_at_most_two_threads(specs, props, expected):
    out, s = translate(specs, props, vcpus=8)
    assert (out.cpu["sockets"], out.cpu["cores"], out.cpu["threads"]) == expected
    assert out.topology.vcpus == 8
    warning = [f for f in s.findings if "threads per core" in f.message]
    assert len(warning) == 1


def test_shared_cpus_keep_novas_thread_count():
    out, s = translate({"hw:cpu_threads": "4"}, vcpus=8)
    assert out.cpu["threads"] == 4
    assert not [f for f in s.findings if "threads per core" in f.message]


def test_dedicated_two_threads_is_exact():
    out, s = translate({"hw:cpu_policy": "dedicated", "hw:cpu_threads": "2"}, vcpus=8)
    assert out.cpu["threads"] == 2 and s.findings == []
