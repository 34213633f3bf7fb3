# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The engine's export -> import -> VM path, round by round against the in-memory API of test_vm_engine."""

from __future__ import annotations

import base64
import json

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube import vm_window
from ansible_collections.ostokubevirt.migrate.tests.unit.plugins.module_utils.kube.test_vm_engine import NS, Clock, FakeApi, make_vm, params, run

TOKEN = "gAAAAA-very-secret-token"
TOKEN2 = "gAAAAA-second-secret-token"
SHA = "sha256:" + "ab" * 32


def make_disk_vm(name, sc="fast", method="glance", status="SHUTOFF"):
    return make_vm(name, status, method=method, sc=sc)


def record(name, method="glance", checksum=SHA):
    return {
        "source_id": f"id-{name}",
        "server_id": f"id-{name}",
        "method": method,
        "url": f"http://127.0.0.1:9292/v2/images/img-{name}/file",
        "disk_format": "qcow2",
        "size": 1234,
        "virtual_size": 4096,
        "checksum": checksum,
        "consistency": "cold",
        "needs_token": method == "glance",
        "image_id": f"img-{name}" if method == "glance" else None,
        "temporaries": [{"kind": "image", "id": f"img-{name}", "name": f"ostokubevirt-root-id-{name}"}] if method == "glance" else [],
        "tvo": None,
    }


def dparams(vms, **kw):
    disk_options = {
        "max_parallel": 3,
        "datavolume_timeout": 1000,
        "export_results": [],
        "export_timeout": 500,
        "keep_exports": False,
        "storage_class_limits": {},
        "import_error_restarts": 3,
    }
    return params(vms, **{**disk_options, **kw})


def exported(name):
    return {"vm": name, "records": [record(name)], "pending": [], "errors": []}


def dv_error(api, name, message, restarts):
    api.objects[("DataVolume", f"{name}-root")]["status"] = {
        "phase": "ImportInProgress",
        "progress": "N/A",
        "restartCount": restarts,
        "conditions": [{"type": "Running", "status": "False", "reason": "Error", "message": message}],
    }


def succeed(api, name):
    api.objects[("DataVolume", f"{name}-root")]["status"] = {"phase": "Succeeded", "progress": "100.0%"}


def progress(api):
    return api.objects[("ConfigMap", "progress")]["data"]


def to_importing(api, clock, names, vms=None, **kw):
    """Rounds until every VM named imports (as far as limits allow); returns the last round's result."""
    vms = vms or [make_disk_vm(n) for n in names]
    result = run(api, None, dparams(vms, **kw), clock)
    result = run(api, result["state"], dparams(vms, export_results=[exported(n) for n in names], **kw), clock)
    assert result["token_needed"]
    result = run(api, result["state"], dparams(vms, disk_token=TOKEN, **kw), clock)
    return result


