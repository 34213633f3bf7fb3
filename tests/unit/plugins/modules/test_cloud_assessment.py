# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import os
import shutil

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ostokubevirt.migrate.plugins.modules import cloud_assessment

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "module_utils", "fixtures", "snapshot_minimal.yaml")
FILES = ["assessment.csv", "assessment.json", "index.html"]


def run(capsys, check_mode=False, diff=False, **args):
    with patch_module_args({"_ansible_check_mode": check_mode, "_ansible_diff": diff, **args}), pytest.raises(SystemExit):
        cloud_assessment.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "snapshots" / "acme").mkdir(parents=True)
    shutil.copy(FIXTURE, tmp_path / "snapshots" / "acme" / "minimal.yaml")
    (tmp_path / "snapshots" / "acme" / "torn.yaml").write_text("servers: [\n")
    return tmp_path


def test_check_mode_then_write_then_unchanged(tree, capsys):
    args = {"snapshot_dir": str(tree / "snapshots"), "assessment_dir": str(tree / "out"), "max_parallel": 2, "bandwidth_mbps": 500}
    checked = run(capsys, check_mode=True, diff=True, **args)
    assert checked["changed"] is True and not (tree / "out").exists()
    assert checked["diff"]["after"] == "".join(f"{name}\n" for name in FILES)
    first = run(capsys, **args)
    assert first["changed"] is True and sorted(os.listdir(tree / "out")) == FILES
    assert sorted(t["status"] for t in first["tenants"]) == ["assessed", "failed"]
    failed = next(t for t in first["tenants"] if t["status"] == "failed")
    assert failed["project"] == "torn" and "torn.yaml" in failed["error"]
    assert first["totals"]["tenants_failed"] == 1
    assert any(line.startswith("FAILED acme/torn") for line in first["summary_lines"])
    assert json.loads((tree / "out" / "assessment.json").read_text())["bandwidth_mbps"] == 500
    second = run(capsys, **args)
    assert second["changed"] is False and second["files"]["unchanged"] == ["index.html", "assessment.json", "assessment.csv"]


def test_whole_report_errors_fail_cleanly(tree, capsys):
    bad = run(capsys, snapshot_dir=str(tree / "snapshots"), assessment_dir=str(tree / "out"), project_pattern="(")
    assert bad["failed"] is True and bad["msg"].startswith("project_pattern: not a valid regular expression")
    (tree / "file").write_text("x")
    blocked = run(capsys, snapshot_dir=str(tree / "snapshots"), assessment_dir=str(tree / "file"))
    assert blocked["failed"] is True and "is not a directory" in blocked["msg"]
