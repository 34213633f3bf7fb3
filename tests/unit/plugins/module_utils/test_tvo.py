# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The TVO client's pure parts and its file handling (qemu-img on real files); the live path is in
tests/openstack_testbed/tests/test_tvo.py (against a stand-in of the TVO API)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack import tvo

PROJECT = "4b6f0c2e9d7a4c1f8e3b2a1d0c9f8e7d"
ENDPOINT = f"http://tvm:8780/v1/{PROJECT}"
needs_qemu = pytest.mark.skipif(shutil.which("qemu-img") is None, reason="qemu-img (qemu-utils) not installed")
RECORD_KEYS = {
    "source_id",
    "server_id",
    "method",
    "url",
    "disk_format",
    "size",
    "virtual_size",
    "checksum",
    "consistency",
    "needs_token",
    "image_id",
    "temporaries",
    "tvo",
}


class EndpointNotFound(Exception):
    pass


class Response:
    def __init__(self, status, body=None, headers=None):
        self.status_code = status
        self._body = body
        self.headers = headers or {}
        self.content = json.dumps(body).encode() if body is not None else b""
        self.text = self.content.decode()

    def json(self):
        return json.loads(self.content)


class Session:
    """Answers from a list per (method, path); records every call."""

    def __init__(self, answers=None, catalog=None):
        self.answers = {k: list(v) for k, v in (answers or {}).items()}
        self.catalog = catalog or {}
        self.calls = []

    def get_endpoint(self, service_type, interface, region_name):
        if service_type not in self.catalog:
            raise EndpointNotFound(service_type)
        return self.catalog[service_type]

    def request(self, url, method, **kwargs):
        path = url[len(ENDPOINT) + 1 :]
        self.calls.append((method, path, kwargs))
        queue = self.answers.get((method, path))
        if not queue:
            return Response(404, {"itemNotFound": {"message": f"{method} {path}"}})
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def client(answers, **kwargs):
    return tvo.TvoClient(Session(answers), ENDPOINT, sleep=lambda s: None, **kwargs)


# ------------------------------------------------------------------------------------------------ catalog


def test_endpoint_is_found_under_either_service_type_and_gets_the_project():
    found = tvo.endpoint_from_catalog(Session(catalog={"workloadmgr": "http://tvm:8780/v1"}), PROJECT)
    assert found == (ENDPOINT, "workloadmgr")
    found = tvo.endpoint_from_catalog(Session(catalog={"workloads": ENDPOINT + "/", "workloadmgr": "http://other"}), PROJECT)
    assert found == (ENDPOINT, "workloads")


def test_a_missing_catalog_entry_names_both_types_and_the_interface():
    with pytest.raises(tvo.TvoError, match=r"no TrilioVault \(workloadmgr\) endpoint .* interface 'internal' .*workloads, workloadmgr"):
        tvo.endpoint_from_catalog(Session(), PROJECT, interface="internal")


def test_other_catalog_failures_are_not_taken_for_a_missing_entry():
    class Broken(Session):
        def get_endpoint(self, **kwargs):
            raise RuntimeError("keystone down")

    with pytest.raises(tvo.TvoError, match=r"cannot read the service catalog.*RuntimeError: keystone down"):
        tvo.endpoint_from_catalog(Broken(), PROJECT)


# ------------------------------------------------------------------------------------------------ client


def test_a_401_says_the_tvo_api_rejected_the_token():
    api = client({("GET", "workloads"): [Response(401, {"error": {"code": 401, "message": "The request you have made requires authentication."}})]})
    with pytest.raises(tvo.TvoError) as caught:
        api.workloads()
    assert "rejected the token (HTTP 401) for GET " + ENDPOINT + "/workloads" in str(caught.value)
    assert "requires authentication" in str(caught.value)