def test_export_then_import_then_vm_with_figures_and_cleanup():
    api, clock = FakeApi(), Clock()
    vm = make_disk_vm("a")
    result = run(api, None, dparams([vm]), clock)
    assert result["state"]["vms"]["a"]["state"] == vm_window.EXPORTING
    assert result["export_requests"] == [{"vm": "a", "server_id": "id-a", "source_ids": ["id-a"], "source_stopped": True}]
    assert not [e for e in api.log if e[0] == "apply" and e[1] != "ConfigMap"]

    pending = {
        "vm": "a",
        "records": [],
        "pending": [{"server_id": "id-a", "source_id": "id-a", "step": "upload", "status": "saving", "progress": 40}],
        "errors": [],
    }
    result = run(api, result["state"], dparams([vm], export_results=[pending]), clock)
    assert "disk a-root (id-a) upload saving 40%" in "\n".join(result["lines"])
    assert result["export_requests"][0]["source_ids"] == ["id-a"]

    result = run(api, result["state"], dparams([vm], export_results=[exported("a")]), clock)
    assert result["state"]["vms"]["a"]["state"] == vm_window.EXPORTED
    assert result["token_needed"] and not result["export_requests"]
    assert json.loads(progress(api)["exports.a"])["records"][0]["image_id"] == "img-a"

    clock.now = 10
    result = run(api, result["state"], dparams([vm], disk_token=TOKEN), clock)
    assert result["state"]["vms"]["a"]["state"] == vm_window.IMPORTING
    secret = api.objects[("Secret", "a-disk-token")]
    assert base64.b64decode(secret["data"]["token"]).decode() == f"X-Auth-Token: {TOKEN}"
    http = api.objects[("DataVolume", "a-root")]["spec"]["source"]["http"]
    assert http == {"url": record("a")["url"], "secretExtraHeaders": ["a-disk-token"], "checksum": SHA}
    assert ("VirtualMachine", "a") not in api.objects
    assert json.loads(progress(api)["import.a"]) == {"started": 10}

    clock.now = 20
    api.objects[("DataVolume", "a-root")]["status"] = {"phase": "ImportInProgress", "progress": "45.5%"}
    result = run(api, result["state"], dparams([vm]), clock)
    assert "a: importing, 0/1 disk(s) imported; DataVolume a-root phase ImportInProgress, progress 45.5%" in result["lines"]

    clock.now = 40
    succeed(api, "a")
    result = run(api, result["state"], dparams([vm]), clock)
    assert ("VirtualMachine", "a") in api.objects
    # The token does not outlive the import on the cluster.
    assert ("Secret", "a-disk-token") not in api.objects and ("delete", "Secret", "a-disk-token") in api.log
    assert result["cleanup_requests"] == [{"vm": "a", "server_id": "id-a", "records": [record("a")]}]
    figures = [{"source_id": "id-a", "datavolume": "a-root", "method": "glance", "bytes": 1234, "seconds": 30.0, "checksum_verified": True}]
    assert result["disks"] == {"a": figures}

    api.objects[("VirtualMachine", "a")]["status"] = {"ready": True}
    result = run(api, result["state"], dparams([vm]), clock)
    assert result["done"] == ["a"] and result["finished"]
    assert json.loads(progress(api)["vm.a"])["disks"] == figures
    everything = json.dumps([result, progress(api)]) + "\n".join(result["lines"])
    assert TOKEN not in everything


def test_keep_exports_asks_for_no_cleanup():
    api, clock = FakeApi(), Clock()
    result = to_importing(api, clock, ["a"], keep_exports=True)
    succeed(api, "a")
    result = run(api, result["state"], dparams([make_disk_vm("a")], keep_exports=True), clock)
    assert ("VirtualMachine", "a") in api.objects and result["cleanup_requests"] == []


def test_a_401_renews_the_token_once_and_a_second_401_fails_the_vm_without_a_virtualmachine():
    api, clock = FakeApi(), Clock()
    vms = [make_disk_vm("a")]
    result = to_importing(api, clock, ["a"])
    message = "Unable to connect to http data source: expected status code 200, got 401. Status: 401 Unauthorized"
    dv_error(api, "a", message, 1)
    clock.now = 5
    result = run(api, result["state"], dparams(vms), clock)
    assert result["token_needed"] and "renewing the token" in "\n".join(result["lines"])

    clock.now = 6
    result = run(api, result["state"], dparams(vms, disk_token=TOKEN2), clock)
    assert base64.b64decode(api.objects[("Secret", "a-disk-token")]["data"]["token"]).decode() == f"X-Auth-Token: {TOKEN2}"
    assert not result["token_needed"]
    # The importer's old failure, and a retry before the kubelet saw the new Secret, are not a second 401.
    dv_error(api, "a", message, 2)
    clock.now = 30
    result = run(api, result["state"], dparams(vms), clock)
    assert result["state"]["vms"]["a"]["state"] == vm_window.IMPORTING and not result["token_needed"]

    clock.now = 200
    result = run(api, result["state"], dparams(vms), clock)
    failed = result["failed_vms"][0]["message"]
    assert "DataVolume a-root (disk id-a)" in failed and "401" in failed
    assert ("VirtualMachine", "a") not in api.objects
    assert TOKEN not in json.dumps(result) and TOKEN2 not in json.dumps(result)


def test_a_401_renewed_then_success_creates_the_vm():
    api, clock = FakeApi(), Clock()
    vms = [make_disk_vm("a")]
    result = to_importing(api, clock, ["a"])
    dv_error(api, "a", "expected status code 200, got 401. Status: 401 Unauthorized", 1)
    result = run(api, result["state"], dparams(vms), clock)
    result = run(api, result["state"], dparams(vms, disk_token=TOKEN2), clock)
    succeed(api, "a")
    result = run(api, result["state"], dparams(vms), clock)
    assert ("VirtualMachine", "a") in api.objects and not result["failed_vms"]


