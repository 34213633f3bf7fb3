# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""How each disk's data will reach CDI, as the plan reports it: method, source object, size, checksum, time.

Nothing here contacts the cloud: the export itself happens at apply time. The plan says what it will
do and what it will cost (bytes to move, temporary Glance and Cinder space) from the snapshot alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import WARNING, Finding
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import (
    DISK_GLANCE,
    DISK_MANUAL,
    DISK_METHODS,
    DISK_TVO,
    OptionsError,
    TranslationOptions,
)

GIB = 1024**3
COLD, CRASH_CONSISTENT, LIVE_BACKUP = "cold", "crash-consistent", "live backup"
# Nova's createImage accepts an image-booted server only in these states (vm_state active, stopped,
# paused, suspended); a shelved-offloaded server has no disk on any host for TrilioVault to read either.
EXPORTABLE_STATUSES = ("ACTIVE", "SHUTOFF", "PAUSED", "SUSPENDED")
ROOT_DEVICE_FIELD = "OS-EXT-SRV-ATTR:root_device_name"
_EXPORT_STEPS = {
    ("glance", "root-disk"): "Nova createImage of the server -> Glance image; CDI downloads it from Glance",
    ("glance", "available"): "Cinder upload of the volume to a Glance image; CDI downloads it from Glance",
    ("glance", "in-use"): "Cinder snapshot -> temporary volume -> upload to a Glance image; CDI downloads it from Glance",
    ("tvo", "root-disk"): "TrilioVault full snapshot of the server; CDI downloads the disk's qcow2 from the backup target over HTTP",
    ("tvo", "volume"): "TrilioVault full snapshot of the server; CDI downloads the volume's qcow2 from the backup target over HTTP",
}
_MANUAL_MAPPED = "the CDI source given in disk_sources"
_MANUAL_PENDING = "none: CDI waits for an upload (virtctl image-upload dv {dv})"


def server_disk_methods(servers: list, options: TranslationOptions) -> dict[str, str]:
    """Disk method per server id; a disk_method_by_server key that names no server, or several, is an error."""
    ids = {str(s.get("id")) for s in servers if isinstance(s, Mapping)}
    by_name: dict[str, list[str]] = {}
    for server in servers:
        if isinstance(server, Mapping) and server.get("name"):
            by_name.setdefault(str(server["name"]), []).append(str(server.get("id")))
    for key in options.disk_method_by_server:
        if key in ids:
            continue
        matches = by_name.get(key, [])
        if not matches:
            raise OptionsError(f"option disk_method_by_server[{key!r}] names no server of the snapshot: keys are server ids or names")
        if len(matches) > 1:
            # Two servers may share a name in Nova; guessing which one was meant could export the wrong disks.
            raise OptionsError(f"option disk_method_by_server[{key!r}] names {len(matches)} servers ({', '.join(sorted(matches))}): use the server id")
    return {str(s.get("id")): options.disk_method_for_server(str(s.get("id")), str(s.get("name") or "") or None) for s in servers if isinstance(s, Mapping)}


def consistency(method: str, server_status: str, stop_source: bool) -> str:
    """What the exported bytes are: a stopped guest's disk (cold), or a copy taken while it runs."""
    stopped = server_status == "SHUTOFF" or (stop_source and server_status == "ACTIVE")
    if stopped:
        return COLD
    # TrilioVault takes its own live snapshot of a running server (quiesced through the guest agent where one runs).
    return LIVE_BACKUP if method == DISK_TVO else CRASH_CONSISTENT


def transfer_seconds(size_bytes: int, bandwidth_mbps: float) -> int:
    return math.ceil(size_bytes * 8 / (bandwidth_mbps * 1_000_000))


