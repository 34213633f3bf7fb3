# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Nova flavor (+ the image properties Nova reads with it) -> KubeVirt cpu, memory and resources.

The CPU topology follows nova/virt/hardware.py (get_cpu_topology_constraints,
_get_possible_cpu_topologies, _sort_possible_cpu_topologies) so the guest sees the same
sockets/cores/threads after the move; the checks that make Nova refuse to boot a server
raise TranslationError here too. Everything KubeVirt cannot express becomes a warning.
"""

from __future__ import annotations

import collections
import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import FindingCollector, type_name
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.integers import int_field

ES = "flavor.extra_specs"
# The most vCPUs a KVM guest can have on x86 by default (KVM_MAX_VCPUS, 1024 since Linux 5.15; only kernels
# built with MAXSMP raise it). More means the snapshot's flavor is wrong, not that the VM is big.
MAX_VCPUS = 1024
IMG = "image"

# Nova's "no limit" when neither flavor nor image sets hw:cpu_max_*.
_UNLIMITED = 65536

# oslo_utils.strutils.bool_from_string vocabulary (what Nova accepts for boolean extra specs).
_TRUE_STRINGS = ("1", "t", "true", "on", "y", "yes")
_FALSE_STRINGS = ("0", "f", "false", "off", "n", "no")

CPU_POLICIES = ("shared", "dedicated", "mixed")
CPU_THREAD_POLICIES = ("prefer", "isolate", "require")
EMULATOR_THREADS_POLICIES = ("share", "isolate")

# Page sizes in KiB that KubeVirt accepts on x86_64 (memory.hugepages.pageSize).
_KUBEVIRT_PAGE_SIZES = {2048: "2Mi", 1048576: "1Gi"}
SMALL_PAGE_KIB = 4
# What "large"/"any" become: the size every hugepage-enabled x86_64 node offers.
# Candidate for a TranslationOptions field (default_hugepage_size).
DEFAULT_LARGE_PAGE_SIZE = "2Mi"
_PAGE_SIZE_KIB = {"2Mi": 2048, "1Gi": 1048576}
# oslo strutils.string_to_bytes, IEC unit system (what Nova uses for hw:mem_page_size).
_IEC_SIZE_RE = re.compile(r"^(\d+(?:\.\d+)?)([KMGT]i?)?(b|bit|B)$")
_IEC_EXPONENT = {"K": 1, "Ki": 1, "M": 2, "Mi": 2, "G": 3, "Gi": 3, "T": 4, "Ti": 4}

# Extra specs / image properties that this module reads (extra_specs.py and image_props.py
# consult these so nothing is reported twice or dropped silently).
TOPOLOGY_KEYS = ("sockets", "cores", "threads", "max_sockets", "max_cores", "max_threads")
FLAVOR_SPECS = frozenset(
    [f"hw:cpu_{k}" for k in TOPOLOGY_KEYS]
    + [
        "hw:mem_page_size",
        "hw:cpu_policy",
        "hw:cpu_thread_policy",
        "hw:emulator_threads_policy",
        "hw:cpu_realtime",
        "hw:cpu_realtime_mask",
        "hw:cpu_dedicated_mask",
        "hw:numa_nodes",
        "resources:VCPU",
        "resources:PCPU",
    ]
)
FLAVOR_SPEC_PATTERNS = (re.compile(r"^hw:numa_(cpus|mem)\.\d+$"),)
IMAGE_PROPS = frozenset(
    [f"hw_cpu_{k}" for k in TOPOLOGY_KEYS] + ["hw_mem_page_size", "hw_cpu_policy", "hw_cpu_thread_policy", "hw_cpu_realtime_mask", "hw_numa_nodes"]
)
IMAGE_PROP_PATTERNS = (re.compile(r"^hw_numa_(cpus|mem)\.\d+$"),)


def is_flavor_spec(key: str) -> bool:
    return key in FLAVOR_SPECS or any(p.match(key) for p in FLAVOR_SPEC_PATTERNS)


def is_image_prop(key: str) -> bool:
    return key in IMAGE_PROPS or any(p.match(key) for p in IMAGE_PROP_PATTERNS)


# --------------------------------------------------------------------------- parsing helpers


def parse_bool(value: Any) -> bool | None:
    """oslo strutils.bool_from_string in strict mode; None when the value is not a boolean word."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE_STRINGS:
        return True
    if text in _FALSE_STRINGS:
        return False
    return None


