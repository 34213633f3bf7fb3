# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""TrilioVault for OpenStack (TVO): a full backup of a server, turned into export records for CDI.

TVO's API is workloadmgr v1 (``/v1/{project_id}/...``, port 8780 in default installs), found in the
Keystone catalog under service type ``workloads`` (or ``workloadmgr`` in some installs). Calls go
through the keystoneauth session the collection's openstacksdk connection already holds, so the
token, its renewal on a 401, the CA bundle and the timeout are the same as for every other service.

What a backup leaves on the backup target (an NFS export that TVO mounts on its nodes)::

    <mount>/workload_<w>/snapshot_<s>/vm_id_<vm>/vm_res_id_<res>_<label>/<file>

A full snapshot's file is a standalone qcow2. An incremental one is a qcow2 overlay whose backing
file is an absolute path on the TVO nodes; CDI follows no backing chain, so such a file is refused,
or flattened into a directory the user names (never elsewhere) when asked to.

The client (``TvoClient``) makes HTTP calls; the file side (``inspect_image``, ``sha256_file``,
``flatten``) runs ``qemu-img`` and reads files on a host that mounts the target; ``disk_files`` and
``export_record`` are pure.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from urllib.parse import quote, urlsplit

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.http_retry import RetryPolicy, next_wait

# service types TVO registers under, in the order they are tried
SERVICE_TYPES = ("workloads", "workloadmgr")
NO_ENDPOINT_ERRORS = ("EndpointNotFound", "EmptyCatalog", "ServiceDiscoveryException", "DiscoveryFailure")
SNAPSHOT_DONE = "available"
SNAPSHOT_FAILED = ("error", "cancelled", "canceled")
WORKLOAD_READY = "available"
WORKLOAD_FAILED = ("error",)
NAME_PREFIX = "ostokubevirt"
HASH_CHUNK = 4 * 1024 * 1024


class TvoError(Exception):
    """A backup step failed; the message names the server, workload, snapshot or disk concerned."""


class TvoAuthError(TvoError):
    """TVO refused the token: every further call would fail the same way, so the whole run stops."""


# ---------------------------------------------------------------------------------------------------------------
# catalog


def endpoint_from_catalog(session, project_id: str, interface: str = "public", region_name: str | None = None) -> tuple[str, str]:
    """(TVO base URL ending in ``/<project_id>``, the service type it was found under).

    Installs register ``http://<tvm>:8780/v1/$(tenant_id)s``, which Keystone fills in; an entry
    without the project (``.../v1``) gets it appended.
    """
    tried = []
    for service_type in SERVICE_TYPES:
        try:
            url = session.get_endpoint(service_type=service_type, interface=interface, region_name=region_name)
        except Exception as exc:  # pylint: disable=broad-except  # keystoneauth raises one type per cause
            if type(exc).__name__ not in NO_ENDPOINT_ERRORS:
                raise TvoError(f"cannot read the service catalog for the TrilioVault endpoint: {type(exc).__name__}: {exc}") from exc
            url = None
        if url:
            return with_project(str(url), project_id), service_type
        tried.append(service_type)
    raise TvoError(
        f"no TrilioVault (workloadmgr) endpoint in the service catalog for interface {interface!r}"
        f"{' in region ' + repr(region_name) if region_name else ''} (looked for service types {', '.join(tried)}); check "
        f"'openstack endpoint list --service workloads --interface {interface}' and the interface and region_name options"
    )


def with_project(url: str, project_id: str) -> str:
    base = url.rstrip("/")
    if base.rsplit("/", 1)[-1] == project_id:
        return base
    return f"{base}/{project_id}"


# ---------------------------------------------------------------------------------------------------------------
# API client


