# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The sliding window of VMs in flight, one polling round at a time, as pure data.

The engine (module ostokubevirt.migrate.vm_migrate) is called once per round and hands this state back and
forth through its action plugin, so the state is plain JSON: VM name -> record (state, since, line,
message), the order still to start, the VMs skipped as already done, the round and read-error counters, and
what the progress ConfigMap holds (so a round writes only what changed).

A VM moves queued -> [stopping -> stopped] -> disks -> starting -> done, or ends failed at any step. With no
wait it ends "applied" right after its objects are applied. A VM holds a window slot from the moment it
leaves "queued" until it is final, so a finished VM frees its slot for the next round at once.

A VM with exported disks (disk_transfers of method glance or tvo) instead moves [stopping -> stopped] ->
exporting -> exported -> importing -> imported -> starting -> done: the caller exports its Glance disks (or
backs its tvo disks up with TrilioVault, whose snapshot ids are saved as the backup starts) one
non-blocking step per round, the import starts when every record is there (and its StorageClasses have a free
import slot), and its VirtualMachine is applied only after every DataVolume imported. What each VM's disks
need between rounds (records, import start, token renewal, per-disk figures) is in state["disks"]; the
records and the import start are also written to the progress ConfigMap (exports.<vm>, import.<vm>) so a run
started again neither exports twice nor loses the import's start. The Glance token is never part of the state.
"""

from __future__ import annotations

import json

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.progress import DONE, STOPPED_PREFIX, VM_PREFIX, read_progress
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.vm_wait import (
    FAILED,
    IMPORT_CHECKSUM,
    IMPORT_ERROR,
    IMPORT_UNAUTHORIZED,
    WAITING_DISKS,
    WAITING_VM,
    by_name,
    dv_progress_text,
    import_error,
    last_condition,
    progress_record,
    settled_phases,
    step,
)

QUEUED = "queued"
STOPPING = "stopping"  # the stop of its source server is asked of the caller
STOPPED = "stopped"  # its source is stopped: apply it next
APPLIED = "applied"  # objects applied and not waited for
EXPORTING = "exporting"  # the caller exports its disks, one non-blocking step per round
EXPORTED = "exported"  # every export record is there: import when a token and a StorageClass slot are
IMPORTING = "importing"  # header Secret and DataVolumes applied, CDI imports
IMPORTED = "imported"  # every DataVolume imported: apply the VirtualMachine next
FINAL = (DONE, FAILED, APPLIED)
EXPORT_METHODS = ("glance", "tvo")
EXPORTS_PREFIX = "exports."
# The TVO workload and snapshot a VM's backup is at ({server id: {workload_id, snapshot_id}}), saved with its
# export records, so a killed run polls the snapshot already started rather than take a second full backup.
TVO_FLIGHT = "tvo_in_flight"
IMPORT_PREFIX = "import."
# A renewed Secret reaches a running importer pod only after the kubelet syncs its volume (up to about a minute),
# so a 401 shortly after the renewal may still be the old token's.
RENEW_GRACE = 90.0
WAITING = (WAITING_DISKS, WAITING_VM)
REQUIRED = ("name", "server_id", "hash", "virtualmachine", "datavolumes", "datavolume_names", "secret_names", "run_strategy", "source_status")


def check_vms(vms: list, secrets: dict) -> str | None:
    """The first malformed entry, named by index and field; None when every entry can be applied."""
    seen = set()
    for index, vm in enumerate(vms):
        if not isinstance(vm, dict):
            return f"vms[{index}]: expected an entry of the vms list returned by ostokubevirt.migrate.tenant_objects"
        where = f"vms[{index}] ({vm.get('name') or 'no name'})"
        missing = [key for key in REQUIRED if key not in vm]
        if missing:
            return f"{where}: missing {', '.join(missing)} (pass the vms list returned by ostokubevirt.migrate.tenant_objects)"
        if vm["name"] in seen:
            return f"{where}: the name appears twice"
        seen.add(vm["name"])
        if not isinstance(vm["virtualmachine"], dict) or not isinstance(vm["datavolumes"], list):
            return f"{where}: virtualmachine must be an object and datavolumes a list"
        unknown = [name for name in vm["secret_names"] or [] if name not in secrets]
        if unknown:
            return f"{where}: secret_names lists {', '.join(unknown)}, which secrets does not hold"
    return None


def _loads(text) -> dict:
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        value = None
    return value if isinstance(value, dict) else {}


def exported_disks(vm: dict) -> list[dict]:
    """The VM's disk transfers the engine exports (glance) or imports from given records (tvo)."""
    return [t for t in vm.get("disk_transfers") or [] if isinstance(t, dict) and t.get("method") in EXPORT_METHODS]


