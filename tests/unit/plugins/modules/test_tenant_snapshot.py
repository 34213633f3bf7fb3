# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import os
import types

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.connection import ConnectError
from ansible_collections.ostokubevirt.migrate.plugins.modules import tenant_info, tenant_snapshot
from ansible_collections.ostokubevirt.migrate.tests.unit.plugins.module_utils.openstack_fake import FakeCloud, member_token


class FakeApi(FakeCloud):
    cloud = "test"
    auth_url = "http://keystone.test:5000/v3"
    conn = types.SimpleNamespace(config=types.SimpleNamespace(get_region_name=lambda: "RegionOne"))

    def endpoint(self, service):
        return f"http://{service}.test/"


def run(module, capsys, monkeypatch, connect=None, check_mode=False, diff=False, **args):
    monkeypatch.setattr(module, "connect", connect or (lambda params: FakeApi()))
    monkeypatch.setattr(module, "import_sdk", object)
    args = {"_ansible_check_mode": check_mode, "_ansible_diff": diff, **args}
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


def test_check_mode_then_write_then_unchanged(tmp_path, capsys, monkeypatch):
    args = {"tenant": "prod", "export_dir": str(tmp_path), "cloud": "test"}
    checked = run(tenant_snapshot, capsys, monkeypatch, check_mode=True, diff=True, **args)
    assert checked["changed"] is True and not os.path.exists(checked["path"])
    assert "servers: 3" in checked["diff"]["after"] and checked["diff"]["before"] == ""
    first = run(tenant_snapshot, capsys, monkeypatch, **args)
    assert first["changed"] is True and first["path"] == str(tmp_path / "acme" / "prod.yaml")
    assert first["counts"]["servers"] == 3 and first["api_requests"] > 0
    assert first["project"]["domain_name"] == "acme"
    second = run(tenant_snapshot, capsys, monkeypatch, **args)
    assert second["changed"] is False and second["taken_at"] == first["taken_at"]


def test_connection_failure_is_a_clean_failure(tmp_path, capsys, monkeypatch):
    def refuse(params):
        raise ConnectError("cannot reach the identity endpoint k:5999 (http://k:5999/v3): ConnectFailure")

    result = run(
        tenant_snapshot,
        capsys,
        monkeypatch,
        connect=refuse,
        tenant="prod",
        export_dir=str(tmp_path),
        auth={"auth_url": "http://k:5999/v3", "password": "s3cret-value"},
    )
    assert result["failed"] is True
    assert result["msg"].startswith("tenant_snapshot: cannot reach the identity endpoint k:5999")
    assert "s3cret-value" not in json.dumps(result)


def test_missing_sdk_is_reported(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(tenant_snapshot, "import_sdk", lambda: None)
    with patch_module_args({"tenant": "prod", "export_dir": str(tmp_path)}), pytest.raises(SystemExit):
        tenant_snapshot.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] and "openstacksdk" in result["msg"]


def test_bad_page_size(tmp_path, capsys, monkeypatch):
    result = run(tenant_snapshot, capsys, monkeypatch, tenant="prod", export_dir=str(tmp_path), page_size=0)
    assert result["failed"] and "page_size" in result["msg"]


def test_tenant_info(capsys, monkeypatch):
    result = run(tenant_info, capsys, monkeypatch, domain_pattern="^acme$")
    assert result["changed"] is False
    assert [t["name"] for t in result["tenants"]] == ["prod"]


def test_a_more_complete_snapshot_is_not_replaced_without_the_flag(tmp_path, capsys, monkeypatch):
    args = {"tenant": "prod", "export_dir": str(tmp_path), "cloud": "test"}
    complete = run(tenant_snapshot, capsys, monkeypatch, **args)
    assert not complete.get("failed"), complete
    before = (tmp_path / "acme" / "prod.yaml").read_text()

    def member_api(params):
        api = FakeApi(token=member_token(), admin=False, forbidden={"/role_assignments"})
        return api

    refused = run(tenant_snapshot, capsys, monkeypatch, connect=member_api, **args)
    assert refused["failed"] is True and "role_assignments" in refused["msg"]
    assert "allow_less_complete" in refused["msg"] and "kept" in refused["msg"]
    assert (tmp_path / "acme" / "prod.yaml").read_text() == before
    forced = run(tenant_snapshot, capsys, monkeypatch, connect=member_api, allow_less_complete=True, **args)
    assert forced["changed"] is True and "role_assignments" in {u["resource"] for u in forced["unreadable"]}


def test_a_foreign_file_at_the_target_is_left_alone(tmp_path, capsys, monkeypatch):
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "prod.yaml").write_text("my own notes\n")
    result = run(tenant_snapshot, capsys, monkeypatch, tenant="prod", export_dir=str(tmp_path), cloud="test")
    assert result["failed"] is True and "is not a tenant snapshot" in result["msg"]
    assert (tmp_path / "acme" / "prod.yaml").read_text() == "my own notes\n"


@pytest.mark.parametrize("option", ["cloud", "cloud_config"])
def test_a_cloud_config_dict_never_reaches_the_output(tmp_path, capsys, monkeypatch, option):
    secret = "pw-never-printed-7c1e"
    cloud = {
        "auth": {"auth_url": "http://k:5000/v3", "username": "admin", "password": secret, "application_credential_secret": secret + "-ac"},
        "region_name": "RegionOne",
    }
    result = run(tenant_snapshot, capsys, monkeypatch, tenant="prod", export_dir=str(tmp_path), **{option: cloud})
    assert not result.get("failed"), result.get("msg")
    text = json.dumps(result)
    assert secret not in text and "invocation" in result
    assert "RegionOne" in text and "http://k:5000/v3" in text  # names and URLs stay readable
    assert result["path"].endswith("acme/prod.yaml")  # a cloud name is not masked in paths


def test_cloud_and_cloud_config_are_exclusive():
    from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.connection import connect_kwargs

    with pytest.raises(ConnectError, match="mutually exclusive"):
        connect_kwargs({"cloud": "prod", "cloud_config": {"auth": {}}})
