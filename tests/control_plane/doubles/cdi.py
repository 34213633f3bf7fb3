# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""CDI double: DataVolume phase, progress and conditions, and the PersistentVolumeClaim behind each one.

Import sources: ImportScheduled -> ImportInProgress ("N.NN%" rising) -> Succeeded (or Failed), with the
conditions Bound, Running and Ready CDI reports. An ``upload`` source waits for an upload that never comes
in tests: UploadScheduled -> UploadReady, and stays there, as CDI does.

With fetching on for the namespace (settings ``fetch_http``), an ``http`` source is really imported
(importer.py) and behaves as CDI's importer pod does: progress is the share of bytes downloaded; a failed
attempt does not fail the DataVolume (CDI's importer pod has restartPolicy OnFailure): it stays
ImportInProgress with Running=False, reason ``Error`` and the importer's termination message, and is tried
again after a back-off (``retry_seconds``, doubling up to 300 s), ``status.restartCount`` counting the
restarts. A Secret (``secretExtraHeaders``) or ConfigMap (``certConfigMap``) that does not exist keeps the
pod from starting: ImportScheduled, Running=False, reason ``ContainerCreating``, until it appears; a missing
``secretRef`` Secret: reason ``CreateContainerConfigError``. Each attempt reads the Secrets again, as a
restarted container sees the kubelet's refreshed copy, so a renewed token is used by the next attempt. The
DataVolume succeeds once the disk is in place and ``import_seconds`` have passed.
"""

from __future__ import annotations

import base64
import logging
import time
from dataclasses import dataclass

from .api import Api, ApiException
from .conditions import Clock, owner_reference
from .importer import HttpSource, Importer, ImportFailed, ImportWaiting, Transfer, configmap_certificates, secret_header_lines
from .settings import Settings

LOG = logging.getLogger("doubles.cdi")
DATAVOLUMES = "/apis/cdi.kubevirt.io/v1beta1"
IMPORT_FAIL_ANNOTATION = "control-plane.okv.test/import-fail"
MAX_BACKOFF = 300.0  # the kubelet's cap for restarting a failed container


@dataclass
class _Import:
    """The importer pod of one DataVolume (by uid): its running attempt, its restarts and its last failure."""

    transfer: Transfer | None = None
    source: HttpSource | None = None
    restarts: int = 0
    failures: int = 0
    failed_at: float = 0.0
    message: str = ""
    progress: str = "N/A"
    finished: bool = False


def datavolume_path(namespace: str, name: str = "") -> str:
    return f"{DATAVOLUMES}/namespaces/{namespace}/datavolumes" + (f"/{name}" if name else "")


def claim_path(namespace: str, name: str = "") -> str:
    return f"/api/v1/namespaces/{namespace}/persistentvolumeclaims" + (f"/{name}" if name else "")


class DataVolumes:
    def __init__(self, api: Api, clock: Clock, settings: Settings, importer: Importer):
        self.api, self.clock, self.settings, self.importer = api, clock, settings, importer
        self._imports: dict[str, _Import] = {}

    def reconcile(self, datavolumes: list[dict], claims: dict[tuple[str, str], dict]) -> None:
        live = {dv["metadata"]["uid"] for dv in datavolumes if not dv["metadata"].get("deletionTimestamp")}
        for uid in [u for u in self._imports if u not in live]:
            gone = self._imports.pop(uid)
            if gone.transfer is not None:
                gone.transfer.cancel()
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
        elif self._fetches(dv):
            status = self._fetching(dv, age >= duration)
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

    def _fetches(self, dv: dict) -> bool:
        meta, source = dv["metadata"], (dv.get("spec") or {}).get("source") or {}
        failing = IMPORT_FAIL_ANNOTATION in (meta.get("annotations") or {})
        return "http" in source and not failing and (self.importer.fetch_http or self.settings.fetch_http(meta["namespace"]))

    def _fetching(self, dv: dict, time_is_up: bool) -> dict:
        """The status of a really fetched import; starts, watches and restarts its attempts."""
        meta = dv["metadata"]
        state = self._imports.setdefault(meta["uid"], _Import())
        attempt = state.transfer
        if attempt is not None and attempt.done.is_set():
            state.transfer, state.progress = None, attempt.progress()
            if attempt.error:
                state.failures += 1
                state.failed_at, state.message = time.monotonic(), attempt.error
                LOG.info("DataVolume %s/%s: import failed (restart %d): %s", meta["namespace"], meta["name"], state.restarts, attempt.error)
            else:
                state.finished = True
        if state.finished:
            if time_is_up:
                self.api.patch_status(claim_path(meta["namespace"], meta["name"]), self._bound_claim(dv))
                return self._status(dv, "Succeeded", "100.0%", running=(False, "Completed", "Import Complete"), ready=True, restarts=state.restarts)
            return self._status(dv, "ImportInProgress", "100.00%", running=(True, "Pod is running", ""), ready=False, restarts=state.restarts)
        if state.transfer is not None:
            return self._status(dv, "ImportInProgress", state.transfer.progress(), running=(True, "Pod is running", ""), ready=False, restarts=state.restarts)
        if state.failures:
            backoff = min(self.settings.retry_seconds(meta["namespace"]) * 2 ** (state.failures - 1), MAX_BACKOFF)
            if time.monotonic() - state.failed_at < backoff:
                return self._status(dv, "ImportInProgress", state.progress, running=(False, "Error", state.message), ready=False, restarts=state.restarts)
        try:
            source = self._source(dv)
        except ImportWaiting as waiting:
            if state.source is None:  # the pod never started: it waits for its volumes
                LOG.info("DataVolume %s/%s: importer pod cannot start: %s", meta["namespace"], meta["name"], waiting)
                return self._status(dv, "ImportScheduled", "N/A", running=(False, waiting.reason, waiting.message), ready=False)
            source = state.source  # a restarted container keeps what was mounted
        if state.failures:
            state.restarts += 1
        state.source = source
        state.transfer = self.importer.transfer(meta["namespace"], meta["name"], dv.get("spec") or {}, source).start()
        return self._status(dv, "ImportInProgress", state.progress, running=(True, "Pod is running", ""), ready=False, restarts=state.restarts)

    def _source(self, dv: dict) -> HttpSource:
        """The http source as the importer pod sees it: Secrets and ConfigMap read from the DataVolume's namespace."""
        namespace = dv["metadata"]["namespace"]
        spec = dv["spec"]["source"]["http"] or {}
        lines: list = list(spec.get("extraHeaders") or [])
        for index, name in enumerate(spec.get("secretExtraHeaders") or []):
            secret = self.api.request("GET", f"/api/v1/namespaces/{namespace}/secrets/{name}")
            if secret is None:
                volume = f"cdi-secret-extra-headers-vol-{index}"
                raise ImportWaiting("ContainerCreating", "", f'MountVolume.SetUp failed for volume "{volume}" : secret "{name}" not found')
            lines += secret_header_lines(secret)
        basic_auth = None
        if spec.get("secretRef"):
            secret = self.api.request("GET", f"/api/v1/namespaces/{namespace}/secrets/{spec['secretRef']}")
            if secret is None:
                message = f'secret "{spec["secretRef"]}" not found'
                raise ImportWaiting("CreateContainerConfigError", message, message)
            data = secret.get("data") or {}
            for key in ("accessKeyId", "secretKey"):
                if key not in data:
                    message = f"couldn't find key {key} in Secret {namespace}/{spec['secretRef']}"
                    raise ImportWaiting("CreateContainerConfigError", message, message)
            basic_auth = (base64.b64decode(data["accessKeyId"]).decode(), base64.b64decode(data["secretKey"]).decode())
        certificates = None
        if spec.get("certConfigMap"):
            configmap = self.api.request("GET", f"/api/v1/namespaces/{namespace}/configmaps/{spec['certConfigMap']}")
            if configmap is None:
                name = spec["certConfigMap"]
                raise ImportWaiting("ContainerCreating", "", f'MountVolume.SetUp failed for volume "cdi-cert-vol" : configmap "{name}" not found')
            certificates = configmap_certificates(configmap)
        return HttpSource(
            url=spec.get("url") or "",
            header_lines=lines,
            basic_auth=basic_auth,
            ca_certificates=certificates,
            insecure=spec.get("insecureSkipVerify") is True,
            checksum=spec.get("checksum") or "",
        )

    def _upload_status(self, dv: dict) -> dict:
        phase = "UploadScheduled" if self.clock.age(dv) < 0.5 else "UploadReady"
        return self._status(dv, phase, "N/A", running=(phase == "UploadReady", "Pod is running", ""), ready=False)

    def _status(self, dv: dict, phase: str, progress: str, running: tuple[bool, str, str], ready: bool, restarts: int = 0) -> dict:
        name = dv["metadata"]["name"]
        is_running, running_reason, running_message = running
        restart_count = {"restartCount": restarts} if restarts else {}
        return restart_count | {
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
