# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A stand-in for TrilioVault's workloadmgr v1 API, for tests (TrilioVault cannot be installed here).

It implements only the calls ``plugins/module_utils/openstack/tvo.py`` makes, as TVO documents
them, and behaves like TVO where the client depends on it:

* every request needs ``X-Auth-Token``; the token is validated against the real Keystone
  (``GET /v3/auth/tokens`` with the token as its own subject, which Keystone's default policy
  allows) and must be scoped to the project in the path; otherwise 401 (or 403);
* a new workload's instances are looked up in the real Nova with the caller's token (404 there
  is a 400 here), and its disks are Nova's volume attachments, each labelled by its device, plus the root
  disk ``vda`` (no volume id) of a server booted from an image (Nova shows a boot-from-volume server's
  ``image`` empty, and its root volume among the attachments);
* a snapshot lays out real qcow2 files made with ``qemu-img`` from the raw bytes that
  ``content(server_id, label, generation)`` returns, at
  ``<target>/workload_<w>/snapshot_<s>/vm_id_<vm>/vm_res_id_<res>_<label>/<disk snap id>``;
  ``?full=1`` makes a standalone qcow2, otherwise the file is an overlay on the previous
  snapshot's file whose backing path is absolute under ``node_mount`` (where TVO nodes mount the
  target), exactly what TVO leaves behind;
* a snapshot's status moves ``executing`` -> ``uploading`` -> ``available`` over three polls, with
  ``progress_percent`` 10, 60, 100.

``tokens_seen`` keeps every token received (tests assert none reaches any output), ``calls`` every
``(method, path, query)``. ``reject_tokens = True`` answers 401 to everything, like a TVO whose
keystone_authtoken cannot validate tokens.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

