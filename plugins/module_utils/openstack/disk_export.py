# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Export every disk of a server as a Glance image CDI can pull, and clean up what that created.

* image-booted root disk: Nova ``createImage`` (microversion 2.45 answers with the image id);
* Cinder volume, boot-from-volume roots included: ``available`` -> ``os-volume_upload_image``;
  ``in-use`` -> a snapshot (``force``) -> a temporary volume from it -> upload that volume. The
  ``force`` upload is never used: Cinder refuses it unless ``enable_force_upload`` is set.

Everything created is named ``ostokubevirt-<kind>-<source id>`` and carries
``ostokubevirt_source_id``/``_run_id``/``_server_id`` in its metadata (image properties). A later
run, with any run id, looks for those first: an active image is reused, one still being written
is waited for, a failed one is deleted (it is ours) and made again, so no disk is uploaded twice.
Cleanup and rollback delete only objects whose metadata carries ``ostokubevirt_source_id``.

Each disk moves through small steps (``decide`` picks the next one from what the cloud shows now,
without I/O): ``advance`` takes every step the cloud's state allows and returns at once, for a
caller that polls (the VM engine, one round at a time); ``export`` repeats it, sleeping between
rounds, until every disk is done or failed. A run killed at any point and started again finds
what it made by metadata, so nothing is created twice.