def disks_info(state: dict, name: str) -> dict:
    return state.setdefault("disks", {}).setdefault(name, {})


def _restore_disks(vm: dict, data: dict, given: list[dict]) -> dict:
    """Export records and import start of an earlier run (progress ConfigMap) plus records given as input."""
    wanted = {str(t["source_id"]) for t in exported_disks(vm)}
    saved = _loads(data.get(EXPORTS_PREFIX + vm["name"]))
    records = {str(r.get("source_id")): r for r in saved.get("records") or [] if isinstance(r, dict) and str(r.get("source_id")) in wanted}
    for record in given:
        if isinstance(record, dict) and str(record.get("source_id")) in wanted:
            records.setdefault(str(record["source_id"]), record)
    info: dict = {"records": list(records.values())}
    flight = tvo_flight(saved)
    if flight:
        info[TVO_FLIGHT] = flight
    started = _loads(data.get(IMPORT_PREFIX + vm["name"])).get("started")
    if isinstance(started, (int, float)):
        info["import_started"] = started
    return info


def begin(vms: list[dict], progress_data: dict | None, given_records: list[dict] | None = None) -> dict:
    """The first state: VMs recorded done with the same objects (hash) are skipped, the others queued.

    given_records: export records made outside the engine (ostokubevirt.migrate.tvo_backup's), used for the
    disks they name.
    """
    progress = read_progress(progress_data)
    done = set(progress["done_hashes"])
    skipped = [vm["name"] for vm in vms if vm["hash"] in done]
    todo = [vm["name"] for vm in vms if vm["hash"] not in done]
    return {
        "disks": {vm["name"]: _restore_disks(vm, progress_data or {}, given_records or []) for vm in vms if vm["hash"] not in done and exported_disks(vm)},
        "vms": {name: {"state": QUEUED} for name in todo},
        "queue": todo,
        "skipped": skipped,
        "server_ids": {vm["name"]: vm["server_id"] for vm in vms if vm["hash"] not in done},
        "rounds": 0,
        "read_errors": 0,
        "recorded": dict(progress_data or {}),
    }


def stopped_servers(state: dict) -> dict:
    """Source server id -> stop record, as the progress ConfigMap holds it now."""
    return read_progress(state["recorded"])["stopped"]


def in_flight(state: dict) -> list[str]:
    return [name for name, record in state["vms"].items() if record["state"] not in FINAL and record["state"] != QUEUED]


def pending(state: dict) -> list[str]:
    return [name for name, record in state["vms"].items() if record["state"] not in FINAL]


def next_to_start(state: dict, max_parallel: int) -> list[str]:
    """The queued VMs that fit in the free slots, in the order of the vms list."""
    free = max(0, max_parallel - len(in_flight(state)))
    return [name for name in state["queue"] if state["vms"][name]["state"] == QUEUED][:free]


def needs_stop(vm: dict, state: dict, stop_source: bool) -> bool:
    """An ACTIVE source is stopped before its disks are copied, unless a stop already succeeded."""
    if not stop_source or vm.get("source_status") != "ACTIVE":
        return False
    return (stopped_servers(state).get(str(vm["server_id"])) or {}).get("state") != STOPPED


