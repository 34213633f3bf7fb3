# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube import vm_window
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.vm_wait import last_condition

WEB = {"name": "web", "server_id": "s1", "hash": "h1", "run_strategy": "Always", "datavolume_names": ["web-root", "web-data"]}
HALTED = {"name": "old", "server_id": "s2", "hash": "h2", "run_strategy": "Halted", "datavolume_names": ["old-root"]}


def dv(name, phase, progress="N/A", conditions=None):
    return {"metadata": {"name": name}, "status": {"phase": phase, "progress": progress, "conditions": conditions or []}}


def vm(name, printable, ready=False, conditions=None):
    status = {"printableStatus": printable, "ready": ready, "conditions": conditions or []}
    return {"metadata": {"name": name}, "status": status}


def step(state, dvs, vms, now, vm_list=(WEB,), **kw):
    """One polling round of the engine's window over VMs already applied; the view the old batch wait returned."""
    vm_list = list(vm_list)
    if not state:
        state = vm_window.begin(vm_list, {})
        for entry in vm_list:
            vm_window.set_state(state, entry["name"], "disks", now)
    window = state
    vm_window.poll(
        window,
        {v["name"]: v for v in vm_list},
        dvs,
        vms,
        now=now,
        datavolume_timeout=kw.get("dv_timeout", 100),
        ready_timeout=kw.get("ready_timeout", 50),
        read_error=kw.get("read_error"),
    )
    changes = vm_window.progress_changes(window, {v["name"]: v for v in vm_list})
    window["recorded"].update(changes)
    progress = {key: value for key, value in changes.items() if json.loads(value)["phase"] != "applied"}
    names = [v["name"] for v in vm_list]
    outcome = vm_window.outcome(window)
    window.update(
        pending=vm_window.pending(window), lines=vm_window.lines(window, names), progress=progress, done=outcome["done"], failed=outcome["failed_vms"]
    )
    return window


def test_disks_then_ready_then_done_with_progress_lines():
    state = step({}, [dv("web-root", "ImportInProgress", "12.50%"), dv("web-data", "Succeeded", "100.0%")], [], now=0)
    assert state["pending"] == ["web"]
    assert state["lines"] == ["web: disks 1/2 ready; DataVolume web-root phase ImportInProgress, progress 12.50%"]
    assert state["progress"] == {}
    state = step(state, [dv("web-root", "Succeeded"), dv("web-data", "Succeeded")], [vm("web", "Starting")], now=10)
    assert state["vms"]["web"]["state"] == "starting" and "VirtualMachine Starting" in state["lines"][0]
    state = step(
        state, [dv("web-root", "Succeeded"), dv("web-data", "Succeeded")], [vm("web", "Running", conditions=[{"type": "Ready", "status": "True"}])], now=20
    )
    assert state["done"] == ["web"] and state["pending"] == []
    assert json.loads(state["progress"]["vm.web"]) == {"phase": "done", "server_id": "s1", "hash": "h1"}


def test_halted_vm_is_done_when_stopped_even_on_wait_for_first_consumer_storage():
    state = step({}, [dv("old-root", "WaitForFirstConsumer")], [vm("old", "Stopped")], now=0, vm_list=[HALTED])
    assert state["done"] == ["old"] and state["lines"] == ["old: Stopped"]


def test_failed_import_fails_at_once_with_its_last_condition():
    conditions = [
        {"type": "Bound", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"},
        {"type": "Running", "status": "False", "reason": "Error", "message": "checksum mismatch", "lastTransitionTime": "2026-01-01T00:05:00Z"},
    ]
    state = step({}, [dv("web-root", "Failed", "37.00%", conditions), dv("web-data", "Succeeded")], [], now=0)
    assert state["failed"] == [
        {
            "name": "web",
            "server_id": "s1",
            "message": "DataVolume web-root phase Failed, progress 37.00%; last condition Running=False (Error): checksum mismatch",
        }
    ]
    assert json.loads(state["progress"]["vm.web"])["phase"] == "failed"


def test_disk_timeout_names_the_stuck_datavolume():
    state = step({}, [dv("web-root", "ImportScheduled"), dv("web-data", "Succeeded")], [], now=0)
    state = step(
        state,
        [dv("web-root", "ImportScheduled", conditions=[{"type": "Bound", "status": "False", "reason": "Pending"}]), dv("web-data", "Succeeded")],
        [],
        now=101,
    )
    expected = "timed out after 100s waiting for the disks: DataVolume web-root phase ImportScheduled, progress N/A; last condition Bound=False (Pending)"
    assert state["failed"][0]["message"] == expected


def test_missing_datavolume_and_ready_timeout_are_explained():
    state = step({}, [dv("web-data", "Succeeded")], [], now=0)
    assert "DataVolume web-root does not exist" in state["lines"][0]
    disks = [dv("web-root", "Succeeded"), dv("web-data", "Succeeded")]
    stuck = [vm("web", "ErrorUnschedulable", conditions=[{"type": "Ready", "status": "False", "reason": "Unschedulable", "message": "0/3 nodes"}])]
    state = step(step({}, disks, stuck, now=0), disks, stuck, now=51)
    expected = (
        "timed out after 50s waiting for VirtualMachine web to be Ready: printableStatus ErrorUnschedulable, "
        "last condition Ready=False (Unschedulable): 0/3 nodes"
    )
    assert state["failed"][0]["message"] == expected


def test_read_errors_keep_waiting_then_fail_the_unfinished_vms():
    state = {}
    for attempt in range(1, 5):
        state = step(state, None, None, now=attempt, read_error="HTTP 500")
        assert state["pending"] == ["web"] and f"({attempt}/5)" in state["lines"][0]
    state = step(state, None, None, now=5, read_error="HTTP 500")
    assert state["failed"][0]["message"] == "cannot read its objects from the cluster 5 times in a row: HTTP 500"
    fresh = step({}, None, None, now=0, read_error="boom")
    assert fresh["read_errors"] == 1 and step(fresh, [], [], now=1)["read_errors"] == 0


def test_finished_vms_stay_finished():
    state = step({}, [dv("web-root", "Failed"), dv("web-data", "Succeeded")], [], now=0)
    again = step(state, [dv("web-root", "Succeeded"), dv("web-data", "Succeeded")], [vm("web", "Running", ready=True)], now=1)
    assert again["vms"]["web"]["state"] == "failed"


@pytest.mark.parametrize(
    "obj, text",
    [
        ({}, "no conditions reported"),
        ({"status": {"conditions": [{"type": "Ready", "status": "True"}]}}, "Ready=True"),
    ],
)
def test_last_condition(obj, text):
    assert last_condition(obj) == text


def test_rounds_are_counted_without_a_budget_of_their_own():
    state = {}
    for _round in range(50):
        state = step(state, [dv("web-root", "ImportInProgress"), dv("web-data", "Succeeded")], [], now=0)
    assert state["rounds"] == 50 and state["pending"] == ["web"]