One disk failing gives that disk an error naming the server, the disk and the call; the other
disks and servers carry on. Nothing here raises for a cloud fault.
"""

from __future__ import annotations

import dataclasses
import time
from urllib.parse import quote

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.disk_cloud import microversion_at_least

SOURCE_KEY = "ostokubevirt_source_id"
RUN_KEY = "ostokubevirt_run_id"
SERVER_KEY = "ostokubevirt_server_id"
NAME_PREFIX = "ostokubevirt-"
CREATE_IMAGE_MICROVERSION = (2, 45)
VOLUME_MICROVERSION = "3.0"
ATTACHED_KEY = "os-extended-volumes:volumes_attached"

IMAGE_BUSY = ("queued", "saving", "uploading", "importing")
IMAGE_FAILED = ("killed", "deleted", "pending_delete", "deactivated")
VOLUME_BUSY = ("creating", "uploading", "downloading", "attaching", "detaching", "backing-up", "restoring-backup", "extending")
SNAPSHOT_BUSY = ("creating",)
CINDER_FAILED = ("error", "error_deleting", "error_restoring", "error_extending")
# on its way out (a cleanup or rollback just asked): as good as gone, never reused or deleted again
CINDER_GOING = ("deleting",)


class DiskExportError(Exception):
    """One disk could not be exported; the message names the server, the disk and the call."""


@dataclasses.dataclass
class ExportOptions:
    run_id: str
    interface: str = "public"  # catalog interface of the Glance URL CDI gets
    cold: bool = False  # the caller stopped the server before the export
    volume_disk_format: str = "raw"
    keep_intermediates: bool = False  # keep the snapshot and temporary volume once their image is active
    timeout: float = 6 * 3600.0  # per wait
    poll_interval: float = 5.0
    sleep: object = time.sleep
    clock: object = time.monotonic


def object_name(kind: str, source_id: str) -> str:
    return f"{NAME_PREFIX}{kind}-{source_id}"


def our_metadata(source_id: str, run_id: str, server_id: str) -> dict:
    return {SOURCE_KEY: str(source_id), RUN_KEY: str(run_id), SERVER_KEY: str(server_id)}


def is_ours(metadata: dict | None, source_id: str | None = None) -> bool:
    """True when ``metadata`` carries our source id (and, when given, this one)."""
    value = (metadata or {}).get(SOURCE_KEY)
    return bool(value) and (source_id is None or str(value) == str(source_id))


def server_disks(server: dict) -> list[dict]:
    """``[{source_id, kind: root|volume}]`` of a server as Nova returns it (the tenant snapshot's form)."""
    disks = []
    image = server.get("image")
    if isinstance(image, dict) and image.get("id"):
        disks.append({"source_id": str(server["id"]), "kind": "root"})
    for attached in server.get(ATTACHED_KEY) or []:
        if isinstance(attached, dict) and attached.get("id"):
            disks.append({"source_id": str(attached["id"]), "kind": "volume"})
    return disks


def checksum_of(image: dict) -> str | None:
    algo, value = image.get("os_hash_algo"), image.get("os_hash_value")
    return f"{algo}:{value}" if algo and value else None


def image_file_url(catalog_url: str, image_id: str) -> str:
    """``<endpoint>/v2/images/<id>/file``; a catalog entry that already ends in ``/v2`` is not doubled."""
    base = catalog_url.rstrip("/")
    for suffix in ("/v2.0", "/v2.1", "/v2"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    return f"{base}/v2/images/{quote(str(image_id), safe='')}/file"


def build_record(server_id: str, source_id: str, image: dict, url: str, options: ExportOptions, temporaries: list[dict]) -> dict:
    size = image.get("size")
    virtual = image.get("virtual_size")
    return {
        "source_id": str(source_id),
        "server_id": str(server_id),
        "method": "glance",
        "url": url,
        "disk_format": image.get("disk_format"),
        "size": int(size) if size is not None else None,
        "virtual_size": int(virtual) if virtual is not None else None,
        "checksum": checksum_of(image),
        "consistency": "cold" if options.cold else "crash-consistent",
        "needs_token": True,
        "image_id": image.get("id"),
        "temporaries": temporaries,
        "tvo": None,
    }


def _temporary(kind: str, obj: dict) -> dict:
    return {"kind": kind, "id": obj.get("id"), "name": obj.get("name")}


# -- the decision: which single step a disk needs next ----------------------------------
# Steps a disk waits in (``pending[].step``): its forced snapshot, the temporary volume made from it, the image
# being written (Nova createImage or Cinder upload), and the deletion of the snapshot and temporary volume once
# the image holds the data.
STEP_SNAPSHOT, STEP_TMPVOL, STEP_UPLOAD, STEP_RELEASE = "snapshot", "tmpvol", "upload", "release"
PROGRESS_KEY = "os-extended-snapshot-attributes:progress"


@dataclasses.dataclass(frozen=True)
class Step:
    """What to do next for one disk. ``action`` is one of ACTIONS; ``step`` is the stage it belongs to."""

    action: str
    step: str | None
    status: str | None = None


# done: record; wait: nothing to do until the cloud moves on; fail_*: the disk failed; delete_*: ours, failed in an
# earlier run, delete it and decide again; release_*: delete an intermediate once the image is active
ACTIONS = (
    "record", "wait", "tag",
    "create_image", "upload_volume", "create_snapshot", "create_tmpvol", "upload_tmpvol",
    "delete_image", "delete_snapshot", "delete_tmpvol",
    "fail_image", "fail_snapshot", "fail_tmpvol", "fail_volume",
    "release_tmpvol", "release_snapshot",
)  # fmt: skip


def _run_of(item: dict | None, metadata_inside: bool) -> str | None:
    meta = (item or {}).get("metadata") if metadata_inside else item
    value = (meta or {}).get(RUN_KEY)
    return str(value) if value is not None else None


def usable_cinder(item: dict | None) -> bool:
    return item is not None and item.get("status") not in CINDER_GOING


@dataclasses.dataclass(frozen=True)
class CinderShape:
    """How one kind of our intermediate Cinder object moves a disk on, by its status.

    failed: ``fail_<name>`` when it failed in this run, ``delete_<name>`` (and make again) when in another;
    available: ``ready`` (action, step); a status in ``busy``: wait in the step it maps to; any other: ``fail_<name>``.
    """

    name: str  # "tmpvol" or "snapshot", as in the action names
    step: str  # the stage the object itself belongs to
    ready: tuple[str, str]
    busy: dict  # status -> step to wait in


TMPVOL_SHAPE = CinderShape(
    "tmpvol",
    STEP_TMPVOL,
    ("upload_tmpvol", STEP_UPLOAD),
    # "uploading": an upload of it started; its image shows up as soon as Glance lists it
    {status: STEP_UPLOAD if status == "uploading" else STEP_TMPVOL for status in VOLUME_BUSY},
)
SNAPSHOT_SHAPE = CinderShape("snapshot", STEP_SNAPSHOT, ("create_tmpvol", STEP_TMPVOL), dict.fromkeys(SNAPSHOT_BUSY, STEP_SNAPSHOT))


def _cinder_step(item: dict, run_id: str, shape: CinderShape) -> Step:
    status = item.get("status")
    if status in CINDER_FAILED:
        return Step(f"fail_{shape.name}" if _run_of(item, True) == str(run_id) else f"delete_{shape.name}", shape.step, status)
    if status == "available":
        return Step(shape.ready[0], shape.ready[1], status)
    if status in shape.busy:
        return Step("wait", shape.busy[status], status)
    return Step(f"fail_{shape.name}", shape.step, status)


def decide(kind: str, run_id: str, image=None, volume=None, snapshot=None, tmpvol=None, keep_intermediates: bool = False) -> Step:
    """The next step for one disk from what the cloud shows now; no I/O.

    ``kind`` is ``root`` or ``volume``; ``image`` our image of the disk (tagged, or an untagged upload found by its
    name), ``volume`` the source volume (needed only when nothing of ours is usable), ``snapshot``/``tmpvol`` our
    snapshot and temporary volume of it, each as the API returns it or None. An object of ours that failed in this
    run (its run id metadata is ``run_id``) fails the disk; one that failed in another run is deleted and made again.
    """
    if image is not None:
        status = image.get("status")
        if status in IMAGE_FAILED:
            return Step("fail_image" if _run_of(image, False) == str(run_id) else "delete_image", STEP_UPLOAD, status)
        if status != "active":
            return Step("wait", STEP_UPLOAD, status)
        if kind == "volume" and not is_ours(image):
            return Step("tag", STEP_UPLOAD, status)
        if kind == "root" or keep_intermediates:
            return Step("record", None, status)
        return _release_step(snapshot, tmpvol)
    if kind == "root":
        return Step("create_image", STEP_UPLOAD)
    for item, shape in ((tmpvol, TMPVOL_SHAPE), (snapshot, SNAPSHOT_SHAPE)):
        if usable_cinder(item):
            return _cinder_step(item, run_id, shape)
    status = (volume or {}).get("status")
    if status == "available":
        return Step("upload_volume", STEP_UPLOAD, status)
    if status == "in-use":
        return Step("create_snapshot", STEP_SNAPSHOT, status)
    return Step("fail_volume", None, status)


def _release_step(snapshot: dict | None, tmpvol: dict | None) -> Step:
    """The temporary volume goes first (Cinder keeps a snapshot while a volume made from it exists)."""
    if tmpvol is not None:
        status = tmpvol.get("status")
        if status == "available":
            return Step("release_tmpvol", STEP_RELEASE, status)
        if status in VOLUME_BUSY or status in CINDER_GOING:
            return Step("wait", STEP_RELEASE, status)
        return Step("record", None, status)  # failed: left in the record's temporaries for the cleanup
    if usable_cinder(snapshot) and snapshot.get("status") not in SNAPSHOT_BUSY:
        return Step("release_snapshot", STEP_RELEASE, snapshot.get("status"))
    return Step("record", None, None)


def snapshot_progress(snapshot: dict | None) -> int | None:
    """Cinder's ``"45%"`` as 45, or None."""
    text = str((snapshot or {}).get(PROGRESS_KEY) or "").strip().rstrip("%")
    try:
        return max(0, min(100, int(float(text))))
    except ValueError:
        return None


class DiskExporter:
    """Exports the disks of servers through ``cloud`` (see ``disk_cloud``).

    ``advance`` moves each disk on by as many steps as the cloud's current state allows and never sleeps;
    ``export`` (and ``export_server``) advances until every disk is done or failed, sleeping between rounds.
    """

    def __init__(self, cloud, options: ExportOptions) -> None:
        self.cloud = cloud
        self.options = options
        self._glance_url: str | None = None
        self.created: list[dict] = []  # what this exporter created: {kind, id, name, source_id}
        self.reused: list[dict] = []
        self.deleted: list[dict] = []  # failed objects of earlier runs and released intermediates
        self._mine: set[str] = set()  # ids created or already listed as reused

    # -- public ----------------------------------------------------------------
    def disks(self, servers: list[dict], source_ids=None) -> list[tuple[dict, dict]]:
        """``(server, disk)`` of every disk of ``servers``, or only those in ``source_ids``."""
        wanted = {str(s) for s in source_ids} if source_ids is not None else None
        return [(server, disk) for server in servers for disk in server_disks(server) if wanted is None or disk["source_id"] in wanted]

    def advance(self, servers: list[dict], source_ids=None) -> dict:
        """One non-blocking pass: ``{records, pending, errors}``, each in disk order."""
        return self._rounds(self.disks(servers, source_ids), wait=False)

    def export(self, servers: list[dict], source_ids=None) -> dict:
        """Advance until every disk is done or failed (a disk waiting longer than ``timeout`` in one step fails)."""
        return self._rounds(self.disks(servers, source_ids), wait=True)

    def export_server(self, server: dict) -> dict:
        """``{server_id, records: [...], errors: [{server_id, source_id, msg, message}]}``; never raises for a cloud fault."""
        result = self.export([server])
        return {"server_id": str(server.get("id")), "records": result["records"], "errors": result["errors"]}

    def export_root(self, server: dict) -> dict:
        return self._export_one(server, {"source_id": str(server["id"]), "kind": "root"})

    def export_volume(self, server: dict, volume_id: str) -> dict:
        return self._export_one(server, {"source_id": str(volume_id), "kind": "volume"})

    def _export_one(self, server: dict, disk: dict) -> dict:
        result = self._rounds([(server, disk)], wait=True)
        if result["errors"]:
            raise DiskExportError(result["errors"][0]["message"])
        return result["records"][0]

    def _rounds(self, disks: list[tuple[dict, dict]], wait: bool) -> dict:
        outcome: dict[int, tuple[str, dict]] = {}
        since: dict[int, tuple[str, float]] = {}
        todo = list(range(len(disks)))
        while todo:
            still = []
            for index in todo:
                server, disk = disks[index]
                base = {"server_id": str(server.get("id")), "source_id": disk["source_id"]}
                try:
                    state, value = self.advance_disk(server, disk)
                except DiskExportError as exc:
                    outcome[index] = ("error", {**base, "msg": str(exc), "message": str(exc)})
                    continue
                if state == "done":
                    outcome[index] = ("record", value)
                    continue
                outcome[index] = ("pending", {**base, **value})
                step, started = since.get(index, (None, None))
                now = self.options.clock() if wait else 0.0
                if step != value["step"]:
                    since[index] = (value["step"], now)
                elif wait and now - started >= self.options.timeout:
                    message = (
                        f"server {base['server_id']}, disk {base['source_id']}: {value.pop('_what')} still {value['status']!r} "
                        f"after {self.options.timeout:g} s; a later run waits for it again"
                    )
                    outcome[index] = ("error", {**base, "msg": message, "message": message})
                    continue
                still.append(index)
            todo = still
            if not wait or not todo:
                break
            self.options.sleep(self.options.poll_interval)
        result = {"records": [], "pending": [], "errors": []}
        for index in sorted(outcome):
            what, value = outcome[index]
            if what == "pending":
                value = {k: v for k, v in value.items() if not k.startswith("_")}
            result[{"record": "records", "pending": "pending", "error": "errors"}[what]].append(value)
        return result

    # -- one disk ------------------------------------------------------------------
    def advance_disk(self, server: dict, disk: dict) -> tuple[str, dict]:
        """``("done", record)`` or ``("pending", {step, status, progress, _what})``; raises DiskExportError."""
        for _attempt in range(8):
            seen = self._observe(server, disk)
            step = decide(disk["kind"], self.options.run_id, keep_intermediates=self.options.keep_intermediates, **seen)
            answer = self._act(server, disk, step, seen)
            if answer is not None:
                return answer
        raise DiskExportError(f"server {server.get('id')}, disk {disk['source_id']}: the export went round in circles; a later run tries again")

    def _observe(self, server: dict, disk: dict) -> dict:
        sid = disk["source_id"]
        image = self._find_image(server, sid, "look for an earlier export")
        if image is None and disk["kind"] == "volume":
            image = self._find_untagged(server, sid)
        if image is not None and image.get("status") != "active" and image.get("status") not in IMAGE_FAILED:
            image = self._refresh_image(server, sid, image)
        seen = {"image": image}
        if disk["kind"] == "root":
            return seen
        if image is None or image.get("status") == "active":
            seen["snapshot"] = self._find_cinder(server, sid, "snapshot")
            seen["tmpvol"] = self._find_cinder(server, sid, "volume")
        if image is None and not usable_cinder(seen.get("snapshot")) and not usable_cinder(seen.get("tmpvol")):
            seen["volume"] = self._get_volume(server, sid)
        return seen

    def _act(self, server: dict, disk: dict, step: Step, seen: dict):
        """Carry ``step`` out: a pending/done answer, or None to look again."""
        sid = disk["source_id"]
        server_id = str(server["id"])
        image, snapshot, tmpvol = seen.get("image"), seen.get("snapshot"), seen.get("tmpvol")
        action = step.action
        if action == "record":
            return "done", self._record(server, disk, image, snapshot, tmpvol)
        if action == "wait":
            # what the disk waits for; an upload of our copy whose image Glance does not list yet waits on the copy
            kind, item = {STEP_SNAPSHOT: ("snapshot", snapshot), STEP_UPLOAD: ("image", image)}.get(step.step, ("volume", tmpvol))
            if item is None:
                kind, item = "volume", tmpvol
            self._note_reused(kind, item, sid)
            return self._pending(step.step, step.status, kind, item)
        if action == "tag":
            self._note_reused("image", image, sid)
            self._tag(server, sid, image)
            return None
        if action == "create_image":
            return self._pending(STEP_UPLOAD, "queued", "image", self._create_image(server))
        if action == "upload_volume":
            return self._pending(STEP_UPLOAD, "queued", "image", self._upload(server, sid, sid, born_tagged=False))
        if action == "create_snapshot":
            made = self._create_snapshot(server, sid)
            return self._pending(STEP_SNAPSHOT, made.get("status"), "snapshot", made)
        if action == "create_tmpvol":
            self._note_reused("snapshot", snapshot, sid)
            made = self._create_tmpvol(server, sid, snapshot)
            return self._pending(STEP_TMPVOL, made.get("status"), "volume", made)
        if action == "upload_tmpvol":
            self._note_reused("volume", tmpvol, sid)
            return self._pending(STEP_UPLOAD, "queued", "image", self._upload(server, sid, tmpvol["id"], born_tagged=True))
        if action == "delete_image":
            self._delete_failed_image(server, sid, image)
            self.deleted.append({**_temporary("image", image), "source_id": sid})
            return None
        if action in ("delete_snapshot", "delete_tmpvol"):
            kind, item = ("snapshot", snapshot) if action == "delete_snapshot" else ("volume", tmpvol)
            self._delete(server, sid, kind, item)
            self.deleted.append({**_temporary(kind, item), "source_id": sid})
            return None
        if action == "fail_image":
            self._delete_failed_image(server, sid, image)
            raise DiskExportError(
                f"server {server_id}, disk {sid}: image {image.get('id')} ({image.get('name')}) ended {step.status!r} instead of 'active'; "
                "it was deleted and the next run exports again"
            )
        if action in ("fail_snapshot", "fail_tmpvol"):
            kind, item = ("snapshot", snapshot) if action == "fail_snapshot" else ("volume", tmpvol)
            if step.status in CINDER_FAILED and is_ours(item.get("metadata"), sid):
                self._delete(server, sid, kind, item)
                again = "it was deleted and the next run makes it again"
            else:
                again = "the export needs it 'available'"
            raise DiskExportError(f"server {server_id}, volume {sid}: {kind} {item.get('id')} ({item.get('name')}) is {step.status!r}; {again}")
        if action == "fail_volume":
            raise DiskExportError(
                f"server {server_id}, volume {sid}: status is {step.status!r}; the export needs 'available' or 'in-use' (wait for the current operation to end)"
            )
        if action == "release_tmpvol":
            if self._release(server, sid, "volume", tmpvol):
                return self._pending(STEP_RELEASE, "deleting", "volume", tmpvol)
            return "done", self._record(server, disk, image, snapshot, tmpvol)
        if action == "release_snapshot":
            if self._release(server, sid, "snapshot", snapshot):
                snapshot = None  # on its way out; a later look ignores it
            return "done", self._record(server, disk, image, snapshot, None)
        raise DiskExportError(f"server {server_id}, disk {sid}: no handler for step {action!r}")  # a bug, named

    def _pending(self, step: str, status: str | None, kind: str, item: dict | None) -> tuple[str, dict]:
        item = item or {}
        progress = snapshot_progress(item) if kind == "snapshot" else None
        if status == "active" or (kind == "snapshot" and status == "available"):
            progress = 100
        return "pending", {"step": step, "status": status, "progress": progress, "_what": f"{kind} {item.get('id')} ({item.get('name')})"}

    def _note_reused(self, kind: str, item: dict | None, source_id: str) -> None:
        if item and item.get("id") and item["id"] not in self._mine:
            self._mine.add(item["id"])
            self.reused.append({"kind": kind, "id": item["id"], "name": item.get("name"), "source_id": source_id})

    def _record(self, server: dict, disk: dict, image: dict, snapshot: dict | None, tmpvol: dict | None) -> dict:
        sid = disk["source_id"]
        self._note_reused("image", image, sid)
        temporaries = [_temporary("image", image)]
        temporaries += [_temporary(kind, item) for kind, item in (("snapshot", snapshot), ("volume", tmpvol)) if usable_cinder(item)]
        return build_record(str(server["id"]), sid, image, self._url(server, sid, image["id"]), self.options, temporaries)

    def _release(self, server: dict, source_id: str, kind: str, item: dict) -> bool:
        """Delete an intermediate of ours; False (kept in the record) when the cloud refuses."""
        path = f"/volumes/{quote(item['id'], safe='')}" if kind == "volume" else f"/snapshots/{quote(item['id'], safe='')}"
        if not is_ours(item.get("metadata"), source_id):
            return False
        try:
            self.cloud.request("DELETE", "volume", path)
        except ApiError as exc:
            if exc.status != 404:
                return False
        self.deleted.append({**_temporary(kind, item), "source_id": source_id})
        return True

    # -- creating ------------------------------------------------------------------------
    def _create_image(self, server: dict) -> dict:
        sid = str(server["id"])
        name = object_name("root", sid)
        version = self._call(server, sid, "compute version discovery", lambda: self.cloud.max_microversion("compute"))
        if not microversion_at_least(version, CREATE_IMAGE_MICROVERSION):
            have = ".".join(map(str, version)) if version else "none"
            raise DiskExportError(
                f"server {sid}, root disk: the compute API offers microversion {have}; createImage needs 2.45 or later to return the image id"
            )
        body = {"createImage": {"name": name, "metadata": our_metadata(sid, self.options.run_id, sid)}}
        answer = self._call(
            server,
            sid,
            f"POST /servers/{sid}/action createImage",
            lambda: self.cloud.request("POST", "compute", f"/servers/{quote(sid, safe='')}/action", body=body, microversion="2.45"),
        )
        image_id = answer.get("image_id")
        if not image_id:
            raise DiskExportError(f"server {sid}, root disk: POST /servers/{sid}/action createImage answered without an image_id")
        self._made("image", image_id, name, sid)
        return {"id": image_id, "name": name, "status": "queued"}

    def _made(self, kind: str, item_id: str | None, name: str, source_id: str) -> None:
        self._mine.add(str(item_id))
        self.created.append({"kind": kind, "id": item_id, "name": name, "source_id": source_id})

    def _create_snapshot(self, server: dict, volume_id: str) -> dict:
        name = object_name("snap", volume_id)
        body = {
            "snapshot": {
                "volume_id": volume_id,
                "force": True,
                "name": name,
                "description": f"ostokubevirt export of volume {volume_id} (in use by server {server['id']})",
                "metadata": our_metadata(volume_id, self.options.run_id, server["id"]),
            }
        }
        answer = self._call(server, volume_id, "POST /snapshots", lambda: self.cloud.request("POST", "volume", "/snapshots", body=body))
        snapshot = answer.get("snapshot") or {}
        self._made("snapshot", snapshot.get("id"), name, volume_id)
        return snapshot

    def _create_tmpvol(self, server: dict, volume_id: str, snapshot: dict) -> dict:
        name = object_name("tmpvol", volume_id)
        body = {
            "volume": {
                "snapshot_id": snapshot["id"],
                "size": snapshot.get("size"),
                "name": name,
                "description": f"ostokubevirt export of volume {volume_id}: a copy to upload while the volume is in use",
                "metadata": our_metadata(volume_id, self.options.run_id, server["id"]),
            }
        }
        if body["volume"]["size"] is None:
            del body["volume"]["size"]
        answer = self._call(server, volume_id, "POST /volumes", lambda: self.cloud.request("POST", "volume", "/volumes", body=body))
        tmpvol = answer.get("volume") or {}
        self._made("volume", tmpvol.get("id"), name, volume_id)
        return tmpvol

    def plan_server(self, server: dict, source_ids=None) -> list[dict]:
        """What ``export_server`` would do, per disk, from GETs only (check mode)."""
        plan = []
        for _server, disk in self.disks([server], source_ids):
            sid = disk["source_id"]
            kind = "root" if disk["kind"] == "root" else "vol"
            row = {"server_id": str(server.get("id")), "source_id": sid, "image_name": object_name(kind, sid)}
            try:
                image = self._find_image(server, sid, "check for an earlier export")
                if image is not None and image.get("status") not in IMAGE_FAILED:
                    row["action"] = f"reuse image {image['id']} ({image.get('status')})"
                elif disk["kind"] == "root":
                    row["action"] = "create an image with Nova createImage"
                else:
                    volume = self._get_volume(server, sid)
                    if volume.get("status") == "in-use":
                        row["action"] = f"create snapshot {object_name('snap', sid)}, volume {object_name('tmpvol', sid)} from it, and upload that volume"
                    else:
                        row["action"] = "upload the volume with os-volume_upload_image"
            except DiskExportError as exc:
                row["error"] = str(exc)
            plan.append(row)
        return plan

    def _upload(self, server: dict, source_id: str, volume_id: str, born_tagged: bool) -> dict:
        """Start ``os-volume_upload_image`` of ``volume_id`` (the source, or our temporary volume)."""
        name = object_name("vol", source_id)
        if born_tagged:
            # The image is born with the temporary volume's image metadata: tagged from its first moment,
            # so a run killed right after the upload started still finds it.
            meta = our_metadata(source_id, self.options.run_id, server["id"])
            self._call(
                server,
                source_id,
                f"POST /volumes/{volume_id}/action os-set_image_metadata",
                lambda: self.cloud.request(
                    "POST", "volume", f"/volumes/{quote(volume_id, safe='')}/action", body={"os-set_image_metadata": {"metadata": meta}}
                ),
            )
        body = {"os-volume_upload_image": {"image_name": name, "disk_format": self.options.volume_disk_format, "container_format": "bare", "force": False}}
        answer = self._call(
            server,
            source_id,
            f"POST /volumes/{volume_id}/action os-volume_upload_image",
            lambda: self.cloud.request("POST", "volume", f"/volumes/{quote(volume_id, safe='')}/action", body=body, microversion=VOLUME_MICROVERSION),
        )
        image_id = (answer.get("os-volume_upload_image") or {}).get("image_id")
        if not image_id:
            raise DiskExportError(f"server {server['id']}, volume {source_id}: os-volume_upload_image of volume {volume_id} answered without an image_id")
        self._made("image", image_id, name, source_id)
        return {"id": image_id, "name": name, "status": "queued"}

    def _tag(self, server: dict, source_id: str, image: dict) -> dict:
        """Add our metadata to an active image of a source volume's upload (Cinder gives it no properties of ours
        unless the volume carries them, and the source volume is not ours to change).

        Only once the upload is over: Glance saves a PATCH by rewriting the whole image row, so a PATCH during the
        upload can put the status back to ``queued``, and the upload then ends in HTTP 410 and a deleted image.
        """
        if is_ours(image, source_id):
            return image
        patch = [{"op": "add", "path": f"/{k}", "value": v} for k, v in our_metadata(source_id, self.options.run_id, server["id"]).items()]
        path = f"/images/{quote(image['id'], safe='')}"
        return self._call(
            server,
            source_id,
            f"PATCH {path}",
            lambda: self.cloud.request("PATCH", "image", path, body=patch, content_type="application/openstack-images-v2.1-json-patch"),
        )

    def _find_image(self, server: dict, source_id: str, why: str) -> dict | None:
        """Our image of ``source_id``: the newest usable one, else a failed one (to be redone)."""
        listed = self._call(
            server,
            source_id,
            f"GET /images ({why})",
            lambda: self.cloud.request("GET", "image", "/images", params={SOURCE_KEY: source_id}),
        )
        images = [i for i in listed.get("images") or [] if is_ours(i, source_id)]
        if not images:
            return None
        usable = [i for i in images if i.get("status") not in IMAGE_FAILED]
        pool = usable or images
        order = {"active": 0}
        return sorted(pool, key=lambda i: (order.get(i.get("status"), 1), str(i.get("created_at") or "")))[0]

    def _get_volume(self, server: dict, volume_id: str) -> dict:
        path = f"/volumes/{quote(volume_id, safe='')}"
        answer = self._call(server, volume_id, f"GET {path}", lambda: self.cloud.request("GET", "volume", path, microversion=VOLUME_MICROVERSION))
        return answer.get("volume") or {}

    def _delete_failed_image(self, server: dict, source_id: str, image: dict) -> None:
        if not is_ours(image, source_id):
            return
        path = f"/images/{quote(image['id'], safe='')}"
        try:
            self.cloud.request("DELETE", "image", path)
        except ApiError as exc:
            if exc.status != 404:
                raise DiskExportError(
                    f"server {server['id']}, disk {source_id}: our earlier image {image['id']} is {image.get('status')} and could not be deleted: {exc}"
                ) from exc

    def _delete(self, server: dict, source_id: str, kind: str, item: dict) -> None:
        path = f"/volumes/{quote(item['id'], safe='')}" if kind == "volume" else f"/snapshots/{quote(item['id'], safe='')}"
        try:
            self.cloud.request("DELETE", "volume", path)
        except ApiError as exc:
            if exc.status != 404:
                raise DiskExportError(
                    f"server {server['id']}, volume {source_id}: our earlier {kind} {item['id']} is {item.get('status')} and could not be deleted: {exc}"
                ) from exc

    def _find_untagged(self, server: dict, volume_id: str) -> dict | None:
        """Our upload of a source volume that is not active and tagged yet (Cinder gives it no properties of ours).

        Found by its name, which only this code gives; it is tagged once active, never deleted untagged, so the rule
        that we delete only what carries our metadata still holds.
        """
        name = object_name("vol", volume_id)
        listed = self._call(server, volume_id, "GET /images (by name)", lambda: self.cloud.request("GET", "image", "/images", params={"name": name}))
        for image in listed.get("images") or []:
            if image.get("name") == name and not is_ours(image) and image.get("status") not in IMAGE_FAILED:
                return image
        return None

    def _refresh_image(self, server: dict, source_id: str, image: dict) -> dict:
        path = f"/images/{quote(image['id'], safe='')}"
        try:
            return self.cloud.request("GET", "image", path)
        except ApiError as exc:
            if exc.status == 404:
                raise DiskExportError(
                    f"server {server['id']}, disk {source_id}: image {image['id']} disappeared while it was being written (GET {path}: HTTP 404); "
                    "the service that wrote it gave up, see its log"
                ) from exc
            raise DiskExportError(f"server {server['id']}, disk {source_id}: waiting for image {image['id']}: {exc}") from exc

    def _find_cinder(self, server: dict, volume_id: str, kind: str) -> dict | None:
        """Our snapshot or temporary volume of ``volume_id``: a usable one first, then a failed one, then one being deleted."""
        if kind == "snapshot":
            path, params, key, name = "/snapshots/detail", {"volume_id": volume_id, "all_tenants": "1"}, "snapshots", None
        else:
            path, params, key, name = (
                "/volumes/detail",
                {"name": object_name("tmpvol", volume_id), "all_tenants": "1"},
                "volumes",
                object_name("tmpvol", volume_id),
            )
        listed = self._call(server, volume_id, f"GET {path}", lambda: self.cloud.request("GET", "volume", path, params=params))
        items = [i for i in listed.get(key) or [] if is_ours(i.get("metadata"), volume_id) and (name is None or i.get("name") == name)]
        if not items:
            return None

        def rank(item):
            status = item.get("status")
            return (2 if status in CINDER_GOING else 1 if status in CINDER_FAILED else 0, str(item.get("created_at") or ""))

        item = sorted(items, key=rank)[0]
        busy = SNAPSHOT_BUSY if kind == "snapshot" else VOLUME_BUSY + CINDER_GOING
        if item.get("status") in busy:
            one = f"/{key}/{quote(str(item['id']), safe='')}"
            try:
                item = self.cloud.request("GET", "volume", one).get(kind) or item
            except ApiError as exc:
                if exc.status == 404:
                    return None
                raise DiskExportError(f"server {server['id']}, volume {volume_id}: GET {one} failed: {exc}") from exc
        return item

    def _url(self, server: dict, source_id: str, image_id: str) -> str:
        if self._glance_url is None:
            self._glance_url = self._call(server, source_id, "image endpoint lookup", lambda: self.cloud.catalog_url("image", self.options.interface))
        return image_file_url(self._glance_url, image_id)

    @staticmethod
    def _call(server: dict, source_id: str, what: str, func):
        try:
            return func()
        except ApiError as exc:
            raise DiskExportError(f"server {server.get('id')}, disk {source_id}: {what} failed: {exc}") from exc


# -- cleanup -------------------------------------------------------------------------
IMAGE_PATH = "/images/{}"
CINDER_PATHS = {"volume": "/volumes/{}", "snapshot": "/snapshots/{}"}
DELETE_ORDER = {"image": 0, "volume": 1, "snapshot": 2}  # a snapshot with a volume made from it cannot go first


def cleanup_records(cloud, records: list[dict], sleep=time.sleep, timeout: float = 600.0, poll_interval: float = 2.0, clock=time.monotonic) -> dict:
    """Delete the temporaries of ``records`` that still carry our metadata for their source id.

    ``{deleted: [...], kept: [{..., reason}], errors: [msg]}``. Anything whose metadata does not name
    the record's source id (someone renamed or re-tagged it, or an id was mistyped) is kept.
    """
    targets = []
    for record in records or []:
        for temp in record.get("temporaries") or []:
            targets.append((record.get("source_id"), temp))
    return _delete_targets(cloud, targets, sleep, timeout, poll_interval, clock)


def find_ours(cloud, server_ids: list[str] | None = None, run_id: str | None = None) -> list[dict]:
    """Every image, volume and snapshot visible to the credential that carries our source id metadata,
    optionally only those of ``server_ids`` and/or ``run_id``: ``[{kind, id, name, source_id, server_id, run_id, status}]``."""
    found = []
    for image in _all_pages(cloud, "image", "/images", "images", {"limit": "200"}):
        if is_ours(image):
            found.append(_describe("image", image, image))
    for kind, path, key in (("volume", "/volumes/detail", "volumes"), ("snapshot", "/snapshots/detail", "snapshots")):
        for item in _all_pages(cloud, "volume", path, key, {"all_tenants": "1"}):
            if is_ours(item.get("metadata")) and item.get("status") not in CINDER_GOING:
                found.append(_describe(kind, item, item.get("metadata") or {}))
    wanted_servers = {str(s) for s in server_ids} if server_ids else None
    return [f for f in found if (wanted_servers is None or f["server_id"] in wanted_servers) and (run_id is None or f["run_id"] == str(run_id))]


def rollback(
    cloud,
    server_ids: list[str] | None = None,
    run_id: str | None = None,
    sleep=time.sleep,
    timeout: float = 600.0,
    poll_interval: float = 2.0,
    clock=time.monotonic,
) -> dict:
    """Delete everything ``find_ours`` finds (images first, then volumes, then snapshots)."""
    targets = [(f["source_id"], {"kind": f["kind"], "id": f["id"], "name": f["name"]}) for f in find_ours(cloud, server_ids, run_id)]
    return _delete_targets(cloud, targets, sleep, timeout, poll_interval, clock)


def _describe(kind: str, item: dict, meta: dict) -> dict:
    return {
        "kind": kind,
        "id": item.get("id"),
        "name": item.get("name"),
        "status": item.get("status"),
        "source_id": str(meta.get(SOURCE_KEY)),
        "server_id": str(meta.get(SERVER_KEY)),
        "run_id": str(meta.get(RUN_KEY)),
    }


def _all_pages(cloud, service: str, path: str, key: str, params: dict, max_pages: int = 1000) -> list[dict]:
    items: list[dict] = []
    url, query = path, dict(params)
    for _page in range(max_pages):
        answer = cloud.request("GET", service, url, params=query)
        items += answer.get(key) or []
        nxt = answer.get("next")  # glance: "/v2/images?marker=...", while the image adapter's base already ends in /v2
        if nxt and service == "image" and nxt.startswith("/v2/"):
            nxt = nxt[3:]
        if not nxt:
            links = answer.get(f"{key}_links") or []  # cinder
            nxt = next((link.get("href") for link in links if link.get("rel") == "next"), None)
        if not nxt:
            return items
        url, query = nxt, None
    raise ApiError(None, "GET", path, f"more than {max_pages} pages")


def _delete_targets(cloud, targets: list[tuple], sleep, timeout: float, poll_interval: float, clock) -> dict:
    result = {"deleted": [], "kept": [], "errors": []}
    waits = []
    for source_id, temp in sorted(targets, key=lambda t: DELETE_ORDER.get(t[1].get("kind"), 9)):
        kind, item_id = temp.get("kind"), temp.get("id")
        if kind not in DELETE_ORDER or not item_id:
            result["kept"].append({**temp, "reason": "not an image, volume or snapshot id"})
            continue
        service = "image" if kind == "image" else "volume"
        path = IMAGE_PATH.format(quote(str(item_id), safe="")) if kind == "image" else CINDER_PATHS[kind].format(quote(str(item_id), safe=""))
        try:
            current = cloud.request("GET", service, path)
        except ApiError as exc:
            if exc.status == 404:
                continue  # already gone
            result["errors"].append(f"{kind} {item_id}: GET {path} failed: {exc}")
            continue
        meta = current if kind == "image" else (current.get(kind) or {}).get("metadata")
        if not is_ours(meta, source_id):
            result["kept"].append({**temp, "reason": f"its metadata does not carry {SOURCE_KEY}={source_id}: not ours, left alone"})
            continue
        if kind == "snapshot":
            _wait_volumes_gone(cloud, waits, sleep, timeout, poll_interval, clock, result)
            waits = []
        try:
            cloud.request("DELETE", service, path)
            result["deleted"].append(dict(temp))
            if kind == "volume":
                waits.append(path)
        except ApiError as exc:
            if exc.status != 404:
                result["errors"].append(f"{kind} {item_id} ({temp.get('name')}): DELETE {path} failed: {exc}")
    _wait_volumes_gone(cloud, waits, sleep, timeout, poll_interval, clock, result)
    return result


def _wait_volumes_gone(cloud, paths: list[str], sleep, timeout: float, poll_interval: float, clock, result: dict) -> None:
    """A snapshot cannot be deleted while a volume made from it exists: wait for the volumes to go first."""
    deadline = clock() + timeout
    pending = list(paths)
    while pending:
        still = []
        for path in pending:
            try:
                cloud.request("GET", "volume", path)
                still.append(path)
            except ApiError as exc:
                if exc.status != 404:
                    result["errors"].append(f"GET {path} while waiting for its deletion: {exc}")
        pending = still
        if not pending:
            return
        if clock() >= deadline:
            result["errors"].append(f"still deleting after {timeout:g} s: {', '.join(pending)}")
            return
        sleep(poll_interval)
