# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Will a rendered VM live-migrate, and which evictionStrategy does it get.

The rules are the ones virt-handler uses for the VMI's LiveMigratable condition in KubeVirt
v1.9.0 (kubevirt/kubevirt pkg/virt-handler/vm.go calculateLiveMigrationCondition, with the TSC
rule from pkg/virt-controller/watch/topology/tsc.go), evaluated on the VM template before it
runs: what the cluster decides at run time (CPU model, hotplug) cannot be known here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

KUBEVIRT_VERSION = "v1.9.0"

# KubeVirt's LiveMigratable condition reasons (staging/src/kubevirt.io/api/core/v1/types.go).
DISKS_NOT_MIGRATABLE = "DisksNotLiveMigratable"
INTERFACE_NOT_MIGRATABLE = "InterfaceNotLiveMigratable"
HOST_DEVICE_NOT_MIGRATABLE = "HostDeviceNotLiveMigratable"
SEV_NOT_MIGRATABLE = "SEVNotLiveMigratable"
NO_TSC_FREQUENCY = "NoTSCFrequencyNotLiveMigratable"
HYPERV_PASSTHROUGH_NOT_MIGRATABLE = "HypervPassthroughNotLiveMigratable"

SHARED_ACCESS_MODE = "ReadWriteMany"
POD_BRIDGE_MIGRATION_ANNOTATION = "kubevirt.io/allow-pod-bridge-network-live-migration"

# evictionStrategy values KubeVirt accepts; "auto" and "cluster" are this collection's choices.
EVICTION_STRATEGIES = ("LiveMigrate", "LiveMigrateIfPossible", "None", "External")
AUTO = "auto"
CLUSTER = "cluster"
EVICTION_CHOICES = (AUTO, CLUSTER, *EVICTION_STRATEGIES)


@dataclasses.dataclass(frozen=True)
class Blocker:
    reason: str
    message: str

    def as_dict(self) -> dict:
        return {"reason": self.reason, "message": self.message}


def _pod_network_names(template_spec: Mapping) -> set[str]:
    return {str(n.get("name")) for n in template_spec.get("networks") or [] if isinstance(n, Mapping) and "pod" in n}


def _volume_blockers(template_spec: Mapping, claim_access_modes: Mapping[str, list[str]]) -> list[Blocker]:
    blockers = []
    for volume in template_spec.get("volumes") or []:
        source = volume.get("dataVolume") or volume.get("persistentVolumeClaim")
        if not source:
            continue
        claim = str(source.get("name") or source.get("claimName"))
        modes = claim_access_modes.get(claim)
        if modes is None:
            message = f"cannot tell whether PVC {claim} is shared; live migration needs ReadWriteMany on every PVC"
        elif SHARED_ACCESS_MODE not in modes:
            message = (
                f"PVC {claim} is not shared ({', '.join(modes)}); live migration needs ReadWriteMany on "
                "every PVC (set disk_access_mode: ReadWriteMany on RWX-capable storage)"
            )
        else:
            continue
        blockers.append(Blocker(DISKS_NOT_MIGRATABLE, message))
    return blockers


def _interface_blockers(template_spec: Mapping, annotations: Mapping) -> list[Blocker]:
    pod_networks = _pod_network_names(template_spec)
    for interface in (template_spec.get("domain") or {}).get("devices", {}).get("interfaces") or []:
        if interface.get("name") not in pod_networks or "masquerade" in interface:
            continue
        if "bridge" in interface and str(annotations.get(POD_BRIDGE_MIGRATION_ANNOTATION)).lower() == "true":
            continue
        return [
            Blocker(
                INTERFACE_NOT_MIGRATABLE,
                f"interface {interface.get('name')} joins the pod network without masquerade; only masquerade (or an annotated bridge) migrates",
            )
        ]
    return []


def _hyperv_reenlightenment(domain: Mapping) -> bool:
    reenlightenment = ((domain.get("features") or {}).get("hyperv") or {}).get("reenlightenment")
    return isinstance(reenlightenment, Mapping) and reenlightenment.get("enabled", True) is not False


def live_migration_blockers(vm: Mapping, *, claim_access_modes: Mapping[str, list[str]], cluster_tsc_frequency: bool) -> list[Blocker]:
    """Every reason KubeVirt would set LiveMigratable=False on this VM's instance (it reports only the first)."""
    template = vm["spec"]["template"]
    spec = template["spec"]
    domain = spec.get("domain") or {}
    devices = domain.get("devices") or {}
    blockers = _volume_blockers(spec, claim_access_modes)
    blockers += _interface_blockers(spec, vm.get("metadata", {}).get("annotations") or {})
    if devices.get("hostDevices") or devices.get("gpus"):
        blockers.append(Blocker(HOST_DEVICE_NOT_MIGRATABLE, "PCI host devices or GPUs are passed through"))
    if (domain.get("launchSecurity") or {}).get("sev") is not None:
        blockers.append(Blocker(SEV_NOT_MIGRATABLE, "memory is encrypted with AMD SEV"))
    if _hyperv_reenlightenment(domain) and not cluster_tsc_frequency:
        blockers.append(
            Blocker(
                NO_TSC_FREQUENCY,
                "Hyper-V re-enlightenment needs a TSC frequency to migrate, and the "
                "cluster is not known to expose one (translation option "
                "cluster_tsc_frequency: true says it does)",
            )
        )
    if ((domain.get("features") or {}).get("hypervPassthrough") or {}).get("enabled"):
        blockers.append(Blocker(HYPERV_PASSTHROUGH_NOT_MIGRATABLE, "Hyper-V passthrough is enabled"))
    return blockers


def migration_caveats(vm: Mapping) -> list[str]:
    """What can still stop a migratable VM from migrating: a target the cluster may not have."""
    cpu = (vm["spec"]["template"]["spec"].get("domain") or {}).get("cpu") or {}
    if cpu.get("dedicatedCpuPlacement"):
        return ["dedicated CPUs: the target node must be labelled kubevirt.io/cpumanager=true and have enough free CPUs to pin"]
    return []


def eviction_strategy(choice: str, blockers: list[Blocker], caveats: list[str] | None = None) -> str | None:
    """What spec.template.spec.evictionStrategy gets; None leaves it to the KubeVirt CR's cluster-wide default.

    LiveMigrate on a VM that cannot migrate would make every drain of its node wait forever;
    LiveMigrateIfPossible migrates when it can and otherwise lets the eviction shut it down.
    """
    if choice == CLUSTER:
        return None
    if choice == AUTO:
        return "LiveMigrateIfPossible" if blockers or caveats else "LiveMigrate"
    return choice


def plan_entry(blockers: list[Blocker], strategy: str | None, caveats: list[str] | None = None) -> dict:
    entry = {
        "live_migratable": "no" if blockers else "yes",
        "live_migration_blockers": [b.as_dict() for b in blockers],
        "eviction_strategy": strategy or "cluster default",
    }
    if caveats:
        entry["live_migration_caveats"] = list(caveats)
    return entry
