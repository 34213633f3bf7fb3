# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The server_power module over a fake Nova: stop, idempotence, check mode, failures, masked credentials."""

from __future__ import annotations

import json
import types

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.connection import connect_kwargs
from ansible_collections.ostokubevirt.migrate.plugins.modules import server_power
from ansible_collections.ostokubevirt.migrate.tests.unit.plugins.module_utils.test_server_power import FakeNova

PASSWORD = "hunter22-s3cret"
CLOUD_CONFIG = {"auth": {"auth_url": "http://keystone:5000/v3", "username": "admin", "password": PASSWORD, "project_name": "demo"}}


def run(nova, capsys, monkeypatch, check_mode=False, **args):
    seen = {}

    def connect(params):
        seen.update(params)
        connect_kwargs(params)  # the real option checks (cloud and cloud_config exclusive, ...)
        return types.SimpleNamespace(conn=None)

    monkeypatch.setattr(server_power, "connect", connect)
    monkeypatch.setattr(server_power, "SdkCloud", lambda conn: nova)
    monkeypatch.setattr(server_power, "import_sdk", object)
    args = {"_ansible_check_mode": check_mode, "server": "s-1", "poll_interval": 0, **args}
    with patch_module_args(args), pytest.raises(SystemExit):
        server_power.main()
    out = capsys.readouterr().out
    return json.loads(out), out, seen


def test_stop_then_again_then_start(capsys, monkeypatch):
    nova = FakeNova(settle_after=2)
    stopped, _out, seen = run(nova, capsys, monkeypatch, state="stopped", cloud="prod")
    assert stopped["changed"] is True and stopped["status"] == "SHUTOFF" and stopped["action"] == "os-stop" and stopped["server"] == "s-1"
    assert seen["cloud"] == "prod"
    again, _out, _seen = run(nova, capsys, monkeypatch, state="stopped", cloud="prod")
    assert again["changed"] is False and again["action"] is None and len(nova.posts()) == 1
    started, _out, _seen = run(nova, capsys, monkeypatch, state="started", cloud="prod")
    assert started["changed"] is True and started["status"] == "ACTIVE" and nova.posts()[-1][2] == {"os-start": None}


def test_check_mode_only_gets(capsys, monkeypatch):
    nova = FakeNova()
    result, _out, _seen = run(nova, capsys, monkeypatch, check_mode=True, state="stopped")
    assert result["changed"] is True and result["action"] == "os-stop" and result["status"] == "ACTIVE"
    assert {c[0] for c in nova.calls} == {"GET"}


def test_failures_name_the_server_and_status(capsys, monkeypatch):
    nova = FakeNova(status="ERROR")
    result, _out, _seen = run(nova, capsys, monkeypatch, state="started")
    assert result["failed"] is True and result["msg"] == "server_power: server s-1 cannot be made ACTIVE: status ERROR"
    nova = FakeNova()
    nova.post_status = 409
    result, _out, _seen = run(nova, capsys, monkeypatch, state="stopped")
    assert result["failed"] is True and "server s-1 (status ACTIVE): os-stop refused" in result["msg"] and "HTTP 409" in result["msg"]
    result, _out, _seen = run(FakeNova(settle_after=10**6), capsys, monkeypatch, state="stopped", timeout=0)
    assert result["failed"] is True and "server s-1 is not SHUTOFF after 0 s: status ACTIVE" in result["msg"]


def test_credentials_are_masked_and_identifiers_are_not(capsys, monkeypatch):
    class Leaky(FakeNova):
        def request(self, method, service, path, body=None, **kwargs):
            raise ApiError(401, method, f"http://nova{path}", f"bad password {PASSWORD} for admin in demo")

    result, out, seen = run(Leaky(), capsys, monkeypatch, state="stopped", cloud_config=CLOUD_CONFIG)
    assert seen["cloud_config"] == CLOUD_CONFIG
    assert result["failed"] is True and "server s-1" in result["msg"] and "HTTP 401" in result["msg"]
    assert PASSWORD not in out and "for admin in demo" in result["msg"]


def test_bad_arguments_fail_clearly(capsys, monkeypatch):
    result, _out, _seen = run(FakeNova(), capsys, monkeypatch, state="rebooted")
    assert result["failed"] is True and "state" in result["msg"] and "stopped, started" in result["msg"]
    result, _out, _seen = run(FakeNova(), capsys, monkeypatch, state="stopped", timeout=-1)
    assert result["failed"] is True and "timeout" in result["msg"]
    result, _out, _seen = run(FakeNova(), capsys, monkeypatch, state="stopped", cloud="prod", cloud_config=CLOUD_CONFIG)
    assert result["failed"] is True and "mutually exclusive" in result["msg"]