class TvoClient:
    """workloadmgr v1 calls for one project. ``session`` is a keystoneauth Session (or a test double with the
    same ``request(url, method, json=, params=, raise_exc=False, ...)``)."""

    def __init__(self, session, endpoint: str, *, retry_policy: RetryPolicy | None = None, sleep=time.sleep, clock=time.monotonic) -> None:
        self.session = session
        self.endpoint = endpoint.rstrip("/")
        self.retry_policy = retry_policy or RetryPolicy()
        self.sleep = sleep
        self.clock = clock
        self.retries: list[str] = []
        self.requests = 0

    # -- transport -----------------------------------------------------------------------------------------------
    def call(self, method: str, path: str, body: dict | None = None, params: dict | None = None) -> dict:
        """The JSON body of one call; GETs are repeated on transient faults (``http_retry``), writes never."""
        url = f"{self.endpoint}/{path.lstrip('/')}"
        attempt = 0
        while True:
            attempt += 1
            self.requests += 1
            status, payload, retry_after, failure = self._once(method, url, body, params)
            if failure is None and status < 400:
                return payload if isinstance(payload, dict) else {}
            if status == 401:
                raise TvoAuthError(
                    f"the TrilioVault API rejected the token (HTTP 401) for {method} {url}: {_message(payload) or 'Unauthorized'}; "
                    "the credential authenticated at Keystone, so check that the TVO service (its keystone_authtoken "
                    "settings) accepts tokens of this project and that the catalog entry points at the right TVO"
                )
            if method != "GET":
                raise TvoError(f"{method} {url}: {failure or 'HTTP ' + str(status)}{': ' + _message(payload) if _message(payload) else ''}")
            wait, why = next_wait(self.retry_policy, attempt, None if failure else status, retry_after, time.time())
            if wait is None:
                what = failure or f"HTTP {status}{': ' + _message(payload) if _message(payload) else ''}"
                raise TvoError(f"{method} {url}: {what}{'; ' + why if attempt > 1 else ''}")
            self.retries.append(f"{method} {url}: {failure or 'HTTP ' + str(status)}; attempt {attempt + 1} after {why}")
            self.sleep(wait)

    def _once(self, method, url, body, params):
        """(status, decoded body, Retry-After, None) or (None, None, None, transport failure text)."""
        kwargs = {"raise_exc": False, "headers": {"Accept": "application/json"}}
        if body is not None:
            kwargs["json"] = body
        if params:
            kwargs["params"] = params
        try:
            response = self.session.request(url, method, **kwargs)
        except Exception as exc:  # pylint: disable=broad-except  # requests/keystoneauth transport errors
            return None, None, None, f"no response ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
        try:
            payload = response.json() if response.content else {}
        except ValueError:
            payload = {"message": (response.text or "").strip()[:200]}
        return response.status_code, payload, response.headers.get("Retry-After"), None

    # -- workloads -----------------------------------------------------------------------------------------------
    def workloads(self) -> list[dict]:
        return list(self.call("GET", "workloads").get("workloads") or [])

    def workload(self, workload_id: str) -> dict:
        return self.call("GET", f"workloads/{workload_id}").get("workload") or {}

    def workload_protecting(self, server_id: str) -> dict | None:
        """The workload whose instances include the server (the first, oldest, one), or None."""
        candidates = sorted(self.workloads(), key=lambda w: (str(w.get("created_at") or ""), str(w.get("id"))))
        for summary in candidates:
            if str(summary.get("status") or "").lower() in WORKLOAD_FAILED:
                continue
            detail = self.workload(summary["id"])
            if server_id in instance_ids(detail):
                return detail
        return None

    def default_workload_type(self) -> str:
        """The id of the ``Serial`` workload type (TVO's default), else the first one listed."""
        types = list(self.call("GET", "workload_types/detail").get("workload_types") or [])
        if not types:
            raise TvoError(f"GET {self.endpoint}/workload_types/detail lists no workload type; set workload_type_id")
        for entry in types:
            if str(entry.get("name") or "").lower() == "serial":
                return entry["id"]
        return types[0]["id"]

    def create_workload(self, server_id: str, workload_type_id: str) -> dict:
        body = {
            "workload": {
                "name": f"{NAME_PREFIX}-{server_id}",
                "description": f"created by ostokubevirt to back up server {server_id} for migration",
                "workload_type_id": workload_type_id,
                "source_platform": "openstack",
                "instances": [{"instance-id": server_id}],
                # no schedule: this workload only serves the snapshots we ask for
                "jobschedule": {"enabled": False},
                "metadata": {"ostokubevirt_server_id": server_id},
            }
        }
        created = self.call("POST", "workloads", body).get("workload") or {}
        if not created.get("id"):
            raise TvoError(f"POST {self.endpoint}/workloads for server {server_id} returned no workload id")
        return created

    # -- snapshots -----------------------------------------------------------------------------------------------
    def take_full_snapshot(self, workload_id: str, name: str, description: str = "") -> str:
        """POST /workloads/{id}?full=1; the new snapshot's id."""
        body = {"snapshot": {"name": name, "description": description, "is_scheduled": False, "snapshot_type": "full"}}
        answer = self.call("POST", f"workloads/{workload_id}", body, params={"full": 1})
        snapshot_id = (answer.get("snapshot") or {}).get("id")
        if snapshot_id:
            return snapshot_id
        # Some releases answer 202 without a body: the newest snapshot of ours on the workload is the one just taken.
        ours = self.snapshots_named(workload_id, name)
        if not ours:
            raise TvoError(f"POST {self.endpoint}/workloads/{workload_id}?full=1 returned no snapshot id and none named {name!r} is listed")
        return ours[-1]["id"]

    def snapshot(self, snapshot_id: str) -> dict:
        return self.call("GET", f"snapshots/{snapshot_id}").get("snapshot") or {}

    def snapshots_named(self, workload_id: str, name: str) -> list[dict]:
        """The workload's snapshots named ``name``, oldest first."""
        listed = self.call("GET", "snapshots", params={"workload_id": workload_id}).get("snapshots") or []
        return sorted((s for s in listed if s.get("name") == name), key=lambda s: str(s.get("created_at") or ""))

    def snapshot_in_flight(self, workload_id: str, name: str) -> str | None:
        """The newest snapshot named ``name`` on the workload that has neither finished nor failed, or None."""
        running = [s for s in self.snapshots_named(workload_id, name) if str(s.get("status") or "").lower() not in (SNAPSHOT_DONE, *SNAPSHOT_FAILED)]
        return running[-1]["id"] if running else None


