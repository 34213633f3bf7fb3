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


class DiskExporter:
    """Exports the disks of servers through ``cloud`` (see ``disk_cloud``)."""

    def __init__(self, cloud, options: ExportOptions) -> None:
        self.cloud = cloud
        self.options = options
        self._glance_url: str | None = None
        self.created: list[dict] = []  # what this call created: {kind, id, name, source_id}
        self.reused: list[dict] = []

    # -- public ----------------------------------------------------------------
    def export_server(self, server: dict) -> dict:
        """``{server_id, records: [...], errors: [{server_id, source_id, msg}]}``; never raises for a cloud fault."""
        server_id = str(server.get("id"))
        result = {"server_id": server_id, "records": [], "errors": []}
        for disk in server_disks(server):
            try:
                if disk["kind"] == "root":
                    record = self.export_root(server)
                else:
                    record = self.export_volume(server, disk["source_id"])
                result["records"].append(record)
            except DiskExportError as exc:
                result["errors"].append({"server_id": server_id, "source_id": disk["source_id"], "msg": str(exc)})
        return result

    def plan_server(self, server: dict) -> list[dict]:
        """What ``export_server`` would do, per disk, from GETs only (check mode)."""
        plan = []
        for disk in server_disks(server):
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

    # -- root disk -------------------------------------------------------------
    def export_root(self, server: dict) -> dict:
        sid = str(server["id"])
        name = object_name("root", sid)
        image = self._find_image(server, sid, "look for an earlier export of the root disk")
        if image is not None and image.get("status") in IMAGE_FAILED:
            self._delete_failed_image(server, sid, image)
            image = None
        if image is None:
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
            self.created.append({"kind": "image", "id": image_id, "name": name, "source_id": sid})
            image = {"id": image_id, "name": name, "status": "queued"}
        else:
            self.reused.append({"kind": "image", "id": image["id"], "name": image.get("name"), "source_id": sid})
        image = self._wait_image(server, sid, image)
        return build_record(sid, sid, image, self._url(server, sid, image["id"]), self.options, [_temporary("image", image)])

    # -- Cinder volume -----------------------------------------------------------
    def export_volume(self, server: dict, volume_id: str) -> dict:
        server_id = str(server["id"])
        image = self._find_image(server, volume_id, "look for an earlier export of the volume")
        if image is not None and image.get("status") in IMAGE_FAILED:
            self._delete_failed_image(server, volume_id, image)
            image = None
        temporaries: list[dict] = []
        if image is not None:
            self.reused.append({"kind": "image", "id": image["id"], "name": image.get("name"), "source_id": volume_id})
        else:
            image = self._adopt_untagged(server, volume_id)
        if image is None:
            volume = self._get_volume(server, volume_id)
            status = volume.get("status")
            if status == "available":
                image = self._upload(server, volume_id, volume_id, born_tagged=False)
            elif status == "in-use":
                snapshot = self._ensure_snapshot(server, volume_id)
                tmpvol = self._ensure_tmpvol(server, volume_id, snapshot)
                temporaries += [_temporary("snapshot", snapshot), _temporary("volume", tmpvol)]
                image = self._upload(server, volume_id, tmpvol["id"], born_tagged=True)
            else:
                raise DiskExportError(
                    f"server {server_id}, volume {volume_id}: status is {status!r}; the export needs 'available' or 'in-use' "
                    "(wait for the current operation to end)"
                )
        image = self._tag(server, volume_id, self._wait_image(server, volume_id, image))
        temporaries += self._leftover_intermediates(server, volume_id, temporaries)
        if not self.options.keep_intermediates:
            temporaries = self._release_intermediates(server, volume_id, temporaries)
        return build_record(server_id, volume_id, image, self._url(server, volume_id, image["id"]), self.options, [_temporary("image", image), *temporaries])

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
        self.created.append({"kind": "image", "id": image_id, "name": name, "source_id": source_id})
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

    def _adopt_untagged(self, server: dict, volume_id: str) -> dict | None:
        """Our upload of a source volume whose run ended before the image was active and tagged.

        Found by its name, which only this code gives; it is tagged once active, never deleted untagged, so the rule
        that we delete only what carries our metadata still holds.
        """
        name = object_name("vol", volume_id)
        listed = self._call(server, volume_id, "GET /images (by name)", lambda: self.cloud.request("GET", "image", "/images", params={"name": name}))
        for image in listed.get("images") or []:
            if image.get("name") == name and not is_ours(image) and image.get("status") not in IMAGE_FAILED:
                self.reused.append({"kind": "image", "id": image["id"], "name": name, "source_id": volume_id})
                return image
        return None

    def _ensure_snapshot(self, server: dict, volume_id: str) -> dict:
        name = object_name("snap", volume_id)
        listed = self._call(
            server,
            volume_id,
            "GET /snapshots/detail",
            lambda: self.cloud.request("GET", "volume", "/snapshots/detail", params={"volume_id": volume_id, "all_tenants": "1"}),
        )
        snapshot = None
        for item in listed.get("snapshots") or []:
            if not is_ours(item.get("metadata"), volume_id) or item.get("status") in CINDER_GOING:
                continue
            if item.get("status") in CINDER_FAILED:
                self._delete(server, volume_id, "snapshot", item)
                continue
            snapshot = item
            self.reused.append({"kind": "snapshot", "id": item["id"], "name": item.get("name"), "source_id": volume_id})
            break
        if snapshot is None:
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
            self.created.append({"kind": "snapshot", "id": snapshot.get("id"), "name": name, "source_id": volume_id})
        return self._wait_cinder(server, volume_id, "snapshot", snapshot, "available", SNAPSHOT_BUSY)

    def _ensure_tmpvol(self, server: dict, volume_id: str, snapshot: dict) -> dict:
        name = object_name("tmpvol", volume_id)
        listed = self._call(
            server, volume_id, "GET /volumes/detail", lambda: self.cloud.request("GET", "volume", "/volumes/detail", params={"name": name, "all_tenants": "1"})
        )
        tmpvol = None
        for item in listed.get("volumes") or []:
            if not is_ours(item.get("metadata"), volume_id) or item.get("name") != name or item.get("status") in CINDER_GOING:
                continue
            if item.get("status") in CINDER_FAILED:
                self._delete(server, volume_id, "volume", item)
                continue
            tmpvol = item
            self.reused.append({"kind": "volume", "id": item["id"], "name": name, "source_id": volume_id})
            break
        if tmpvol is None:
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
            self.created.append({"kind": "volume", "id": tmpvol.get("id"), "name": name, "source_id": volume_id})
        # "uploading" means an earlier run's upload of it is still going: its image is found by the caller's wait
        return self._wait_cinder(server, volume_id, "volume", tmpvol, "available", VOLUME_BUSY)

    def _leftover_intermediates(self, server: dict, volume_id: str, known: list[dict]) -> list[dict]:
        """Our snapshot and temporary volume of ``volume_id`` left by an earlier run that got as far as its image."""
        if known:
            return []
        found = []
        try:
            snaps = self.cloud.request("GET", "volume", "/snapshots/detail", params={"volume_id": volume_id, "all_tenants": "1"})
            vols = self.cloud.request("GET", "volume", "/volumes/detail", params={"name": object_name("tmpvol", volume_id), "all_tenants": "1"})
        except ApiError:
            return []  # only a nicety: cleanup by metadata still finds them
        found += [_temporary("volume", v) for v in vols.get("volumes") or [] if is_ours(v.get("metadata"), volume_id) and v.get("status") not in CINDER_GOING]
        found += [
            _temporary("snapshot", s) for s in snaps.get("snapshots") or [] if is_ours(s.get("metadata"), volume_id) and s.get("status") not in CINDER_GOING
        ]
        return found

    def _release_intermediates(self, server: dict, volume_id: str, temporaries: list[dict]) -> list[dict]:
        """Delete the temporary volume, then the snapshot, once the image holds the data; returns what is left."""
        left = []
        for kind in ("volume", "snapshot"):
            for item in [t for t in temporaries if t["kind"] == kind]:
                try:
                    path = f"/volumes/{quote(item['id'], safe='')}" if kind == "volume" else f"/snapshots/{quote(item['id'], safe='')}"
                    current = self.cloud.request("GET", "volume", path).get(kind) or {}
                    if not is_ours(current.get("metadata"), volume_id):
                        left.append(item)
                        continue
                    if kind == "volume":
                        current = self._wait_cinder(server, volume_id, "volume", current, "available", VOLUME_BUSY)
                    self.cloud.request("DELETE", "volume", path)
                    if kind == "volume":
                        self._wait_gone(server, volume_id, "volume", path)
                except ApiError as exc:
                    if exc.status != 404:
                        left.append(item)
                except DiskExportError:
                    left.append(item)
        return left

    # -- lookups and waits -----------------------------------------------------------
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

    def _wait_image(self, server: dict, source_id: str, image: dict) -> dict:
        image_id = image["id"]
        path = f"/images/{quote(image_id, safe='')}"
        deadline = self.options.clock() + self.options.timeout
        while True:
            try:
                image = self.cloud.request("GET", "image", path)
            except ApiError as exc:
                if exc.status == 404:
                    raise DiskExportError(
                        f"server {server['id']}, disk {source_id}: image {image_id} disappeared while it was being written (GET {path}: HTTP 404); "
                        "the service that wrote it gave up, see its log"
                    ) from exc
                raise DiskExportError(f"server {server['id']}, disk {source_id}: waiting for image {image_id}: {exc}") from exc
            status = image.get("status")
            if status == "active":
                return image
            if status in IMAGE_FAILED:
                raise DiskExportError(
                    f"server {server['id']}, disk {source_id}: image {image_id} ({image.get('name')}) ended {status!r} instead of 'active'; "
                    "the next run deletes it and exports again"
                )
            if self.options.clock() >= deadline:
                raise DiskExportError(
                    f"server {server['id']}, disk {source_id}: image {image_id} still {status!r} after {self.options.timeout:g} s; "
                    "a later run waits for it again"
                )
            self.options.sleep(self.options.poll_interval)

    def _wait_cinder(self, server: dict, source_id: str, kind: str, item: dict, wanted: str, busy: tuple) -> dict:
        item_id = item.get("id")
        path = f"/{'volumes' if kind == 'volume' else 'snapshots'}/{quote(str(item_id), safe='')}"
        deadline = self.options.clock() + self.options.timeout
        while True:
            status = item.get("status")
            if status == wanted:
                return item
            if status is not None and status not in busy:
                raise DiskExportError(
                    f"server {server['id']}, volume {source_id}: {kind} {item_id} ({item.get('name')}) is {status!r} instead of {wanted!r} (GET {path})"
                )
            if self.options.clock() >= deadline:
                raise DiskExportError(f"server {server['id']}, volume {source_id}: {kind} {item_id} still {status!r} after {self.options.timeout:g} s")
            if status is not None:
                self.options.sleep(self.options.poll_interval)
            item = self._call(server, source_id, f"GET {path}", lambda: self.cloud.request("GET", "volume", path)).get(kind) or {}

    def _wait_gone(self, server: dict, source_id: str, kind: str, path: str) -> None:
        deadline = self.options.clock() + self.options.timeout
        while self.options.clock() < deadline:
            try:
                item = self.cloud.request("GET", "volume", path).get(kind) or {}
            except ApiError as exc:
                if exc.status == 404:
                    return
                raise
            if item.get("status") in CINDER_FAILED:
                raise DiskExportError(f"server {server['id']}, volume {source_id}: deleting {kind} {path} left it {item.get('status')!r}")
            self.options.sleep(self.options.poll_interval)

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