def set_state(state: dict, name: str, new: str, now: float, **fields) -> None:
    state["vms"][name] = {"state": new, "since": now, **fields}


def fail(state: dict, name: str, message: str, now: float) -> None:
    set_state(state, name, FAILED, now, message=message)


def stop_record(vm: dict, stop_state: str) -> tuple[str, str]:
    # The status before the stop: a resumed run reads the tenant where our stop shows SHUTOFF, and translates the
    # server with this one instead (progress.read_progress: status_before_stop).
    record = {"state": stop_state, "vm": vm["name"], "source_status": vm.get("source_status") or ""}
    return f"{STOPPED_PREFIX}{vm['server_id']}", json.dumps(record, sort_keys=True)


def record_stop_results(state: dict, vms: dict[str, dict], results: list[dict], now: float) -> dict:
    """Apply the caller's stop outcomes; returns the progress ConfigMap entries to write."""
    changes = {}
    for result in results:
        name = result.get("vm")
        if name not in state["vms"] or state["vms"][name]["state"] != STOPPING:
            continue
        if result.get("ok"):
            set_state(state, name, STOPPED, now)
            key, value = stop_record(vms[name], STOPPED)
            changes[key] = value
        else:
            fail(state, name, f"Stop source server {vms[name]['server_id']}: {result.get('message') or 'failed'}", now)
    return changes


def poll(
    state: dict,
    vms: dict[str, dict],
    datavolumes: list[dict] | None,
    virtualmachines: list[dict] | None,
    *,
    now: float,
    datavolume_timeout: float,
    ready_timeout: float,
    read_error: str | None = None,
    read_error_limit: int = 5,
    error_restarts: int = 3,
) -> None:
    """Advance every waiting VM by one listing of the namespace's DataVolumes and VirtualMachines.

    read_error says the lists could not be read this round: the VMs keep waiting, and after read_error_limit
    such rounds in a row the waiting ones fail with that error.
    """
    waiting = [name for name, record in state["vms"].items() if record["state"] in WAITING]
    importing = [name for name, record in state["vms"].items() if record["state"] == IMPORTING and name in vms]
    state["rounds"] += 1
    if read_error:
        state["read_errors"] += 1
        for name in waiting + importing:
            record = state["vms"][name]
            if state["read_errors"] >= read_error_limit:
                fail(state, name, f"cannot read its objects from the cluster {state['read_errors']} times in a row: {read_error}", now)
            else:
                record["line"] = f"{name}: cannot read the cluster ({state['read_errors']}/{read_error_limit}): {read_error}"
        return
    state["read_errors"] = 0
    dvs, live = by_name(datavolumes), by_name(virtualmachines)
    for name in waiting:
        state["vms"][name] = step(vms[name], state["vms"][name], dvs, live, now, datavolume_timeout, ready_timeout)
    for name in importing:
        import_step(state, vms[name], dvs, now, datavolume_timeout, error_restarts)


def _missing(vm: dict, info: dict) -> list[dict]:
    have = {str(r.get("source_id")) for r in info.get("records") or []}
    return [t for t in exported_disks(vm) if str(t["source_id"]) not in have]


def start_disks(state: dict, vm: dict, now: float, *, tvo: bool = False) -> bool:
    """Send a VM with exported disks to exporting (or straight to exported); False: apply it at once.

    tvo: the caller backs tvo disks up itself (ostokubevirt.migrate.tvo_backup, non-blocking), as it exports
    glance disks; without it a tvo disk needs its record in export_records.
    """
    disks = exported_disks(vm)
    if not disks:
        return False
    name = vm["name"]
    missing = _missing(vm, disks_info(state, name))
    driven = ("glance", "tvo") if tvo else ("glance",)
    manual = [t for t in missing if t["method"] not in driven]
    if manual:
        t = manual[0]
        fail(
            state,
            name,
            f"disk {t.get('datavolume')} ({t['source_id']}): method {t['method']} needs its export record in export_records "
            "(the records of ostokubevirt.migrate.tvo_backup); none was given",
            now,
        )
    elif missing:
        set_state(state, name, EXPORTING, now, line=f"{name}: exporting {len(missing)} of {len(disks)} disk(s)")
    else:
        set_state(state, name, EXPORTED, now, line=f"{name}: export records of its {len(disks)} disk(s) found, importing next")
    return True