def test_gets_are_retried_on_transient_faults_writes_never():
    api = client({("GET", "workloads"): [Response(503, headers={"Retry-After": "1"}), Response(200, {"workloads": [{"id": "w1"}]})]})
    assert api.workloads() == [{"id": "w1"}]
    assert len(api.retries) == 1 and "HTTP 503" in api.retries[0]
    api = client({("POST", "workloads/w1"): [Response(500, {"message": "boom"}), Response(200, {"snapshot": {"id": "s1"}})]})
    with pytest.raises(tvo.TvoError, match=r"POST .*/workloads/w1: HTTP 500: boom"):
        api.take_full_snapshot("w1", "ostokubevirt-w1")
    assert len(api.session.calls) == 1


def test_a_dropped_connection_is_named_with_the_url():
    api = client({("GET", "snapshots/s1"): [ConnectionError("reset by peer")]})
    with pytest.raises(tvo.TvoError, match=r"GET http://tvm:8780/v1/.*/snapshots/s1: no response \(ConnectionError: reset by peer\)"):
        api.snapshot("s1")


def test_the_workload_protecting_a_server_is_found_by_its_instances():
    api = client(
        {
            ("GET", "workloads"): [
                Response(200, {"workloads": [{"id": "w2", "created_at": "2"}, {"id": "w1", "created_at": "1"}, {"id": "w0", "status": "error"}]})
            ],
            ("GET", "workloads/w1"): [Response(200, {"workload": {"id": "w1", "instances": [{"id": "other"}]}})],
            ("GET", "workloads/w2"): [Response(200, {"workload": {"id": "w2", "instances": [{"id": "vm1", "name": "web-1"}]}})],
        }
    )
    assert api.workload_protecting("vm1")["id"] == "w2"
    assert api.workload_protecting("vm9") is None
    assert "workloads/w0" not in [call[1] for call in api.session.calls]


def test_a_full_snapshot_is_asked_for_with_full_1_and_snapshot_type_full():
    api = client({("POST", "workloads/w1"): [Response(200, {"snapshot": {"id": "s1", "status": "executing"}})]})
    assert api.take_full_snapshot("w1", "ostokubevirt-w1") == "s1"
    _method, _path, kwargs = api.session.calls[0]
    assert kwargs["params"] == {"full": 1} and kwargs["json"]["snapshot"]["snapshot_type"] == "full"
    assert kwargs["json"]["snapshot"]["is_scheduled"] is False


def test_a_snapshot_answer_without_id_is_found_in_the_workloads_list():
    api = client(
        {
            ("POST", "workloads/w1"): [Response(202)],
            ("GET", "snapshots"): [
                Response(
                    200,
                    {"snapshots": [{"id": "old", "name": "ostokubevirt-w1", "created_at": "1"}, {"id": "new", "name": "ostokubevirt-w1", "created_at": "2"}]},
                )
            ],
        }
    )
    assert api.take_full_snapshot("w1", "ostokubevirt-w1") == "new"


def test_polling_reports_each_change_of_progress_and_stops_on_error(tmp_path):
    steps = [
        {"id": "s1", "workload_id": "w1", "status": "executing", "progress_percent": 5},
        {"id": "s1", "workload_id": "w1", "status": "executing", "progress_percent": 5},
        {"id": "s1", "workload_id": "w1", "status": "uploading", "progress_percent": 70, "progress_msg": "uploading vda"},
        {"id": "s1", "workload_id": "w1", "status": "error", "error_msg": "datamover down"},
    ]
    api = client({("GET", "snapshots/s1"): [Response(200, {"snapshot": s}) for s in steps]})
    backup = tvo.BackupRun(api, tvo.BackupOptions(str(tmp_path), "http://srv", snapshot_id="s1", poll_interval=1, timeout=100), sleep=lambda s: None)
    backup.run(["vm1"])
    assert backup.progress == [
        "snapshot s1 of workload w1: executing 5 %",
        "snapshot s1 of workload w1: uploading 70 % - uploading vda",
        "snapshot s1 of workload w1: error ? %",
    ]
    assert backup.failed == [{"server_id": "vm1", "msg": "snapshot s1 of workload w1 ended in status error: datamover down"}]


