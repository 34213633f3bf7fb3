# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one atomic writer: data fsynced before the rename, the directory after it; never half a file."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils import _atomic_file
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack import snapshot_file as sfile
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.manifest_writer import sync_tree


@pytest.fixture
def events(monkeypatch):
    """Every fsync (as ("fsync", "dir"|"file", inode)) and rename/replace (as (name, target)), in order."""
    seen = []
    real_fsync, real_replace, real_rename = os.fsync, os.replace, os.rename

    def fsync(fd):
        info = os.fstat(fd)
        seen.append(("fsync", "dir" if stat.S_ISDIR(info.st_mode) else "file", info.st_ino))
        real_fsync(fd)

    def replace(source, target):
        real_replace(source, target)
        seen.append(("replace", str(target)))

    def rename(source, target):
        real_rename(source, target)
        seen.append(("rename", str(target)))

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "rename", rename)
    return seen


def test_write_atomic_syncs_the_data_before_the_rename_and_the_directory_after(tmp_path, events):
    path = tmp_path / "acme" / "prod.yaml"
    _atomic_file.write_atomic(str(path), "new\n")
    assert path.read_text() == "new\n"
    replaced = events.index(("replace", str(path)))
    assert ("fsync", "file", path.stat().st_ino) in events[:replaced]
    assert ("fsync", "dir", path.parent.stat().st_ino) in events[replaced:]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_write_atomic_replaces_the_file_instead_of_writing_into_it(tmp_path):
    path = tmp_path / "prod.yaml"
    path.write_text("old\n")
    # A reader that opened the old file (here: a second name of it) must keep seeing all of it.
    os.link(path, tmp_path / "reader-view")
    _atomic_file.write_atomic(str(path), "new\n", mode=0o644)
    assert path.read_text() == "new\n"
    assert (tmp_path / "reader-view").read_text() == "old\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path, monkeypatch, failing):
    path = tmp_path / "prod.yaml"
    path.write_text("old\n")

    def fail(*_args):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OSError):
        _atomic_file.write_atomic(str(path), "new\n")
    monkeypatch.undo()
    assert path.read_text() == "old\n"
    assert sorted(os.listdir(tmp_path)) == ["prod.yaml"]


def test_write_new_never_writes_over_or_through_what_is_there(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("theirs\n")
    os.symlink(target, tmp_path / "link.yaml")
    for name in ("elsewhere", "link.yaml"):
        with pytest.raises(FileExistsError):
            _atomic_file.write_new(str(tmp_path / name), "ours\n", 0o600)
    assert target.read_text() == "theirs\n"
    _atomic_file.write_new(str(tmp_path / "new.yaml"), "ours\n", 0o640)
    assert stat.S_IMODE((tmp_path / "new.yaml").stat().st_mode) == 0o640


def test_the_rendered_tree_is_synced_before_the_swap_and_its_parent_after(tmp_path, events):
    root = tmp_path / "tenant"
    texts = {
        "manifests/a.yaml": "a: 1\n",
        "secrets/s.yaml": "s: 1\n",
        "plan.json": json.dumps({"format": "ostokubevirt.io/plan/v1", "tenant": {"project_id": "p1"}, "files": ["manifests/a.yaml", "secrets/s.yaml"]}) + "\n",
    }
    sync_tree(str(root), texts)
    swapped = events.index(("rename", str(root)))
    before, after = events[:swapped], events[swapped:]
    for relpath in texts:
        assert ("fsync", "file", (root / relpath).stat().st_ino) in before, relpath
    for directory in (root, root / "manifests", root / "secrets"):
        assert ("fsync", "dir", directory.stat().st_ino) in before, directory
    assert ("fsync", "dir", tmp_path.stat().st_ino) in after


def test_the_snapshot_file_goes_through_the_same_writer(tmp_path, events):
    path = tmp_path / "acme" / "prod.yaml"
    sfile.write(str(path), {"format": "x", "project": {"id": "p"}})
    replaced = events.index(("replace", str(path)))
    assert ("fsync", "file", path.stat().st_ino) in events[:replaced]
    assert ("fsync", "dir", path.parent.stat().st_ino) in events[replaced:]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # user data and the tenant's public keys
