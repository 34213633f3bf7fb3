# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.action.vm_migrate import split_secrets, stop_failure_message
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.credential_masking import secret_values


def test_only_secret_data_goes_to_the_no_log_option():
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "a-ci", "labels": {"x": "y"}},
        "type": "Opaque",
        "stringData": {"userdata": "s3cr3t"},
        "data": {"key": "c2VjcmV0"},
    }
    split = split_secrets({"a-ci": secret})
    assert split["secrets"] == {"a-ci": {"stringData": {"userdata": "s3cr3t"}, "data": {"key": "c2VjcmV0"}}}
    assert split["secret_objects"]["a-ci"] == {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": "a-ci", "labels": {"x": "y"}}}
    assert {**split["secret_objects"]["a-ci"], **split["secrets"]["a-ci"]} == secret


def test_a_failed_stop_message_masks_the_cloud_credentials():
    cloud = {"auth": {"auth_url": "http://k/v3", "username": "u", "password": "hunter22", "application_credential_secret": "acs"}}
    assert sorted(secret_values(cloud)) == ["acs", "hunter22"]
    assert stop_failure_message({"msg": "login u/hunter22 failed (acs)"}, cloud) == "login u/******** failed (********)"
    assert secret_values("mycloud") == set()


TOKEN = "gAAAAA-the-token-itself"


def _action(args, module):
    """The action plugin with its module calls answered by module(name, args) and no sleeping."""
    from unittest import mock

    from ansible_collections.ostokubevirt.migrate.plugins.action import vm_migrate

    task = mock.MagicMock(args=args, async_val=0, check_mode=False, diff=False)
    action = vm_migrate.ActionModule(task, mock.MagicMock(), mock.MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    calls = []

    def execute(module_name, module_args, task_vars):
        calls.append((module_name, module_args))
        return module(module_name, module_args)

    action._execute_module = execute
    return action, calls


def test_the_loop_exports_gets_a_token_for_one_round_and_cleans_up(monkeypatch, capsys):
    from ansible_collections.ostokubevirt.migrate.plugins.action import vm_migrate

    monkeypatch.setattr(vm_migrate.time, "sleep", lambda _s: None)
    record = {"source_id": "id-a", "server_id": "id-a", "method": "glance", "temporaries": [{"kind": "image", "id": "img"}]}
    rounds = iter(
        [
            {"export_requests": [{"vm": "a", "server_id": "id-a", "source_ids": ["id-a"], "source_stopped": True}], "lines": ["a: exporting 1 of 1 disk(s)"]},
            {"export_requests": [{"vm": "a", "server_id": "id-a", "source_ids": ["id-a"], "source_stopped": True}], "lines": []},
            {"token_needed": True, "lines": ["a: exported"]},
            {"lines": ["a: importing 1 disk(s)"]},
            {"cleanup_requests": [{"vm": "a", "server_id": "id-a", "records": [record]}], "lines": []},
            {"finished": True, "done": ["a"], "disks": {"a": [{"bytes": 5}]}, "lines": ["a: Ready"]},
        ]
    )
    exports = iter(
        [
            {"records": [], "pending": [{"server_id": "id-a", "source_id": "id-a", "step": "upload", "status": "saving", "progress": 50}], "errors": []},
            {"records": [record], "pending": [], "errors": []},
        ]
    )

    def module(name, args):
        if name == vm_migrate.MODULE:
            return {"state": {"rounds": 1}, **next(rounds)}
        if args.get("state") == "token":
            return {"token": TOKEN, "expires_at": None}
        if args.get("state") == "absent":
            return {"deleted": [{"id": "img"}]}
        return next(exports)

    vms = [{"name": "a", "secret_names": []}]
    action, calls = _action({"namespace": "ns", "vms": vms, "cloud": "mycloud", "keep_exports": False}, module)
    result = action.run(task_vars={})
    rounds_args = [args for name, args in calls if name == vm_migrate.MODULE]
    exports_args = [args for name, args in calls if name == vm_migrate.EXPORT_MODULE]
    assert exports_args[0] == {
        "cloud": "mycloud",
        "servers": ["id-a"],
        "source_ids": ["id-a"],
        "state": "present",
        "wait": False,
        "run_id": "ns",
        "source_stopped": True,
        "image_interface": "public",
    }
    assert rounds_args[2]["export_results"] == [{"vm": "a", "records": [record], "pending": [], "errors": []}]
    # The token reaches only the round after it was asked for, in the module's no_log option, and no other.
    assert [args.get("disk_token") for args in rounds_args] == [None, None, None, TOKEN, None, None]
    assert all("cloud" not in args for args in rounds_args)
    assert exports_args[-1] == {"cloud": "mycloud", "servers": ["id-a"], "state": "absent", "records": [record]}
    assert result["done"] == ["a"] and result["disks"] == {"a": [{"bytes": 5}]} and result["cleanup_errors"] == []
    out = capsys.readouterr().out
    assert "a: exporting 1 of 1 disk(s)" in out and "[poll 6] a: Ready" in out
    assert TOKEN not in out and TOKEN not in str(result)


def test_a_failed_export_call_or_token_reaches_the_module_per_vm(monkeypatch):
    from ansible_collections.ostokubevirt.migrate.plugins.action import vm_migrate

    monkeypatch.setattr(vm_migrate.time, "sleep", lambda _s: None)
    rounds = iter(
        [
            {"export_requests": [{"vm": "a", "server_id": "id-a", "source_ids": ["id-a"], "source_stopped": False}], "token_needed": True, "lines": []},
            {"finished": True, "failed_vms": [{"name": "a"}], "lines": []},
        ]
    )

    def module(name, args):
        if name == vm_migrate.MODULE:
            return {"state": {}, **next(rounds)}
        return {"failed": True, "msg": "disk_export: Keystone said 401 for password hunter22"}

    action, calls = _action({"namespace": "ns", "vms": [{"name": "a"}], "cloud": {"auth": {"password": "hunter22"}}}, module)
    action.run(task_vars={})
    assert all(
        args.get("cloud_config") == {"auth": {"password": "hunter22"}} and "cloud" not in args for name, args in calls if name == vm_migrate.EXPORT_MODULE
    )
    last = [args for name, args in calls if name == vm_migrate.MODULE][-1]
    assert last["export_results"] == [{"vm": "a", "message": "disk_export: Keystone said 401 for password ********"}]
    assert last["token_error"] == "disk_export: Keystone said 401 for password ********"
    assert "disk_token" not in last


def test_split_exports_keeps_each_vms_disks_and_its_server_errors():
    from ansible_collections.ostokubevirt.migrate.plugins.action.vm_migrate import split_exports

    requests = [{"vm": "a", "server_id": "s1", "source_ids": ["v1"]}, {"vm": "b", "server_id": "s2", "source_ids": ["s2"]}]
    answer = {
        "records": [{"server_id": "s1", "source_id": "v1"}, {"server_id": "s1", "source_id": "v9"}],
        "pending": [{"server_id": "s2", "source_id": "s2", "step": "upload"}],
        "errors": [{"server_id": "s2", "source_id": None, "message": "server s2: 404"}],
    }
    a, b = split_exports(requests, answer, None)
    assert a == {"vm": "a", "records": [{"server_id": "s1", "source_id": "v1"}], "pending": [], "errors": []}
    assert b["errors"] == [{"server_id": "s2", "source_id": None, "message": "server s2: 404"}] and len(b["pending"]) == 1


def test_a_crashed_module_says_why_from_its_stderr_or_exception_masked():
    cloud = {"auth": {"auth_url": "http://k/v3", "username": "u", "password": "hunter22"}}
    crashed = {
        "failed": True,
        "msg": "MODULE FAILURE: No start of json char found\nSee stdout/stderr for the exact error",
        "module_stderr": "Traceback (most recent call last):\n  File x\nAttributeError: module 'openstack' has no attribute 'version' (hunter22)\n",
        "rc": 1,
    }
    assert stop_failure_message(crashed, cloud) == (
        "MODULE FAILURE: No start of json char found: Traceback (most recent call last): | File x | "
        "AttributeError: module 'openstack' has no attribute 'version' (********)"
    )
    # openstack.cloud's modules put the error in exception, not msg
    assert stop_failure_message({"failed": True, "exception": "Traceback\nValueError: boom hunter22"}, cloud) == "Traceback | ValueError: boom ********"
    assert stop_failure_message({"failed": True, "rc": 2}, cloud) == "the module failed without a message or error output (rc 2)"


def test_a_stop_request_goes_to_server_power_with_the_credential_as_cloud_config(monkeypatch):
    from ansible_collections.ostokubevirt.migrate.plugins.action import vm_migrate

    monkeypatch.setattr(vm_migrate.time, "sleep", lambda _s: None)
    rounds = iter(
        [
            {"stop_requests": [{"vm": "a", "server_id": "id-a"}, {"vm": "b", "server_id": "id-b"}], "lines": []},
            {"finished": True, "lines": []},
        ]
    )

    def module(name, args):
        if name == vm_migrate.MODULE:
            return {"state": {}, **next(rounds)}
        if args["server"] == "id-a":
            return {"changed": True, "status": "SHUTOFF"}
        return {"failed": True, "msg": "server_power: server id-b cannot be made SHUTOFF: status ERROR (hunter22)"}

    cloud = {"auth": {"password": "hunter22"}}
    action, calls = _action({"namespace": "ns", "vms": [{"name": "a"}, {"name": "b"}], "cloud": cloud, "stop_timeout": 30}, module)
    action.run(task_vars={})
    stops = [args for name, args in calls if name == "ostokubevirt.migrate.server_power"]
    assert stops == [
        {"cloud_config": cloud, "server": "id-a", "state": "stopped", "wait": True, "timeout": 30},
        {"cloud_config": cloud, "server": "id-b", "state": "stopped", "wait": True, "timeout": 30},
    ]
    last = [args for name, args in calls if name == vm_migrate.MODULE][-1]
    assert last["stop_results"] == [
        {"vm": "a", "ok": True, "message": ""},
        {"vm": "b", "ok": False, "message": "server_power: server id-b cannot be made SHUTOFF: status ERROR (********)"},
    ]
    named, named_calls = _action({}, lambda _name, _args: {"changed": False})
    assert named._stop({"vm": "a", "server_id": "id-a"}, {"cloud": "prod", "stop_timeout": 600}, {}) == {"vm": "a", "ok": True, "message": ""}
    assert named_calls == [("ostokubevirt.migrate.server_power", {"cloud": "prod", "server": "id-a", "state": "stopped", "wait": True, "timeout": 600})]


def test_a_rounds_cleanup_is_one_disk_export_call_for_all_its_vms(monkeypatch, capsys):
    from ansible_collections.ostokubevirt.migrate.plugins.action import vm_migrate

    monkeypatch.setattr(vm_migrate.time, "sleep", lambda _s: None)
    records = {
        name: {"source_id": f"vol-{name}", "server_id": f"id-{name}", "method": "glance", "temporaries": [{"kind": "image", "id": f"img-{name}"}]}
        for name in ("a", "b", "c")
    }
    rounds = iter(
        [
            {"cleanup_requests": [{"vm": n, "server_id": f"id-{n}", "records": [records[n]]} for n in ("a", "b")], "lines": []},
            {"cleanup_requests": [{"vm": "c", "server_id": "id-c", "records": [records["c"]]}], "lines": []},
            {"finished": True, "done": ["a", "b", "c"], "lines": []},
        ]
    )
    answers = iter([{"deleted": [{"id": "img-a"}, {"id": "img-b"}]}, {"failed": True, "msg": "disk_export: image img-c: 503 from Glance (password hunter22)"}])

    def module(name, args):
        if name == vm_migrate.MODULE:
            return {"state": {}, **next(rounds)}
        return next(answers)

    cloud = {"auth": {"password": "hunter22"}}
    action, calls = _action({"namespace": "ns", "vms": [{"name": n} for n in "abc"], "cloud": cloud}, module)
    result = action.run(task_vars={})
    cleanups = [args for name, args in calls if name == vm_migrate.EXPORT_MODULE]
    # One call per round, whatever the number of VMs it finished: servers and records of all of them.
    assert cleanups == [
        {"cloud_config": cloud, "servers": ["id-a", "id-b"], "state": "absent", "records": [records["a"], records["b"]]},
        {"cloud_config": cloud, "servers": ["id-c"], "state": "absent", "records": [records["c"]]},
    ]
    assert result["cleanup_errors"] == [{"vm": "c", "message": "disk_export: image img-c: 503 from Glance (password ********)"}]
    assert "a, b: temporaries of their disk exports deleted" in capsys.readouterr().out


def test_a_round_exports_with_one_call_per_module_and_consistency_and_splits_the_answers_per_vm():
    requests = [
        {"vm": "a", "server_id": "id-a", "source_ids": ["id-a"], "source_stopped": True},
        {"vm": "b", "server_id": "id-b", "source_ids": ["vol-b"], "source_stopped": False},
        {"vm": "c", "server_id": "id-c", "source_ids": ["id-c"], "source_stopped": True, "kind": "tvo", "tvo_in_flight": {"id-c": {"snapshot_id": "s"}}},
        {"vm": "d", "server_id": "id-d", "source_ids": ["id-d"], "source_stopped": True},
    ]

    def module(name, args):
        if name.endswith("tvo_backup"):
            return {"pending": [{"server_id": "id-c", "step": "snapshot", "status": "executing"}], "actions": ["snapshot s: executing"]}
        return {"records": [{"server_id": s, "source_id": s} for s in args["servers"] if s != "id-d"], "errors": [{"server_id": "id-d", "message": "boom"}]}

    action, calls = _action({}, module)
    outcomes = {o["vm"]: o for o in action._export(requests, {"namespace": "ns", "tvo": {"mount_path": "/m", "http_base_url": "http://h"}}, {})}
    assert [(name.rsplit(".", 1)[-1], args["servers"], args.get("source_stopped", args.get("consistency"))) for name, args in calls] == [
        ("tvo_backup", ["id-c"], "cold"),
        ("disk_export", ["id-a", "id-d"], True),
        ("disk_export", ["id-b"], False),
    ]
    assert calls[0][1]["in_flight"] == {"id-c": {"snapshot_id": "s"}} and calls[2][1]["source_ids"] == ["vol-b"]
    assert [r["source_id"] for r in outcomes["a"]["records"]] == ["id-a"] and outcomes["d"]["errors"] and not outcomes["d"]["records"]
    assert outcomes["c"]["pending"][0]["step"] == "snapshot" and not outcomes["c"]["records"]