UNAUTHORIZED = {"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}
PROGRESS = (("executing", 10), ("uploading", 60), ("available", 100))
WORKLOAD_TYPES = [{"id": "f82ce76f-17fe-438b-aa37-7a023058e50d", "name": "Serial"}, {"id": "2ddd528d-c9b4-4d7e-8722-cc395140255a", "name": "Parallel"}]


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")


class StandIn:
    def __init__(self, keystone_url: str, target: str, node_mount: str, content) -> None:
        self.keystone_url = keystone_url.rstrip("/")
        self.target = target
        self.node_mount = node_mount.rstrip("/")
        self.content = content
        self.workloads: dict[str, dict] = {}
        self.snapshots: dict[str, dict] = {}
        self.polls: dict[str, int] = {}
        self.tokens_seen: set[str] = set()
        self.calls: list[tuple[str, str, dict]] = []
        self.reject_tokens = False
        self.lock = threading.Lock()
        self._token_cache: dict[str, dict] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> StandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- Keystone and Nova -------------------------------------------------------------------------------------
    def validate(self, token: str) -> dict | None:
        if token in self._token_cache:
            return self._token_cache[token]
        request = urllib.request.Request(f"{self.keystone_url}/v3/auth/tokens", headers={"X-Auth-Token": token, "X-Subject-Token": token})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                data = json.load(response)["token"]
        except urllib.error.HTTPError:
            return None
        self._token_cache[token] = data
        return data

    @staticmethod
    def _compute_url(token_data: dict) -> str:
        for service in token_data.get("catalog") or []:
            if service.get("type") == "compute":
                for endpoint in service.get("endpoints") or []:
                    if endpoint.get("interface") == "public":
                        return endpoint["url"].rstrip("/")
        raise LookupError("no compute endpoint in the token's catalog")

    def _nova(self, token: str, token_data: dict, path: str) -> dict | None:
        request = urllib.request.Request(f"{self._compute_url(token_data)}{path}", headers={"X-Auth-Token": token, "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise

    def _instance(self, token: str, token_data: dict, server_id: str) -> dict | None:
        server = self._nova(token, token_data, f"/servers/{server_id}")
        if server is None:
            return None
        attachments = (self._nova(token, token_data, f"/servers/{server_id}/os-volume_attachments") or {}).get("volumeAttachments") or []
        disks = []
        by_device = {str(a.get("device") or ""): a for a in attachments}
        if image_id(server["server"]) and "/dev/vda" not in by_device:
            disks.append({"label": "vda", "volume_id": None, "mountpoint": "/dev/vda"})
        for device in sorted(by_device):
            disks.append({"label": os.path.basename(device) or "vdz", "volume_id": by_device[device]["volumeId"], "mountpoint": device})
        return {"id": server_id, "name": server["server"]["name"], "disks": disks}

    # -- snapshots on the "backup target" ------------------------------------------------------------------------
    def _previous_file(self, workload_id: str, vm_id: str, label: str) -> str | None:
        earlier = [s for s in self.snapshots.values() if s["workload_id"] == workload_id and s["status"] == "available"]
        for snap in sorted(earlier, key=lambda s: s["created_at"], reverse=True):
            for instance in snap["instances"]:
                for vdisk in instance["vdisks"]:
                    if instance["id"] == vm_id and vdisk["label"] == label:
                        return vdisk["_file"]
        return None

    def _write_snapshot(self, snap: dict, workload: dict, full: bool) -> None:
        generation = sum(1 for s in self.snapshots.values() if s["workload_id"] == workload["id"])
        snap["_generation"] = generation
        for instance in workload["_instances"]:
            vdisks = []
            for disk in instance["disks"]:
                resource_id, disk_snap_id = str(uuid.uuid4()), str(uuid.uuid4())
                directory = os.path.join(
                    self.target, f"workload_{workload['id']}", f"snapshot_{snap['id']}", f"vm_id_{instance['id']}", f"vm_res_id_{resource_id}_{disk['label']}"
                )
                os.makedirs(directory, exist_ok=True)
                raw = os.path.join(directory, ".raw")
                with open(raw, "wb") as handle:
                    handle.write(self.content(instance["id"], disk["label"], generation))
                path = os.path.join(directory, disk_snap_id)
                previous = None if full else self._previous_file(workload["id"], instance["id"], disk["label"])
                if previous is None:
                    _qemu_img("convert", "-f", "raw", "-O", "qcow2", raw, path)
                else:
                    _qemu_img("convert", "-f", "raw", "-O", "qcow2", "-B", previous, "-F", "qcow2", raw, path)
                    # TVO nodes name the backing file by their own absolute path of the target
                    node_path = self.node_mount + "/" + os.path.relpath(previous, self.target)
                    _qemu_img("rebase", "-u", "-b", node_path, "-F", "qcow2", path)
                os.unlink(raw)
                vdisks.append(
                    {
                        "label": disk["label"],
                        "resource_id": resource_id,
                        "vm_id": instance["id"],
                        "volume_id": disk["volume_id"],
                        "volume_mountpoint": disk["mountpoint"],
                        "restore_size": os.path.getsize(path),
                        "_file": path,
                    }
                )
            snap["instances"].append({"id": instance["id"], "name": instance["name"], "status": "available", "vdisks": vdisks})

    # -- HTTP ----------------------------------------------------------------------------------------------------
    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest's output readable
                pass

            def _send(self, status: int, body: dict | None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _dispatch(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                standin.calls.append((method, parts.path, query))
                token = self.headers.get("X-Auth-Token") or ""
                if token:
                    standin.tokens_seen.add(token)
                data = None if standin.reject_tokens or not token else standin.validate(token)
                if data is None:
                    self._send(401, UNAUTHORIZED)
                    return
                match = re.fullmatch(r"/v1/([^/]+)(/.*)?", parts.path)
                if not match:
                    self._send(404, {"itemNotFound": {"code": 404, "message": "no such path"}})
                    return
                if match.group(1) != (data.get("project") or {}).get("id"):
                    self._send(403, {"forbidden": {"code": 403, "message": "token not scoped to this project"}})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else {}
                with standin.lock:
                    status, answer = standin.route(method, match.group(1), match.group(2) or "/", query, body, token, data)
                self._send(status, answer)

            def do_GET(self):
                self._dispatch("GET")

            def do_POST(self):
                self._dispatch("POST")

        return Handler

    def route(self, method: str, project: str, path: str, query: dict, body: dict, token: str, token_data: dict):
        if method == "GET" and path == "/workload_types/detail":
            return 200, {"workload_types": WORKLOAD_TYPES}
        if method == "GET" and path == "/workloads":
            return 200, {"workloads": [_public(w, summary=True) for w in self.workloads.values() if w["project_id"] == project]}
        if method == "POST" and path == "/workloads":
            return self._create_workload(project, body.get("workload") or {}, token, token_data)
        found = re.fullmatch(r"/workloads/([^/]+)", path)
        if found:
            workload = self.workloads.get(found.group(1))
            if workload is None or workload["project_id"] != project:
                return 404, {"itemNotFound": {"code": 404, "message": f"workload {found.group(1)} not found"}}
            if method == "GET":
                if workload["status"] == "creating":
                    workload["status"] = "available"
                    return 200, {"workload": _public({**workload, "status": "creating"})}
                return 200, {"workload": _public(workload)}
            return self._take_snapshot(workload, body.get("snapshot") or {}, str(query.get("full", "")).lower() in ("1", "true"))
        if method == "GET" and path == "/snapshots":
            wanted = query.get("workload_id")
            listed = [s for s in self.snapshots.values() if s["project_id"] == project and (not wanted or s["workload_id"] == wanted)]
            return 200, {"snapshots": [_public(self._shown(s), summary=True) for s in listed]}
        found = re.fullmatch(r"/snapshots/([^/]+)", path)
        if method == "GET" and found:
            snap = self.snapshots.get(found.group(1))
            if snap is None or snap["project_id"] != project:
                return 404, {"itemNotFound": {"code": 404, "message": f"snapshot {found.group(1)} not found"}}
            shown = self._shown(snap)
            self.polls[snap["id"]] = self.polls.get(snap["id"], 0) + 1
            return 200, {"snapshot": _public(shown)}
        return 404, {"itemNotFound": {"code": 404, "message": f"{method} {path} is not implemented by the stand-in"}}

    def _shown(self, snap: dict) -> dict:
        """The snapshot as the API shows it now: its progress step is the number of times it was polled."""
        status, percent = PROGRESS[min(self.polls.get(snap["id"], 0), len(PROGRESS) - 1)]
        return {**snap, "status": status, "progress_percent": percent, "progress_msg": f"{status} disks"}

    def _create_workload(self, project: str, spec: dict, token: str, token_data: dict):
        instances = []
        for entry in spec.get("instances") or []:
            server_id = entry.get("instance-id")
            instance = self._instance(token, token_data, server_id) if server_id else None
            if instance is None:
                return 400, {"badRequest": {"code": 400, "message": f"instance {server_id} not found in Nova"}}
            instances.append(instance)
        if not instances:
            return 400, {"badRequest": {"code": 400, "message": "a workload needs instances"}}
        if spec.get("workload_type_id") not in {t["id"] for t in WORKLOAD_TYPES}:
            return 400, {"badRequest": {"code": 400, "message": "unknown workload_type_id"}}
        workload = {
            "id": str(uuid.uuid4()),
            "name": spec.get("name") or "workload",
            "description": spec.get("description") or "",
            "project_id": project,
            "status": "creating",
            "created_at": now(),
            "workload_type_id": spec["workload_type_id"],
            "jobschedule": spec.get("jobschedule") or {},
            "metadata": spec.get("metadata") or {},
            "instances": [{"id": i["id"], "name": i["name"]} for i in instances],
            "_instances": instances,
        }
        self.workloads[workload["id"]] = workload
        return 202, {"workload": _public(workload)}

    def _take_snapshot(self, workload: dict, spec: dict, full: bool):
        if workload["status"] != "available":
            return 400, {"badRequest": {"code": 400, "message": f"workload {workload['id']} is {workload['status']}"}}
        snap = {
            "id": str(uuid.uuid4()),
            "name": spec.get("name") or "snapshot",
            "description": spec.get("description") or "",
            "project_id": workload["project_id"],
            "workload_id": workload["id"],
            "created_at": now(),
            "status": "executing",
            "snapshot_type": "full" if full else "incremental",
            "instances": [],
        }
        has_previous = any(s["workload_id"] == workload["id"] and s["status"] == "available" for s in self.snapshots.values())
        self._write_snapshot(snap, workload, full or not has_previous)
        snap["snapshot_type"] = "full" if full or not has_previous else "incremental"
        snap["status"] = "available"
        self.snapshots[snap["id"]] = snap
        return 200, {"snapshot": _public({**snap, "status": "executing", "progress_percent": 0})}


def image_id(server: dict) -> str | None:
    """The image a server booted from; None for a boot-from-volume server (Nova shows ``image`` as ``""``)."""
    image = server.get("image")
    return (image.get("id") or None) if isinstance(image, dict) else None


def _public(obj: dict, summary: bool = False) -> dict:
    """What the API shows: no private ``_`` keys, and list entries without the details."""

    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if not k.startswith("_")}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    shown = clean(obj)
    if summary:
        shown.pop("instances", None)
    return shown


def _qemu_img(*args: str) -> None:
    subprocess.run(["qemu-img", *args], check=True, capture_output=True)
