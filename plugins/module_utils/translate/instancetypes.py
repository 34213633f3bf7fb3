# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Flavors -> instancetypes, image properties -> preferences (option "instancetypes").

A rendered VM is turned into references only where KubeVirt v1.9.0 expands the references back
into exactly the same VM (pkg/instancetype: the instancetype sets cpu.guest and memory.guest, the
preference fills firmware, features, clock, machine and the CPU topology the VM leaves unset).
VMs whose domain carries what that split cannot reproduce (dedicated CPUs, hugepages, NUMA,
realtime, explicit resources for CPU or memory, a topology no preference spreads to) stay inline
and the plan says why. Names are content-addressed, so equal specs share one object and a cluster-wide
object never differs between tenants under the same name.
"""

from __future__ import annotations

import copy
import hashlib
import json

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import k8s_object, object_meta
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.naming import dns_label
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import INSTANCETYPE_SCOPES

API_VERSION = "instancetype.kubevirt.io/v1beta1"
CLUSTER, NAMESPACED = INSTANCETYPE_SCOPES
KINDS = {
    CLUSTER: ("VirtualMachineClusterInstancetype", "VirtualMachineClusterPreference"),
    NAMESPACED: ("VirtualMachineInstancetype", "VirtualMachinePreference"),
}
# Domain features a preference can carry (features.<name> -> preferred<Name>).
_FEATURES = {"acpi": "preferredAcpi", "apic": "preferredApic", "hyperv": "preferredHyperv", "smm": "preferredSmm", "kvm": "preferredKvm"}
_INLINE_CPU_FIELDS = ("dedicatedCpuPlacement", "isolateEmulatorThread", "numa", "realtime", "model", "features")


def cpu_topology_preference(sockets: int, cores: int, threads: int) -> dict | None:
    """The preference cpu section KubeVirt spreads cpu.guest into exactly this topology, or None."""
    if cores == 1 and threads == 1:
        return {"preferredCPUTopology": "sockets"}
    if sockets == 1 and threads == 1:
        return {"preferredCPUTopology": "cores"}
    if sockets == 1 and cores == 1:
        return {"preferredCPUTopology": "threads"}
    if threads == 1:
        return {"preferredCPUTopology": "spread", "spreadOptions": {"across": "SocketsCores", "ratio": cores}}
    if threads == 2 and sockets == 1:
        return {"preferredCPUTopology": "spread", "spreadOptions": {"across": "CoresThreads", "ratio": 2}}
    if threads == 2:
        return {"preferredCPUTopology": "spread", "spreadOptions": {"across": "SocketsCoresThreads", "ratio": cores}}
    return None


def _inline_reason(domain: dict) -> str | None:
    cpu = domain.get("cpu") or {}
    memory = domain.get("memory") or {}
    kept = [f"cpu.{name}" for name in _INLINE_CPU_FIELDS if name in cpu]
    kept += [f"memory.{name}" for name in memory if name != "guest"]
    resources = domain.get("resources") or {}
    kept += [f"resources.{kind}.{name}" for kind in ("requests", "limits") for name in (resources.get(kind) or {}) if name in ("cpu", "memory")]
    if kept:
        return f"its domain sets {', '.join(kept)}, which stays with the VM (not moved into an instancetype)"
    if cpu_topology_preference(cpu.get("sockets", 1), cpu.get("cores", 1), cpu.get("threads", 1)) is None:
        return f"no preference spreads {cpu.get('sockets')}:{cpu.get('cores')}:{cpu.get('threads')} (sockets:cores:threads) the same way"
    return None


def _split(domain: dict) -> tuple[dict, dict, dict]:
    """(instancetype spec, preference spec, what stays in the VM's domain)."""
    cpu = domain["cpu"]
    vcpus = cpu["sockets"] * cpu["cores"] * cpu["threads"]
    instancetype = {"cpu": {"guest": vcpus}, "memory": {"guest": domain["memory"]["guest"]}}
    preference: dict = {"cpu": cpu_topology_preference(cpu["sockets"], cpu["cores"], cpu["threads"])}
    rest = {k: copy.deepcopy(v) for k, v in domain.items() if k not in ("cpu", "memory")}
    firmware = rest.get("firmware") or {}
    if "bootloader" in firmware:
        efi = firmware["bootloader"].get("efi")
        if efi is not None:
            preference["firmware"] = {"preferredEfi": efi}
        else:
            preference["firmware"] = {"preferredUseBios": True}
        del firmware["bootloader"]
    features = rest.pop("features", {})
    if features:
        preference["features"] = {_FEATURES[name]: value for name, value in features.items() if name in _FEATURES}
        leftover = {name: value for name, value in features.items() if name not in _FEATURES}
        if leftover:
            rest["features"] = leftover
    clock = rest.pop("clock", None)
    if clock:
        preference["clock"] = {}
        offset = {k: v for k, v in clock.items() if k in ("utc", "timezone")}
        if offset:
            preference["clock"]["preferredClockOffset"] = offset
        if "timer" in clock:
            preference["clock"]["preferredTimer"] = clock["timer"]
    machine = rest.pop("machine", None)
    if machine and machine.get("type"):
        preference["machine"] = {"preferredMachineType": machine["type"]}
    return instancetype, preference, rest


def _name(base: str, spec: dict) -> str:
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:8]
    return dns_label(f"{dns_label(base, max_length=50)}-{digest}")


class InstancetypeCatalog:
    """Collects the instancetypes and preferences of one tenant and rewrites its VMs to reference them."""

    def __init__(self, scope: str, namespace: str) -> None:
        self.scope = scope
        self.namespace = namespace if scope == NAMESPACED else None
        self.objects: dict[tuple[str, str], dict] = {}

    def _object(self, kind: str, base: str, spec: dict, source_type: str, source_id: str) -> str:
        name = _name(base, spec)
        if (kind, name) not in self.objects:
            meta = object_meta(name, self.namespace, source_type=source_type, source_id=source_id, source_name=base)
            self.objects[(kind, name)] = k8s_object(API_VERSION, kind, meta, spec=spec)
        return name

    def reference(self, vm: dict, *, flavor_name: str, flavor_id: str, image_name: str, image_id: str) -> str | None:
        """Rewrite vm in place to use an instancetype and a preference; None, or why it stays inline."""
        template_spec = vm["spec"]["template"]["spec"]
        reason = _inline_reason(template_spec["domain"])
        if reason is not None:
            return reason
        instancetype, preference, rest = _split(template_spec["domain"])
        instancetype_kind, preference_kind = KINDS[self.scope]
        vm["spec"]["instancetype"] = {
            "kind": instancetype_kind,
            "name": self._object(instancetype_kind, flavor_name or "flavor", instancetype, "nova.flavor", flavor_id),
        }
        vm["spec"]["preference"] = {"kind": preference_kind, "name": self._object(preference_kind, image_name or "image", preference, "glance.image", image_id)}
        template_spec["domain"] = rest
        return None

    def sorted_objects(self) -> list[dict]:
        return [self.objects[key] for key in sorted(self.objects)]
