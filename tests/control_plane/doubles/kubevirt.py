# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""KubeVirt double: a VirtualMachine's DataVolumes, its VirtualMachineInstance and its status.

virt-controller creates the DataVolumes of ``spec.dataVolumeTemplates`` (owned by the VM). A VM that should
run (runStrategy Always, RerunOnFailure or Once, or ``running: true``) waits in Provisioning until every
DataVolume it uses has Succeeded (DataVolumeError while one has failed or its importer is in error, as
KubeVirt's hasDataVolumeErrors says), then gets a VMI; the VMI turns Running ``start_seconds`` later and the
VM reports printableStatus Running, ready true and condition Ready True. Halted or Manual (or ``running:
false``): the VMI is deleted and the VM is Stopped.
"""

from __future__ import annotations

import copy
import logging

from .api import Api, ApiException
from .cdi import datavolume_path
from .conditions import Clock, owner_reference
from .settings import Settings

LOG = logging.getLogger("doubles.kubevirt")
KUBEVIRT = "/apis/kubevirt.io/v1"
RUNNING_STRATEGIES = {"Always", "RerunOnFailure", "Once"}
NOT_READY_REASONS = {"Stopped": "VMINotExists", "Provisioning": "Provisioning", "DataVolumeError": "DataVolumeError"}


def vm_path(namespace: str, name: str = "") -> str:
    return f"{KUBEVIRT}/namespaces/{namespace}/virtualmachines" + (f"/{name}" if name else "")


def vmi_path(namespace: str, name: str = "") -> str:
    return f"{KUBEVIRT}/namespaces/{namespace}/virtualmachineinstances" + (f"/{name}" if name else "")


def wants_running(spec: dict) -> bool:
    if spec.get("runStrategy"):
        return spec["runStrategy"] in RUNNING_STRATEGIES
    return bool(spec.get("running"))


def datavolume_names(spec: dict) -> list[str]:
    names = [(t.get("metadata") or {}).get("name") for t in spec.get("dataVolumeTemplates") or []]
    for volume in ((spec.get("template") or {}).get("spec") or {}).get("volumes") or []:
        if isinstance(volume, dict) and (volume.get("dataVolume") or {}).get("name"):
            names.append(volume["dataVolume"]["name"])
    return sorted({n for n in names if n})


def _import_error(dv: dict) -> bool:
    """KubeVirt's hasDataVolumeErrors: phase Failed, or a Running condition False with reason Error."""
    for condition in (dv.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Running" and condition.get("status") == "False" and condition.get("reason") in ("Error", "ImagePullFailed"):
            return True
    return False


class VirtualMachines:
    def __init__(self, api: Api, clock: Clock, settings: Settings):
        self.api, self.clock, self.settings = api, clock, settings

    def reconcile(self, vms: list[dict], vmis: list[dict], datavolumes: list[dict]) -> None:
        dv_by_name = {(d["metadata"]["namespace"], d["metadata"]["name"]): d for d in datavolumes}
        vmi_by_name = {(v["metadata"]["namespace"], v["metadata"]["name"]): v for v in vmis}
        for vm in vms:
            if vm["metadata"].get("deletionTimestamp"):
                continue
            key = (vm["metadata"]["namespace"], vm["metadata"]["name"])
            try:
                self._one(vm, vmi_by_name.get(key), dv_by_name)
            except ApiException as exc:
                LOG.info("VirtualMachine %s/%s: %s", *key, exc.reason)
        for vmi in vmis:
            try:
                self._instance(vmi)
            except ApiException as exc:
                LOG.info("VirtualMachineInstance %s: %s", vmi["metadata"]["name"], exc.reason)

    def _one(self, vm: dict, vmi: dict | None, dv_by_name: dict) -> None:
        meta, spec = vm["metadata"], vm.get("spec") or {}
        namespace = meta["namespace"]
        self._create_datavolumes(vm, dv_by_name)
        phases = {}
        for name in datavolume_names(spec):
            found = dv_by_name.get((namespace, name))
            phases[name] = ((found.get("status") or {}).get("phase") or "Pending") if found else "Missing"
            if found and _import_error(found):
                phases[name] = "Failed"  # virt-controller counts an importer in error as a failed DataVolume
        status: dict = {"printableStatus": "Stopped", "ready": False, "created": False}
        if wants_running(spec):
            if "Failed" in phases.values():
                status["printableStatus"] = "DataVolumeError"
            elif any(p != "Succeeded" for p in phases.values()):
                status["printableStatus"] = "Provisioning"
            elif vmi is None:
                self.api.create(vmi_path(namespace), self._instance_for(vm))
                status.update(printableStatus="Starting", created=True)
            else:
                running = (vmi.get("status") or {}).get("phase") == "Running"
                status.update(printableStatus="Running" if running else "Starting", created=True, ready=running)
        elif vmi is not None:
            self.api.delete(vmi_path(namespace, meta["name"]))
        ready = status["ready"]
        printable = status["printableStatus"]
        status["conditions"] = [
            self.clock.condition(
                vm, "Ready", ready, "" if ready else NOT_READY_REASONS.get(printable, "GuestNotRunning"), "" if ready else f"VMI is not ready ({printable})"
            )
        ]
        status["observedGeneration"] = meta.get("generation", 1)
        status["desiredGeneration"] = meta.get("generation", 1)
        if spec.get("runStrategy"):
            status["runStrategy"] = spec["runStrategy"]
        if phases:
            status["volumeSnapshotStatuses"] = [{"name": n, "enabled": False, "reason": "No VolumeSnapshotClass"} for n in sorted(phases)]
        if {k: (vm.get("status") or {}).get(k) for k in status} != status:
            self.api.patch_status(vm_path(namespace, meta["name"]), status)

    def _create_datavolumes(self, vm: dict, dv_by_name: dict) -> None:
        namespace = vm["metadata"]["namespace"]
        for template in (vm.get("spec") or {}).get("dataVolumeTemplates") or []:
            tmeta = template.get("metadata") or {}
            if not tmeta.get("name") or (namespace, tmeta["name"]) in dv_by_name:
                continue
            metadata = {"name": tmeta["name"], "namespace": namespace, "ownerReferences": [owner_reference(vm)]}
            for key in ("labels", "annotations"):
                if tmeta.get(key):
                    metadata[key] = copy.deepcopy(tmeta[key])
            self.api.create(
                datavolume_path(namespace),
                {"apiVersion": "cdi.kubevirt.io/v1beta1", "kind": "DataVolume", "metadata": metadata, "spec": copy.deepcopy(template.get("spec") or {})},
            )

    @staticmethod
    def _instance_for(vm: dict) -> dict:
        template = (vm.get("spec") or {}).get("template") or {}
        tmeta = template.get("metadata") or {}
        metadata = {
            "name": vm["metadata"]["name"],
            "namespace": vm["metadata"]["namespace"],
            "labels": {**(tmeta.get("labels") or {}), "kubevirt.io/vm": vm["metadata"]["name"]},
            "ownerReferences": [owner_reference(vm)],
        }
        if tmeta.get("annotations"):
            metadata["annotations"] = copy.deepcopy(tmeta["annotations"])
        return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance", "metadata": metadata, "spec": copy.deepcopy(template.get("spec") or {})}

    def _instance(self, vmi: dict) -> None:
        meta = vmi["metadata"]
        if meta.get("deletionTimestamp"):
            return
        running = self.clock.age(vmi) >= self.settings.start_seconds(meta["namespace"])
        status = {
            "phase": "Running" if running else "Scheduling",
            "conditions": [self.clock.condition(vmi, "Ready", running, "" if running else "PodNotReady")],
        }
        if running:
            status["nodeName"] = "control-plane-double"
            status["interfaces"] = [{"name": "default", "ipAddress": "10.244.0.10", "infoSource": "domain"}]
        if {k: (vmi.get("status") or {}).get(k) for k in status} != status:
            # KubeVirt's VMI CRD has no status subresource: virt-handler writes the whole object.
            self.api.patch_status(vmi_path(meta["namespace"], meta["name"]), status, subresource=False)