def parse_cpu_spec(spec: str, *, collector: FindingCollector, field: str) -> set[int]:
    """libvirt/Nova CPU set syntax "0-3,^2,5" -> {0, 1, 3, 5}."""
    include: set[int] = set()
    exclude: set[int] = set()
    for raw in str(spec).split(","):
        rule = raw.strip()
        if not rule:
            continue
        negate = rule.startswith("^")
        body = rule[1:] if negate else rule
        match = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", body)
        if not match:
            raise collector.fail(field, f"invalid CPU set {spec!r} (expected e.g. '0-3,^2')")
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) is not None else start
        if end < start:
            raise collector.fail(field, f"invalid CPU range {rule!r} in {spec!r}")
        (exclude if negate else include).update(range(start, end + 1))
    return include - exclude


def format_cpu_set(cpus: set[int]) -> str:
    """{0,1,2,5} -> "0-2,5" (libvirt syntax, as KubeVirt's realtime.mask expects)."""
    parts: list[str] = []
    ordered = sorted(cpus)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)


# --------------------------------------------------------------------------- CPU topology


@dataclasses.dataclass(frozen=True)
class Topology:
    sockets: int
    cores: int
    threads: int

    @property
    def vcpus(self) -> int:
        return self.sockets * self.cores * self.threads


def _pair(extra_specs: Mapping, image_props: Mapping, name: str, collector: FindingCollector) -> tuple[int, int]:
    """(flavor value, image value) of hw:cpu_<name> / hw_cpu_<name>; 0 means unset, as in Nova."""
    flavor_value, image_value = (
        int_field(source.get(key), collector=collector, field=f"{prefix}.{key}", default=0)
        for source, key, prefix in ((extra_specs, f"hw:cpu_{name}", ES), (image_props, f"hw_cpu_{name}", IMG))
    )
    return flavor_value, image_value


def topology_constraints(extra_specs: Mapping, image_props: Mapping, *, collector: FindingCollector) -> tuple[Topology, Topology]:
    """(preferred, maximum) exactly as Nova's get_cpu_topology_constraints; 0 in preferred = no preference."""
    f_max = {}
    i_max = {}
    for name in ("sockets", "cores", "threads"):
        f_max[name], i_max[name] = _pair(extra_specs, image_props, f"max_{name}", collector)
    # Image limits may only narrow the flavor's (Nova: ImageVCPULimitsRangeExceeded).
    for name in ("sockets", "cores", "threads"):
        if f_max[name] and i_max[name] > f_max[name]:
            raise collector.fail(
                f"{IMG}.hw_cpu_max_{name}",
                f"image limit {i_max[name]} exceeds the flavor's hw:cpu_max_{name}={f_max[name]}; "
                "Nova refuses to boot this combination (ImageVCPULimitsRangeExceeded)",
            )
    maximum = {name: i_max[name] or f_max[name] or _UNLIMITED for name in f_max}

    f_pref = {}
    i_pref = {}
    for name in ("sockets", "cores", "threads"):
        f_pref[name], i_pref[name] = _pair(extra_specs, image_props, name, collector)
    # Nova silently discards the flavor's preference when the image lowered the limits below it.
    if any(f_pref[name] > maximum[name] for name in maximum):
        f_pref = dict.fromkeys(f_pref, 0)
    for name in ("sockets", "cores", "threads"):
        if i_pref[name] > maximum[name]:
            raise collector.fail(
                f"{IMG}.hw_cpu_{name}",
                f"image asks for {i_pref[name]} {name} but at most {maximum[name]} are allowed; "
                "Nova refuses to boot this combination (ImageVCPUTopologyRangeExceeded)",
            )
    # Any image preference replaces the whole flavor preference (not per field).
    chosen = i_pref if any(i_pref.values()) else f_pref
    return (Topology(chosen["sockets"], chosen["cores"], chosen["threads"]), Topology(maximum["sockets"], maximum["cores"], maximum["threads"]))