def _manual_transfer(source_id: str, dv_name: str, options: TranslationOptions) -> dict:
    source = options.disk_sources.get(source_id)
    if source is None:
        return {"method": DISK_MANUAL, "source": {"kind": "upload"}, "export": _MANUAL_PENDING.format(dv=dv_name), "checksum_verified": False}
    source_type = next(iter(source))
    http = source.get("http")
    verified = isinstance(http, Mapping) and bool(http.get("checksum"))
    return {"method": DISK_MANUAL, "source": {"kind": "disk_sources", "type": str(source_type)}, "export": _MANUAL_MAPPED, "checksum_verified": verified}


def disk_transfer(
    *,
    kind: str,
    source_id: str,
    dv_name: str,
    size_gib: int,
    method: str,
    server: Mapping,
    options: TranslationOptions,
    volume: Mapping | None = None,
) -> dict:
    """The plan's transfer entry of one disk this server exports: root disk ("root-disk") or a Cinder volume.

    A disk_sources entry always wins: that disk is "manual" whatever the server's method.
    """
    if source_id in options.disk_sources or method == DISK_MANUAL:
        return _manual_transfer(source_id, dv_name, options)
    if method not in DISK_METHODS:
        raise ValueError(f"unknown disk method {method!r}")
    size_bytes = size_gib * GIB
    status = str(server.get("status") or "")
    # Render has no cloud access: the plan promises the export, apply performs it.
    entry: dict = {"method": method, "exported_at": "apply"}
    if kind == "root-disk":
        image_ref = server.get("image")
        image_id = str(image_ref.get("id") if isinstance(image_ref, Mapping) else image_ref or "")
        entry["source"] = {"kind": "server-root-disk", "server_id": str(server.get("id")), "booted_from_image": image_id or None}
        step = (method, "root-disk")
        # The exported image holds the disk as the compute node stores it: at most the root disk's size.
        entry["size_exact"] = False
    else:
        volume_status = str((volume or {}).get("status") or "")
        via_snapshot = volume_status != "available"
        entry["source"] = {"kind": "cinder-volume", "volume_id": source_id, "volume_status": volume_status or None}
        if method == DISK_GLANCE:
            entry["source"]["via"] = "snapshot" if via_snapshot else "direct upload"
        step = (method, ("in-use" if via_snapshot else "available") if method == DISK_GLANCE else "volume")
        entry["size_exact"] = method == DISK_GLANCE
    entry["export"] = _EXPORT_STEPS[step]
    entry["size_bytes"] = size_bytes
    # Nova's image backend decides the format of a server image and the exporter that of a volume upload;
    # TrilioVault always stores qcow2.
    entry["format"] = "qcow2" if method == DISK_TVO else None
    entry["checksum_verified"] = bool(options.verify_disk_checksums)
    entry["transfer_seconds"] = transfer_seconds(size_bytes, options.bandwidth_mbps)
    entry["consistency"] = consistency(method, status, options.stop_source)
    if method == DISK_GLANCE:
        in_use_volume = kind != "root-disk" and entry["source"]["via"] == "snapshot"
        entry["temporary"] = {
            "glance_bytes": size_bytes,
            "cinder_snapshot_bytes": size_bytes if in_use_volume else 0,
            "cinder_volume_bytes": size_bytes if in_use_volume else 0,
        }
    else:
        entry["tvo_match"] = {"volume_id": source_id} if kind != "root-disk" else {"root_device": server.get(ROOT_DEVICE_FIELD) or None}
    return entry


def tvo_unmappable_reason(server: Mapping, flavor: Mapping) -> str | None:
    """Why TrilioVault's disks of this image-booted server cannot be told apart from the snapshot, if they cannot.

    TrilioVault names each disk that is not a Cinder volume by its device label. With the root device
    unrecorded (the attribute is admin-only in Nova's default policy) and ephemeral or swap disks beside
    it, the root disk is one of several unnamed files.
    """
    if server.get(ROOT_DEVICE_FIELD):
        return None
    extra = [name for name in ("ephemeral", "swap") if str(flavor.get(name) or flavor.get(f"OS-FLV-EXT-DATA:{name}") or "0") not in ("0", "")]
    if not extra:
        return None
    return (
        f"the snapshot does not record the server's root device ({ROOT_DEVICE_FIELD}, admin-only) and its flavor "
        f"adds {' and '.join(extra)} disks, which TrilioVault backs up as well: which of TrilioVault's non-volume "
        "disks is the root cannot be told from the snapshot; export the snapshot as an admin, or use disk_method "
        "glance for this server"
    )