def _message(payload) -> str:
    """The service's error text, whichever wrapper it uses (``{"error": {"message"}}``, ``{"badRequest": ...}``)."""
    if not isinstance(payload, dict):
        return ""
    if isinstance(payload.get("message"), str):
        return payload["message"].splitlines()[0][:200] if payload["message"] else ""
    for value in payload.values():
        if isinstance(value, dict) and value.get("message"):
            return str(value["message"]).splitlines()[0][:200]
    return ""


def instance_ids(workload: dict) -> set[str]:
    """Server ids a workload protects (``instances[].id``, or ``instance-id`` as sent on create)."""
    found = set()
    for entry in workload.get("instances") or []:
        if isinstance(entry, dict):
            value = entry.get("id") or entry.get("instance-id") or entry.get("instance_id")
            if value:
                found.add(str(value))
    return found


def progress_line(snapshot: dict) -> str:
    percent = snapshot.get("progress_percent")
    percent_text = f"{percent} %" if percent is not None else "? %"
    message = snapshot.get("progress_msg") or ""
    return (
        f"snapshot {snapshot.get('id')} of workload {snapshot.get('workload_id')}: {snapshot.get('status')} {percent_text}{' - ' + message if message else ''}"
    )


# ---------------------------------------------------------------------------------------------------------------
# disks on the backup target (pure)


def resource_dir(mount: str, workload_id: str, snapshot_id: str, vm_id: str, resource_id: str, label: str) -> str:
    """The directory TVO writes one disk of one server into."""
    return os.path.join(mount, f"workload_{workload_id}", f"snapshot_{snapshot_id}", f"vm_id_{vm_id}", f"vm_res_id_{resource_id}_{label.replace(' ', '')}")


