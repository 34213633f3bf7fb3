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
"""

from __future__ import annotations

import json

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.progress import DONE, STOPPED_PREFIX, VM_PREFIX, read_progress
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.vm_wait import (
    FAILED,
    WAITING_DISKS,
    WAITING_VM,
    by_name,
    progress_record,
    step,
)

QUEUED = "queued"
STOPPING = "stopping"  # the stop of its source server is asked of the caller
STOPPED = "stopped"  # its source is stopped: apply it next
APPLIED = "applied"  # objects applied and not waited for
FINAL = (DONE, FAILED, APPLIED)
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


def begin(vms: list[dict], progress_data: dict | None) -> dict:
    """The first state: VMs recorded done with the same objects (hash) are skipped, the others queued."""
    progress = read_progress(progress_data)
    done = set(progress["done_hashes"])
    skipped = [vm["name"] for vm in vms if vm["hash"] in done]
    todo = [vm["name"] for vm in vms if vm["hash"] not in done]
    return {
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
    return f"{STOPPED_PREFIX}{vm['server_id']}", json.dumps({"state": stop_state, "vm": vm["name"]}, sort_keys=True)


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
) -> None:
    """Advance every waiting VM by one listing of the namespace's DataVolumes and VirtualMachines.

    read_error says the lists could not be read this round: the VMs keep waiting, and after read_error_limit
    such rounds in a row the waiting ones fail with that error.
    """
    waiting = [name for name, record in state["vms"].items() if record["state"] in WAITING]
    state["rounds"] += 1
    if read_error:
        state["read_errors"] += 1
        for name in waiting:
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
    }


def summary_lines(state: dict, max_parallel: int) -> list[str]:
    skipped = state["skipped"]
    return [
        f"VMs already migrated (skipped): {len(skipped)}" + (f": {', '.join(skipped)}" if skipped else ""),
        f"VMs to migrate now: {len(state['queue'])}, at most {max_parallel} at a time",
    ]