def test_a_checksum_mismatch_fails_its_vm_naming_both_digests_and_the_other_vm_carries_on():
    api, clock = FakeApi(), Clock()
    vms = [make_disk_vm("a"), make_disk_vm("b")]
    result = to_importing(api, clock, ["a", "b"])
    calculated = "sha256:" + "cd" * 32
    dv_error(api, "a", f"Unable to process data: checksum validation failed: checksum mismatch: expected {SHA}, calculated {calculated}", 1)
    succeed(api, "b")
    result = run(api, result["state"], dparams(vms), clock)
    failed = {f["name"]: f["message"] for f in result["failed_vms"]}
    assert set(failed) == {"a"}
    assert "DataVolume a-root (disk id-a)" in failed["a"] and SHA in failed["a"] and calculated in failed["a"]
    assert ("VirtualMachine", "a") not in api.objects and ("VirtualMachine", "b") in api.objects
    assert json.loads(progress(api)["vm.a"])["phase"] == "failed"
    assert ("Secret", "a-disk-token") not in api.objects and ("Secret", "b-disk-token") not in api.objects


def test_other_import_errors_fail_after_the_allowed_restarts():
    api, clock = FakeApi(), Clock()
    vms = [make_disk_vm("a")]
    result = to_importing(api, clock, ["a"])
    dv_error(api, "a", "Unable to connect to http data source: connection refused", 2)
    result = run(api, result["state"], dparams(vms), clock)
    assert not result["failed_vms"]
    dv_error(api, "a", "Unable to connect to http data source: connection refused", 3)
    result = run(api, result["state"], dparams(vms), clock)
    assert "import failed 3 time(s): Unable to connect" in result["failed_vms"][0]["message"]


def test_an_export_error_fails_that_vm_only_naming_the_disk():
    api, clock = FakeApi(), Clock()
    vms = [make_disk_vm("a"), make_disk_vm("b")]
    result = run(api, None, dparams(vms), clock)
    errors = {"vm": "a", "records": [], "pending": [], "errors": [{"server_id": "id-a", "source_id": "id-a", "message": "createImage: 409 Conflict"}]}
    result = run(api, result["state"], dparams(vms, export_results=[errors, exported("b")]), clock)
    assert result["failed_vms"] == [{"name": "a", "server_id": "id-a", "message": "export of disk a-root (id-a) failed: createImage: 409 Conflict"}]
    assert result["state"]["vms"]["b"]["state"] == vm_window.EXPORTED


def test_an_export_that_takes_too_long_fails_naming_the_disk():
    api, clock = FakeApi(), Clock()
    vms = [make_disk_vm("a")]
    result = run(api, None, dparams(vms), clock)
    clock.now = 501
    pending = {"vm": "a", "records": [], "pending": [{"source_id": "id-a", "step": "snapshot", "status": "creating", "progress": None}], "errors": []}
    result = run(api, result["state"], dparams(vms, export_results=[pending]), clock)
    assert result["failed_vms"][0]["message"] == "timed out after 500s exporting disk a-root (id-a): disk a-root (id-a) snapshot creating"


def test_per_storage_class_limit_holds_back_imports_but_not_exports():
    api, clock = FakeApi(), Clock()
    vms = [make_disk_vm("a"), make_disk_vm("b"), make_disk_vm("c", sc="slow")]
    limits = {"fast": 1}
    result = to_importing(api, clock, ["a", "b", "c"], vms=vms, storage_class_limits=limits)
    states = {n: r["state"] for n, r in result["state"]["vms"].items()}
    assert states == {"a": vm_window.IMPORTING, "b": vm_window.EXPORTED, "c": vm_window.IMPORTING}
    assert "waiting for a free import slot of StorageClass fast" in result["state"]["vms"]["b"]["line"]
    succeed(api, "a")
    result = run(api, result["state"], dparams(vms, storage_class_limits=limits), clock)
    assert result["state"]["vms"]["a"]["state"] == vm_window.WAITING_VM
    assert result["token_needed"]
    result = run(api, result["state"], dparams(vms, storage_class_limits=limits, disk_token=TOKEN), clock)
    assert result["state"]["vms"]["b"]["state"] == vm_window.IMPORTING


def test_resume_with_saved_records_skips_the_export_and_keeps_the_import_start():
    api, clock = FakeApi(), Clock()
    vm = make_disk_vm("a")
    result = to_importing(api, clock, ["a"])
    # A killed run: started again from nothing but the cluster and its progress record.
    clock.now = 100
    result = run(api, None, dparams([vm]), clock)
    assert result["export_requests"] == [] and result["token_needed"]
    result = run(api, result["state"], dparams([vm], disk_token=TOKEN), clock)
    succeed(api, "a")
    clock.now = 130
    result = run(api, result["state"], dparams([vm]), clock)
    assert result["disks"]["a"][0]["seconds"] == 130.0