def source_stopped(vm: dict, stop_source: bool) -> bool:
    return vm.get("source_status") == "SHUTOFF" or (stop_source and vm.get("source_status") == "ACTIVE")


def export_requests(state: dict, vms: dict[str, dict], stop_source: bool) -> list[dict]:
    """What the caller exports before the next round: per exporting VM its server and disks still missing."""
    requests = []
    for name, record in state["vms"].items():
        if record["state"] == EXPORTING and name in vms:
            vm = vms[name]
            missing = _missing(vm, disks_info(state, name))
            requests.append(
                {
                    "vm": name,
                    "server_id": vm["server_id"],
                    "source_ids": [str(t["source_id"]) for t in missing],
                    "source_stopped": source_stopped(vm, stop_source),
                    **tvo_request(disks_info(state, name), missing),
                }
            )
    return requests


def tvo_request(info: dict, missing: list[dict]) -> dict:
    """What an export request of a VM with tvo disks adds: the kind, and the snapshot already in flight."""
    if not any(t.get("method") == "tvo" for t in missing):
        return {}
    return {"kind": "tvo", "tvo_in_flight": dict(info.get(TVO_FLIGHT) or {})}


def tvo_flight(saved: dict) -> dict:
    """The TVO ids of an exports.<vm> value, {server id: {workload_id, snapshot_id}}."""
    flight = saved.get(TVO_FLIGHT)
    if not isinstance(flight, dict):
        return {}
    return {str(k): {"workload_id": v.get("workload_id"), "snapshot_id": v.get("snapshot_id")} for k, v in flight.items() if isinstance(v, dict)}


def note_tvo_flight(info: dict, pending: list) -> bool:
    """Keep the TVO ids the caller's backup step returned in its pending entries; True when they changed."""
    flight = dict(info.get(TVO_FLIGHT) or {})
    for item in pending or []:
        ids = item.get("tvo") if isinstance(item, dict) else None
        if isinstance(ids, dict) and item.get("server_id") is not None:
            flight[str(item["server_id"])] = {"workload_id": ids.get("workload_id"), "snapshot_id": ids.get("snapshot_id")}
    if flight == (info.get(TVO_FLIGHT) or {}):
        return False
    info[TVO_FLIGHT] = flight
    return True


def exports_value(info: dict) -> str:
    """The exports.<vm> progress entry: the export records, and the TVO snapshot in flight if any."""
    value: dict = {"records": info.get("records") or []}
    if info.get(TVO_FLIGHT):
        value[TVO_FLIGHT] = info[TVO_FLIGHT]
    return json.dumps(value, sort_keys=True)


def _pending_text(label: dict, item: dict) -> str:
    if isinstance(item.get("tvo"), dict):
        ids = item["tvo"]
        what = f"TVO snapshot {ids.get('snapshot_id')}" if ids.get("snapshot_id") else f"TVO workload {ids.get('workload_id') or '(new)'}"
        return f"{what} {item.get('status') or ''}".rstrip() + (f" {item['progress']}%" if item.get("progress") is not None else "")
    source_id = str(item.get("source_id"))
    text = f"disk {label.get(source_id, '?')} ({source_id}) {item.get('step') or 'export'} {item.get('status') or ''}".rstrip()
    if item.get("progress") is not None:
        text += f" {item['progress']}%"
    return text


