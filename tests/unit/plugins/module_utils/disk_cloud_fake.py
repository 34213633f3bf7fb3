# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A cloud for ``disk_export``: Nova createImage, Cinder snapshots/volumes/uploads and Glance images kept in dicts.

Long operations advance one step per poll (each GET of the object moves it on), so tests see the
intermediate states a real cloud shows. ``calls`` logs every request; ``fail`` makes one call answer
an HTTP error; ``fail_upload`` makes an upload end ``killed``. A PATCH of an image whose upload is
still going loses the image when the upload ends, as Glance does (its final save answers HTTP 410).
"""

from __future__ import annotations

import itertools
import re

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError

_ids = itertools.count(1)


def new_id(prefix):
    return f"{prefix}-{next(_ids):04d}"


class FakeCloud:
    def __init__(self, compute_microversion=(2, 96)):
        self.images: dict[str, dict] = {}
        self.volumes: dict[str, dict] = {}
        self.snapshots: dict[str, dict] = {}
        self.calls: list[tuple] = []
        self.fail: dict[tuple, int] = {}  # (method, path regex) -> status
        self.fail_upload: set[str] = set()  # source ids whose next image is killed
        self.compute_microversion = compute_microversion
        self.steps = 2  # polls an operation takes
        self.servers: dict[str, dict] = {}
        self.sleeps: list[float] = []
        self.sleep = self.sleeps.append
        self.tokens_issued: list[str] = []

    # -- setup helpers -----------------------------------------------------------------
    def add_volume(self, volume_id, status="available", metadata=None, name=None, size=1):
        self.volumes[volume_id] = {"id": volume_id, "name": name or volume_id, "status": status, "size": size, "metadata": dict(metadata or {})}
        return self.volumes[volume_id]

    def add_image(self, name, status="active", **props):
        image_id = new_id("img")
        self.images[image_id] = {"id": image_id, "name": name, "status": status, **props}
        return self.images[image_id]

    # -- the api -------------------------------------------------------------------------
    def issue_token(self):
        self.tokens_issued.append(f"gAAAAAfake-token-{len(self.tokens_issued) + 1:04d}-" + "x" * 40)
        return self.tokens_issued[-1], "2026-12-02T13:00:00+00:00"

    def max_microversion(self, service):
        return self.compute_microversion if service == "compute" else (3, 70)

    def catalog_url(self, service, interface):
        return {"public": "https://glance.example.com:9292", "internal": "http://glance.internal:9292/v2/"}[interface]

    def request(self, method, service, path, body=None, params=None, microversion=None, content_type=None):
        self.calls.append((method, service, path, body, dict(params or {}), microversion))
        for (m, pattern), status in list(self.fail.items()):
            if m == method and re.search(pattern, path):
                del self.fail[(m, pattern)]
                raise ApiError(status, method, path, "injected")
        handler = getattr(self, f"_{service}")
        return handler(method, path, body or {}, params or {}, microversion)

    # -- nova -----------------------------------------------------------------------------
    def _compute(self, method, path, body, params, microversion):
        match = re.fullmatch(r"/servers/([^/]+)", path)
        if method == "GET" and match:
            if match.group(1) not in self.servers:
                raise ApiError(404, method, path, "no such server")
            return {"server": self.servers[match.group(1)]}
        match = re.fullmatch(r"/servers/([^/]+)/action", path)
        if method == "POST" and match and "createImage" in body:
            if microversion is None or tuple(map(int, microversion.split("."))) < (2, 45):
                return {}
            spec = body["createImage"]
            image = self.add_image(spec["name"], status="queued", **spec.get("metadata", {}))
            image["_progress"] = 0
            image["_source"] = match.group(1)
            image["instance_uuid"] = match.group(1)
            return {"image_id": image["id"]}
        raise ApiError(404, method, path, "no such compute call")

    # -- glance ---------------------------------------------------------------------------
    def _image(self, method, path, body, params, microversion):
        if path == "/images" and method == "GET":
            images = [dict(i) for i in self.images.values() if all(str(i.get(k)) == str(v) for k, v in params.items() if k not in ("limit", "marker"))]
            return {"images": [{k: v for k, v in i.items() if not k.startswith("_")} for i in images]}
        match = re.fullmatch(r"/images/([^/]+)", path)
        if not match or match.group(1) not in self.images:
            raise ApiError(404, method, path, "no such image")
        image = self.images[match.group(1)]
        if method == "GET":
            self._advance_image(image)
            return {k: v for k, v in image.items() if not k.startswith("_")}
        if method == "PATCH":
            if image["status"] in ("queued", "saving"):
                # Glance rewrites the whole row: the upload's final save then finds the image gone (HTTP 410)
                image["_lost"] = True
            for op in body:
                image[op["path"].lstrip("/")] = op["value"]
            return dict(image)
        if method == "DELETE":
            del self.images[image["id"]]
            return {}
        raise ApiError(405, method, path)

    def _advance_image(self, image):
        if image["status"] not in ("queued", "saving"):
            return
        image["_progress"] = image.get("_progress", 0) + 1
        if image["_progress"] < self.steps:
            image["status"] = "saving"
            return
        source = image.get("_source")
        if image.pop("_lost", False):
            del self.images[image["id"]]
            raise ApiError(404, "GET", f"/images/{image['id']}", "deleted when its upload ended")
        if source in self.fail_upload:
            self.fail_upload.discard(source)
            image["status"] = "killed"
        else:
            image.update(
                status="active", disk_format=image.get("disk_format", "raw"), size=1024, virtual_size=1024, os_hash_algo="sha512", os_hash_value="ab" * 64
            )
        uploading = image.pop("_uploading_volume", None)
        if uploading and uploading in self.volumes:
            volume = self.volumes[uploading]
            volume["status"] = volume.pop("_status_after", "available")

    # -- cinder ---------------------------------------------------------------------------
    def _volume(self, method, path, body, params, microversion):
        if path in ("/volumes/detail", "/snapshots/detail") and method == "GET":
            store, key = (self.volumes, "volumes") if path.startswith("/volumes") else (self.snapshots, "snapshots")
            items = [dict(i) for i in store.values() if all(k == "all_tenants" or str(i.get(k)) == str(v) for k, v in params.items())]
            self._purge_deleting(store)
            return {key: [{k: v for k, v in i.items() if not k.startswith("_")} for i in items]}
        if path == "/snapshots" and method == "POST":
            spec = body["snapshot"]
            volume = self.volumes[spec["volume_id"]]
            if volume["status"] == "in-use" and not spec.get("force"):
                raise ApiError(400, method, path, "volume in use: force needed")
            snap_id = new_id("snap")
            self.snapshots[snap_id] = {
                "id": snap_id,
                "name": spec["name"],
                "status": "creating",
                "volume_id": volume["id"],
                "size": volume["size"],
                "metadata": dict(spec.get("metadata") or {}),
                "os-extended-snapshot-attributes:progress": "0%",
                "_progress": 0,
            }
            return {"snapshot": {k: v for k, v in self.snapshots[snap_id].items() if not k.startswith("_")}}
        if path == "/volumes" and method == "POST":
            spec = body["volume"]
            vol_id = new_id("vol")
            self.volumes[vol_id] = {
                "id": vol_id,
                "name": spec["name"],
                "status": "creating",
                "size": spec.get("size", 1),
                "snapshot_id": spec.get("snapshot_id"),
                "metadata": dict(spec.get("metadata") or {}),
                "_progress": 0,
                "_image_metadata": {},
            }
            return {"volume": {k: v for k, v in self.volumes[vol_id].items() if not k.startswith("_")}}
        match = re.fullmatch(r"/(volumes|snapshots)/([^/]+)(/action)?", path)
        if not match:
            raise ApiError(404, method, path)
        store = self.volumes if match.group(1) == "volumes" else self.snapshots
        key = match.group(1)[:-1]
        item = store.get(match.group(2))
        if item is None:
            raise ApiError(404, method, path, f"no such {key}")
        if match.group(3):
            return self._volume_action(item, body, path)
        if method == "GET":
            if item["status"] == "deleting":
                self._purge_deleting(store)
            if item["status"] == "creating":
                item["_progress"] += 1
                if key == "snapshot":
                    item["os-extended-snapshot-attributes:progress"] = f"{min(100, 100 * item['_progress'] // self.steps)}%"
                if item["_progress"] >= self.steps:
                    item["status"] = "available"
            return {key: {k: v for k, v in item.items() if not k.startswith("_")}}
        if method == "DELETE":
            if key == "snapshot" and any(v.get("snapshot_id") == item["id"] for v in self.volumes.values()):
                raise ApiError(400, method, path, "snapshot has dependent volumes")
            if item["status"] in ("creating", "uploading", "deleting"):
                raise ApiError(400, method, path, f"{key} status must be available or error, is {item['status']}")
            item["status"] = "deleting"  # gone at the next look, as Cinder deletes in the background
            return {}
        raise ApiError(405, method, path)

    @staticmethod
    def _purge_deleting(store):
        for item_id in [i for i, item in store.items() if item["status"] == "deleting"]:
            del store[item_id]

    def live(self, kind):
        """Ids of the volumes or snapshots not being deleted."""
        store = self.volumes if kind == "volume" else self.snapshots
        return {i for i, item in store.items() if item["status"] != "deleting"}

    def _volume_action(self, volume, body, path):
        if "os-set_image_metadata" in body:
            volume.setdefault("_image_metadata", {}).update(body["os-set_image_metadata"]["metadata"])
            return {"metadata": volume["_image_metadata"]}
        if "os-volume_upload_image" in body:
            spec = body["os-volume_upload_image"]
            if spec.get("force"):
                raise ApiError(400, "POST", path, "force upload refused")
            if volume["status"] != "available":
                raise ApiError(400, "POST", path, f"volume status must be available, is {volume['status']}")
            image = self.add_image(spec["image_name"], status="queued", disk_format=spec["disk_format"], **volume.get("_image_metadata", {}))
            image["_progress"] = 0
            image["_source"] = (volume.get("metadata") or {}).get("ostokubevirt_source_id") or volume["id"]
            image["_uploading_volume"] = volume["id"]
            volume["status"] = "uploading"
            return {"os-volume_upload_image": {"image_id": image["id"], "image_name": spec["image_name"]}}
        raise ApiError(400, "POST", path, "unknown action")

    # -- counting -------------------------------------------------------------------------
    def created(self, kind):
        calls = {
            "image": lambda c: c[0] == "POST" and c[3] and ("createImage" in c[3] or "os-volume_upload_image" in c[3]),
            "snapshot": lambda c: c[0] == "POST" and c[2] == "/snapshots",
            "volume": lambda c: c[0] == "POST" and c[2] == "/volumes",
        }[kind]
        return sum(1 for c in self.calls if calls(c))
