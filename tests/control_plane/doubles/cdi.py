# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""CDI double: DataVolume phase, progress and conditions, and the PersistentVolumeClaim behind each one.

Import sources: ImportScheduled -> ImportInProgress ("N.NN%" rising) -> Succeeded (or Failed), with the
conditions Bound, Running and Ready CDI reports. An ``upload`` source waits for an upload that never comes
in tests: UploadScheduled -> UploadReady, and stays there, as CDI does.
"""

from __future__ import annotations

import logging

from .api import Api, ApiException
from .conditions import Clock, owner_reference
from .importer import Importer, ImportFailed
from .settings import Settings

LOG = logging.getLogger("doubles.cdi")
DATAVOLUMES = "/apis/cdi.kubevirt.io/v1beta1"
IMPORT_FAIL_ANNOTATION = "control-plane.okv.test/import-fail"


def datavolume_path(namespace: str, name: str = "") -> str:
    return f"{DATAVOLUMES}/namespaces/{namespace}/datavolumes" + (f"/{name}" if name else "")


def claim_path(namespace: str, name: str = "") -> str:
    return f"/api/v1/namespaces/{namespace}/persistentvolumeclaims" + (f"/{name}" if name else "")


class DataVolumes:
    def __init__(self, api: Api, clock: Clock, settings: Settings, importer: Importer):
        self.api, self.clock, self.settings, self.importer = api, clock, settings, importer
        self._failures: dict[str, str] = {}

    def reconcile(self, datavolumes: list[dict], claims: dict[tuple[str, str], dict]) -> None:
        for dv in datavolumes:
            if dv["metadata"].get("deletionTimestamp"):
                continue
            try:
                self._one(dv, claims.get((dv["metadata"]["namespace"], dv["metadata"]["name"])))
            except ApiException as exc:
                LOG.info("DataVolume %s/%s: %s", dv["metadata"]["namespace"], dv["metadata"]["name"], exc.reason)
        self.importer.remove_namespace_leftovers({(d["metadata"]["namespace"], d["metadata"]["name"]) for d in datavolumes})

    def _one(self, dv: dict, claim: dict | None) -> None:
        meta, spec = dv["metadata"], dv.get("spec") or {}
        current = dv.get("status") or {}
        if current.get("phase") in ("Succeeded", "Failed"):
            return
        if claim is None:
            self._create_claim(dv)
        if "upload" in (spec.get("source") or {}):
            self._write(dv, self._upload_status(dv))
            return
        duration = self.settings.import_seconds(meta["namespace"])
        age = self.clock.age(dv)
        scheduled_for = min(0.5, duration * 0.1)
        if age < scheduled_for:
            status = self._status(dv, "ImportScheduled", "N/A", running=(False, "Pending", ""), ready=False)
        elif age < duration:
            fraction = (age - scheduled_for) / max(duration - scheduled_for, 1e-6)
            status = self._status(dv, "ImportInProgress", f"{min(fraction * 100, 99.99):.2f}%", running=(True, "Pod is running", ""), ready=False)
        else:
            status = self._finish(dv)
        self._write(dv, status)

    def _finish(self, dv: dict) -> dict:
        meta = dv["metadata"]
        failure = (meta.get("annotations") or {}).get(IMPORT_FAIL_ANNOTATION)
        if not failure:
            try:
                self.importer.write(meta["namespace"], meta["name"], dv.get("spec") or {})
            except ImportFailed as exc:
                failure = str(exc)
        if failure:
            progress = (dv.get("status") or {}).get("progress", "N/A")
            return self._status(dv, "Failed", progress, running=(False, "Error", failure), ready=False)
        self.api.patch_status(claim_path(meta["namespace"], meta["name"]), self._bound_claim(dv))
        return self._status(dv, "Succeeded", "100.0%", running=(False, "Completed", ""), ready=True)

    def _upload_status(self, dv: dict) -> dict:
        phase = "UploadScheduled" if self.clock.age(dv) < 0.5 else "UploadReady"
        return self._status(dv, phase, "N/A", running=(phase == "UploadReady", "Pod is running", ""), ready=False)

    def _status(self, dv: dict, phase: str, progress: str, running: tuple[bool, str, str], ready: bool) -> dict:
        name = dv["metadata"]["name"]
        is_running, running_reason, running_message = running
        return {
            "phase": phase,
            "progress": progress,
            "claimName": name,
            "conditions": [
                self.clock.condition(dv, "Bound", True, "Bound", f"PVC {name} Bound"),
                self.clock.condition(dv, "Running", is_running, running_reason, running_message),
                self.clock.condition(dv, "Ready", ready, "" if ready else phase),
            ],
        }

    def _write(self, dv: dict, status: dict) -> None:
        if {k: (dv.get("status") or {}).get(k) for k in status} != status:
            meta = dv["metadata"]
            self.api.patch_status(datavolume_path(meta["namespace"], meta["name"]), status)

    @staticmethod
    def _bound_claim(dv: dict) -> dict:
        storage = (dv.get("spec") or {}).get("storage") or (dv.get("spec") or {}).get("pvc") or {}
        return {
            "phase": "Bound",
            "accessModes": storage.get("accessModes") or ["ReadWriteOnce"],
            "capacity": {"storage": ((storage.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")},
        }

    def _create_claim(self, dv: dict) -> None:
        meta, spec = dv["metadata"], dv.get("spec") or {}
        storage = spec.get("storage") or spec.get("pvc") or {}
        claim_spec = {"accessModes": storage.get("accessModes") or ["ReadWriteOnce"], "resources": storage.get("resources") or {"requests": {"storage": "1Gi"}}}
        for key in ("volumeMode", "storageClassName"):
            if storage.get(key):
                claim_spec[key] = storage[key]
        self.api.create(
            claim_path(meta["namespace"]),
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {
                    "name": meta["name"],
                    "namespace": meta["namespace"],
                    "ownerReferences": [owner_reference(dv)],
                    "labels": {"app": "containerized-data-importer"},
                },
                "spec": claim_spec,
            },
        )