def test_polling_gives_up_at_the_timeout(tmp_path):
    clock = iter(range(0, 1000, 30))
    api = client({("GET", "snapshots/s1"): [Response(200, {"snapshot": {"id": "s1", "status": "executing", "progress_percent": 1}})]})
    options = tvo.BackupOptions(str(tmp_path), "http://srv", snapshot_id="s1", poll_interval=1, timeout=60)
    backup = tvo.BackupRun(api, options, sleep=lambda s: None, clock=lambda: next(clock)).run(["vm1"])
    assert backup.failed == [{"server_id": "vm1", "msg": "not backed up after 60 s: server vm1: snapshot s1 executing 1 %"}]


# ------------------------------------------------------------------------------------------------ pure mapping


SNAPSHOT = {
    "id": "s1",
    "workload_id": "w1",
    "instances": [
        {
            "id": "vm1",
            "vdisks": [
                {"label": "vda", "resource_id": "r1", "volume_id": None},
                {"label": None, "volume_mountpoint": "/dev/vdb", "resource_id": "r2", "volume_id": "vol-2"},
            ],
        },
        {"id": "vm2", "vdisks": [{"label": "vda", "resource_id": "r3", "volume_id": "vol-3"}]},
    ],
}


def test_vdisks_map_to_the_directories_tvo_writes():
    disks = tvo.disk_files(SNAPSHOT, "/mnt/tvo", ["vm1"])
    assert [d["dir"] for d in disks] == [
        "/mnt/tvo/workload_w1/snapshot_s1/vm_id_vm1/vm_res_id_r1_vda",
        "/mnt/tvo/workload_w1/snapshot_s1/vm_id_vm1/vm_res_id_r2_vdb",
    ]
    # an image-booted root is named by the server id, a volume by its id
    assert [d["source_id"] for d in disks] == ["vm1", "vol-2"]


def test_a_server_the_snapshot_does_not_hold_is_named():
    with pytest.raises(tvo.TvoError, match=r"snapshot s1 of workload w1 does not hold server.*vm9"):
        tvo.disk_files(SNAPSHOT, "/mnt/tvo", ["vm1", "vm9"])
    broken = {**SNAPSHOT, "instances": [{"id": "vm1", "vdisks": [{"label": "vda"}]}]}
    with pytest.raises(tvo.TvoError, match=r"server vm1: instances\[\]\.vdisks\[0\] has no resource_id"):
        tvo.disk_files(broken, "/mnt/tvo", ["vm1"])


def test_the_record_has_exactly_the_interface_fields():
    disk = tvo.disk_files(SNAPSHOT, "/mnt/tvo", ["vm2"])[0]
    record = tvo.export_record(
        disk,
        path="/mnt/tvo/x",
        url="http://h/x",
        info={"format": "qcow2", "virtual-size": 1024},
        size=10,
        checksum="sha256:ab",
        workload_id="w1",
        snapshot_id="s1",
        consistency="cold",
    )
    assert set(record) == RECORD_KEYS
    assert record["method"] == "tvo" and record["needs_token"] is False and record["image_id"] is None
    assert record["tvo"] == {"workload_id": "w1", "snapshot_id": "s1", "path": "/mnt/tvo/x"}
    assert (record["source_id"], record["server_id"], record["virtual_size"]) == ("vol-3", "vm2", 1024)


def test_urls_are_relative_to_the_served_root_and_encoded():
    assert tvo.url_for("http://srv:8080/", "/mnt/tvo", "/mnt/tvo/workload_w/a b") == "http://srv:8080/workload_w/a%20b"
    with pytest.raises(tvo.TvoError, match="is not under /mnt/tvo"):
        tvo.url_for("http://srv", "/mnt/tvo", "/elsewhere/f")


