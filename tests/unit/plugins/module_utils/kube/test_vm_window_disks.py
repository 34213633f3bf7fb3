# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pure transitions of a VM with exported disks (kube/vm_window.py), without any API."""

from __future__ import annotations

import json

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube import vm_window as w
from ansible_collections.ostokubevirt.migrate.tests.unit.plugins.module_utils.kube.test_vm_disks import make_disk_vm, record


def _state(vms, data=None, given=None):
    return w.begin(vms, data or {}, given)


def _dv(phase="ImportInProgress", message=None, restarts=0):
    status = {"phase": phase, "progress": "10.0%", "restartCount": restarts}
    if message:
        status["conditions"] = [{"type": "Running", "status": "False", "reason": "Error", "message": message}]
    return {"a-root": {"metadata": {"name": "a-root"}, "status": status}}


def _importing(now=0.0):
    vm = make_disk_vm("a")
    state = _state([vm])
    w.disks_info(state, "a")["records"] = [record("a")]
    w.begin_import(state, vm, now)
    return vm, state


def test_begin_restores_records_and_import_start_and_takes_given_records():
    vm, tvo = make_disk_vm("a"), make_disk_vm("b", method="tvo")
    data = {"exports.a": json.dumps({"records": [record("a")]}), "import.a": json.dumps({"started": 7})}
    state = _state([vm, tvo], data, [record("b", method="tvo"), record("zz")])
    assert state["disks"]["a"] == {"records": [record("a")], "import_started": 7}
    assert state["disks"]["b"] == {"records": [record("b", method="tvo")]}
    assert w.start_disks(state, vm, 1) and state["vms"]["a"]["state"] == w.EXPORTED
    assert not w.start_disks(state, {**vm, "disk_transfers": []}, 1)


def test_exporting_collects_records_then_is_exported_and_recorded():
    vm = make_disk_vm("a")
    state = _state([vm])
    w.start_disks(state, vm, 0)
    assert state["vms"]["a"]["state"] == w.EXPORTING
    assert w.export_requests(state, {"a": vm}, False) == [{"vm": "a", "server_id": "id-a", "source_ids": ["id-a"], "source_stopped": True}]
    changes = w.record_export_results(state, {"a": vm}, [{"vm": "a", "records": [record("a")], "pending": [], "errors": []}], 5, 100)
    assert state["vms"]["a"]["state"] == w.EXPORTED and json.loads(changes["exports.a"]) == {"records": [record("a")]}
    # An outcome for a VM no longer exporting changes nothing.
    assert w.record_export_results(state, {"a": vm}, [{"vm": "a", "message": "boom"}], 6, 100) == {}


def test_storage_class_limits_count_importing_vms_per_class():
    vms = {n: make_disk_vm(n, sc=sc) for n, sc in (("a", "fast"), ("b", "fast"), ("c", "fast"), ("d", ""))}
    state = _state(list(vms.values()))
    for name in vms:
        w.set_state(state, name, w.EXPORTED, 0)
    assert w.import_candidates(state, vms, {"fast": 2, "": 1}) == ["a", "b", "d"]
    w.set_state(state, "a", w.IMPORTING, 0)
    assert w.import_candidates(state, vms, {"fast": 2}) == ["b", "d"]
    assert w.import_candidates(state, vms, {}) == ["b", "c", "d"]


def test_import_step_401_renews_once_then_fails_after_the_grace():
    vm, state = _importing()
    w.import_step(state, vm, _dv(message="got 401 Unauthorized", restarts=1), 10, 1000, 3)
    assert w.renewals(state) == ["a"] and "renewing the token" in state["vms"]["a"]["line"]
    w.renewed(state, "a", 11)
    assert w.renewals(state) == []
    w.import_step(state, vm, _dv(message="got 401 Unauthorized", restarts=1), 12, 1000, 3)
    w.import_step(state, vm, _dv(message="got 401 Unauthorized", restarts=2), 11 + w.RENEW_GRACE - 1, 1000, 3)
    assert state["vms"]["a"]["state"] == w.IMPORTING and w.renewals(state) == []
    w.import_step(state, vm, _dv(message="got 401 Unauthorized", restarts=3), 11 + w.RENEW_GRACE, 1000, 3)
    assert state["vms"]["a"]["state"] == w.FAILED and "still answers 401" in state["vms"]["a"]["message"]


def test_import_step_checksum_phase_failed_timeout_and_success():
    vm, state = _importing()
    w.import_step(state, vm, _dv(message="checksum mismatch: expected sha256:aa, calculated sha256:bb", restarts=1), 1, 1000, 3)
    assert "expected sha256:aa, calculated sha256:bb" in state["vms"]["a"]["message"]

    vm, state = _importing()
    w.import_step(state, vm, _dv(phase="Failed"), 1, 1000, 3)
    assert state["vms"]["a"]["message"].startswith("DataVolume a-root (disk id-a): import failed, phase Failed")

    vm, state = _importing()
    w.import_step(state, vm, _dv(), 1001, 1000, 3)
    assert state["vms"]["a"]["message"].startswith("timed out after 1000s importing the disks: DataVolume a-root phase ImportInProgress")

    vm, state = _importing(now=3)
    w.import_step(state, vm, _dv(phase="Succeeded"), 13, 1000, 3)
    assert state["vms"]["a"]["state"] == w.IMPORTED
    assert state["disks"]["a"]["stats"] == [
        {"source_id": "id-a", "datavolume": "a-root", "method": "glance", "bytes": 1234, "seconds": 10.0, "checksum_verified": True}
    ]
    assert w.cleanup_request(state, vm) == {"vm": "a", "server_id": "id-a", "records": [record("a")]}


def test_a_missing_token_fails_only_the_vms_waiting_for_one():
    vms = {"a": make_disk_vm("a"), "b": make_disk_vm("b", method="tvo")}
    state = _state(list(vms.values()))
    for name in vms:
        w.disks_info(state, name)["records"] = [record(name, method=vms[name]["disk_transfers"][0]["method"])]
        w.set_state(state, name, w.EXPORTED, 0)
    w.fail_token_waiters(state, vms, "keystone down", 1)
    assert state["vms"]["a"]["state"] == w.FAILED and state["vms"]["b"]["state"] == w.EXPORTED
