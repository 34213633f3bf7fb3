# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Glance: the tenant's own images and every image its servers and volumes were made from.

Referenced images are looked up in batches (``id=in:``); only those no listing shows (deleted,
or private to another project) cost one call each.
"""

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.paging import chunks, dedupe, path_part
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.read_policy import PROJECT_MEMBER, Reads


def read_images(reads: Reads, project: dict, snap: dict) -> None:
    """``images``; needs ``servers`` and ``volumes`` in ``snap`` already (both name images)."""
    referenced = _referenced_images(snap)
    images = reads.must_list("images", PROJECT_MEMBER, "image", "/images", "images", {"owner": project["id"]})
    for ids in chunks(sorted(referenced)):
        images.extend(reads.must_list("images", PROJECT_MEMBER, "image", "/images", "images", {"id": "in:" + ",".join(ids)}))
    images = dedupe(images)
    have = {i.get("id") for i in images}
    for image_id in sorted(set(referenced) - have):
        # not in a listing: community, or private to another project, or deleted
        try:
            images.append(reads.client.get("image", f"/images/{path_part(image_id)}"))
        except ApiError as exc:
            if not (exc.status == 404 or (exc.status == 403 and not reads.is_admin)):
                # raises: only "deleted" or "private to another project" may stay not read
                reads.optional(f"images/{image_id}", exc, PROJECT_MEMBER, collection=False)
            users = ", ".join(referenced[image_id])
            reads.not_read.add(f"images/{image_id}", f"{exc}; referenced by {users} ({'deleted from Glance' if exc.status == 404 else 'not visible'})")
    snap["images"] = images


def _referenced_images(snap: dict) -> dict[str, list[str]]:
    """Image id -> who uses it, in words ("server web-1", "volume data")."""
    referenced: dict[str, list[str]] = {}
    for server in snap.get("servers", []):
        image = server.get("image")
        if isinstance(image, dict) and image.get("id"):
            referenced.setdefault(image["id"], []).append(f"server {server.get('name')}")
    for volume in snap.get("volumes", []):
        image_id = (volume.get("volume_image_metadata") or {}).get("image_id")
        if image_id:
            referenced.setdefault(image_id, []).append(f"volume {volume.get('name') or volume.get('id')}")
    return referenced