def test_options_are_checked_before_anything_runs(tmp_path):
    with pytest.raises(tvo.TvoError, match="http_base_url must be an http"):
        tvo.BackupOptions(str(tmp_path), "srv:8080")
    with pytest.raises(tvo.TvoError, match="incremental=flatten needs flatten_dir"):
        tvo.BackupOptions(str(tmp_path), "http://srv", incremental="flatten")
    with pytest.raises(tvo.TvoError, match=r"not under mount_path .* set flatten_base_url"):
        tvo.BackupOptions(str(tmp_path / "mnt"), "http://srv", incremental="flatten", flatten_dir=str(tmp_path / "flat"))
    tvo.BackupOptions(str(tmp_path), "http://srv", incremental="flatten", flatten_dir=str(tmp_path / "flat"))


def test_a_backing_path_of_the_tvo_nodes_maps_under_our_mount():
    backing = "/var/triliovault-mounts/MTAu/workload_w/snapshot_s/vm_id_v/vm_res_id_r_vda/f"
    assert tvo.local_backing(backing, "/mnt/tvo") == "/mnt/tvo/workload_w/snapshot_s/vm_id_v/vm_res_id_r_vda/f"
    with pytest.raises(tvo.TvoError, match="not a TrilioVault backup path"):
        tvo.local_backing("/images/base.qcow2", "/mnt/tvo")


# ------------------------------------------------------------------------------------------------ real files


def qemu(*args):
    subprocess.run(["qemu-img", *args], check=True, capture_output=True)


def layout(tmp_path, data_full, data_incr):
    """A full backup and an incremental overlay on it, as TVO leaves them (absolute backing path of a TVO node)."""
    mount = tmp_path / "mnt"
    full_dir = mount / "workload_w1/snapshot_s0/vm_id_vm1/vm_res_id_r0_vda"
    incr_dir = mount / "workload_w1/snapshot_s1/vm_id_vm1/vm_res_id_r1_vda"
    full_dir.mkdir(parents=True)
    incr_dir.mkdir(parents=True)
    raw = tmp_path / "disk.raw"
    raw.write_bytes(data_full)
    qemu("convert", "-f", "raw", "-O", "qcow2", str(raw), str(full_dir / "d0"))
    raw.write_bytes(data_incr)
    qemu("convert", "-f", "raw", "-O", "qcow2", "-B", str(full_dir / "d0"), "-F", "qcow2", str(raw), str(incr_dir / "d1"))
    qemu("rebase", "-u", "-b", "/var/triliovault-mounts/MTAu/workload_w1/snapshot_s0/vm_id_vm1/vm_res_id_r0_vda/d0", "-F", "qcow2", str(incr_dir / "d1"))
    return mount


def raw_bytes(path, tmp_path):
    out = tmp_path / "out.raw"
    qemu("convert", "-O", "raw", str(path), str(out))
    return out.read_bytes()


@needs_qemu
def test_overlays_are_detected_and_flattened_only_into_the_given_dir(tmp_path):
    full = bytes(range(256)) * 4096
    incr = full[:5000] + b"x" * 70000 + full[75000:]
    mount = layout(tmp_path, full, incr)
    overlay = mount / "workload_w1/snapshot_s1/vm_id_vm1/vm_res_id_r1_vda/d1"
    info = tvo.inspect_image(str(overlay))
    assert tvo.backing_of(info).startswith("/var/triliovault-mounts/")
    assert tvo.backing_of(tvo.inspect_image(str(mount / "workload_w1/snapshot_s0/vm_id_vm1/vm_res_id_r0_vda/d0"))) is None
    before = sorted(str(p) for p in mount.rglob("*"))
    flat = tvo.flatten(str(overlay), str(mount), str(tmp_path / "flat"), "ostokubevirt-s1-vm1-vda")
    assert flat == str(tmp_path / "flat" / "ostokubevirt-s1-vm1-vda.qcow2")
    assert os.listdir(tmp_path / "flat") == ["ostokubevirt-s1-vm1-vda.qcow2"]
    assert sorted(str(p) for p in mount.rglob("*")) == before
    assert tvo.backing_of(tvo.inspect_image(flat)) is None
    assert raw_bytes(flat, tmp_path) == incr
    with pytest.raises(tvo.TvoError, match="would leave"):
        tvo.flatten(str(overlay), str(mount), str(tmp_path / "flat"), "../escape")


