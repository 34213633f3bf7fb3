# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ExportError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.snapshot_tree import SnapshotTreeError, list_snapshot_tree


def tree(root, paths):
    for rel in paths:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("format: x\n")
    return root


@pytest.fixture
def cloud(tmp_path):
    return tree(
        tmp_path,
        [
            "zeta/alpha.yaml",
            "acme/web.yaml",
            "acme/db.yml",
            "acme/service.yaml",
            "acme/notes.txt",
            "acme/.web.yaml.tmp-1.yaml",
            "Default/admin.yaml",
            "loose.yaml",
            ".git/x.yaml",
        ],
    )


def names(entries):
    return [f"{e['domain']}/{e['project']}" for e in entries]


def test_lists_domain_then_project_with_paths(cloud):
    found = list_snapshot_tree(str(cloud))
    assert names(found) == ["Default/admin", "acme/db", "acme/service", "acme/web", "zeta/alpha"]
    assert found[3]["path"] == os.path.join(str(cloud), "acme", "web.yaml")
    assert set(found[0]) == {"domain", "project", "path"}


def test_filters_like_export_cloud(cloud):
    assert names(list_snapshot_tree(str(cloud), domain_pattern="^acme$", exclude=["service"])) == ["acme/db", "acme/web"]
    assert names(list_snapshot_tree(str(cloud), project_pattern="^(?!admin)", exclude=["acme/web"])) == ["acme/db", "acme/service", "zeta/alpha"]
    assert list_snapshot_tree(str(cloud), domain_pattern="nothing") == []


def test_bad_pattern_names_the_option(cloud):
    with pytest.raises(ExportError, match="project_pattern"):
        list_snapshot_tree(str(cloud), project_pattern="(")


@pytest.mark.parametrize("make", ["missing", "file", "empty"])
def test_unlistable_tree_names_the_path(tmp_path, make):
    target = tmp_path / "snaps"
    if make == "file":
        target.write_text("")
    arg = "" if make == "empty" else str(target)
    with pytest.raises(SnapshotTreeError, match="snapshot directory" + ("" if make == "empty" else f" {target}")):
        list_snapshot_tree(arg)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any directory")
def test_unreadable_domain_dir_names_it(cloud):
    locked = cloud / "acme"
    locked.chmod(0)
    try:
        with pytest.raises(SnapshotTreeError, match=f"{locked}: cannot be read"):
            list_snapshot_tree(str(cloud))
    finally:
        locked.chmod(0o755)