def disk_label(vdisk: dict) -> str:
    """The device name TVO puts in the directory name (``vda``): ``label``, else the mount point's last part."""
    label = vdisk.get("label") or os.path.basename(str(vdisk.get("volume_mountpoint") or "").rstrip("/"))
    return str(label or "")


def disk_files(snapshot: dict, mount: str, servers: list[str]) -> list[dict]:
    """One entry per disk of the given servers in the snapshot: where its directory is and which source it is.

    ``source_id`` is the Cinder volume id, or the server id for an image-booted root (no volume).
    """
    wanted = set(servers)
    entries = []
    for instance in snapshot.get("instances") or []:
        vm_id = str(instance.get("id") or instance.get("vm_id") or "")
        if vm_id not in wanted:
            continue
        vdisks = instance.get("vdisks") or []
        if not vdisks:
            raise TvoError(f"snapshot {snapshot.get('id')} lists no disk (vdisks) for server {vm_id}")
        for index, vdisk in enumerate(vdisks):
            resource_id = vdisk.get("resource_id")
            label = disk_label(vdisk)
            if not resource_id or not label:
                raise TvoError(f"snapshot {snapshot.get('id')}, server {vm_id}: instances[].vdisks[{index}] has no resource_id or label")
            entries.append(
                {
                    "server_id": vm_id,
                    "label": label,
                    "resource_id": str(resource_id),
                    "volume_id": vdisk.get("volume_id") or None,
                    "source_id": str(vdisk.get("volume_id") or vm_id),
                    "dir": resource_dir(mount, snapshot.get("workload_id"), snapshot.get("id"), vm_id, str(resource_id), label),
                }
            )
    missing = wanted - {e["server_id"] for e in entries}
    if missing:
        raise TvoError(f"snapshot {snapshot.get('id')} of workload {snapshot.get('workload_id')} does not hold server(s) {', '.join(sorted(missing))}")
    return entries


def export_record(
    disk: dict,
    *,
    path: str,
    url: str,
    info: dict,
    size: int,
    checksum: str | None,
    workload_id: str,
    snapshot_id: str,
    consistency: str,
) -> dict:
    """The export record (docs of issue 8) for one disk."""
    return {
        "source_id": disk["source_id"],
        "server_id": disk["server_id"],
        "method": "tvo",
        "url": url,
        "disk_format": info.get("format"),
        "size": size,
        "virtual_size": info.get("virtual-size"),
        "checksum": checksum,
        "consistency": consistency,
        "needs_token": False,
        "image_id": None,
        "temporaries": [],
        "tvo": {"workload_id": workload_id, "snapshot_id": snapshot_id, "path": path},
    }


def url_for(base_url: str, root: str, path: str) -> str:
    """``path`` (under ``root``) as a URL under ``base_url``, each part percent-encoded."""
    relative = os.path.relpath(path, root)
    if relative.startswith(".."):
        raise TvoError(f"{path} is not under {root}, so the HTTP server cannot serve it")
    return f"{base_url.rstrip('/')}/{quote(relative.replace(os.sep, '/'))}"