@needs_qemu
def test_a_missing_backing_file_is_named(tmp_path):
    mount = layout(tmp_path, b"a" * 65536, b"b" * 65536)
    os.unlink(mount / "workload_w1/snapshot_s0/vm_id_vm1/vm_res_id_r0_vda/d0")
    with pytest.raises(tvo.TvoError, match=r"backing file /var/triliovault-mounts/.*/d0 of .*/d1 is not at .*/d0 on this host"):
        tvo.flatten(str(mount / "workload_w1/snapshot_s1/vm_id_vm1/vm_res_id_r1_vda/d1"), str(mount), str(tmp_path / "flat"), "x")


def test_sha256_is_streamed_over_the_whole_file(tmp_path):
    path = tmp_path / "f"
    data = os.urandom(300_000)
    path.write_bytes(data)
    assert tvo.sha256_file(str(path), chunk=4096) == "sha256:" + hashlib.sha256(data).hexdigest()


class FakeClient:
    """A client double for BackupRun: server 'bad' cannot get a workload, the others share one."""

    def __init__(self, mount):
        self.mount = mount
        self.created = []

    def workload_protecting(self, server_id):
        return {"id": "w1"} if server_id == "vm1" else None

    def default_workload_type(self):
        return "serial"

    def create_workload(self, server_id, type_id):
        if server_id == "bad":
            raise tvo.TvoError("POST .../workloads: HTTP 400: instance bad not found in Nova")
        self.created.append(server_id)
        return {"id": "w2"}

    def workload(self, workload_id):
        return {"id": workload_id, "status": "available"}

    def take_full_snapshot(self, workload_id, name, description=""):
        return f"s-{workload_id}"

    def snapshot_in_flight(self, workload_id, name):
        return None

    def snapshot(self, snapshot_id):
        workload_id = snapshot_id[2:]
        vm = "vm1" if workload_id == "w1" else "vm2"
        snap = {"id": snapshot_id, "workload_id": workload_id, "status": "available", "progress_percent": 100}
        snap["instances"] = [{"id": vm, "vdisks": [{"label": "vda", "resource_id": f"r-{vm}", "volume_id": None}]}]
        return snap


@needs_qemu
def test_one_failing_server_does_not_stop_the_others(tmp_path):
    mount = tmp_path / "mnt"
    for workload, vm in (("w1", "vm1"), ("w2", "vm2")):
        directory = mount / f"workload_{workload}/snapshot_s-{workload}/vm_id_{vm}/vm_res_id_r-{vm}_vda"
        directory.mkdir(parents=True)
        (tmp_path / "r.raw").write_bytes(vm.encode() * 512 * 64)
        qemu("convert", "-f", "raw", "-O", "qcow2", str(tmp_path / "r.raw"), str(directory / "disk"))
    run = tvo.BackupRun(FakeClient(str(mount)), tvo.BackupOptions(str(mount), "http://srv:8080"), sleep=lambda s: None).run(["vm1", "bad", "vm2"])
    assert [f["server_id"] for f in run.failed] == ["bad"] and "instance bad not found" in run.failed[0]["msg"]
    assert sorted(r["server_id"] for r in run.records) == ["vm1", "vm2"]
    assert run.workloads == {"vm1": "w1", "vm2": "w2"} and run.changed
    for record in run.records:
        assert record["url"] == "http://srv:8080/" + os.path.relpath(record["tvo"]["path"], mount)
        assert record["checksum"] == tvo.sha256_file(record["tvo"]["path"])
        assert raw_bytes(record["tvo"]["path"], tmp_path) == record["server_id"].encode() * 512 * 64


