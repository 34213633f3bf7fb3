# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fleet loop's arithmetic: waves, per-tenant records, the one-line report and the fleet summary.

Pure data in, data out; ``migrate_cloud.yml`` reads the files and the cluster and hands the results here.
"""

from __future__ import annotations

FLEET_FORMAT = "ostokubevirt.migrate/fleet/v1"
DONE, FAILED, SKIPPED = "done", "failed", "skipped"
STATUSES = ("ready", "warning", "blocked")


class FleetError(ValueError):
    """Bad fleet input; the message names the variable and the entry."""


def tenant_key(tenant: dict) -> str:
    return f"{tenant['domain']}/{tenant['project']}"


def plan_waves(tenants: list[dict], waves: list | None = None, batch: int = 0, *, previous: dict | None = None, mode: str = "render") -> dict:
    """Order the tenants into waves: ``{tenants, serial, not_in_wave}``.

    ``waves`` lists lists of project names (or ``domain/project`` names, for a project name two domains share):
    the tenants run wave by wave and a tenant named in no wave is left out (``not_in_wave``). Without waves the
    tenants keep the loop order (domain, then project), ``batch`` at a time (0: one at a time). ``serial`` is
    what the play's ``serial`` takes: one batch size per wave. Each tenant carries ``previous``: its finished
    record of the same mode in the previous run's summary (null when there is none), which a re-run checks.
    """
    tenants = [dict(t, previous=previous_record(previous, t, mode)) for t in tenants]
    try:
        batch = int(batch or 0)
    except (TypeError, ValueError) as exc:
        raise FleetError(f"migration_tenant_batch: not a number: {batch!r}") from exc
    if batch < 0:
        raise FleetError(f"migration_tenant_batch: must be 0 or more, got {batch}")
    if not waves:
        return {"tenants": [dict(t, wave=0) for t in tenants], "serial": max(batch, 1), "not_in_wave": []}
    if not isinstance(waves, list):
        raise FleetError("migration_tenant_waves: must be a list of lists of project names")
    by_key = {tenant_key(t): t for t in tenants}
    by_project: dict[str, list[dict]] = {}
    for tenant in tenants:
        by_project.setdefault(str(tenant["project"]), []).append(tenant)
    ordered, serial, placed = [], [], set()
    for index, wave in enumerate(waves):
        if not isinstance(wave, list) or not wave:
            raise FleetError(f"migration_tenant_waves[{index}]: must be a non-empty list of project names")
        size = 0
        for position, name in enumerate(wave):
            field = f"migration_tenant_waves[{index}][{position}]"
            name = str(name)
            if name in by_key:
                tenant = by_key[name]
            elif len(by_project.get(name, [])) == 1:
                tenant = by_project[name][0]
            elif name in by_project:
                domains = ", ".join(t["domain"] for t in by_project[name])
                raise FleetError(f"{field}: project {name!r} is in several domains ({domains}); write it as domain/project")
            else:
                raise FleetError(f"{field}: {name!r} is not among the selected tenants (check the patterns and exclude_projects)")
            key = tenant_key(tenant)
            if key in placed:
                raise FleetError(f"{field}: {key} is already in an earlier place of the waves")
            placed.add(key)
            ordered.append(dict(tenant, wave=index + 1))
            size += 1
        serial.append(size)
    return {"tenants": ordered, "serial": serial, "not_in_wave": [tenant_key(t) for t in tenants if tenant_key(t) not in placed]}


def plan_counts(plan: dict | None) -> dict:
    """VM counts by status and the bytes to move, from a tenant's plan.json (what the fleet sums)."""
    summary = (plan or {}).get("summary") or {}
    return {
        "vms": {status: int(summary.get(status) or 0) for status in STATUSES},
        "bytes_to_move": int(((summary.get("disks") or {}).get("bytes_to_move")) or 0),
    }


def tenant_record(tenant: dict, status: str, *, mode: str, plan: dict | None = None, message: str = "", **extra) -> dict:
    """One tenant's outcome as the fleet records it; ``bytes_moved`` counts only an apply that finished."""
    if status not in (DONE, FAILED, SKIPPED):
        raise FleetError(f"{tenant_key(tenant)}: unknown tenant status {status!r}")
    counts = plan_counts(plan)
    namespace = ((plan or {}).get("tenant") or {}).get("namespace")
    record = {
        "domain": tenant["domain"],
        "project": tenant["project"],
        "status": status,
        "mode": mode,
        "namespace": namespace or extra.pop("namespace", None),
        "message": message,
        **counts,
        "bytes_moved": counts["bytes_to_move"] if mode == "apply" and status == DONE else 0,
    }
    record.update(extra)
    return record