def check_base_url(base_url: str) -> None:
    parts = urlsplit(base_url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TvoError(f"http_base_url must be an http(s) URL of the in-cluster server of the backup target, got {base_url!r}")


def in_flight(server_id: str, known: dict, step: str, status: str, progress) -> dict:
    """A server still being backed up, with the ids a caller saves to resume it."""
    return {
        "server_id": server_id,
        "step": step,
        "status": status or "unknown",
        "progress": progress,
        "tvo": {"workload_id": known.get("workload_id"), "snapshot_id": known.get("snapshot_id")},
    }


def pending_text(entry: dict) -> str:
    ids = entry.get("tvo") or {}
    what = f"snapshot {ids.get('snapshot_id')}" if entry.get("step") == "snapshot" else f"workload {ids.get('workload_id')}"
    percent = f" {entry['progress']} %" if entry.get("progress") is not None else ""
    return f"server {entry['server_id']}: {what} {entry.get('status')}{percent}"


# ---------------------------------------------------------------------------------------------------------------
# files on a host that mounts the target


def run(argv: list[str]) -> str:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise TvoError(f"cannot run {argv[0]}: {exc} (install qemu-utils on the host that mounts the backup target)") from exc
    if proc.returncode != 0:
        raise TvoError(f"{' '.join(argv[:3])} ... failed (exit {proc.returncode}): {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ''}")
    return proc.stdout


def backup_file(directory: str, what: str) -> str:
    """The one disk file TVO wrote into a resource directory (named after its disk snapshot id)."""
    try:
        names = sorted(n for n in os.listdir(directory) if os.path.isfile(os.path.join(directory, n)) and not n.startswith("."))
    except OSError as exc:
        raise TvoError(f"{what}: cannot read {directory} ({exc.strerror}); is the backup target mounted at the given mount_path?") from exc
    if len(names) != 1:
        raise TvoError(f"{what}: expected one disk file in {directory}, found {len(names)} ({', '.join(names) or 'none'})")
    return os.path.join(directory, names[0])


def inspect_image(path: str, runner=run) -> dict:
    """``qemu-img info --output=json`` of the file alone (a missing backing file is not opened)."""
    try:
        return json.loads(runner(["qemu-img", "info", "--output=json", path]))
    except ValueError as exc:
        raise TvoError(f"qemu-img info {path}: output is not JSON") from exc


def backing_of(info: dict) -> str | None:
    return info.get("full-backing-filename") or info.get("backing-filename") or None


def sha256_file(path: str, chunk: int = HASH_CHUNK) -> str:
    """``sha256:<hex>`` of the file, read in chunks so a 500 GiB disk needs no memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while True:
            block = handle.read(chunk)
            if not block:
                break
            digest.update(block)
    return f"sha256:{digest.hexdigest()}"


def local_backing(backing: str, mount: str) -> str:
    """Where a backing file the TVO nodes name by their own absolute path is on this host: the part from
    ``workload_<w>/`` on, under our mount (TVO nodes mount the target at a path of their own)."""
    parts = backing.split("/")
    for index, part in enumerate(parts):
        if part.startswith("workload_"):
            return os.path.join(mount, *parts[index:])
    raise TvoError(f"backing file {backing} is not a TrilioVault backup path (no workload_<id> component)")


def backing_chain_spec(path: str, mount: str, runner=run, depth: int = 0) -> dict:
    """A qemu ``json:`` node for ``path`` whose backing chain is re-pointed at this host's copies, read only."""
    if depth > 256:
        raise TvoError(f"backing chain of {path} is longer than 256 files")
    info = inspect_image(path, runner)
    node = {"driver": info.get("format") or "qcow2", "file": {"driver": "file", "filename": path}}
    backing = backing_of(info)
    if backing:
        local = local_backing(backing, mount)
        if not os.path.isfile(local):
            raise TvoError(f"backing file {backing} of {path} is not at {local} on this host")
        node["backing"] = backing_chain_spec(local, mount, runner, depth + 1)
    return node


def flatten(path: str, mount: str, flatten_dir: str, name: str, runner=run) -> str:
    """A standalone qcow2 of the overlay ``path`` and its chain, written as ``<flatten_dir>/<name>.qcow2``.

    The backup target is only read: qemu opens the chain through a ``json:`` description, so no
    backing path on the target is rewritten.
    """
    target_dir = os.path.realpath(flatten_dir)
    target = os.path.join(target_dir, f"{name}.qcow2")
    if os.path.dirname(os.path.realpath(target)) != target_dir:
        raise TvoError(f"flattened file name {name!r} would leave {flatten_dir}")
    os.makedirs(target_dir, exist_ok=True)
    spec = backing_chain_spec(path, mount, runner)
    partial = target + ".part"
    runner(["qemu-img", "convert", "-O", "qcow2", "json:" + json.dumps(spec), partial])
    os.replace(partial, target)
    return target


# ---------------------------------------------------------------------------------------------------------------
# one backup run


class BackupOptions:
    """What a run needs besides the client; see the tvo_backup module's options for the meaning of each."""

    def __init__(
        self,
        mount: str,
        http_base_url: str,
        *,
        checksum: bool = True,
        incremental: str = "refuse",
        flatten_dir: str | None = None,
        flatten_base_url: str | None = None,
        consistency: str = "crash-consistent",
        snapshot_id: str | None = None,
        workload_type_id: str | None = None,
        poll_interval: float = 10.0,
        timeout: float = 6 * 3600.0,
        check_mode: bool = False,
    ) -> None:
        check_base_url(http_base_url)
        if incremental not in ("refuse", "flatten"):
            raise TvoError(f"incremental must be refuse or flatten, got {incremental!r}")
        if incremental == "flatten":
            if not flatten_dir:
                raise TvoError("incremental=flatten needs flatten_dir, the directory the standalone copies are written to")
            if flatten_base_url:
                check_base_url(flatten_base_url)
            elif _outside(flatten_dir, mount):
                raise TvoError(
                    f"flatten_dir {flatten_dir} is not under mount_path {mount}, so the backup target's HTTP server cannot "
                    "serve it: set flatten_base_url to the URL that serves flatten_dir"
                )
        self.mount = mount
        self.http_base_url = http_base_url
        self.checksum = checksum
        self.incremental = incremental
        self.flatten_dir = flatten_dir
        self.flatten_base_url = flatten_base_url
        self.consistency = consistency
        self.snapshot_id = snapshot_id
        self.workload_type_id = workload_type_id
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.check_mode = check_mode


def _outside(path: str, root: str) -> bool:
    return os.path.relpath(os.path.realpath(path), os.path.realpath(root)).startswith("..")


class BackupRun:
    """Back up servers with TVO and describe each disk as an export record; one failing server never stops the others.

    One flow in steps: ``step()`` advances every server by one non-blocking step (find or create its workload,
    start the full snapshot of its workload, poll that snapshot, read the disks once it is available) and
    returns what is still in flight; ``run()`` is the same steps with a sleep of ``poll_interval`` between them.
    ``flight`` (server id -> ``{workload_id, snapshot_id}``) is what a caller saves between steps, so a step
    after a killed run polls the snapshot already started instead of taking a second full backup.

    After ``run()`` or each ``step()``: ``records`` (one per disk of each server that succeeded), ``failed``
    (``{server_id, msg}``), ``actions`` (what was, or in check mode would be, created), ``progress`` (snapshot
    progress lines), ``workloads`` (server id -> workload id), ``snapshots`` (workload id -> snapshot id), ``changed``.
    """

    def __init__(self, client: TvoClient, options: BackupOptions, runner=run, on_progress=None, sleep=time.sleep, clock=time.monotonic) -> None:
        self.client = client
        self.opts = options
        self.runner = runner
        self.on_progress = on_progress
        self.sleep = sleep
        self.clock = clock
        self.records: list[dict] = []
        self.failed: list[dict] = []
        self.actions: list[str] = []
        self.progress: list[str] = []
        self.workloads: dict[str, str] = {}
        self.snapshots: dict[str, str] = {}
        self.changed = False
        self._seen: dict[str, tuple] = {}

    def run(self, servers: list[str]) -> BackupRun:
        """Every server to the end (records or failed), one step per ``poll_interval``, within ``timeout``."""
        todo = list(dict.fromkeys(str(s) for s in servers))
        flight: dict[str, dict] = {}
        deadline = self.clock() + self.opts.timeout
        while todo:
            pending = self.step(todo, flight)
            todo = list(dict.fromkeys(p["server_id"] for p in pending))
            if todo and self.clock() >= deadline:
                for entry in pending:
                    self._fail(entry["server_id"], f"not backed up after {self.opts.timeout:g} s: {pending_text(entry)}")
                return self
            if todo:
                self.sleep(self.opts.poll_interval)
        return self

    def step(self, servers: list[str], flight: dict[str, dict]) -> list[dict]:
        """One non-blocking step of each server; ``flight`` is updated in place. Returns the servers still in flight,
        each ``{server_id, step, status, progress, tvo: {workload_id, snapshot_id}}``."""
        pending: list[dict] = []
        to_start: dict[str, list[str]] = {}
        to_poll: dict[str, list[str]] = {}
        for server_id in dict.fromkeys(str(s) for s in servers):
            known = flight.setdefault(server_id, {})
            if self.opts.snapshot_id:
                known["snapshot_id"] = self.opts.snapshot_id
            if known.get("snapshot_id"):
                to_poll.setdefault(known["snapshot_id"], []).append(server_id)
                continue
            try:
                if not known.get("workload_id"):
                    workload_id = self._workload_for(server_id)
                    if workload_id is None:
                        continue
                    known["workload_id"] = workload_id
                self.workloads[server_id] = known["workload_id"]
                status = self._workload_status(known["workload_id"])
            except TvoAuthError:
                raise
            except TvoError as exc:
                self._fail(server_id, str(exc))
                continue
            if status == WORKLOAD_READY:
                to_start.setdefault(known["workload_id"], []).append(server_id)
            else:
                pending.append(in_flight(server_id, known, "workload", status, None))
        for workload_id, members in to_start.items():
            pending += self._start(workload_id, members, flight)
        for snapshot_id, members in to_poll.items():
            pending += self._poll(snapshot_id, members, flight)
        return pending

    def _workload_status(self, workload_id: str) -> str:
        detail = self.client.workload(workload_id)
        status = str(detail.get("status") or "").lower()
        if status in WORKLOAD_FAILED:
            raise TvoError(f"workload {workload_id} is in status {status}: {detail.get('error_msg') or 'no error message'}")
        return status

    def _start(self, workload_id: str, members: list[str], flight: dict[str, dict]) -> list[dict]:
        if self.opts.check_mode:
            self.actions.append(f"would take a full snapshot of workload {workload_id} (servers {', '.join(members)})")
            return []
        name = f"{NAME_PREFIX}-{workload_id}"
        snapshot_id = self._adopt(workload_id, name)
        if snapshot_id is None:
            try:
                snapshot_id = self.client.take_full_snapshot(workload_id, name, "full backup taken by ostokubevirt for migration")
            except TvoAuthError:
                raise
            except TvoError as exc:
                for server_id in members:
                    self._fail(server_id, f"full snapshot of workload {workload_id}: {exc}")
                return []
            self.changed = True
            self.actions.append(f"took full snapshot {snapshot_id} of workload {workload_id}")
        for server_id in members:
            flight[server_id]["snapshot_id"] = snapshot_id
        return [in_flight(server_id, flight[server_id], "snapshot", "started", 0) for server_id in members]

    def _adopt(self, workload_id: str, name: str) -> str | None:
        """A snapshot of ours still running on the workload: a run killed before it saved the id had started it.

        Taking another one would make TVO copy every disk a second time. A listing that fails only costs that.
        """
        try:
            snapshot_id = self.client.snapshot_in_flight(workload_id, name)
        except TvoAuthError:
            raise
        except TvoError as exc:
            self.actions.append(f"could not list the snapshots of workload {workload_id} ({exc}); taking a new full snapshot")
            return None
        if snapshot_id:
            self.actions.append(f"resumed full snapshot {snapshot_id} of workload {workload_id}, still running (an earlier run started it)")
        return snapshot_id

    def _poll(self, snapshot_id: str, servers: list[str], flight: dict[str, dict]) -> list[dict]:
        try:
            snap = self.client.snapshot(snapshot_id)
            status = str(snap.get("status") or "").lower()
            seen = (status, snap.get("progress_percent"))
            if self._seen.get(snapshot_id) != seen:
                self._report({**snap, "id": snap.get("id") or snapshot_id})
            self._seen[snapshot_id] = seen
            if status in SNAPSHOT_FAILED:
                raise TvoError(
                    f"snapshot {snapshot_id} of workload {snap.get('workload_id')} ended in status {status}: {snap.get('error_msg') or 'no error message'}"
                )
            if status != SNAPSHOT_DONE:
                return [in_flight(server_id, flight[server_id], "snapshot", status, snap.get("progress_percent")) for server_id in servers]
            if str(snap.get("id") or snapshot_id) != snapshot_id:
                raise TvoError(f"GET snapshots/{snapshot_id} answered for snapshot {snap.get('id')}")
            snap = {**snap, "id": snapshot_id}
            disks = disk_files(snap, self.opts.mount, servers)
        except TvoAuthError:
            raise
        except TvoError as exc:
            for server_id in servers:
                self._fail(server_id, str(exc))
            return []
        self.snapshots[str(snap.get("workload_id"))] = snapshot_id
        for server_id in servers:
            mine = [d for d in disks if d["server_id"] == server_id]
            try:
                records = [self._record(snap, disk) for disk in mine]
            except TvoError as exc:
                self._fail(server_id, str(exc))
                continue
            self.records.extend(records)
        return []

    def _fail(self, server_id: str, msg: str) -> None:
        self.failed.append({"server_id": server_id, "msg": msg})

    def _workload_for(self, server_id: str) -> str | None:
        found = self.client.workload_protecting(server_id)
        if found:
            return found["id"]
        if self.opts.check_mode:
            self.actions.append(f"would create workload {NAME_PREFIX}-{server_id} protecting server {server_id}")
            return None
        type_id = self.opts.workload_type_id or self.client.default_workload_type()
        created = self.client.create_workload(server_id, type_id)
        self.changed = True
        self.actions.append(f"created workload {created['id']} protecting server {server_id}")
        return created["id"]

    def _report(self, snapshot: dict) -> None:
        line = progress_line(snapshot)
        self.progress.append(line)
        if self.on_progress is not None:
            self.on_progress(line)

    def _record(self, snap: dict, disk: dict) -> dict:
        what = f"snapshot {snap['id']}, server {disk['server_id']}, disk {disk['label']} ({disk['source_id']})"
        path = backup_file(disk["dir"], what)
        info = inspect_image(path, self.runner)
        backing = backing_of(info)
        url_root, base_url = self.opts.mount, self.opts.http_base_url
        if backing:
            if self.opts.incremental != "flatten":
                raise TvoError(
                    f"{what}: {path} is an incremental qcow2 overlay on {backing}, and CDI follows no backing chain; "
                    "take a full snapshot, or set incremental=flatten with a flatten_dir on a host that mounts the target"
                )
            name = f"{NAME_PREFIX}-{snap['id']}-{disk['server_id']}-{disk['label']}"
            target = os.path.join(os.path.realpath(self.opts.flatten_dir), f"{name}.qcow2")
            if not os.path.isfile(target):
                target = flatten(path, self.opts.mount, self.opts.flatten_dir, name, self.runner)
                self.changed = True
                self.actions.append(f"flattened {path} into {target}")
            path = target
            info = inspect_image(path, self.runner)
            if backing_of(info):
                raise TvoError(f"{what}: the flattened copy {path} still has a backing file")
            if self.opts.flatten_base_url:
                url_root, base_url = os.path.realpath(self.opts.flatten_dir), self.opts.flatten_base_url
        url = url_for(base_url, os.path.realpath(url_root), os.path.realpath(path))
        return export_record(
            disk,
            path=path,
            url=url,
            info=info,
            size=os.path.getsize(path),
            checksum=sha256_file(path) if self.opts.checksum else None,
            workload_id=str(snap.get("workload_id")),
            snapshot_id=snap["id"],
            consistency=self.opts.consistency,
        )