def _quota_limit_and_use(quota_set: Mapping, key: str) -> tuple[int | None, int | None]:
    """(limit or None when unlimited or unknown, in_use when the detail form gives it)."""
    value = quota_set.get(key)
    in_use = None
    if isinstance(value, Mapping):  # detail=True: {"limit": n, "in_use": m, "reserved": r}
        in_use = value.get("in_use")
        value = value.get("limit")
    try:
        limit = int(value)
    except (TypeError, ValueError):
        return None, None
    try:
        in_use = int(in_use) if in_use is not None else None
    except (TypeError, ValueError):
        in_use = None
    return (None if limit < 0 else limit), in_use


def cinder_quota_findings(quotas: Mapping, volumes: list, transfers: list[dict]) -> list[Finding]:
    """Warnings when the export's temporary snapshots and volumes, all held at once, exceed the Cinder quota.

    Cinder counts snapshots in "gigabytes" too. Without the quota's in_use, usage is the snapshot's volumes
    (its existing Cinder snapshots are not exported, so the shortfall may be larger).
    """
    quota_set = quotas.get("volume") if isinstance(quotas, Mapping) else None
    if not isinstance(quota_set, Mapping):
        return []
    needed = {"gigabytes": 0, "volumes": 0, "snapshots": 0}
    for transfer in transfers:
        temporary = transfer.get("temporary") or {}
        if temporary.get("cinder_volume_bytes"):
            needed["gigabytes"] += math.ceil(temporary["cinder_volume_bytes"] / GIB) + math.ceil(temporary["cinder_snapshot_bytes"] / GIB)
            needed["volumes"] += 1
            needed["snapshots"] += 1
    listed = [v for v in volumes if isinstance(v, Mapping)]
    known_use = {"gigabytes": sum(int(v.get("size") or 0) for v in listed if str(v.get("size") or "0").isdigit()), "volumes": len(listed), "snapshots": 0}
    findings = []
    for key, need in needed.items():
        limit, in_use = _quota_limit_and_use(quota_set, key)
        if not need or limit is None:
            continue
        used = known_use[key] if in_use is None else in_use
        if used + need > limit:
            unit = " GiB" if key == "gigabytes" else ""
            findings.append(
                Finding(
                    WARNING,
                    "quota",
                    "volume",
                    f"quotas.volume.{key}",
                    f"the Glance export of in-use volumes needs {need}{unit} more {key} (a snapshot and a temporary volume "
                    f"per volume) on top of {'' if in_use is not None else 'at least '}{used}{unit} in use, over the "
                    f"quota of {limit}{unit}: raise the quota for the migration, or migrate the tenant's VMs in smaller groups",
                )
            )
    return findings


def _human_bytes(size: int) -> str:
    gib = size / GIB
    return f"{gib:.1f} GiB" if gib < 10 and gib != int(gib) else f"{gib:.0f} GiB"


