# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The disk_export module over the fake Nova/Cinder/Glance: check mode, export, reuse, cleanup, errors."""

from __future__ import annotations

import json
import types

import pytest
from ansible.module_utils import _internal
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ostokubevirt.migrate.plugins.modules import disk_export
from ansible_collections.ostokubevirt.migrate.tests.unit.plugins.module_utils.disk_cloud_fake import FakeCloud


@pytest.fixture
def cloud():
    fake = FakeCloud()
    fake.add_volume("v-1", status="in-use")
    fake.servers["s-1"] = {"id": "s-1", "status": "ACTIVE", "image": {"id": "base"}, "os-extended-volumes:volumes_attached": [{"id": "v-1"}]}
    return fake


def run(cloud, capsys, monkeypatch, check_mode=False, **args):
    monkeypatch.setattr(disk_export, "connect", lambda params: types.SimpleNamespace(conn=None))
    monkeypatch.setattr(disk_export, "SdkCloud", lambda conn: cloud)
    monkeypatch.setattr(disk_export, "import_sdk", object)
    # Once a test has imported controller code (the action plugin tests), warn() goes to the controller's display
    # instead of the module result; a module runs apart from the controller.
    monkeypatch.setattr(_internal, "is_controller", False)
    args = {"_ansible_check_mode": check_mode, "cloud": "test", "poll_interval": 0, **args}
    with patch_module_args(args), pytest.raises(SystemExit):
        disk_export.main()
    return json.loads(capsys.readouterr().out)


def test_check_mode_then_export_then_reuse_then_absent(cloud, capsys, monkeypatch):
    checked = run(cloud, capsys, monkeypatch, check_mode=True, servers=["s-1"], run_id="r1")
    assert checked["changed"] is True and [p["source_id"] for p in checked["plan"]] == ["s-1", "v-1"]
    assert cloud.images == {} and cloud.live("snapshot") == set() and cloud.live("volume") == {"v-1"}
    done = run(cloud, capsys, monkeypatch, servers=["s-1"], run_id="r1", source_stopped=True)
    assert done["changed"] is True and [r["source_id"] for r in done["records"]] == ["s-1", "v-1"]
    assert "not SHUTOFF" in json.dumps(done.get("warnings"))
    assert {r["consistency"] for r in done["records"]} == {"cold"}
    again = run(cloud, capsys, monkeypatch, servers=["s-1"], run_id="r2")
    assert again["changed"] is False and again["created"] == [] and len(again["reused"]) == 2
    kept = run(cloud, capsys, monkeypatch, servers=["s-1"], state="absent", keep_exports=True)
    assert kept["changed"] is False and len(cloud.images) == 2
    gone = run(cloud, capsys, monkeypatch, servers=["s-1"], state="absent")
    assert gone["changed"] is True and cloud.images == {} and cloud.live("volume") == {"v-1"}


def test_unknown_server_and_failed_disk_fail_the_module_after_the_rest(cloud, capsys, monkeypatch):
    cloud.fail[("POST", r"/servers/s-1/action")] = 403
    result = run(cloud, capsys, monkeypatch, servers=["nope", "s-1"], run_id="r1")
    assert result["failed"] is True
    assert "server nope" in result["msg"] and "HTTP 404" in result["msg"] and "createImage" in result["msg"]
    assert [r["source_id"] for r in result["records"]] == ["v-1"]


def test_run_id_is_required_to_export(cloud, capsys, monkeypatch):
    result = run(cloud, capsys, monkeypatch, servers=["s-1"])
    assert result["failed"] is True and "run_id" in result["msg"]


# -- wait: false, source_ids, state: token ---------------------------------------------------------
def test_wait_false_returns_rounds_without_sleeping_until_the_records_are_those_of_a_blocking_run(cloud, capsys, monkeypatch):
    rounds = []
    for _round in range(30):
        rounds.append(run(cloud, capsys, monkeypatch, servers=["s-1"], run_id="r1", wait=False, poll_interval=5))
        if not rounds[-1]["pending"]:
            break
    assert cloud.sleeps == []
    assert len(rounds) > 3 and all(not r.get("failed") for r in rounds)
    assert rounds[0]["changed"] is True and {p["step"] for p in rounds[0]["pending"]} == {"upload", "snapshot"}
    assert [r["source_id"] for r in rounds[-1]["records"]] == ["s-1", "v-1"] and rounds[-1]["errors"] == []
    counts = (cloud.created("image"), cloud.created("snapshot"), cloud.created("volume"))
    blocking = run(cloud, capsys, monkeypatch, servers=["s-1"], run_id="r1")
    assert blocking["records"] == rounds[-1]["records"] and blocking["changed"] is False and blocking["pending"] == []
    assert (cloud.created("image"), cloud.created("snapshot"), cloud.created("volume")) == counts == (2, 1, 1)


def test_wait_false_reports_a_failed_disk_without_failing(cloud, capsys, monkeypatch):
    cloud.volumes["v-1"]["status"] = "error"
    result = run(cloud, capsys, monkeypatch, servers=["s-1"], run_id="r1", wait=False)
    assert not result.get("failed")
    (error,) = result["errors"]
    assert error["source_id"] == "v-1" and error["server_id"] == "s-1" and "'error'" in error["message"]
    assert [p["source_id"] for p in result["pending"]] == ["s-1"]
    blocking = run(cloud, capsys, monkeypatch, servers=["s-1"], run_id="r1")
    assert blocking["failed"] is True and "v-1" in blocking["msg"] and [r["source_id"] for r in blocking["records"]] == ["s-1"]


def test_source_ids_and_an_unknown_source_id(cloud, capsys, monkeypatch):
    result = run(cloud, capsys, monkeypatch, servers=["s-1"], run_id="r1", wait=False, source_ids=["v-1"])
    assert [p["source_id"] for p in result["pending"]] == ["v-1"] and cloud.created("image") == 0
    wrong = run(cloud, capsys, monkeypatch, servers=["s-1"], run_id="r1", wait=False, source_ids=["v-typo"])
    assert not wrong.get("failed") and wrong["errors"][0]["source_id"] == "v-typo" and "not a disk of the servers s-1" in wrong["errors"][0]["message"]


def test_check_mode_with_wait_false_creates_nothing(cloud, capsys, monkeypatch):
    result = run(cloud, capsys, monkeypatch, check_mode=True, servers=["s-1"], run_id="r1", wait=False, source_ids=["v-1"])
    assert result["changed"] is True and [p["source_id"] for p in result["plan"]] == ["v-1"]
    assert result["records"] == [] and result["pending"] == []
    assert {c[0] for c in cloud.calls} == {"GET"}


def test_token_state_needs_no_servers_and_issues_a_new_token_each_call(cloud, capsys, monkeypatch):
    first = run(cloud, capsys, monkeypatch, state="token")
    second = run(cloud, capsys, monkeypatch, state="token")
    assert first["token"] == cloud.tokens_issued[0] and second["token"] == cloud.tokens_issued[1] and first["token"] != second["token"]
    assert first["expires_at"] == "2026-12-02T13:00:00+00:00" and first["changed"] is False
    assert cloud.calls == []  # a token is all it does


def test_servers_are_required_to_export_or_delete(cloud, capsys, monkeypatch):
    for state in ("present", "absent"):
        result = run(cloud, capsys, monkeypatch, state=state, run_id="r1")
        assert result["failed"] is True and "servers" in result["msg"]