def tenant_line(record: dict) -> str:
    """What a person watching the run reads when a tenant finishes."""
    vms = record.get("vms") or {}
    head = f"{record['domain']}/{record['project']}: {record['status']}"
    detail = f"ready {vms.get('ready', 0)}, warning {vms.get('warning', 0)}, blocked {vms.get('blocked', 0)}"
    line = f"{head} ({detail}; {human_bytes(record.get('bytes_to_move', 0))} to move"
    if record.get("mode") == "apply":
        line += f", {human_bytes(record.get('bytes_moved', 0))} moved"
    line += ")"
    if record.get("namespace"):
        line += f" -> {record['namespace']}"
    if record.get("message"):
        line += f": {record['message']}"
    return line


def human_bytes(value) -> str:
    size = float(value or 0)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"  # pragma: no cover


STOPPED = "the run stopped before this tenant was recorded"


def complete_records(records: list[dict | None], tenants: list[dict], *, mode: str) -> list[dict]:
    """The run's records in loop order, without their printed line; a record that is missing (None: the run stopped
    before the tenant was recorded) becomes a failed record of the tenant at the same place."""
    complete = []
    for index, record in enumerate(records):
        if record is None:
            if index >= len(tenants):
                raise FleetError("a record is missing and no tenant was given for it")
            record = tenant_record(tenants[index], FAILED, mode=mode, message=STOPPED)
        complete.append({key: value for key, value in dict(record).items() if key != "line"})
    return complete


def fleet_summary(records: list[dict], *, mode: str, source: str, not_in_wave: list[str] | None = None, previous: dict | None = None) -> dict:
    """The fleet totals: tenants by outcome, VMs by status, bytes; the records themselves in loop order.

    ``earlier`` keeps the previous run's records of tenants outside this run; they are not in the totals.
    """
    tenants = {status: sum(1 for r in records if r["status"] == status) for status in (DONE, FAILED, SKIPPED)}
    vms = {status: sum(int((r.get("vms") or {}).get(status, 0)) for r in records) for status in STATUSES}
    return {
        "format": FLEET_FORMAT,
        "mode": mode,
        "source": source,
        "tenants": {"total": len(records), **tenants},
        "vms": {"total": sum(vms.values()), **vms},
        "bytes_to_move": sum(int(r.get("bytes_to_move") or 0) for r in records),
        "bytes_moved": sum(int(r.get("bytes_moved") or 0) for r in records),
        "failed": [f"{r['domain']}/{r['project']}: {r.get('message', '')}" for r in records if r["status"] == FAILED],
        "not_in_wave": list(not_in_wave or []),
        "records": records,
        "earlier": earlier_records(previous, records),
    }


def summary_lines(summary: dict) -> list[str]:
    t, v = summary["tenants"], summary["vms"]
    lines = [
        f"Fleet {summary['mode']} of {t['total']} tenant(s): done {t['done']}, failed {t['failed']}, skipped {t['skipped']}",
        f"VMs: {v['total']} (ready {v['ready']}, warning {v['warning']}, blocked {v['blocked']})",
        f"Bytes: {human_bytes(summary['bytes_to_move'])} to move, {human_bytes(summary['bytes_moved'])} moved",
    ]
    lines += [f"FAILED {entry}" for entry in summary["failed"]]
    if summary["not_in_wave"]:
        lines.append(f"Not in any wave (left out): {', '.join(summary['not_in_wave'])}")
    return lines


def earlier_records(previous: dict | None, records: list[dict]) -> list[dict]:
    """The previous run's records of tenants this run did not touch, so a narrower run forgets nothing."""
    seen = {tenant_key(r) for r in records}
    kept, carried = [], set()
    for record in list((previous or {}).get("records") or []) + list((previous or {}).get("earlier") or []):
        if not isinstance(record, dict) or "domain" not in record or "project" not in record:
            continue
        key = tenant_key(record)
        if key not in seen and key not in carried:
            carried.add(key)
            kept.append(record)
    return kept


def previous_record(previous: dict | None, tenant: dict, mode: str) -> dict | None:
    """This tenant's record in an earlier fleet summary of the same mode, when that run finished it."""
    for record in list((previous or {}).get("records") or []) + list((previous or {}).get("earlier") or []):
        if isinstance(record, dict) and record.get("domain") == tenant["domain"] and record.get("project") == tenant["project"]:
            finished = record.get("status") == DONE or (record.get("status") == SKIPPED and record.get("done_earlier"))
            return record if finished and record.get("mode") == mode else None
    return None