def human_duration(seconds: int) -> str:
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def disks_summary(rows: list[dict], options: TranslationOptions) -> dict:
    """Totals over the migrated servers' disks: what moves, how long at bandwidth_mbps, what the export borrows."""
    counts = dict.fromkeys(DISK_METHODS, 0)
    moved = unverified = 0
    temporary = {"glance_bytes": 0, "cinder_snapshot_bytes": 0, "cinder_snapshots": 0, "cinder_volume_bytes": 0, "cinder_volumes": 0}
    crash_consistent = set()
    for row in rows:
        for disk in row.get("disks") or []:
            transfer = disk.get("transfer")
            if not transfer or "method" not in transfer:
                continue
            counts[transfer["method"]] += 1
            if transfer["method"] == DISK_MANUAL:
                continue
            moved += transfer["size_bytes"]
            unverified += 0 if transfer["checksum_verified"] else 1
            if transfer["consistency"] == CRASH_CONSISTENT:
                crash_consistent.add(row["vm_name"])
            extra = transfer.get("temporary") or {}
            temporary["glance_bytes"] += extra.get("glance_bytes", 0)
            for kind in ("snapshot", "volume"):
                if extra.get(f"cinder_{kind}_bytes"):
                    temporary[f"cinder_{kind}_bytes"] += extra[f"cinder_{kind}_bytes"]
                    temporary[f"cinder_{kind}s"] += 1
    return {
        "by_method": counts,
        "bytes_to_move": moved,
        "bandwidth_mbps": options.bandwidth_mbps,
        "glance_interface": options.glance_interface,
        "transfer_seconds": transfer_seconds(moved, options.bandwidth_mbps),
        "checksums_verified": bool(options.verify_disk_checksums),
        "unverified_disks": unverified,
        "temporary_space": temporary,
        "crash_consistent_vms": sorted(crash_consistent),
    }


def _source_text(transfer: dict) -> str:
    source = transfer["source"]
    if source["kind"] == "server-root-disk":
        booted = f", booted from image {source['booted_from_image']}" if source.get("booted_from_image") else ""
        return f"root disk of server {source['server_id']}{booted}"
    if source["kind"] == "cinder-volume":
        via = f" via {source['via']}" if source.get("via") else ""
        return f"volume {source['volume_id']} ({source.get('volume_status') or 'status unknown'}){via}"
    if source["kind"] == "disk_sources":
        return f"disk_sources ({source['type']})"
    return "upload"


def disk_lines(plan: dict) -> list[str]:
    """Human summary: the totals, then one line per disk of the servers that are migrated."""
    summary = plan["summary"].get("disks")
    if not summary:
        return []
    counts, temporary = summary["by_method"], summary["temporary_space"]
    lines = [
        "Disks: "
        + ", ".join(f"{counts[m]} {m}" for m in DISK_METHODS)
        + f"; {_human_bytes(summary['bytes_to_move'])} to move, about {human_duration(summary['transfer_seconds'])} "
        f"at {summary['bandwidth_mbps']:g} Mbit/s; exported at apply time"
    ]
    if temporary["glance_bytes"]:
        lines.append(
            f"Temporary export space: Glance {_human_bytes(temporary['glance_bytes'])}; Cinder "
            f"{_human_bytes(temporary['cinder_snapshot_bytes'])} in {temporary['cinder_snapshots']} snapshot(s) + "
            f"{_human_bytes(temporary['cinder_volume_bytes'])} in {temporary['cinder_volumes']} volume(s)"
        )
    for row in plan["servers"]:
        if row["status"] == "blocked":
            continue
        for disk in row.get("disks") or []:
            transfer = disk.get("transfer")
            if not transfer:
                continue
            name = f"{row['vm_name']}/{disk.get('datavolume')}"
            if "method" not in transfer:
                lines.append(f"Disk {name}: exported with server {transfer['exported_with_server']}")
                continue
            method = transfer["method"]
            parts = [method if method == DISK_MANUAL else f"exported at apply time by {method}", _source_text(transfer)]
            if transfer["method"] != DISK_MANUAL:
                bound = "" if transfer["size_exact"] else "<= "
                parts.append(f"{bound}{_human_bytes(transfer['size_bytes'])} {transfer['format'] or '(format known after export)'}")
                parts.append(f"~{human_duration(transfer['transfer_seconds'])}")
                parts.append(transfer["consistency"])
            parts.append("checksum verified" if transfer["checksum_verified"] else "NOT checksum-verified")
            lines.append(f"Disk {name}: " + ", ".join(parts))
    return lines
