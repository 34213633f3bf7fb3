# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.modules import cloud_tenants
from ansible_collections.ostokubevirt.migrate.tests.unit.plugins.modules.test_tenant_snapshot import run


def test_snapshot_tree_never_connects(tmp_path, capsys, monkeypatch):
    for rel in ("acme/web.yaml", "acme/db.yaml", "beta/x.yaml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}\n")

    def refuse(params):
        raise AssertionError("a snapshot tree must not contact the cloud")

    result = run(cloud_tenants, capsys, monkeypatch, connect=refuse, snapshot_dir=str(tmp_path), domain_pattern="^acme$")
    assert result["source"] == "snapshots"
    assert [(t["domain"], t["project"], t["id"]) for t in result["tenants"]] == [("acme", "db", None), ("acme", "web", None)]
    assert result["tenants"][1]["path"] == str(tmp_path / "acme" / "web.yaml")


def test_missing_tree_is_a_clean_failure(tmp_path, capsys, monkeypatch):
    result = run(cloud_tenants, capsys, monkeypatch, snapshot_dir=str(tmp_path / "nope"))
    assert result["failed"] is True
    assert result["msg"] == f"cloud_tenants: snapshot directory {tmp_path / 'nope'}: does not exist"


def test_live_cloud_uses_the_tenant_listing(capsys, monkeypatch):
    result = run(cloud_tenants, capsys, monkeypatch, domain_pattern="^acme$")
    assert result["source"] == "cloud"
    assert [(t["domain"], t["project"], t["path"]) for t in result["tenants"]] == [("acme", "prod", None)]
    assert result["tenants"][0]["id"]
