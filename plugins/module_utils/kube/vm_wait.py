# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Waiting for one migrated VM: its DataVolumes to import, then the VM to settle.

Pure over the objects the cluster returned, so the engine (kube/vm_window.py) can poll all VMs of a tenant
with one list per kind, print the progress of every round, and still get one clear verdict per VM: done, or
failed with the object that is stuck and its last condition.
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


def by_name(objects: list[dict] | None) -> dict[str, dict]:
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


def step(vm: dict, record: dict | None, dvs: dict, vms: dict, now: float, dv_timeout: float, ready_timeout: float) -> dict:
    """Advance one VM's wait record by what the cluster shows now (dvs and vms: name -> object)."""
    name = vm["name"]
    record = dict(record or {"state": WAITING_DISKS, "since": now})
    if record["state"] in FINAL:
        return record
    settled_phases = _DV_SETTLED_FOR_HALTED if _wants_halted(vm) else ("Succeeded",)
    if record["state"] == WAITING_DISKS:
        names = vm.get("datavolume_names") or []
        failed = [n for n in names if ((dvs.get(n) or {}).get("status") or {}).get("phase") == "Failed"]
        if failed:
            return {**record, "state": FAILED, "message": f"{_dv_text(failed[0], dvs[failed[0]])}; last condition {last_condition(dvs[failed[0]])}"}
        pending = [n for n in names if ((dvs.get(n) or {}).get("status") or {}).get("phase") not in settled_phases]
        if pending:
            stuck = pending[0]
            if now - record["since"] > dv_timeout:
                cond = last_condition(dvs[stuck]) if stuck in dvs else "none"
                return {
                    **record,
                    "state": FAILED,
                    "message": f"timed out after {int(dv_timeout)}s waiting for the disks: {_dv_text(stuck, dvs.get(stuck))}; last condition {cond}",
                }
            ready = len(names) - len(pending)
            return {**record, "line": f"{name}: disks {ready}/{len(names)} ready; " + "; ".join(_dv_text(n, dvs.get(n)) for n in pending)}
        record = {**record, "state": WAITING_VM, "since": now}
    live = vms.get(name)
    target = "Stopped" if _wants_halted(vm) else "Ready"
    if _vm_settled(vm, live):
        return {**record, "state": DONE, "line": f"{name}: {target}"}
    printable = ((live or {}).get("status") or {}).get("printableStatus") or "unknown"
    if now - record["since"] > ready_timeout:
        detail = f"printableStatus {printable}, last condition {last_condition(live)}" if live else "it does not exist"
        return {**record, "state": FAILED, "message": f"timed out after {int(ready_timeout)}s waiting for VirtualMachine {name} to be {target}: {detail}"}
    return {**record, "line": f"{name}: disks ready, VirtualMachine {printable}, waiting for {target}"}


def progress_record(vm: dict, record: dict) -> str:
    """The ConfigMap value for a finished VM; only stable fields, so a repeated write changes nothing."""
    value = {"phase": record["state"], "server_id": vm.get("server_id"), "hash": vm.get("hash")}
    if record.get("disks"):
        # Per exported disk: bytes, seconds from import start to Succeeded, checksum verified (fixed once done).
        value["disks"] = record["disks"]
    if record["state"] == FAILED:
        value["message"] = record.get("message", "")
    return json.dumps(value, sort_keys=True)


# CDI never sets phase Failed on an import error: the importer pod fails, the DataVolume's condition Running turns
# False with reason Error and the importer's message, and CDI starts it again (status.restartCount).
IMPORT_OK = "ok"
IMPORT_UNAUTHORIZED = "unauthorized"
IMPORT_CHECKSUM = "checksum"
IMPORT_ERROR = "error"


def import_error(dv: dict | None) -> tuple[str, str, int]:
    """(kind, importer message, restartCount) of a DataVolume whose importer failed its last attempt.

    kind is IMPORT_OK when the last attempt did not fail, IMPORT_UNAUTHORIZED for an HTTP 401 (an expired or
    revoked token), IMPORT_CHECKSUM for a checksum mismatch (the message names both digests), else IMPORT_ERROR.
    """
    status = (dv or {}).get("status") or {}
    restarts = int(status.get("restartCount") or 0)
    for condition in status.get("conditions") or []:
        if not isinstance(condition, dict) or condition.get("type") != "Running":
            continue
        if str(condition.get("status")) == "False" and condition.get("reason") == "Error":
            message = str(condition.get("message") or "")
            if "401" in message or "unauthorized" in message.lower():
                return IMPORT_UNAUTHORIZED, message, restarts
            if "checksum" in message.lower():
                return IMPORT_CHECKSUM, message, restarts
            return IMPORT_ERROR, message, restarts
    return IMPORT_OK, "", restarts


def dv_progress_text(name: str, dv: dict | None) -> str:
    return _dv_text(name, dv)


def settled_phases(vm: dict) -> tuple[str, ...]:
    return _DV_SETTLED_FOR_HALTED if _wants_halted(vm) else ("Succeeded",)
