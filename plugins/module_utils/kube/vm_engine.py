# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One round of the VM apply engine against the cluster, over kubernetes.core's K8sService and its client.

The decisions (which VM starts, what a poll means, what to record) are pure, in vm_window; this file does
the requests: server-side apply of a VM's objects, one list per kind per round, one merge patch of the
progress ConfigMap per round. Errors come from the client's exception (kube.api_failure); a Secret's error
never carries the server's message, which may echo the request.
"""

from __future__ import annotations

import json
import time

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube import vm_window as window
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.api_failure import ApiFailure
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.progress import VM_PREFIX
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.vm_wait import WAITING_DISKS
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import k8s_meta, tvo_http
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.disk_import import (
    DiskSourceError,
    datavolumes_with_sources,
    header_secret,
    header_secret_name,
)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import OptionsError, TranslationOptions

PROGRESS_SOURCE_TYPE = "ostokubevirt.progress"
DATAVOLUME = ("cdi.kubevirt.io/v1beta1", "DataVolume")
VIRTUALMACHINE = ("kubevirt.io/v1", "VirtualMachine")
SECRET = ("v1", "Secret")
CONFIGMAP = ("v1", "ConfigMap")
NAMESPACE = ("v1", "Namespace")


def _failure(exc: BaseException) -> ApiFailure:
    # K8sService wraps the client's exception in a CoreException whose text repeats the request's answer.
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    return ApiFailure.from_exception(cause)


def progress_configmap(name: str, namespace: str) -> dict:
    meta = k8s_meta.object_meta(name, namespace, source_type=PROGRESS_SOURCE_TYPE, source_id=namespace)
    return k8s_meta.k8s_object("v1", "ConfigMap", meta)


class VmEngine:
    """The requests of one round; the resources are looked up once per module call."""

    def __init__(self, service, params: dict, check_mode: bool):
        self.service = service
        self.client = service.client
        self.namespace = params["namespace"]
        self.configmap = params["progress_configmap"]
        self.apply_params = {"server_side": True, "field_manager": params["field_manager"], "force_conflicts": params["force_conflicts"]}
        self.check_mode = check_mode
        self.ca_configmap = params.get("disk_ca_configmap") or None
        self.changed = False
        self._resources: dict = {}
        self._versions: dict[tuple[str, str], str] | None = None
        self._listed: set[str] = set()
        self._configmap_missing = False

    def _resource(self, api_version: str, kind: str):
        if (api_version, kind) not in self._resources:
            self._resources[(api_version, kind)] = self.service.find_resource(kind, api_version, fail=True)
        return self._resources[(api_version, kind)]

    def _get(self, api_version: str, kind: str, **params) -> dict:
        response = self.client.get(self._resource(api_version, kind), serialize=False, **params)
        return json.loads(response.data.decode("utf-8"))

    def list(self, api_version: str, kind: str, label_selector: str | None = None) -> list[dict]:
        params = {"namespace": self.namespace}
        if label_selector:
            params["label_selector"] = label_selector
        return self._get(api_version, kind, **params).get("items") or []

    def namespace_exists(self) -> bool:
        try:
            self._get(*NAMESPACE, name=self.namespace)
        except Exception as exc:  # the client raises its own NotFoundError subclass of ApiException
            if _failure(exc).status == 404:
                return False
            raise
        return True

    def read_progress(self) -> dict:
        """The progress ConfigMap's data; the ConfigMap is created (with our label) when missing."""
        try:
            found = self._get(*CONFIGMAP, name=self.configmap, namespace=self.namespace)
        except Exception as exc:
            if _failure(exc).status != 404:
                raise
            found = None
        wanted = progress_configmap(self.configmap, self.namespace)
        if found is None or any(
            (found["metadata"].get(key) or {}).get(k) != v for key in ("labels", "annotations") for k, v in wanted["metadata"][key].items()
        ):
            self.client.apply(self._resource(*CONFIGMAP), wanted, namespace=self.namespace, serialize=False, **self.apply_params)
            self.changed = True
        # A dry-run creates nothing: check mode then has no ConfigMap to patch.
        self._configmap_missing = found is None and self.check_mode
        return (found or {}).get("data") or {}

    def record(self, state: dict, changes: dict, attempts: int = 3, delay: float = 2.0) -> str | None:
        """One merge patch of the progress ConfigMap; state["recorded"] follows only what the server took.

        Returns the error when every attempt failed: the entries stay unrecorded and are sent again next round.
        """
        if not changes:
            return None
        self.changed = True
        if self._configmap_missing:
            return None
        for attempt in range(attempts):
            try:
                self.client.patch(
                    self._resource(*CONFIGMAP),
                    {"data": changes},
                    name=self.configmap,
                    namespace=self.namespace,
                    content_type="application/merge-patch+json",
                    serialize=False,
                )
                break
            except Exception as exc:  # a VM's outcome is kept in the state; only its record is late
                error = f"cannot record progress in ConfigMap {self.configmap}: {_failure(exc)}"
                if attempt + 1 == attempts:
                    return error
                time.sleep(delay)
        if not self.check_mode:
            state["recorded"].update(changes)
        return None

    def _known_versions(self) -> dict[tuple[str, str], str]:
        # Which objects exist at which version, so that an apply that changes nothing is not "changed".
        if self._versions is None:
            self._versions = {}
            for api_version, kind in (SECRET, DATAVOLUME, VIRTUALMACHINE):
                if kind not in self._listed:
                    self.note_versions(kind, self.list(api_version, kind, k8s_meta.MANAGED_BY_SELECTOR))
        return self._versions

    def note_versions(self, kind: str, objects: list[dict]) -> None:
        if self._versions is None:
            self._versions = {}
        self._listed.add(kind)
        for obj in objects:
            self._versions[(kind, obj["metadata"]["name"])] = obj["metadata"].get("resourceVersion")

    def _apply(self, obj: dict) -> None:
        kind, name = obj["kind"], obj["metadata"]["name"]
        before = self._known_versions().get((kind, name))
        response = self.client.apply(self._resource(obj["apiVersion"], kind), obj, namespace=self.namespace, serialize=False, **self.apply_params)
        after = json.loads(response.data.decode("utf-8")).get("metadata", {}).get("resourceVersion")
        if before is None or before != after:
            self.changed = True

    def apply_vm(self, vm: dict, secrets: dict) -> str | None:
        """Secrets, then DataVolumes, then the VirtualMachine; the first failure's message, or None."""
        for name in vm["secret_names"] or []:
            try:
                self._apply(secrets[name])
            except Exception as exc:  # any failure fails this VM only
                return f"Secret {name}: {_failure(exc).summary(with_message=False)}"
        for obj in [*vm["datavolumes"], vm["virtualmachine"]]:
            try:
                self._apply(obj)
            except Exception as exc:
                return f"{obj.get('kind')} {(obj.get('metadata') or {}).get('name')}: {_failure(exc)}"
        return None

    def _apply_secrets(self, vm: dict, secrets: dict) -> str | None:
        for name in vm["secret_names"] or []:
            try:
                self._apply(secrets[name])
            except Exception as exc:
                return f"Secret {name}: {_failure(exc).summary(with_message=False)}"
        return None

    def apply_header_secret(self, vm: dict, token: str) -> str | None:
        """The VM's <vm>-disk-token Secret with the token's header line; the error never holds the token."""
        try:
            secret = header_secret(vm["name"], self.namespace, token, server_id=str(vm["server_id"]))
        except DiskSourceError as exc:
            return str(exc)
        try:
            self._apply(secret)
        except Exception as exc:  # the server's message may echo the request, so only status and reason
            return f"Secret {secret['metadata']['name']}: {_failure(exc).summary(with_message=False)}"
        return None

    def apply_import(self, vm: dict, secrets: dict, token: str | None, records: list[dict]) -> str | None:
        """The VM's Secrets, its header Secret (when a record needs the token) and its DataVolumes with sources."""
        options = vm.get("disk_import") or {}
        try:
            import_options = TranslationOptions(
                verify_disk_checksums=bool(options.get("verify_checksums", True)), disk_ca_configmap=options.get("ca_configmap") or self.ca_configmap
            )
            datavolumes = datavolumes_with_sources(vm, records, import_options)
        except (DiskSourceError, OptionsError) as exc:
            return str(exc)
        error = self._apply_secrets(vm, secrets)
        if error:
            return error
        if token:
            error = self.apply_header_secret(vm, token)
            if error:
                return error
        for obj in datavolumes:
            try:
                self._apply(obj)
            except Exception as exc:
                return f"DataVolume {obj['metadata']['name']}: {_failure(exc)}"
        return None

    def apply_tvo_http(self, server: dict) -> str | None:
        """The in-cluster HTTP server of the TVO backup target (translate.tvo_http), in the VMs' namespace."""
        try:
            objects = tvo_http.server_objects(self.namespace, **tvo_http_settings(server))
        except tvo_http.TvoHttpError as exc:
            return f"tvo.http_server: {exc}"
        for obj in objects:
            try:
                self._apply(obj)
            except Exception as exc:
                return f"{obj['kind']} {obj['metadata']['name']} (TVO backup target HTTP server): {_failure(exc)}"
        return None

    def delete_header_secret(self, vm: dict) -> str | None:
        """The token's Secret once the import no longer needs it: the token does not outlive the import on the cluster."""
        name = header_secret_name(vm["name"])
        try:
            self.client.delete(self._resource(*SECRET), name=name, namespace=self.namespace)
        except Exception as exc:
            failure = _failure(exc)
            if failure.status != 404:
                return f"Secret {name}: {failure.summary(with_message=False)}"
        return None

    def apply_virtualmachine(self, vm: dict) -> str | None:
        try:
            self._apply(vm["virtualmachine"])
        except Exception as exc:
            return f"VirtualMachine {vm['name']}: {_failure(exc)}"
        return None

    def poll(self, state: dict, vms: dict, params: dict, now: float) -> None:
        """One list of DataVolumes and one of VirtualMachines for every waiting VM of the namespace."""
        try:
            dvs = self.list(*DATAVOLUME)
            live = self.list(*VIRTUALMACHINE, k8s_meta.MANAGED_BY_SELECTOR)
            error = None
            self._versions = None
            self._listed = set()
            self.note_versions(
                "DataVolume", [dv for dv in dvs if (dv["metadata"].get("labels") or {}).get(k8s_meta.MANAGED_BY_LABEL) == k8s_meta.MANAGED_BY_VALUE]
            )
            self.note_versions("VirtualMachine", live)
        except Exception as exc:
            dvs, live, error = [], [], str(_failure(exc))
        window.poll(
            state,
            vms,
            dvs,
            live,
            now=now,
            datavolume_timeout=params["datavolume_timeout"],
            ready_timeout=params["ready_timeout"],
            read_error=error,
            error_restarts=params.get("import_error_restarts") or 3,
        )


