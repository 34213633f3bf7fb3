# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The CDI importer double: where an imported disk lands, raw, as DIR/volumes/<namespace>/<datavolume>.img.

This is the seam the disk work plugs into. Today it writes a sparse disk of the requested size, or, with
``fetch_http``, the bytes of an ``http`` source on loopback (anything else fails the import, as an
unreachable source fails CDI's importer pod). Format conversion (qcow2 -> raw) is not done here yet.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import urllib.parse
import urllib.request
from pathlib import Path

_UNITS = {"": 1, "k": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4, "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "Ti": 1024**4}


class ImportFailed(Exception):
    """The import cannot succeed; the message ends up in the DataVolume's Running condition."""


def quantity_bytes(quantity: str) -> int:
    match = re.fullmatch(r"(\d+)([kMGT]i?)?", str(quantity).strip())
    if not match:
        raise ImportFailed(f"cannot read the storage request {quantity!r}")
    return int(match[1]) * _UNITS[match[2] or ""]


def requested_size(spec: dict) -> int:
    storage = spec.get("storage") or spec.get("pvc") or {}
    return quantity_bytes(((storage.get("resources") or {}).get("requests") or {}).get("storage", "1Gi"))


def _is_loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Importer:
    def __init__(self, volumes: Path, fetch_http: bool = False):
        self.volumes = volumes
        self.fetch_http = fetch_http

    def path(self, namespace: str, name: str) -> Path:
        return self.volumes / namespace / f"{name}.img"

    def write(self, namespace: str, name: str, spec: dict) -> Path:
        """Write the disk and return its path; ImportFailed says why the source cannot be imported."""
        target = self.path(namespace, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".img.partial")
        http = (spec.get("source") or {}).get("http")
        if self.fetch_http and http:
            url = http.get("url", "")
            if not _is_loopback(url):
                raise ImportFailed(f"the test importer only reaches loopback URLs, not {url}")
            try:
                with urllib.request.urlopen(url, timeout=30) as response, partial.open("wb") as out:
                    shutil.copyfileobj(response, out, 1 << 20)
            except OSError as exc:
                partial.unlink(missing_ok=True)
                raise ImportFailed(f"Unable to connect to http data source: {exc}") from exc
        else:
            with partial.open("wb") as out:
                out.truncate(requested_size(spec))
        partial.replace(target)
        return target

    def remove_namespace_leftovers(self, live: set[tuple[str, str]]) -> None:
        """Disks of DataVolumes that are gone are deleted, as their PersistentVolume would be."""
        if not self.volumes.is_dir():
            return
        for image in self.volumes.glob("*/*.img"):
            if (image.parent.name, image.name[: -len(".img")]) not in live:
                image.unlink(missing_ok=True)