def record_export_results(state: dict, vms: dict[str, dict], results: list[dict], now: float, export_timeout: float) -> dict:
    """Take the caller's non-blocking export outcomes; returns the progress entries (export records) to write.

    Each result: vm, records (complete disks), pending ({source_id, step, status, progress}), errors
    ({source_id, message}), or message when the export call itself failed. A failed disk fails its VM only.
    """
    changes = {}
    for result in results:
        name = result.get("vm")
        if name not in vms or (state["vms"].get(name) or {}).get("state") != EXPORTING:
            continue
        vm, info = vms[name], disks_info(state, name)
        label = {str(t["source_id"]): t.get("datavolume") for t in exported_disks(vm)}
        if result.get("message"):
            fail(state, name, f"export of its disks failed: {result['message']}", now)
            continue
        errors = [e for e in result.get("errors") or [] if isinstance(e, dict)]
        if errors:
            source_id = str(errors[0].get("source_id"))
            more = f" (and {len(errors) - 1} more disk(s))" if len(errors) > 1 else ""
            fail(state, name, f"export of disk {label.get(source_id, '?')} ({source_id}) failed: {errors[0].get('message') or 'no message'}{more}", now)
            continue
        records = {str(r.get("source_id")): r for r in info.get("records") or []}
        new = {str(r.get("source_id")): r for r in result.get("records") or [] if isinstance(r, dict) and str(r.get("source_id")) in label}
        flight_moved = note_tvo_flight(info, result.get("pending"))
        if any(records.get(k) != v for k, v in new.items()):
            records.update(new)
            info["records"] = list(records.values())
            flight_moved = True
        if flight_moved:
            # Saved as each disk completes (and as a TVO snapshot starts): a killed run asks the cloud only for
            # the disks still missing, and polls the snapshot it already started.
            changes[EXPORTS_PREFIX + name] = exports_value(info)
        missing = _missing(vm, info)
        if not missing:
            set_state(state, name, EXPORTED, now, line=f"{name}: {len(label)} disk(s) exported, importing next")
            continue
        pending = [_pending_text(label, p) for p in result.get("pending") or [] if isinstance(p, dict)]
        if now - state["vms"][name]["since"] > export_timeout:
            stuck = missing[0]
            fail(
                state,
                name,
                f"timed out after {int(export_timeout)}s exporting disk {stuck.get('datavolume')} ({stuck['source_id']})"
                + (f": {pending[0]}" if pending else ""),
                now,
            )
            continue
        state["vms"][name]["line"] = f"{name}: exporting, {len(label) - len(missing)}/{len(label)} disk(s) exported" + (
            "; " + "; ".join(pending) if pending else ""
        )
    return changes


def storage_classes(vm: dict) -> set[str]:
    """The StorageClasses the VM's DataVolumes import into ("" for the cluster's default class)."""
    classes = set()
    for dv in vm.get("datavolumes") or []:
        spec = dv.get("spec") or {}
        classes.add(str((spec.get("storage") or spec.get("pvc") or {}).get("storageClassName") or ""))
    return classes


def import_candidates(state: dict, vms: dict[str, dict], limits: dict) -> list[str]:
    """Exported VMs that may start importing now, in queue order, within the per-StorageClass limits."""
    importing: dict[str, int] = {}
    for name, record in state["vms"].items():
        if record["state"] == IMPORTING and name in vms:
            for sc in storage_classes(vms[name]):
                importing[sc] = importing.get(sc, 0) + 1
    chosen = []
    for name in state["queue"]:
        if state["vms"][name]["state"] != EXPORTED or name not in vms:
            continue
        classes = storage_classes(vms[name])
        full = sorted(sc for sc in classes if sc in limits and importing.get(sc, 0) >= int(limits[sc]))
        if full:
            state["vms"][name]["line"] = (
                f"{name}: exported, waiting for a free import slot of StorageClass {full[0] or '(default)'} ({limits[full[0]]} importing)"
            )
            continue
        for sc in classes:
            importing[sc] = importing.get(sc, 0) + 1
        chosen.append(name)
    return chosen


