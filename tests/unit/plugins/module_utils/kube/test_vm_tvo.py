# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The engine driving TrilioVault per VM (tvo option): backup steps asked of the caller, the snapshot in flight
saved as it starts, a failed snapshot failing its VM only, the backup target's HTTP server before the import."""

from __future__ import annotations

import json

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube import vm_window
from ansible_collections.ostokubevirt.migrate.tests.unit.plugins.module_utils.kube.test_vm_disks import dparams, make_disk_vm, progress, record
from ansible_collections.ostokubevirt.migrate.tests.unit.plugins.module_utils.kube.test_vm_engine import NS, Clock, FakeApi, run

TVO = {"mount_path": "/mnt/tvo", "http_server": {"nfs_server": "nfs.example", "nfs_path": "/backups", "name": "tvo-http", "port": 8080}}


def tvo_params(vms, **kw):
    return dparams(vms, tvo=TVO, **kw)


def in_flight(name, status, snapshot="s1", progress_percent=None):
    ids = {"workload_id": "w1", "snapshot_id": snapshot}
    return {
        "vm": name,
        "records": [],
        "pending": [{"server_id": f"id-{name}", "step": "snapshot", "status": status, "progress": progress_percent, "tvo": ids}],
        "errors": [],
    }


def test_tvo_vms_are_backed_up_in_their_slot_resume_polls_the_saved_snapshot_and_a_failed_one_fails_that_vm_only():
    api, clock = FakeApi(), Clock()
    vms = [make_disk_vm("a", method="tvo"), make_disk_vm("b", method="tvo")]
    result = run(api, None, tvo_params(vms), clock)
    assert [r["kind"] for r in result["export_requests"]] == ["tvo", "tvo"]
    assert result["export_requests"][0] == {
        "vm": "a",
        "server_id": "id-a",
        "source_ids": ["id-a"],
        "source_stopped": True,
        "kind": "tvo",
        "tvo_in_flight": {},
    }
    started = [in_flight("a", "started", "s1", 0), in_flight("b", "started", "s2", 0)]
    result = run(api, result["state"], tvo_params(vms, export_results=started), clock)
    # Saved as the snapshot starts, before it is done.
    assert json.loads(progress(api)["exports.a"]) == {"records": [], "tvo_in_flight": {"id-a": {"workload_id": "w1", "snapshot_id": "s1"}}}
    assert "TVO snapshot s1 started 0%" in result["state"]["vms"]["a"]["line"]

    # A killed run: started again from the progress record only, it hands the caller the snapshots in flight.
    clock.now = 50
    result = run(api, None, tvo_params(vms), clock)
    assert {r["vm"]: r["tvo_in_flight"] for r in result["export_requests"]} == {
        "a": {"id-a": {"workload_id": "w1", "snapshot_id": "s1"}},
        "b": {"id-b": {"workload_id": "w1", "snapshot_id": "s2"}},
    }
    failed = {
        "vm": "a",
        "records": [],
        "pending": [],
        "errors": [{"server_id": "id-a", "message": "snapshot s1 of workload w1 ended in status error: datamover down"}],
    }
    done = {"vm": "b", "records": [record("b", method="tvo")], "pending": [], "errors": []}
    result = run(api, result["state"], tvo_params(vms, export_results=[failed, done]), clock)
    assert [f["name"] for f in result["failed_vms"]] == ["a"]
    assert "snapshot s1 of workload w1 ended in status error: datamover down" in result["failed_vms"][0]["message"]
    # b imports from its backup at once (no token), after the backup target's HTTP server was applied.
    assert result["state"]["vms"]["b"]["state"] == vm_window.IMPORTING and not result["token_needed"]
    applies = [(kind, name) for verb, kind, name in api.log if verb == "apply" and kind != "ConfigMap"]
    assert applies.index(("Deployment", "tvo-http")) < applies.index(("DataVolume", "b-root"))
    assert ("Service", "tvo-http") in applies and ("DataVolume", "a-root") not in applies
    assert api.objects[("Service", "tvo-http")]["metadata"]["namespace"] == NS
    assert json.loads(progress(api)["exports.b"])["records"] == [record("b", method="tvo")]


def test_records_given_win_and_without_the_tvo_option_a_missing_record_fails_the_vm():
    api, clock = FakeApi(), Clock()
    vms = [make_disk_vm("a", method="tvo"), make_disk_vm("b", method="tvo")]
    result = run(api, None, tvo_params(vms, export_records=[record("a", method="tvo")]), clock)
    assert result["state"]["vms"]["a"]["state"] == vm_window.IMPORTING
    assert [r["vm"] for r in result["export_requests"]] == ["b"]
    result = run(FakeApi(), None, dparams(vms), Clock())
    assert all("needs its export record" in f["message"] for f in result["failed_vms"])