def run_round(engine: VmEngine, state: dict | None, params: dict, now=time.time) -> dict:
    """One call of the module: start (or resume) the window, take stop outcomes, poll, fill free slots.

    Returns the module's result keys; the caller passes "state" back for the next round, with (after the first
    round) only the VMs still pending in params["vms"].
    """
    vms = {vm["name"]: vm for vm in params["vms"]}
    lines: list[str] = []
    if not state:
        if engine.check_mode and not engine.namespace_exists():
            # A server dry-run in a namespace that does not exist fails (404), as on a real cluster.
            return {
                "finished": True,
                "changed": bool(vms),
                "state": {},
                "stop_requests": [],
                "export_requests": [],
                "cleanup_requests": [],
                "token_needed": False,
                "disks": {},
                "done": [],
                "applied": [],
                "failed_vms": [],
                "skipped": [],
                "lines": [f"Would migrate into the new namespace {engine.namespace}: {', '.join(vms)}"],
            }
        state = window.begin(params["vms"], engine.read_progress(), params.get("export_records") or [])
        lines += window.summary_lines(state, params["max_parallel"])
    final_before = {name for name, record in state["vms"].items() if record["state"] in window.FINAL}
    changes = window.record_stop_results(state, vms, params["stop_results"] or [], now())
    changes.update(window.record_export_results(state, vms, params.get("export_results") or [], now(), params.get("export_timeout") or 21600))
    if params.get("token_error"):
        window.fail_token_waiters(state, vms, params["token_error"], now())
    if any(record["state"] in (*window.WAITING, window.IMPORTING) for record in state["vms"].values()):
        engine.poll(state, vms, params, now())
    stop_requests = _fill_window(engine, state, vms, params, changes, now)
    disk_work = _disk_steps(engine, state, vms, params, changes, now)
    for name, record in state["vms"].items():
        info = (state.get("disks") or {}).get(name) or {}
        if record["state"] == window.FAILED and name not in final_before and name in vms and "import_started" in info and window.needs_token(state, name):
            # A failed import needs its token no more either.
            engine.delete_header_secret(vms[name])
    changes.update(window.progress_changes(state, vms))
    record_error = engine.record(state, changes)
    if record_error:
        lines.append(record_error)
    shown = window.in_flight(state) + [name for name, record in state["vms"].items() if record["state"] in window.FINAL and name not in final_before]
    lines += window.lines(state, shown)
    # Entries not recorded keep the run going one more round, which sends them again.
    unrecorded = [key[len(VM_PREFIX) :] for key in changes if key.startswith(VM_PREFIX)] if record_error else []
    return {
        "finished": not window.pending(state) and not record_error,
        "changed": engine.changed,
        "state": state,
        "needed": window.pending(state) + unrecorded,
        "stop_requests": stop_requests,
        "export_requests": window.export_requests(state, vms, params["stop_source"]),
        **disk_work,
        "lines": lines,
        **window.outcome(state),
    }