def test_check_mode_only_says_what_it_would_do(tmp_path):
    client = FakeClient(str(tmp_path))
    run = tvo.BackupRun(client, tvo.BackupOptions(str(tmp_path), "http://srv", check_mode=True)).run(["vm1", "vm2"])
    assert client.created == [] and run.records == [] and not run.changed
    assert run.actions == [
        "would create workload ostokubevirt-vm2 protecting server vm2",
        "would take a full snapshot of workload w1 (servers vm1)",
    ]


def test_a_401_stops_the_whole_run_instead_of_failing_each_server(tmp_path):
    class Rejected(FakeClient):
        def workload_protecting(self, server_id):
            raise tvo.TvoAuthError("the TrilioVault API rejected the token (HTTP 401) for GET .../workloads")

    with pytest.raises(tvo.TvoAuthError, match="HTTP 401"):
        tvo.BackupRun(Rejected(str(tmp_path)), tvo.BackupOptions(str(tmp_path), "http://srv")).run(["vm1", "vm2"])


# ------------------------------------------------------------------------------------------------ non-blocking steps


def standin_api(mount, vm="vm1", fail=False):
    """A TVO client over the Session double: workload w1 protects vm, its snapshot s1 runs two polls then ends."""
    snap = {"id": "s1", "workload_id": "w1", "instances": [{"id": vm, "vdisks": [{"label": "vda", "resource_id": "r1", "volume_id": None}]}]}
    end = {"status": "error", "error_msg": "datamover down"} if fail else {"status": "available", "progress_percent": 100}
    return client(
        {
            ("GET", "workloads"): [Response(200, {"workloads": [{"id": "w1", "status": "available"}]})],
            ("GET", "workloads/w1"): [Response(200, {"workload": {"id": "w1", "status": "available", "instances": [{"id": vm}]}})],
            ("POST", "workloads/w1"): [Response(202, {"snapshot": {"id": "s1"}}), Response(500, {"message": "a second full backup"})],
            ("GET", "snapshots"): [Response(200, {"snapshots": []})],
            ("GET", "snapshots/s1"): [
                Response(200, {"snapshot": {**snap, "status": "executing", "progress_percent": 10}}),
                Response(200, {"snapshot": {**snap, "status": "executing", "progress_percent": 60}}),
                Response(200, {"snapshot": {**snap, **end}}),
            ],
        }
    )


def lay_disk(mount, tmp_path, vm="vm1"):
    directory = mount / f"workload_w1/snapshot_s1/vm_id_{vm}/vm_res_id_r1_vda"
    directory.mkdir(parents=True)
    (tmp_path / "r.raw").write_bytes(b"x" * 512 * 64)
    qemu("convert", "-f", "raw", "-O", "qcow2", str(tmp_path / "r.raw"), str(directory / "disk"))


@needs_qemu
def test_steps_start_one_full_snapshot_and_a_resumed_step_polls_the_same_one(tmp_path):
    mount = tmp_path / "mnt"
    lay_disk(mount, tmp_path)
    api = standin_api(str(mount))
    options = tvo.BackupOptions(str(mount), "http://srv")
    flight: dict = {}
    first = tvo.BackupRun(api, options)
    pending = first.step(["vm1"], flight)
    assert pending == [{"server_id": "vm1", "step": "snapshot", "status": "started", "progress": 0, "tvo": {"workload_id": "w1", "snapshot_id": "s1"}}]
    assert first.changed and first.records == [] and first.failed == []
    # a killed run: only what the caller saved (the pending entry's ids) reaches the next one
    saved = {"vm1": dict(pending[0]["tvo"])}
    for percent in (10, 60):
        again = tvo.BackupRun(api, options)
        assert [p["progress"] for p in again.step(["vm1"], saved)] == [percent]
        assert not again.changed
    last = tvo.BackupRun(api, options)
    assert last.step(["vm1"], saved) == []
    assert [r["tvo"]["snapshot_id"] for r in last.records] == ["s1"] and last.failed == []
    posts = [c for c in api.session.calls if c[0] == "POST"]
    assert len(posts) == 1 and posts[0][2]["params"] == {"full": 1}