def needs_token(state: dict, name: str) -> bool:
    return any(r.get("needs_token", r.get("method") == "glance") for r in disks_info(state, name).get("records") or [])


def begin_import(state: dict, vm: dict, now: float) -> dict:
    """The VM's DataVolumes are being applied: it imports from now (or from the start a killed run recorded)."""
    name = vm["name"]
    info = disks_info(state, name)
    changes = {}
    if "import_started" not in info:
        info["import_started"] = now
        changes[IMPORT_PREFIX + name] = json.dumps({"started": now}, sort_keys=True)
    set_state(state, name, IMPORTING, now, line=f"{name}: importing {len(vm.get('datavolume_names') or [])} disk(s)")
    return changes


def renewals(state: dict) -> list[str]:
    """Importing VMs whose importer got a 401: their header Secret needs a fresh token."""
    return [name for name, record in state["vms"].items() if record["state"] == IMPORTING and disks_info(state, name).get("renew")]


def renewed(state: dict, name: str, now: float) -> None:
    info = disks_info(state, name)
    info["renew"] = False
    info["renewed_at"] = now


def _disk_stats(vm: dict, info: dict) -> list[dict]:
    records = {str(r.get("source_id")): r for r in info.get("records") or []}
    verify = bool((vm.get("disk_import") or {}).get("verify_checksums", True))
    started = info.get("import_started")
    stats = []
    for t in exported_disks(vm):
        record = records.get(str(t["source_id"])) or {}
        done_at = (info.get("succeeded") or {}).get(t.get("datavolume"))
        stats.append(
            {
                "source_id": str(t["source_id"]),
                "datavolume": t.get("datavolume"),
                "method": t["method"],
                "bytes": record.get("size"),
                "seconds": round(done_at - started, 1) if done_at is not None and started is not None else None,
                "checksum_verified": verify and bool(record.get("checksum")),
            }
        )
    return stats


def import_step(state: dict, vm: dict, dvs: dict, now: float, timeout: float, error_restarts: int) -> None:
    """Advance one importing VM by its DataVolumes as listed now.

    CDI retries a failed import by itself, so an error condition is judged, not final: a 401 asks once for a
    renewed token (and fails the VM if it persists after the renewal), a checksum mismatch fails at once, any
    other error after error_restarts restarts.
    """
    name = vm["name"]
    info = disks_info(state, name)
    sources = {t.get("datavolume"): str(t["source_id"]) for t in vm.get("disk_transfers") or [] if isinstance(t, dict)}
    settled = settled_phases(vm)
    pending = []
    for dv_name in vm.get("datavolume_names") or []:
        dv = dvs.get(dv_name)
        status = (dv or {}).get("status") or {}
        disk = f"DataVolume {dv_name} (disk {sources.get(dv_name, '?')})"
        if status.get("phase") in settled:
            info.setdefault("succeeded", {}).setdefault(dv_name, now)
            continue
        if status.get("phase") == "Failed":
            fail(state, name, f"{disk}: import failed, phase Failed; last condition {last_condition(dv)}", now)
            return
        kind, message, restarts = import_error(dv)
        if kind == IMPORT_UNAUTHORIZED and not info.get("renew"):
            if info.get("renewed_at") is None:
                info["renew"] = True
                info["renew_restarts"] = restarts
            elif restarts > int(info.get("renew_restarts") or 0) and now - info["renewed_at"] >= RENEW_GRACE:
                fail(state, name, f"{disk}: the source still answers 401 Unauthorized after the token was renewed: {message}", now)
                return
        elif kind == IMPORT_CHECKSUM:
            fail(state, name, f"{disk}: the downloaded bytes fail the checksum verification: {message}", now)
            return
        elif kind == IMPORT_ERROR and restarts >= error_restarts:
            fail(state, name, f"{disk}: import failed {restarts} time(s): {message}", now)
            return
        pending.append((dv_name, dv))
    if not pending:
        info["stats"] = _disk_stats(vm, info)
        set_state(state, name, IMPORTED, now, line=f"{name}: {len(vm.get('datavolume_names') or [])} disk(s) imported")
        return
    started = info.get("import_started") or state["vms"][name]["since"]
    if now - started > timeout:
        stuck, dv = pending[0]
        cond = last_condition(dv) if dv else "none"
        fail(state, name, f"timed out after {int(timeout)}s importing the disks: {dv_progress_text(stuck, dv)}; last condition {cond}", now)
        return
    renewing = "; 401 Unauthorized: renewing the token" if info.get("renew") else ""
    done = len(vm.get("datavolume_names") or []) - len(pending)
    state["vms"][name]["line"] = (
        f"{name}: importing, {done}/{len(vm.get('datavolume_names') or [])} disk(s) imported; "
        + "; ".join(dv_progress_text(n, d) for n, d in pending)
        + renewing
    )