def _fill_window(engine: VmEngine, state: dict, vms: dict, params: dict, changes: dict, now) -> list[dict]:
    """Apply the VMs whose source was just stopped and the queued ones that fit; ask for the stops they need."""
    stop_requests = []
    wait = params["wait"] and not engine.check_mode
    starting = [name for name, record in state["vms"].items() if record["state"] == window.STOPPED]
    # A VM whose source was stopped already holds its slot (in_flight counts it).
    starting += window.next_to_start(state, params["max_parallel"])
    for name in starting:
        vm = vms[name]
        if state["vms"][name]["state"] == window.QUEUED and not engine.check_mode and window.needs_stop(vm, state, params["stop_source"]):
            window.set_state(state, name, window.STOPPING, now())
            key, value = window.stop_record(vm, "requested")
            if key not in state["recorded"]:
                # Recorded before the stop: a run killed in between still leaves the server for rollback to restart.
                changes[key] = value
            stop_requests.append({"vm": name, "server_id": vm["server_id"]})
            continue
        if not engine.check_mode and window.start_disks(state, vm, now(), tvo=bool(params.get("tvo"))):
            continue
        error = engine.apply_vm(vm, params["secrets"] or {})
        exported = window.exported_disks(vm)
        if exported and engine.check_mode and not error:
            # Check mode exports nothing and asks for no token: it says what the run would do.
            sources = ", ".join(f"{t.get('datavolume')} ({t['method']})" for t in exported)
            window.set_state(state, name, window.APPLIED, now(), line=f"{name}: would export and import {sources}, then apply its VirtualMachine")
            continue
        if error:
            window.fail(state, name, error, now())
        elif wait:
            window.set_state(state, name, WAITING_DISKS, now(), line=f"{name}: objects applied, waiting for the disks")
        else:
            window.set_state(state, name, window.APPLIED, now(), line=f"{name}: objects applied")
    return stop_requests


