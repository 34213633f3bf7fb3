# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ostokubevirt.migrate.plugins.modules import tenant_render

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
DEMO = os.path.join(REPO, "examples", "snapshots", "demo.yaml")


def run_module(capsys, check_mode=False, diff=False, **args):
    args = {"_ansible_check_mode": check_mode, "_ansible_diff": diff, **args}
    with patch_module_args(args), pytest.raises(SystemExit):
        tenant_render.main()
    return json.loads(capsys.readouterr().out)


def test_render_check_apply_idempotent(tmp_path, capsys):
    out = str(tmp_path / "out")
    checked = run_module(capsys, check_mode=True, diff=True, snapshot=DEMO, tenant="web-shop", output_dir=out)
    assert checked["changed"] is True and not os.path.exists(out)
    assert "manifests/40-vms/web-01.yaml" in checked["diff"]["after"]
    first = run_module(capsys, snapshot=DEMO, tenant="web-shop", output_dir=out)
    assert first["changed"] is True
    assert first["tenant_dir"] == os.path.join(out, "acme-web-shop")
    assert os.path.exists(first["plan_path"])
    assert [b["name"] for b in first["blocked"]] == ["legacy-01"]
    second = run_module(capsys, snapshot=DEMO, tenant="web-shop", output_dir=out)
    assert second["changed"] is False


@pytest.mark.parametrize(
    "args, fragment",
    [
        ({"snapshot": "/nonexistent/snap.yaml"}, "cannot read snapshot /nonexistent/snap.yaml"),
        ({"snapshot": DEMO, "tenant": "nope"}, "tenant 'nope' does not match"),
        ({"snapshot": DEMO, "options": {"storage_maps": {}}}, "invalid options: unknown translation option"),
    ],
)
def test_errors_are_messages_not_tracebacks(tmp_path, capsys, args, fragment):
    result = run_module(capsys, output_dir=str(tmp_path), **args)
    assert result["failed"] is True
    assert fragment in result["msg"]
    assert "Traceback" not in json.dumps(result)


def test_invalid_yaml_snapshot(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: [unclosed\n")
    result = run_module(capsys, snapshot=str(bad), output_dir=str(tmp_path))
    assert result["failed"] is True and "not valid YAML or JSON" in result["msg"]


def test_json_snapshot_accepted(tmp_path, capsys):
    import yaml

    with open(DEMO, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    snap = tmp_path / "demo.json"
    snap.write_text(json.dumps(data))
    result = run_module(capsys, snapshot=str(snap), output_dir=str(tmp_path / "o"))
    assert result["summary"]["servers"] == len(data["servers"])


def test_an_empty_output_dir_fails_cleanly(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_module(capsys, snapshot=DEMO, tenant="web-shop", output_dir="")
    assert result["failed"] is True and "output_dir is empty" in result["msg"]
    assert os.listdir(tmp_path) == []


def test_repaired_secret_modes_report_changed(tmp_path, capsys):
    out = str(tmp_path / "out")
    first = run_module(capsys, snapshot=DEMO, tenant="web-shop", output_dir=out)
    secrets = os.path.join(first["tenant_dir"], "secrets")
    os.chmod(secrets, 0o755)
    repaired = run_module(capsys, snapshot=DEMO, tenant="web-shop", output_dir=out)
    assert repaired["changed"] is True and repaired["files"]["repaired"] == ["secrets/"]
    assert os.stat(secrets).st_mode & 0o777 == 0o700


def test_a_symlinked_tenant_directory_fails_naming_the_link(tmp_path, capsys):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (tmp_path / "out").mkdir()
    os.symlink(outside, tmp_path / "out" / "acme-web-shop")
    result = run_module(capsys, snapshot=DEMO, tenant="web-shop", output_dir=str(tmp_path / "out"))
    assert result["failed"] is True
    assert f"{tmp_path / 'out' / 'acme-web-shop'} is a symbolic link" in result["msg"]
    assert os.listdir(outside) == []
