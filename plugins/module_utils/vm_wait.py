# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One round of waiting for a batch of migrated VMs: their DataVolumes to import, then the VM to settle.

Pure over the objects the cluster returned, so the vm role can poll with plain k8s_info, print the
progress of every round, and still get one clear verdict per VM: done, or failed with the object that is
stuck and its last condition.
"""

from __future__ import annotations

import json

WAITING_DISKS = "disks"
WAITING_VM = "starting"
DONE = "done"
FAILED = "failed"
FINAL = (DONE, FAILED)
# A halted VM never consumes its disks, so on WaitForFirstConsumer storage they stay unbound: that is final.
_DV_SETTLED_FOR_HALTED = ("Succeeded", "WaitForFirstConsumer", "PendingPopulation")
_HALTED_STRATEGIES = ("Halted", "Manual")


def _by_name(objects: list[dict] | None) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objects or [] if isinstance(o, dict) and o.get("metadata")}


def last_condition(obj: dict) -> str:
    """The most recently changed condition, as 'Type=Status (Reason): message'."""
    conditions = [c for c in (obj.get("status") or {}).get("conditions") or [] if isinstance(c, dict)]
    if not conditions:
        return "no conditions reported"
    latest = max(enumerate(conditions), key=lambda ic: (str(ic[1].get("lastTransitionTime") or ""), -ic[0]))[1]
    text = f"{latest.get('type')}={latest.get('status')}"
    if latest.get("reason"):
        text += f" ({latest['reason']})"
    if latest.get("message"):
        text += f": {latest['message']}"
    return text


def _dv_text(name: str, dv: dict | None) -> str:
    if dv is None:
        return f"DataVolume {name} does not exist"
    status = dv.get("status") or {}
    return f"DataVolume {name} phase {status.get('phase') or 'unknown'}, progress {status.get('progress') or 'N/A'}"


def _wants_halted(vm: dict) -> bool:
    return vm.get("run_strategy") in _HALTED_STRATEGIES


def _vm_settled(vm: dict, live: dict | None) -> bool:
    if live is None:
        return False
    status = live.get("status") or {}
    if _wants_halted(vm):
        return status.get("printableStatus") == "Stopped"
    ready = any(c.get("type") == "Ready" and str(c.get("status")) == "True" for c in status.get("conditions") or [])
    return bool(status.get("ready")) or ready


def _step(vm: dict, record: dict, dvs: dict, vms: dict, now: float, dv_timeout: float, ready_timeout: float) -> dict:
    name = vm["name"]
    record = dict(record or {"state": WAITING_DISKS, "since": now})
    if record["state"] in FINAL:
        return record
    settled_phases = _DV_SETTLED_FOR_HALTED if _wants_halted(vm) else ("Succeeded",)
    if record["state"] == WAITING_DISKS:
        names = vm.get("datavolume_names") or []
        failed = [n for n in names if ((dvs.get(n) or {}).get("status") or {}).get("phase") == "Failed"]
        if failed:
            return {**record, "state": FAILED, "message": f"{_dv_text(failed[0], dvs[failed[0]])}; last condition "
                                                          f"{last_condition(dvs[failed[0]])}"}
        pending = [n for n in names if ((dvs.get(n) or {}).get("status") or {}).get("phase") not in settled_phases]
        if pending:
            stuck = pending[0]
            if now - record["since"] > dv_timeout:
                cond = last_condition(dvs[stuck]) if stuck in dvs else "none"
                return {**record, "state": FAILED,
                        "message": f"timed out after {int(dv_timeout)}s waiting for the disks: {_dv_text(stuck, dvs.get(stuck))}; "
                                   f"last condition {cond}"}
            ready = len(names) - len(pending)
            return {**record, "line": f"{name}: disks {ready}/{len(names)} ready; "
                                      + "; ".join(_dv_text(n, dvs.get(n)) for n in pending)}
        record = {**record, "state": WAITING_VM, "since": now}
    live = vms.get(name)
    target = "Stopped" if _wants_halted(vm) else "Ready"
    if _vm_settled(vm, live):
        return {**record, "state": DONE, "line": f"{name}: {target}"}
    printable = ((live or {}).get("status") or {}).get("printableStatus") or "unknown"
    if now - record["since"] > ready_timeout:
        detail = f"printableStatus {printable}, last condition {last_condition(live)}" if live else "it does not exist"
        return {**record, "state": FAILED,
                "message": f"timed out after {int(ready_timeout)}s waiting for VirtualMachine {name} to be {target}: {detail}"}
    return {**record, "line": f"{name}: disks ready, VirtualMachine {printable}, waiting for {target}"}


def wait_round(state: dict | None, vms: list[dict], datavolumes: list[dict] | None, virtualmachines: list[dict] | None,
               *, now: float, datavolume_timeout: float, ready_timeout: float, read_error: str | None = None,
               read_error_limit: int = 5, max_rounds: int | None = None) -> dict:
    """Advance every VM of the batch by what the cluster shows now.

    state["vms"] maps VM name -> record (state, since, message, line); the result adds pending, done and
    failed lists, the progress lines of this round and the progress ConfigMap values of finished VMs.
    read_error says the cluster could not be read this round: the VMs keep waiting, and after
    read_error_limit such rounds in a row the unfinished ones fail with that error. After max_rounds rounds
    the unfinished ones fail too, so the wait ends even if the clock-based timeouts never fire.
    """
    records = dict((state or {}).get("vms") or {})
    rounds = int((state or {}).get("rounds") or 0) + 1
    read_errors = 0
    if read_error:
        read_errors = int((state or {}).get("read_errors") or 0) + 1
        for vm in vms:
            record = records.get(vm["name"]) or {"state": WAITING_DISKS, "since": now}
            if record["state"] not in FINAL:
                record = {**record, "line": f"{vm['name']}: cannot read the cluster ({read_errors}/{read_error_limit}): "
                                            f"{read_error}"}
                if read_errors >= read_error_limit:
                    message = f"cannot read its objects from the cluster {read_errors} times in a row: {read_error}"
                    record = {**record, "state": FAILED, "message": message}
            records[vm["name"]] = record
    else:
        dvs, live_vms = _by_name(datavolumes), _by_name(virtualmachines)
        for vm in vms:
            records[vm["name"]] = _step(vm, records.get(vm["name"]), dvs, live_vms, now, datavolume_timeout, ready_timeout)
    if max_rounds is not None and rounds >= max_rounds:
        for vm in vms:
            record = records[vm["name"]]
            if record["state"] not in FINAL:
                records[vm["name"]] = {**record, "state": FAILED, "message": f"still waiting after {rounds} polls: "
                                                                             f"{record.get('line') or record['state']}"}
    names = [vm["name"] for vm in vms]
    return {
        "rounds": rounds,
        "read_errors": read_errors,
        "progress": {f"vm.{vm['name']}": progress_record(vm, records[vm["name"]]) for vm in vms
                     if records[vm["name"]]["state"] in FINAL},
        "vms": records,
        "pending": [n for n in names if records[n]["state"] not in FINAL],
        "done": [n for n in names if records[n]["state"] == DONE],
        "failed": [{"name": vm["name"], "server_id": vm.get("server_id"), "message": records[vm["name"]]["message"]}
                   for vm in vms if records[vm["name"]]["state"] == FAILED],
        "lines": [records[n].get("line") or f"{n}: {records[n]['state']}" for n in names
                  if records[n]["state"] != FAILED] + [f"{n}: FAILED {records[n]['message']}" for n in names
                                                       if records[n]["state"] == FAILED],
    }


def progress_record(vm: dict, record: dict) -> str:
    """The ConfigMap value for a finished VM; only stable fields, so a repeated write changes nothing."""
    value = {"phase": record["state"], "server_id": vm.get("server_id"), "hash": vm.get("hash")}
    if record["state"] == FAILED:
        value["message"] = record.get("message", "")
    return json.dumps(value, sort_keys=True)