def fail_token_waiters(state: dict, vms: dict[str, dict], error: str, now: float) -> None:
    """The token could not be issued: the VMs waiting for it to import (or to renew) fail with the reason."""
    for name, record in list(state["vms"].items()):
        waiting = record["state"] == EXPORTED and name in vms and needs_token(state, name)
        if waiting or (record["state"] == IMPORTING and disks_info(state, name).get("renew")):
            fail(state, name, f"cannot get a Glance token for its import: {error}", now)


def cleanup_request(state: dict, vm: dict) -> dict | None:
    """The temporaries of the VM's exports to delete once its import succeeded, if any."""
    records = [r for r in disks_info(state, vm["name"]).get("records") or [] if r.get("temporaries")]
    return {"vm": vm["name"], "server_id": vm["server_id"], "records": records} if records else None


def progress_changes(state: dict, vms: dict[str, dict]) -> dict:
    """vm.<name> entries of the VMs given whose recorded value differs from the VM's current phase (applied or final)."""
    changes = {}
    for name, record in state["vms"].items():
        if name in vms and (record["state"] in FINAL or record["state"] in WAITING):
            # A waiting VM is recorded "applied": the objects exist, and a killed run must not skip it.
            phase = record if record["state"] in FINAL else {"state": APPLIED}
            value = progress_record(vms[name], phase)
            if state["recorded"].get(VM_PREFIX + name) != value:
                changes[VM_PREFIX + name] = value
    return changes


def lines(state: dict, names: list[str]) -> list[str]:
    """One progress line per VM named, failures last."""
    records = [(name, state["vms"][name]) for name in names]
    out = [record.get("line") or f"{name}: {record['state']}" for name, record in records if record["state"] != FAILED]
    return out + [f"{name}: FAILED {record['message']}" for name, record in records if record["state"] == FAILED]


def outcome(state: dict) -> dict:
    """What the run did per VM: done, applied (not waited for), failed with a message, skipped."""
    by_state: dict[str, list[str]] = {}
    for name, record in state["vms"].items():
        by_state.setdefault(record["state"], []).append(name)
    return {
        "done": by_state.get(DONE, []),
        "applied": by_state.get(APPLIED, []),
        "failed_vms": [{"name": name, "server_id": state["server_ids"][name], "message": state["vms"][name]["message"]} for name in by_state.get(FAILED, [])],
        "skipped": list(state["skipped"]),
        "disks": {name: info["stats"] for name, info in (state.get("disks") or {}).items() if info.get("stats")},
    }


def summary_lines(state: dict, max_parallel: int) -> list[str]:
    skipped = state["skipped"]
    return [
        f"VMs already migrated (skipped): {len(skipped)}" + (f": {', '.join(skipped)}" if skipped else ""),
        f"VMs to migrate now: {len(state['queue'])}, at most {max_parallel} at a time",
    ]
