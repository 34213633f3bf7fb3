# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fake CDI and KubeVirt controllers, run in one background thread.

DataVolume: ImportScheduled -> ImportInProgress (status.progress "N.NN%" rising) -> Succeeded
after ``import_seconds`` (per object: annotation ``k8s-standin/import-seconds``), with conditions
Bound/Running/Ready and a PersistentVolumeClaim of the same name.  The annotation
``k8s-standin/import-fail: <message>`` makes the import end in phase Failed instead.

VirtualMachine: creates the DataVolumes of ``spec.dataVolumeTemplates``; when it should run
(runStrategy Always/RerunOnFailure/Once, or ``running: true``) and every DataVolume it uses
has Succeeded, creates a VirtualMachineInstance and, ``start_seconds`` later, reports
printableStatus Running, ready true, condition Ready True.  Halted/Manual (or ``running:
false``) -> VMI deleted, printableStatus Stopped, ready false.

PersistentVolumeClaim (not a DataVolume's): Bound at once with the requested capacity.
Service of type LoadBalancer: ``status.loadBalancer.ingress`` gets the address asked for in
``spec.loadBalancerIP`` or a MetalLB/kube-vip/Cilium annotation, else one from 192.0.2.0/24.
"""
from __future__ import annotations

import copy
import ipaddress
import logging
import threading
import time

from . import errors
from .resources import by_kind
from .store import now

LOG = logging.getLogger("k8s_standin")

DV = by_kind("cdi.kubevirt.io/v1beta1", "DataVolume")
VM = by_kind("kubevirt.io/v1", "VirtualMachine")
VMI = by_kind("kubevirt.io/v1", "VirtualMachineInstance")
PVC = by_kind("v1", "PersistentVolumeClaim")
SERVICE = by_kind("v1", "Service")

# Where load-balancer implementations read a requested address (MetalLB, kube-vip, Cilium LB-IPAM).
LB_IP_ANNOTATIONS = ("metallb.io/loadBalancerIPs", "metallb.universe.tf/loadBalancerIPs",
                     "kube-vip.io/loadbalancerIPs", "lbipam.cilium.io/ips")
LB_POOL = ipaddress.ip_network("192.0.2.0/24")  # TEST-NET-1: never a real address

IMPORT_SECONDS_ANNOTATION = "k8s-standin/import-seconds"
IMPORT_FAIL_ANNOTATION = "k8s-standin/import-fail"
_RUNNING_STRATEGIES = {"Always", "RerunOnFailure", "Once"}


def _condition(kind: str, status: bool, reason: str = "", message: str = "", since: str | None = None) -> dict:
    return {"type": kind, "status": "True" if status else "False", "reason": reason, "message": message,
            "lastTransitionTime": since}


def _owner(obj: dict) -> dict:
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": obj["metadata"]["name"],
            "uid": obj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


class Controllers:
    def __init__(self, api, import_seconds: float = 3.0, start_seconds: float = 0.5, tick: float = 0.1):
        self.api = api
        self.import_seconds = import_seconds
        self.start_seconds = start_seconds
        self.tick = tick
        self._first_seen: dict[str, float] = {}
        self._transitions: dict[tuple[str, str], tuple[str, str]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="k8s-standin-controllers", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.tick):
            try:
                self.reconcile()
            except Exception:  # a controller bug must not kill the server; it is logged and retried
                LOG.exception("controller pass failed")

    def reconcile(self) -> None:
        for dv in self.api.store.list(DV)[0]:
            self._datavolume(dv)
        items = self.api.store.list(VM)[0]
        for vm in items:
            self._virtualmachine(vm)
        vmis = self.api.store.list(VMI)[0]
        for vmi in vmis:
            self._vmi(vmi)
        for pvc in self.api.store.list(PVC)[0]:
            self._bind_claim(pvc)
        for service in self.api.store.list(SERVICE)[0]:
            self._load_balancer(service)
        self.api.store.finalize_namespaces()
        self._collect_garbage()
        alive = {o["metadata"]["uid"] for o in items + vmis + self.api.store.list(DV)[0]}
        for uid in [u for u in self._first_seen if u not in alive]:
            del self._first_seen[uid]

    # -- core: volume binding and load balancers -------------------------------------------------
    def _bind_claim(self, pvc: dict) -> None:
        """Claims a DataVolume does not own bind at once, with the capacity they request."""
        meta = pvc["metadata"]
        if any(r.get("kind") == "DataVolume" for r in meta.get("ownerReferences") or []):
            return
        if (pvc.get("status") or {}).get("phase") == "Bound":
            return
        spec = pvc.get("spec") or {}
        status = {"phase": "Bound", "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
                  "capacity": {"storage": ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")}}
        self.api.write_status(PVC, meta["namespace"], meta["name"], status, "persistentvolume-binder")

    def _load_balancer(self, service: dict) -> None:
        """type LoadBalancer: the requested address (spec.loadBalancerIP or an LB annotation), else one from a pool."""
        spec, meta = service.get("spec") or {}, service["metadata"]
        if spec.get("type") != "LoadBalancer":
            return
        annotations = meta.get("annotations") or {}
        wanted = spec.get("loadBalancerIP") or next(
            (annotations[k].split(",")[0].strip() for k in LB_IP_ANNOTATIONS if annotations.get(k)), None)
        current = (((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or [{}])[0].get("ip")
        if wanted is None and current:
            return
        address = wanted or self._pool_address()
        if address is None or address == current:
            return
        status = copy.deepcopy(service.get("status") or {})
        status["loadBalancer"] = {"ingress": [{"ip": address, "ipMode": "VIP"}]}
        self.api.write_status(SERVICE, meta["namespace"], meta["name"], status, "service-controller")

    def _pool_address(self) -> str | None:
        used = {i.get("ip") for s in self.api.store.list(SERVICE)[0]
                for i in ((s.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []}
        return next((str(a) for a in LB_POOL.hosts() if str(a) not in used), None)

    def _collect_garbage(self) -> None:
        """Delete DataVolumes, VMIs and PVCs whose owner is gone (background propagation)."""
        owners = {o["metadata"]["uid"] for rtype in (VM, DV) for o in self.api.store.list(rtype)[0]}
        for rtype in (DV, VMI, PVC):
            for obj in self.api.store.list(rtype)[0]:
                refs = [r for r in obj["metadata"].get("ownerReferences") or []
                        if r.get("kind") in ("VirtualMachine", "DataVolume")]
                if refs and not any(r.get("uid") in owners for r in refs):
                    try:
                        self.api.store.delete(rtype, obj["metadata"]["namespace"], obj["metadata"]["name"])
                    except errors.StatusError:
                        pass

    def _age(self, obj: dict) -> float:
        return time.monotonic() - self._first_seen.setdefault(obj["metadata"]["uid"], time.monotonic())

    def _since(self, obj: dict, condition: str, value: str) -> str:
        """lastTransitionTime that only moves when the condition's status changes."""
        key = (obj["metadata"]["uid"], condition)
        old = self._transitions.get(key)
        if old is None or old[0] != value:
            self._transitions[key] = (value, now())
        return self._transitions[key][1]

    # -- CDI -------------------------------------------------------------------------------------
    def _datavolume(self, dv: dict) -> None:
        meta = dv["metadata"]
        annotations = meta.get("annotations") or {}
        if (dv.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return
        try:
            duration = float(annotations.get(IMPORT_SECONDS_ANNOTATION, self.import_seconds))
        except ValueError:
            duration = self.import_seconds
        age = self._age(dv)
        self._ensure_pvc(dv)
        scheduled_for = min(0.5, duration * 0.1)
        if age < scheduled_for:
            phase, progress, running, ready = "ImportScheduled", "N/A", (False, "Pending"), False
        elif age < duration:
            fraction = (age - scheduled_for) / max(duration - scheduled_for, 1e-6)
            phase, progress, running, ready = "ImportInProgress", f"{min(fraction * 100, 99.99):.2f}%", \
                (True, "Pod is running"), False
        elif annotations.get(IMPORT_FAIL_ANNOTATION):
            phase, progress, running, ready = "Failed", (dv.get("status") or {}).get("progress", "N/A"), \
                (False, "Error"), False
        else:
            phase, progress, running, ready = "Succeeded", "100.0%", (False, "Completed"), True
        running_status, running_reason = running
        message = annotations.get(IMPORT_FAIL_ANNOTATION, "") if phase == "Failed" else ""
        status = {
            "phase": phase,
            "progress": progress,
            "claimName": meta["name"],
            "conditions": [
                _condition("Bound", True, "Bound", f"PVC {meta['name']} Bound", self._since(dv, "Bound", "True")),
                {**_condition("Running", running_status, running_reason if phase != "Succeeded" else "Completed",
                              message, self._since(dv, "Running", str(running_status)))},
                _condition("Ready", ready, "" if ready else phase, "", self._since(dv, "Ready", str(ready))),
            ],
        }
        if phase == "Succeeded":
            self.api.write_status(PVC, meta["namespace"], meta["name"], {"phase": "Bound", "accessModes":
                                  ["ReadWriteOnce"]}, "cdi-controller")
        self.api.write_status(DV, meta["namespace"], meta["name"], status, "cdi-controller")

    def _ensure_pvc(self, dv: dict) -> None:
        meta = dv["metadata"]
        if self.api.store.find(PVC, meta["namespace"], meta["name"]) is not None:
            return
        spec = dv.get("spec") or {}
        storage = spec.get("pvc") or spec.get("storage") or {}
        pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
               "metadata": {"name": meta["name"], "namespace": meta["namespace"], "ownerReferences": [_owner(dv)],
                            "labels": {"app": "containerized-data-importer"}},
               "spec": {"accessModes": storage.get("accessModes") or ["ReadWriteOnce"],
                        "resources": storage.get("resources") or {"requests": {"storage": "1Gi"}}}}
        self._create(PVC, pvc, "cdi-controller")

    def _create(self, rtype, obj: dict, manager: str) -> None:
        from .api import WriteOptions
        try:
            self.api.create(rtype, obj["metadata"]["namespace"], obj,
                            WriteOptions(field_manager=manager, field_validation="Ignore"))
        except errors.StatusError as exc:
            if exc.code != 409:
                LOG.info("%s could not create %s %s: %s", manager, obj["kind"], obj["metadata"]["name"],
                         exc.message)

    # -- KubeVirt --------------------------------------------------------------------------------
    def _virtualmachine(self, vm: dict) -> None:
        meta, spec = vm["metadata"], vm.get("spec") or {}
        namespace = meta["namespace"]
        for template in spec.get("dataVolumeTemplates") or []:
            tmeta = template.get("metadata") or {}
            if tmeta.get("name") and self.api.store.find(DV, namespace, tmeta["name"]) is None:
                dv = {"apiVersion": "cdi.kubevirt.io/v1beta1", "kind": "DataVolume",
                      "metadata": {"name": tmeta["name"], "namespace": namespace,
                                   "labels": copy.deepcopy(tmeta.get("labels") or {}),
                                   "annotations": copy.deepcopy(tmeta.get("annotations") or {}),
                                   "ownerReferences": [_owner(vm)]},
                      "spec": copy.deepcopy(template.get("spec") or {})}
                if not dv["metadata"]["labels"]:
                    del dv["metadata"]["labels"]
                if not dv["metadata"]["annotations"]:
                    del dv["metadata"]["annotations"]
                self._create(DV, dv, "virt-controller")
        wanted = self._wants_running(spec)
        dv_names = self._datavolumes(spec)
        dv_phases = {}
        for name in dv_names:
            found = self.api.store.find(DV, namespace, name)
            dv_phases[name] = (found.get("status") or {}).get("phase", "Pending") if found else "Missing"
        vmi = self.api.store.find(VMI, namespace, meta["name"])
        status: dict = {"printableStatus": "Stopped", "ready": False, "created": False}
        if wanted:
            if any(p == "Failed" for p in dv_phases.values()):
                status["printableStatus"] = "DataVolumeError"
            elif any(p != "Succeeded" for p in dv_phases.values()):
                status["printableStatus"] = "Provisioning"
            elif vmi is None:
                self._create(VMI, self._vmi_for(vm), "virt-controller")
                status["printableStatus"] = "Starting"
                status["created"] = True
            else:
                status["created"] = True
                running = (vmi.get("status") or {}).get("phase") == "Running"
                status["printableStatus"] = "Running" if running else "Starting"
                status["ready"] = running
        elif vmi is not None:
            try:
                self.api.store.delete(VMI, namespace, meta["name"])
            except errors.StatusError:
                pass
        ready = status["ready"]
        reason = "" if ready else {"Stopped": "VMINotExists", "Provisioning": "Provisioning",
                                   "DataVolumeError": "DataVolumeError"}.get(status["printableStatus"], "GuestNotRunning")
        status["conditions"] = [_condition("Ready", ready, reason, "" if ready else
                                           f"VMI is not ready ({status['printableStatus']})",
                                           self._since(vm, "Ready", str(ready)))]
        status["observedGeneration"] = meta.get("generation", 1)
        status["desiredGeneration"] = meta.get("generation", 1)
        if spec.get("runStrategy"):
            status["runStrategy"] = spec["runStrategy"]
        if dv_names:
            status["volumeSnapshotStatuses"] = [{"name": n, "enabled": False, "reason": "standin"} for n in dv_names]
        self.api.write_status(VM, namespace, meta["name"], status, "virt-controller")

    @staticmethod
    def _wants_running(spec: dict) -> bool:
        if spec.get("runStrategy"):
            return spec["runStrategy"] in _RUNNING_STRATEGIES
        return bool(spec.get("running"))

    @staticmethod
    def _datavolumes(spec: dict) -> list[str]:
        names = [(t.get("metadata") or {}).get("name") for t in spec.get("dataVolumeTemplates") or []]
        for volume in ((spec.get("template") or {}).get("spec") or {}).get("volumes") or []:
            if isinstance(volume, dict) and (volume.get("dataVolume") or {}).get("name"):
                names.append(volume["dataVolume"]["name"])
        return sorted({n for n in names if n})

    @staticmethod
    def _vmi_for(vm: dict) -> dict:
        template = vm.get("spec", {}).get("template") or {}
        tmeta = template.get("metadata") or {}
        vmi = {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
               "metadata": {"name": vm["metadata"]["name"], "namespace": vm["metadata"]["namespace"],
                            "labels": {**(tmeta.get("labels") or {}), "kubevirt.io/vm": vm["metadata"]["name"]},
                            "ownerReferences": [_owner(vm)]},
               "spec": copy.deepcopy(template.get("spec") or {})}
        if tmeta.get("annotations"):
            vmi["metadata"]["annotations"] = copy.deepcopy(tmeta["annotations"])
        return vmi

    def _vmi(self, vmi: dict) -> None:
        meta = vmi["metadata"]
        running = self._age(vmi) >= self.start_seconds
        phase = "Running" if running else "Scheduling"
        ready = _condition("Ready", running, "" if running else "PodNotReady", "", self._since(vmi, "Ready", str(running)))
        status = {"phase": phase, "conditions": [ready]}
        if running:
            status["nodeName"] = "standin-node"
            status["interfaces"] = [{"name": "default", "ipAddress": "10.244.0.10", "infoSource": "domain"}]
        self.api.write_status(VMI, meta["namespace"], meta["name"], status, "virt-handler")
