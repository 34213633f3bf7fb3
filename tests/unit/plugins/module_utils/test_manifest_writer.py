# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.manifest_writer import sync_tree


def test_sync_writes_only_changes_and_prunes_owned_files(tmp_path):
    root = str(tmp_path)
    texts = {"manifests/a.yaml": "a\n", "secrets/s.yaml": "s\n", "plan.json": "{}\n"}
    first = sync_tree(root, texts)
    assert sorted(first["created"]) == sorted(texts)
    (tmp_path / "notes.txt").write_text("user file")
    (tmp_path / "manifests" / "stale.yaml").write_text("old")
    second = sync_tree(root, {**texts, "manifests/a.yaml": "A\n"})
    assert second["updated"] == ["manifests/a.yaml"]
    assert second["removed"] == ["manifests/stale.yaml"]
    assert (tmp_path / "notes.txt").exists()
    third = sync_tree(root, {**texts, "manifests/a.yaml": "A\n"})
    assert third["created"] == third["updated"] == third["removed"] == []


def test_check_mode_writes_nothing(tmp_path):
    report = sync_tree(str(tmp_path / "out"), {"manifests/a.yaml": "a\n"}, check_mode=True)
    assert report["created"] == ["manifests/a.yaml"]
    assert not os.path.exists(tmp_path / "out")


def test_no_temp_files_left_behind(tmp_path):
    sync_tree(str(tmp_path), {"manifests/x/a.yaml": "a\n"})
    assert [p.name for p in (tmp_path / "manifests" / "x").iterdir()] == ["a.yaml"]