def _disk_steps(engine: VmEngine, state: dict, vms: dict, params: dict, changes: dict, now) -> dict:
    """Start the imports that may start, renew tokens, apply the VMs whose disks imported.

    Returns token_needed (the caller fetches a fresh token for the next round) and cleanup_requests.
    """
    token = params.get("disk_token") or None
    token_needed = False
    cleanup = []
    for name in window.import_candidates(state, vms, params.get("storage_class_limits") or {}):
        vm = vms[name]
        wants_token = window.needs_token(state, name)
        if wants_token and not token:
            token_needed = True
            state["vms"][name]["line"] = f"{name}: exported, getting a Glance token to import"
            continue
        error = _tvo_http_before_import(engine, state, params, name)
        if error:
            window.fail(state, name, error, now())
            continue
        changes.update(window.begin_import(state, vm, now()))
        error = engine.apply_import(vm, params["secrets"] or {}, token if wants_token else None, window.disks_info(state, name).get("records") or [])
        if error:
            window.fail(state, name, error, now())
    for name in window.renewals(state):
        if not token:
            token_needed = True
            continue
        error = engine.apply_header_secret(vms[name], token)
        if error:
            window.fail(state, name, error, now())
        else:
            window.renewed(state, name, now())
            state["vms"][name]["line"] = f"{name}: importing; the token was renewed after a 401, CDI retries the download"
    for name, record in list(state["vms"].items()):
        if record["state"] != window.IMPORTED or name not in vms:
            continue
        vm = vms[name]
        stats = window.disks_info(state, name).get("stats") or []
        error = engine.apply_virtualmachine(vm)
        if error:
            window.fail(state, name, error, now())
            continue
        if params["wait"]:
            window.set_state(state, name, window.WAITING_VM, now(), disks=stats, line=f"{name}: disks imported, VirtualMachine applied")
        else:
            window.set_state(state, name, window.APPLIED, now(), disks=stats, line=f"{name}: disks imported, VirtualMachine applied")
        if window.needs_token(state, name):
            error = engine.delete_header_secret(vm)
            if error:
                state["vms"][name]["line"] += f"; cannot delete its token Secret: {error}"
        request = None if params.get("keep_exports") else window.cleanup_request(state, vm)
        if request:
            cleanup.append(request)
    return {"token_needed": token_needed, "cleanup_requests": cleanup}


def tvo_http_settings(server: dict) -> dict:
    """tvo.http_server (the module option) as keyword arguments of translate.tvo_http.server_objects."""
    settings = {"nfs_server": server.get("nfs_server"), "nfs_path": server.get("nfs_path")}
    for key in ("name", "image", "port"):
        if server.get(key):
            settings[key] = server[key]
    return settings


def _tvo_http_before_import(engine: VmEngine, state: dict, params: dict, name: str) -> str | None:
    """Apply the backup target's HTTP server once per run, before the first import of TVO records."""
    server = (params.get("tvo") or {}).get("http_server")
    tvo_records = any(r.get("method") == "tvo" for r in window.disks_info(state, name).get("records") or [])
    if not server or not tvo_records or state.get("tvo_http_applied"):
        return None
    error = engine.apply_tvo_http(server)
    if not error:
        state["tvo_http_applied"] = True
    return error