def test_resume_while_exporting_asks_only_for_the_disks_still_missing():
    api, clock = FakeApi(), Clock()
    vm = make_disk_vm("a")
    vm["disk_transfers"].append({"source_id": "vol-1", "datavolume": "a-data", "kind": "volume", "method": "glance"})
    result = run(api, None, dparams([vm]), clock)
    assert result["export_requests"][0]["source_ids"] == ["id-a", "vol-1"]
    half = {"vm": "a", "records": [record("a")], "pending": [{"source_id": "vol-1", "step": "upload", "status": "queued"}], "errors": []}
    run(api, result["state"], dparams([vm], export_results=[half]), clock)
    result = run(api, None, dparams([vm]), clock)
    assert result["export_requests"][0]["source_ids"] == ["vol-1"]


def test_resume_of_a_done_vm_skips_it():
    api, clock = FakeApi(), Clock()
    vm = make_disk_vm("a")
    result = to_importing(api, clock, ["a"])
    succeed(api, "a")
    result = run(api, result["state"], dparams([vm]), clock)
    api.objects[("VirtualMachine", "a")]["status"] = {"ready": True}
    run(api, result["state"], dparams([vm]), clock)
    result = run(api, None, dparams([vm]), clock)
    assert result["skipped"] == ["a"] and result["finished"] and not result["export_requests"]


def test_tvo_disks_import_from_given_records_without_a_token_and_fail_without_one():
    api, clock = FakeApi(), Clock()
    vms = [make_disk_vm("a", method="tvo"), make_disk_vm("b", method="tvo")]
    result = run(api, None, dparams(vms, export_records=[record("a", method="tvo")]), clock)
    assert result["state"]["vms"]["a"]["state"] == vm_window.IMPORTING
    assert not result["token_needed"] and not result["export_requests"]
    assert ("Secret", "a-disk-token") not in api.objects
    assert "secretExtraHeaders" not in api.objects[("DataVolume", "a-root")]["spec"]["source"]["http"]
    assert "method tvo needs its export record in export_records" in result["failed_vms"][0]["message"]


def test_no_token_fails_the_vms_waiting_for_one():
    api, clock = FakeApi(), Clock()
    vms = [make_disk_vm("a")]
    result = run(api, None, dparams(vms), clock)
    result = run(api, result["state"], dparams(vms, export_results=[exported("a")]), clock)
    result = run(api, result["state"], dparams(vms, token_error="401 The request you have made requires authentication"), clock)
    assert result["failed_vms"][0]["message"].startswith("cannot get a Glance token for its import: 401")


def test_a_bad_record_fails_its_vm_naming_the_field():
    api, clock = FakeApi(), Clock()
    vms = [make_disk_vm("a")]
    result = run(api, None, dparams(vms), clock)
    bad = {"vm": "a", "records": [record("a", checksum=None)], "pending": [], "errors": []}
    result = run(api, result["state"], dparams(vms, export_results=[bad]), clock)
    result = run(api, result["state"], dparams(vms, disk_token=TOKEN), clock)
    assert "export record field checksum is None" in result["failed_vms"][0]["message"]
    assert TOKEN not in json.dumps(result)


def test_check_mode_exports_nothing_and_asks_for_no_token():
    api, clock = FakeApi(), Clock()
    api.objects[("Namespace", NS)] = {"metadata": {"name": NS}}
    result = run(api, None, dparams([make_disk_vm("a")]), clock, check_mode=True)
    assert not result["export_requests"] and not result["token_needed"]
    assert "a: would export and import a-root (glance), then apply its VirtualMachine" in result["lines"]


def test_import_error_kinds():
    from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.vm_wait import import_error

    def dv(message, reason="Error", status="False"):
        return {"status": {"restartCount": 2, "conditions": [{"type": "Running", "status": status, "reason": reason, "message": message}]}}

    assert import_error(dv("got 401. Status: 401 Unauthorized")) == ("unauthorized", "got 401. Status: 401 Unauthorized", 2)
    assert import_error(dv("checksum mismatch: expected a, calculated b"))[0] == "checksum"
    assert import_error(dv("no route to host"))[0] == "error"
    assert import_error(dv("", reason="Pod is running", status="True"))[0] == "ok"
    assert import_error(None) == ("ok", "", 0)