def possible_topologies(vcpus: int, maximum: Topology) -> list[Topology]:
    """Every sockets*cores*threads == vcpus within the limits, in Nova's base preference order:
    most sockets*cores first (fewest threads), then most sockets."""
    max_s = min(vcpus, maximum.sockets)
    max_c = min(vcpus, maximum.cores)
    max_t = min(vcpus, maximum.threads)
    found = []
    # Iterating divisors only gives the same set as Nova's triple loop, without its O(n^3) cost.
    for s in range(1, max_s + 1):
        if vcpus % s:
            continue
        for c in range(1, max_c + 1):
            if (vcpus // s) % c:
                continue
            t = vcpus // (s * c)
            if t <= max_t:
                found.append(Topology(s, c, t))
    return sorted(found, key=lambda x: (x.sockets * x.cores, x.sockets, x.threads), reverse=True)


def _score(topology: Topology, wanted: Topology) -> int:
    return sum(
        1 for have, want in ((topology.sockets, wanted.sockets), (topology.cores, wanted.cores), (topology.threads, wanted.threads)) if want and have == want
    )


def sort_by_preference(possible: list[Topology], preferred: Topology) -> list[Topology]:
    """Nova's bucket sort by match score (3..0); stable, so the base order survives inside a bucket."""
    buckets: dict[int, list[Topology]] = collections.defaultdict(list)
    for topology in possible:
        buckets[_score(topology, preferred)].append(topology)
    return [t for score in (3, 2, 1, 0) for t in buckets[score]]


def best_topology(vcpus: int, extra_specs: Mapping, image_props: Mapping, *, collector: FindingCollector) -> Topology:
    """The topology Nova's libvirt driver presents to the guest (get_best_cpu_topology)."""
    preferred, maximum = topology_constraints(extra_specs, image_props, collector=collector)
    possible = possible_topologies(vcpus, maximum)
    if not possible:
        raise collector.fail(
            f"{ES}.hw:cpu_max_sockets",
            f"no sockets*cores*threads = {vcpus} vCPUs fits the limits "
            f"{maximum.sockets}:{maximum.cores}:{maximum.threads}; "
            "Nova refuses to boot this (ImageVCPULimitsRangeImpossible)",
        )
    best = sort_by_preference(possible, preferred)[0]
    # Invariant the guest depends on: a topology that does not multiply out would change the vCPU count.
    if best.vcpus != vcpus:
        raise AssertionError(f"topology {best} does not give {vcpus} vCPUs")
    return best


# KubeVirt's admission rejects dedicatedCpuPlacement with more than 2 threads per core.
DEDICATED_MAX_THREADS = 2


def _dedicated_topology(vcpus: int, extra_specs: Mapping, image_props: Mapping, nova: Topology, *, collector: FindingCollector) -> Topology:
    """Closest topology KubeVirt accepts for pinned CPUs when Nova's has more than 2 threads per core."""
    preferred, maximum = topology_constraints(extra_specs, image_props, collector=collector)
    capped = Topology(maximum.sockets, maximum.cores, min(maximum.threads, DEDICATED_MAX_THREADS))
    possible = possible_topologies(vcpus, capped)
    limits_kept = bool(possible)
    if not possible:
        # Only the socket/core limits forced the threads up; one thread per core always fits.
        possible = possible_topologies(vcpus, Topology(_UNLIMITED, _UNLIMITED, DEDICATED_MAX_THREADS))
    # A wish for more threads than allowed still means "use SMT": keep as many as KubeVirt allows.
    wanted = Topology(preferred.sockets, preferred.cores, min(preferred.threads, DEDICATED_MAX_THREADS))
    chosen = sort_by_preference(possible, wanted)[0]
    field = next(
        (
            f"{prefix}.{key}"
            for source, prefix, key in (
                (image_props, IMG, "hw_cpu_threads"),
                (extra_specs, ES, "hw:cpu_threads"),
                (image_props, IMG, "hw_cpu_max_cores"),
                (extra_specs, ES, "hw:cpu_max_cores"),
                (image_props, IMG, "hw_cpu_max_sockets"),
                (extra_specs, ES, "hw:cpu_max_sockets"),
            )
            if source.get(key) not in (None, "")
        ),
        f"{ES}.hw:cpu_policy",
    )
    collector.warn(
        field,
        f"Nova's topology {nova.sockets}:{nova.cores}:{nova.threads} (sockets:cores:threads) has "
        f"{nova.threads} threads per core, but KubeVirt allows at most {DEDICATED_MAX_THREADS} with "
        f"dedicated CPUs; the guest gets {chosen.sockets}:{chosen.cores}:{chosen.threads}"
        + ("" if limits_kept else ", which exceeds the flavor/image socket or core limits"),
    )
    return chosen


# --------------------------------------------------------------------------- memory pages


def parse_page_size(value: Any, *, collector: FindingCollector, field: str) -> int | str:
    """hw:mem_page_size -> "small" | "large" | "any" | size in KiB (Nova's check_and_return_pages_size)."""
    text = str(value).strip()
    if text in ("small", "large", "any"):
        return text
    if text.isdigit():
        size = int(text)
    else:
        match = _IEC_SIZE_RE.match(text)
        if not match:
            raise collector.fail(
                field, f"invalid page size {value!r}; Nova accepts small, large, any, a number of KiB or a size such as 2MB / 1GB (MemoryPageSizeInvalid)"
            )
        number = float(match.group(1)) * 1024 ** _IEC_EXPONENT.get(match.group(2) or "", 0)
        if match.group(3) in ("b", "bit"):
            number /= 8
        size_bytes = int(-(-number // 1))
        size = size_bytes // 1024 if size_bytes % 1024 == 0 else 0
        if size <= 0:
            raise collector.fail(field, f"page size {value!r} is not a whole number of KiB")
    if size <= 0:
        raise collector.fail(field, f"page size must be positive, got {value!r}")
    return size


def page_size_request(extra_specs: Mapping, image_props: Mapping, *, collector: FindingCollector) -> tuple[int | str | None, str]:
    """(request, field it came from) following Nova's _get_numa_pagesize_constraint."""
    flavor_raw = extra_specs.get("hw:mem_page_size") or None
    image_raw = image_props.get("hw_mem_page_size") or None
    if image_raw and not flavor_raw:
        raise collector.fail(
            f"{IMG}.hw_mem_page_size",
            f"image asks for page size {image_raw!r} but the flavor sets no hw:mem_page_size; Nova refuses to boot this (MemoryPageSizeForbidden)",
        )
    if not flavor_raw:
        return None, ""
    flavor_req = parse_page_size(flavor_raw, collector=collector, field=f"{ES}.hw:mem_page_size")
    if image_raw:
        if flavor_req not in ("any", "large"):
            raise collector.fail(
                f"{IMG}.hw_mem_page_size",
                f"image page size {image_raw!r} is only allowed when the flavor's hw:mem_page_size is "
                f"'large' or 'any', not {flavor_raw!r} (MemoryPageSizeForbidden)",
            )
        return parse_page_size(image_raw, collector=collector, field=f"{IMG}.hw_mem_page_size"), f"{IMG}.hw_mem_page_size"
    return flavor_req, f"{ES}.hw:mem_page_size"


def hugepage_size(request: int | str | None, field: str, ram_mib: int, *, collector: FindingCollector) -> str | None:
    """KubeVirt pageSize for a Nova page request, or None for ordinary memory."""
    if request is None or request == "small" or request == SMALL_PAGE_KIB:
        return None
    if request == "large":
        size = DEFAULT_LARGE_PAGE_SIZE
    elif request == "any":
        size = DEFAULT_LARGE_PAGE_SIZE
        collector.warn(
            field,
            f"'any' let Nova fall back to small pages when no hugepages were free; KubeVirt has no "
            f"fallback, so {size} hugepages are required and the VM stays Pending on nodes without them",
        )
    else:
        size = _KUBEVIRT_PAGE_SIZES.get(int(request))
        if size is None:
            raise collector.fail(field, f"page size {request} KiB is not available in KubeVirt on x86_64 (only 2048 KiB = 2Mi and 1048576 KiB = 1Gi)")
    if (ram_mib * 1024) % _PAGE_SIZE_KIB[size]:
        raise collector.fail(field, f"flavor RAM {ram_mib} MiB is not a multiple of the {size} page size; KubeVirt cannot back this guest with hugepages")
    return size


# --------------------------------------------------------------------------- CPU policies, NUMA


def _flavor_image(extra_specs: Mapping, image_props: Mapping, name: str) -> tuple[str | None, str | None]:
    f = extra_specs.get(f"hw:{name}")
    i = image_props.get(f"hw_{name}")
    return (str(f).strip() if f not in (None, "") else None, str(i).strip() if i not in (None, "") else None)


def cpu_policy(extra_specs: Mapping, image_props: Mapping, *, collector: FindingCollector) -> str | None:
    """Nova's get_cpu_policy_constraint plus the resources:PCPU/VCPU shortcuts."""
    flavor_policy, image_policy = _flavor_image(extra_specs, image_props, "cpu_policy")
    for value, field in ((flavor_policy, f"{ES}.hw:cpu_policy"), (image_policy, f"{IMG}.hw_cpu_policy")):
        if value and value not in CPU_POLICIES:
            raise collector.fail(field, f"invalid CPU policy {value!r}; allowed: {', '.join(CPU_POLICIES)}")
    if flavor_policy == "dedicated":
        policy: str | None = flavor_policy
    elif flavor_policy == "mixed":
        if image_policy == "dedicated":
            raise collector.fail(f"{IMG}.hw_cpu_policy", "image asks for dedicated CPUs but the flavor is 'mixed' (ImageCPUPinningForbidden)")
        policy = flavor_policy
    elif flavor_policy == "shared":
        if image_policy in ("mixed", "dedicated"):
            raise collector.fail(f"{IMG}.hw_cpu_policy", f"image asks for {image_policy} CPUs but the flavor is 'shared' (ImageCPUPinningForbidden)")
        policy = flavor_policy
    else:
        policy = image_policy
    pcpu = extra_specs.get("resources:PCPU")
    vcpu = extra_specs.get("resources:VCPU")
    if (pcpu or vcpu) and policy:
        raise collector.fail(
            f"{ES}.resources:PCPU" if pcpu else f"{ES}.resources:VCPU", "resources:PCPU/VCPU cannot be combined with a CPU policy (Nova rejects it)"
        )
    if pcpu and vcpu:
        raise collector.fail(f"{ES}.resources:PCPU", "resources:PCPU and resources:VCPU are mutually exclusive")
    if pcpu:
        int_field(pcpu, collector=collector, field=f"{ES}.resources:PCPU", minimum=1)
        policy = "dedicated"
    elif vcpu:
        int_field(vcpu, collector=collector, field=f"{ES}.resources:VCPU", minimum=1)
        policy = "shared"
    return policy


def _numa_layout(vcpus: int, ram_mib: int, extra_specs: Mapping, image_props: Mapping, *, collector: FindingCollector) -> tuple[int | None, str]:
    """Validate the guest NUMA request the way Nova does; returns (node count or None, source field)."""
    flavor_nodes, image_nodes = _flavor_image(extra_specs, image_props, "numa_nodes")
    if flavor_nodes and image_nodes:
        raise collector.fail(f"{IMG}.hw_numa_nodes", "image may not override the flavor's hw:numa_nodes (ImageNUMATopologyForbidden)")
    field = f"{ES}.hw:numa_nodes" if flavor_nodes else f"{IMG}.hw_numa_nodes"
    cpus_f = _indexed(extra_specs, "hw:numa_cpus.")
    mem_f = _indexed(extra_specs, "hw:numa_mem.")
    cpus_i = _indexed(image_props, "hw_numa_cpus.")
    mem_i = _indexed(image_props, "hw_numa_mem.")
    if (cpus_f and cpus_i) or (mem_f and mem_i):
        raise collector.fail(
            f"{IMG}.hw_numa_cpus.0" if cpus_f and cpus_i else f"{IMG}.hw_numa_mem.0",
            "image may not override the flavor's NUMA layout (ImageNUMATopologyForbidden)",
        )
    raw_nodes = flavor_nodes or image_nodes
    cpu_list, cpu_prefix = (cpus_f, f"{ES}.hw:numa_cpus.") if cpus_f else (cpus_i, f"{IMG}.hw_numa_cpus.")
    mem_list, mem_prefix = (mem_f, f"{ES}.hw:numa_mem.") if mem_f else (mem_i, f"{IMG}.hw_numa_mem.")
    if raw_nodes is None:
        if cpu_list or mem_list:
            collector.warn(cpu_prefix + "0" if cpu_list else mem_prefix + "0", "NUMA cell layout without hw:numa_nodes is ignored by Nova too")
        return None, ""
    nodes = int_field(raw_nodes, collector=collector, field=field, minimum=1)
    if not cpu_list and not mem_list:
        if vcpus % nodes or ram_mib % nodes:
            raise collector.fail(field, f"{vcpus} vCPUs / {ram_mib} MiB cannot be split evenly over {nodes} NUMA nodes (ImageNUMATopologyAsymmetric)")
        return nodes, field
    if len(cpu_list) != nodes or len(mem_list) != nodes:
        raise collector.fail(cpu_prefix + "0", f"hw:numa_cpus.N and hw:numa_mem.N must both be given for all {nodes} nodes (ImageNUMATopologyIncomplete)")
    unassigned = set(range(vcpus))
    total_mem = 0
    for index in range(nodes):
        cpus = parse_cpu_spec(cpu_list[index], collector=collector, field=f"{cpu_prefix}{index}")
        for cpu in sorted(cpus):
            if cpu >= vcpus:
                raise collector.fail(f"{cpu_prefix}{index}", f"vCPU {cpu} is out of range 0-{vcpus - 1}")
            if cpu not in unassigned:
                raise collector.fail(f"{cpu_prefix}{index}", f"vCPU {cpu} is assigned to more than one NUMA node")
            unassigned.discard(cpu)
        total_mem += int_field(mem_list[index], collector=collector, field=f"{mem_prefix}{index}")
    if unassigned:
        raise collector.fail(cpu_prefix + "0", f"vCPUs {format_cpu_set(unassigned)} are not assigned to any NUMA node")
    if total_mem != ram_mib:
        raise collector.fail(mem_prefix + "0", f"NUMA node memory adds up to {total_mem} MiB, the flavor has {ram_mib} MiB")
    collector.warn(
        cpu_prefix + "0",
        "the per-node vCPU/memory split cannot be reproduced: KubeVirt's only NUMA mode "
        "(guestMappingPassthrough) mirrors the host NUMA nodes of the pinned CPUs",
    )
    return nodes, field


def _indexed(source: Mapping, prefix: str) -> list:
    """Consecutive "<prefix>0", "<prefix>1", ... values, stopping at the first gap as Nova does."""
    values = []
    while f"{prefix}{len(values)}" in source:
        values.append(source[f"{prefix}{len(values)}"])
    return values


# --------------------------------------------------------------------------- public entry point


@dataclasses.dataclass
class FlavorDomain:
    cpu: dict
    memory: dict
    resources: dict
    topology: Topology
    dedicated: bool
    hugepages: str | None


def translate_flavor(flavor: Mapping, image_props: Mapping, *, collector: FindingCollector) -> FlavorDomain:
    """cpu / memory / resources of spec.template.spec.domain for one server's flavor and image."""
    extra_specs = _extra_specs_of(flavor, collector)
    image_props = image_props or {}
    vcpus, ram = _size(flavor, collector)
    topology = best_topology(vcpus, extra_specs, image_props, collector=collector)
    request, page_field = page_size_request(extra_specs, image_props, collector=collector)
    pages = hugepage_size(request, page_field, ram, collector=collector)
    memory: dict = {"guest": f"{ram}Mi"}
    if pages:
        memory["hugepages"] = {"pageSize": pages}

    policy = cpu_policy(extra_specs, image_props, collector=collector)
    dedicated = policy in ("dedicated", "mixed")
    if dedicated and topology.threads > DEDICATED_MAX_THREADS:
        topology = _dedicated_topology(vcpus, extra_specs, image_props, topology, collector=collector)
    cpu: dict = {"sockets": topology.sockets, "cores": topology.cores, "threads": topology.threads}
    _check_mixed_policy(policy, extra_specs, collector)
    if dedicated:
        cpu["dedicatedCpuPlacement"] = True
    _check_thread_policy(extra_specs, image_props, dedicated, collector)
    emulator = _emulator_threads(extra_specs, dedicated, cpu, collector)
    realtime = _realtime(vcpus, extra_specs, image_props, dedicated=dedicated, emulator=emulator, collector=collector)
    _numa(cpu, vcpus, ram, extra_specs, image_props, dedicated=dedicated, pages=pages, realtime=realtime, collector=collector)
    return FlavorDomain(cpu=cpu, memory=memory, resources=_resources(ram, dedicated, pages), topology=topology, dedicated=dedicated, hugepages=pages)


def _extra_specs_of(flavor: Mapping, collector: FindingCollector) -> Mapping:
    if not isinstance(flavor, Mapping):
        raise collector.fail("flavor", f"expected the server's embedded flavor (a dict), got {type_name(flavor)}")
    extra_specs = flavor.get("extra_specs") or {}
    if not isinstance(extra_specs, Mapping):
        raise collector.fail(ES, f"expected a dict, got {type_name(extra_specs)}")
    return extra_specs


def _size(flavor: Mapping, collector: FindingCollector) -> tuple[int, int]:
    """(vCPUs, RAM in MiB): both required, the vCPUs within what KVM allows."""
    if "vcpus" not in flavor or flavor.get("vcpus") in (None, ""):
        raise collector.fail("flavor.vcpus", "missing; cannot size the guest")
    if "ram" not in flavor or flavor.get("ram") in (None, ""):
        raise collector.fail("flavor.ram", "missing; cannot size the guest")
    vcpus = int_field(flavor["vcpus"], collector=collector, field="flavor.vcpus", minimum=1)
    if vcpus > MAX_VCPUS:
        raise collector.fail(
            "flavor.vcpus", f"{vcpus} vCPUs is more than a KVM guest can have ({MAX_VCPUS}, KVM_MAX_VCPUS on x86); the snapshot's flavor is wrong"
        )
    return vcpus, int_field(flavor["ram"], collector=collector, field="flavor.ram", minimum=1)


def _check_mixed_policy(policy: str | None, extra_specs: Mapping, collector: FindingCollector) -> None:
    if policy == "mixed":
        collector.warn(
            f"{ES}.hw:cpu_policy",
            "KubeVirt pins all vCPUs or none: the 'mixed' flavor's shared vCPUs are dedicated too, which takes more host CPUs than in OpenStack",
        )
    dedicated_mask = extra_specs.get("hw:cpu_dedicated_mask")
    if dedicated_mask not in (None, ""):
        if policy != "mixed":
            raise collector.fail(f"{ES}.hw:cpu_dedicated_mask", "only valid with hw:cpu_policy=mixed (RequiredMixedInstancePolicy)")
        parse_cpu_spec(dedicated_mask, collector=collector, field=f"{ES}.hw:cpu_dedicated_mask")


def _check_thread_policy(extra_specs: Mapping, image_props: Mapping, dedicated: bool, collector: FindingCollector) -> None:
    """Nova's CPU thread policy: validated; KubeVirt has no per-VM equivalent, the kubelet decides."""
    thread_flavor, thread_image = _flavor_image(extra_specs, image_props, "cpu_thread_policy")
    for value, field in ((thread_flavor, f"{ES}.hw:cpu_thread_policy"), (thread_image, f"{IMG}.hw_cpu_thread_policy")):
        if value and value not in CPU_THREAD_POLICIES:
            raise collector.fail(field, f"invalid CPU thread policy {value!r}; allowed: {', '.join(CPU_THREAD_POLICIES)}")
    if thread_flavor not in (None, "prefer") and thread_image and thread_image != thread_flavor:
        raise collector.fail(f"{IMG}.hw_cpu_thread_policy", "conflicts with the flavor's hw:cpu_thread_policy (ImageCPUThreadPolicyForbidden)")
    thread_policy = thread_flavor if thread_flavor not in (None, "prefer") else (thread_flavor or thread_image)
    if thread_policy:
        field = f"{ES}.hw:cpu_thread_policy" if thread_flavor else f"{IMG}.hw_cpu_thread_policy"
        if not dedicated:
            raise collector.fail(field, "a CPU thread policy needs dedicated CPUs (CPUThreadPolicyConfigurationInvalid)")
        if thread_policy != "prefer":
            collector.warn(
                field,
                f"'{thread_policy}' has no per-VM KubeVirt setting; the node's kubelet CPU manager "
                "decides sibling placement (its full-pcpus-only option comes closest to 'require')",
            )


def _emulator_threads(extra_specs: Mapping, dedicated: bool, cpu: dict, collector: FindingCollector) -> Any:
    """hw:emulator_threads_policy -> cpu.isolateEmulatorThread; returns the raw policy."""
    emulator = extra_specs.get("hw:emulator_threads_policy")
    if emulator in (None, ""):
        return emulator
    field = f"{ES}.hw:emulator_threads_policy"
    if emulator not in EMULATOR_THREADS_POLICIES:
        raise collector.fail(field, f"invalid value {emulator!r}; allowed: {', '.join(EMULATOR_THREADS_POLICIES)}")
    if emulator == "isolate":
        if not dedicated:
            raise collector.fail(field, "'isolate' needs dedicated CPUs (BadRequirementEmulatorThreadsPolicy)")
        cpu["isolateEmulatorThread"] = True
    elif dedicated:
        collector.warn(
            field, "'share' put emulator threads on the host's cpu_shared_set; KubeVirt has no such pool, so they run on the VM's own dedicated CPUs"
        )
    return emulator


def _numa(
    cpu: dict,
    vcpus: int,
    ram: int,
    extra_specs: Mapping,
    image_props: Mapping,
    *,
    dedicated: bool,
    pages: str | None,
    realtime: dict | None,
    collector: FindingCollector,
) -> None:
    """Guest NUMA and realtime: both need KubeVirt's guestMappingPassthrough (dedicated CPUs and hugepages)."""
    nodes, numa_field = _numa_layout(vcpus, ram, extra_specs, image_props, collector=collector)
    wants_numa = nodes is not None
    if wants_numa or realtime is not None:
        if dedicated and pages:
            cpu["numa"] = {"guestMappingPassthrough": {}}
            if wants_numa:
                collector.warn(
                    numa_field,
                    f"{nodes} guest NUMA node(s) become KubeVirt guestMappingPassthrough: the "
                    "guest gets the NUMA layout of its pinned host CPUs (may differ per node)",
                )
        elif wants_numa:
            needs = (("dedicated CPUs (hw:cpu_policy)", dedicated), ("hugepages (hw:mem_page_size)", pages))
            missing = " and ".join(x for x, ok in needs if not ok)
            collector.warn(numa_field, f"guest NUMA topology dropped: KubeVirt's guestMappingPassthrough requires {missing}; the guest sees a single NUMA node")
    if realtime is None:
        return
    if "numa" in cpu:
        cpu["realtime"] = realtime
        collector.warn(
            f"{ES}.hw:cpu_realtime", "realtime needs nodes labelled kubevirt.io/realtime (kernel.sched_rt_runtime_us=-1) and a realtime guest kernel"
        )
    else:
        collector.warn(f"{ES}.hw:cpu_realtime", "realtime dropped: KubeVirt realtime tuning needs hugepages (hw:mem_page_size) for its NUMA passthrough")


def _resources(ram: int, dedicated: bool, pages: str | None) -> dict:
    if dedicated:
        # CPU manager pinning needs a Guaranteed pod: memory requests == limits.
        return {"requests": {"memory": f"{ram}Mi"}, "limits": {"memory": f"{ram}Mi"}}
    if pages:
        # virt-api checks the hugepage size against resources.requests.memory, not memory.guest,
        # and rejects the VM when the request is missing.
        return {"requests": {"memory": f"{ram}Mi"}}
    return {}


def _realtime(vcpus: int, extra_specs: Mapping, image_props: Mapping, *, dedicated: bool, emulator: Any, collector: FindingCollector) -> dict | None:
    """Nova's get_realtime_cpu_constraint -> KubeVirt cpu.realtime (mask only when not every vCPU)."""
    raw = extra_specs.get("hw:cpu_realtime")
    field = f"{ES}.hw:cpu_realtime"
    image_mask = image_props.get("hw_cpu_realtime_mask")
    flavor_mask = extra_specs.get("hw:cpu_realtime_mask")
    if raw in (None, ""):
        if image_mask or flavor_mask:
            collector.warn(f"{IMG}.hw_cpu_realtime_mask" if image_mask else f"{ES}.hw:cpu_realtime_mask", "ignored without hw:cpu_realtime=true (as in Nova)")
        return None
    enabled = parse_bool(raw)
    if enabled is None:
        raise collector.fail(field, f"expected a boolean, got {raw!r}")
    if not enabled:
        return None
    if not dedicated:
        raise collector.fail(field, "realtime needs hw:cpu_policy=dedicated or mixed (RealtimeConfigurationInvalid)")
    mask = image_mask or flavor_mask
    mask_field = f"{IMG}.hw_cpu_realtime_mask" if image_mask else f"{ES}.hw:cpu_realtime_mask"
    all_cpus = set(range(vcpus))
    if mask:
        text = str(mask).strip()
        spec = f"0-{vcpus - 1},{text}" if text.startswith("^") else text
        rt_cpus = parse_cpu_spec(spec, collector=collector, field=mask_field)
    else:
        rt_cpus = set(all_cpus)
    if not rt_cpus:
        raise collector.fail(mask_field, "the realtime mask leaves no realtime vCPU (RealtimeMaskNotFoundOrInvalid)")
    if not rt_cpus <= all_cpus:
        raise collector.fail(mask_field, f"the realtime mask names vCPUs outside 0-{vcpus - 1}")
    if rt_cpus == all_cpus and emulator in (None, ""):
        raise collector.fail(
            mask_field if mask else field,
            "with every vCPU realtime Nova requires hw:emulator_threads_policy or a mask that keeps one vCPU for housekeeping (RealtimeMaskNotFoundOrInvalid)",
        )
    return {} if rt_cpus == all_cpus else {"mask": format_cpu_set(rt_cpus)}