def test_a_failed_snapshot_fails_its_server_only(tmp_path):
    api = standin_api(str(tmp_path), fail=True)
    api.session.answers[("GET", "workloads/w2")] = [Response(200, {"workload": {"id": "w2", "status": "available"}})]
    api.session.answers[("GET", "snapshots/s2")] = [
        Response(200, {"snapshot": {"id": "s2", "workload_id": "w2", "status": "executing", "progress_percent": 30}})
    ]
    flight = {"vm1": {"workload_id": "w1", "snapshot_id": "s1"}, "vm2": {"workload_id": "w2", "snapshot_id": "s2"}}
    backup = tvo.BackupRun(api, tvo.BackupOptions(str(tmp_path), "http://srv"))
    for _attempt in range(2):
        backup.step(["vm1", "vm2"], flight)
    pending = backup.step(["vm1", "vm2"], flight)
    assert backup.failed == [{"server_id": "vm1", "msg": "snapshot s1 of workload w1 ended in status error: datamover down"}]
    assert [(p["server_id"], p["tvo"]["snapshot_id"], p["progress"]) for p in pending] == [("vm2", "s2", 30)]


@pytest.mark.parametrize(
    "listed, adopted",
    [
        ([{"id": "s0", "name": "ostokubevirt-w1", "status": "executing", "created_at": "2"}], "s0"),
        (
            [
                {"id": "s0", "name": "ostokubevirt-w1", "status": "uploading", "created_at": "1"},
                {"id": "s9", "name": "ostokubevirt-w1", "status": "executing", "created_at": "3"},
            ],
            "s9",
        ),
        ([{"id": "s0", "name": "ostokubevirt-w1", "status": "available"}], None),
        ([{"id": "s0", "name": "ostokubevirt-w1", "status": "error"}], None),
        ([{"id": "s0", "name": "nightly", "status": "executing"}], None),
    ],
)
def test_a_snapshot_of_ours_still_running_is_resumed_instead_of_taking_another(tmp_path, listed, adopted):
    """A run killed between starting the snapshot and saving its id: the next run must not back the disks up twice."""
    api = standin_api(str(tmp_path))
    api.session.answers[("GET", "snapshots")] = [Response(200, {"snapshots": listed})]
    backup = tvo.BackupRun(api, tvo.BackupOptions(str(tmp_path), "http://srv"))
    pending = backup.step(["vm1"], {})
    posts = [c for c in api.session.calls if c[0] == "POST"]
    assert [p["tvo"]["snapshot_id"] for p in pending] == [adopted or "s1"]
    assert len(posts) == (0 if adopted else 1)
    assert any(f"resumed full snapshot {adopted}" in a for a in backup.actions) == bool(adopted)
    listing = [c for c in api.session.calls if c[:2] == ("GET", "snapshots")]
    assert listing and listing[0][2]["params"] == {"workload_id": "w1"}


def test_a_listing_that_fails_still_takes_the_snapshot(tmp_path):
    api = standin_api(str(tmp_path))
    api.session.answers[("GET", "snapshots")] = [Response(404, {"itemNotFound": {"message": "not implemented"}})]
    backup = tvo.BackupRun(api, tvo.BackupOptions(str(tmp_path), "http://srv"))
    assert [p["tvo"]["snapshot_id"] for p in backup.step(["vm1"], {})] == ["s1"]
    assert any("could not list the snapshots of workload w1" in a for a in backup.actions) and backup.failed == []
