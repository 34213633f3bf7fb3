# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render import manifest_writer
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.manifest_writer import WriteRefused, sync_tree

OURS = (
    "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  labels:\n"
    "    app.kubernetes.io/managed-by: ostokubevirt\n  annotations:\n    ostokubevirt.io/source-id: '{name}'\n"
)


def _texts(*paths, version="1"):
    texts = {path: OURS.format(name=os.path.basename(path).split(".")[0]) + f"# {version}\n" for path in paths}
    texts["plan.json"] = json.dumps({"format": "ostokubevirt.io/plan/v1", "tenant": {"project_id": "p1"}, "files": sorted(paths)}) + "\n"
    return texts


def _tree(root):
    """Every path under root (links not followed) -> file bytes, link target or 'dir'."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                found[rel] = f"-> {os.readlink(path)}"
            elif os.path.isdir(path):
                found[rel] = "dir"
            elif stat.S_ISREG(os.lstat(path).st_mode):
                with open(path, "rb") as handle:
                    found[rel] = handle.read()
            else:
                found[rel] = "special"
    return found


def test_sync_writes_only_changes_and_prunes_owned_files(tmp_path):
    root = str(tmp_path / "t")
    texts = _texts("manifests/a.yaml", "secrets/s.yaml", "manifests/old.yaml")
    first = sync_tree(root, texts)
    assert sorted(first["created"]) == sorted(texts)
    (tmp_path / "t" / "notes.txt").write_text("user file")
    second_texts = {**_texts("manifests/a.yaml", "secrets/s.yaml", version="2")}
    second = sync_tree(root, second_texts)
    assert second["updated"] == ["manifests/a.yaml", "plan.json", "secrets/s.yaml"]
    assert second["removed"] == ["manifests/old.yaml"]
    assert (tmp_path / "t" / "notes.txt").read_text() == "user file"
    third = sync_tree(root, second_texts)
    assert third["created"] == third["updated"] == third["removed"] == third["repaired"] == []


def test_check_mode_writes_nothing(tmp_path):
    report = sync_tree(str(tmp_path / "out"), {"manifests/a.yaml": "a\n"}, check_mode=True)
    assert report["created"] == ["manifests/a.yaml"]
    assert not os.path.exists(tmp_path / "out")


def test_nothing_but_the_tenant_directory_is_left_in_the_output_directory(tmp_path):
    sync_tree(str(tmp_path / "t"), _texts("manifests/x/a.yaml"))
    sync_tree(str(tmp_path / "t"), _texts("manifests/x/a.yaml", version="2"))
    assert sorted(os.listdir(tmp_path)) == ["t"]
    assert sorted(os.listdir(tmp_path / "t" / "manifests" / "x")) == ["a.yaml"]


# Defect 3: pruning removed files the tool did not write.
def test_files_we_did_not_write_are_kept_and_reported(tmp_path):
    root = tmp_path / "t"
    sync_tree(str(root), _texts("manifests/a.yaml", "secrets/s.yaml"))
    (root / "manifests" / "kustomization.yaml").write_text("resources: [a.yaml]\n")
    (root / "secrets" / "sealed.yaml").write_text("kind: SealedSecret\n")
    (root / "manifests" / "overlays").mkdir()
    (root / "manifests" / "overlays" / "cm.yaml").write_text("kind: ConfigMap\nmetadata: {name: mine}\n")
    (root / "manifests" / "empty").mkdir()
    report = sync_tree(str(root), _texts("manifests/b.yaml"))
    assert report["removed"] == ["manifests/a.yaml", "secrets/s.yaml"]
    assert report["kept"] == ["manifests/empty", "manifests/kustomization.yaml", "manifests/overlays/cm.yaml", "secrets/sealed.yaml"]
    assert (root / "manifests" / "kustomization.yaml").read_text() == "resources: [a.yaml]\n"
    assert (root / "secrets" / "sealed.yaml").read_text() == "kind: SealedSecret\n"
    assert (root / "manifests" / "overlays" / "cm.yaml").exists() and (root / "manifests" / "empty").is_dir()
    assert not (root / "manifests" / "a.yaml").exists()


def test_labelled_files_without_a_plan_record_count_as_ours(tmp_path):
    root = tmp_path / "t"
    sync_tree(str(root), _texts("manifests/a.yaml"))
    (root / "plan.json").unlink()
    assert sync_tree(str(root), _texts("manifests/b.yaml"))["removed"] == ["manifests/a.yaml"]


def test_a_foreign_file_where_we_write_is_refused(tmp_path):
    root = tmp_path / "t"
    (root / "manifests").mkdir(parents=True)
    (root / "manifests" / "a.yaml").write_text("kind: ConfigMap\n")
    with pytest.raises(WriteRefused, match=r"manifests/a.yaml was not written by ostokubevirt"):
        sync_tree(str(root), _texts("manifests/a.yaml"))
    assert (root / "manifests" / "a.yaml").read_text() == "kind: ConfigMap\n"


# Defect 2: symlinks were followed for writing and pruning.
@pytest.mark.parametrize("link", ["t", "t/manifests", "t/secrets", "t/manifests/x"])
def test_links_where_we_write_are_refused_and_named(tmp_path, link):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.yaml").write_text(OURS.format(name="precious"))
    target = tmp_path / "real"
    if link != "t":
        sync_tree(str(tmp_path / "t"), _texts("manifests/x/a.yaml", "secrets/s.yaml"))
        target = tmp_path / link
        os.rename(target, tmp_path / "moved")
    os.symlink(outside, tmp_path / link)
    before = _tree(outside)
    with pytest.raises(WriteRefused, match=rf"{tmp_path / link} is a symbolic link"):
        sync_tree(str(tmp_path / "t"), _texts("manifests/x/b.yaml", "secrets/t.yaml"))
    assert _tree(outside) == before


def test_foreign_links_elsewhere_are_kept_as_links_and_never_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "v.yaml").write_text(OURS.format(name="v"))
    root = tmp_path / "t"
    sync_tree(str(root), _texts("manifests/a.yaml"))
    os.symlink(outside, root / "manifests" / "linked")
    os.symlink(outside / "v.yaml", root / "manifests" / "v.yaml")
    report = sync_tree(str(root), _texts("manifests/b.yaml"))
    assert report["removed"] == ["manifests/a.yaml"]
    assert os.readlink(root / "manifests" / "linked") == str(outside)
    assert os.readlink(root / "manifests" / "v.yaml") == str(outside / "v.yaml")
    assert (outside / "v.yaml").exists()


# Defect 14: a FIFO at a manifest's path hung the render.
def test_a_fifo_where_we_write_is_refused(tmp_path):
    root = tmp_path / "t"
    sync_tree(str(root), _texts("manifests/a.yaml"))
    (root / "manifests" / "a.yaml").unlink()
    os.mkfifo(root / "manifests" / "a.yaml")
    with pytest.raises(WriteRefused, match=r"manifests/a.yaml is not a regular file"):
        sync_tree(str(root), _texts("manifests/a.yaml"))


def test_a_foreign_fifo_elsewhere_is_kept(tmp_path):
    root = tmp_path / "t"
    sync_tree(str(root), _texts("manifests/a.yaml"))
    os.mkfifo(root / "manifests" / "pipe")
    assert sync_tree(str(root), _texts("manifests/a.yaml", version="2"))["kept"] == ["manifests/pipe"]
    assert stat.S_ISFIFO(os.lstat(root / "manifests" / "pipe").st_mode)


# Defect 11: modes were not repaired.
def test_secret_modes_are_repaired_and_reported(tmp_path):
    root = tmp_path / "t"
    texts = _texts("secrets/s.yaml", "manifests/a.yaml")
    sync_tree(str(root), texts)
    assert stat.S_IMODE(os.stat(root / "secrets").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(root / "secrets" / "s.yaml").st_mode) == 0o600
    os.chmod(root / "secrets", 0o755)
    os.chmod(root / "secrets" / "s.yaml", 0o644)
    report = sync_tree(str(root), texts)
    assert report["repaired"] == ["secrets/", "secrets/s.yaml"]
    assert stat.S_IMODE(os.stat(root / "secrets").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(root / "secrets" / "s.yaml").st_mode) == 0o600
    assert sync_tree(str(root), texts)["repaired"] == []


# Defect 12: a failed render left a mixed tree.
def test_a_failure_while_writing_leaves_the_old_tree_complete(tmp_path, monkeypatch):
    root = tmp_path / "t"
    sync_tree(str(root), _texts("manifests/a.yaml", "secrets/s.yaml"))
    (root / "manifests" / "kustomization.yaml").write_text("mine\n")
    before = _tree(root)
    real_write = manifest_writer._write_new

    def failing_write(stage, path, text, mode):
        if "/secrets/" in path:
            raise PermissionError(13, "Permission denied", path)
        real_write(stage, path, text, mode)

    monkeypatch.setattr(manifest_writer, "_write_new", failing_write)
    with pytest.raises(PermissionError):
        sync_tree(str(root), _texts("manifests/a.yaml", "secrets/s.yaml", version="2"))
    assert _tree(root) == before
    assert os.listdir(tmp_path) == ["t"]


def test_a_failure_while_carrying_user_files_puts_them_back(tmp_path, monkeypatch):
    root = tmp_path / "t"
    sync_tree(str(root), _texts("manifests/a.yaml"))
    (root / "manifests" / "k1.yaml").write_text("one\n")
    (root / "manifests" / "k2.yaml").write_text("two\n")
    before = _tree(root)
    real_rename = os.rename

    def failing_rename(source, target):
        if str(source).endswith("k2.yaml"):
            raise OSError(5, "Input/output error", source)
        real_rename(source, target)

    monkeypatch.setattr(manifest_writer.os, "rename", failing_rename)
    with pytest.raises(OSError):
        sync_tree(str(root), _texts("manifests/a.yaml", version="2"))
    monkeypatch.undo()
    assert _tree(root) == before
    assert os.listdir(tmp_path) == ["t"]


# Defect 7 (plan.json part): a non-UTF-8 plan.json gave a decode error after the manifests were rewritten.
@pytest.mark.parametrize("content, reason", [(b"\xff\xfe{}", "not UTF-8"), (b"{", "not JSON"), (b"[]", "no format")])
def test_a_plan_json_we_did_not_write_is_refused_before_anything_is_written(tmp_path, content, reason):
    root = tmp_path / "t"
    sync_tree(str(root), _texts("manifests/a.yaml"))
    (root / "plan.json").write_bytes(content)
    before = _tree(root)
    with pytest.raises(WriteRefused, match=rf"{root / 'plan.json'} is not a plan written by ostokubevirt \({reason}"):
        sync_tree(str(root), _texts("manifests/a.yaml", version="2"))
    assert _tree(root) == before


def test_no_prune_keeps_our_old_files(tmp_path):
    root = tmp_path / "t"
    sync_tree(str(root), _texts("manifests/a.yaml"))
    report = sync_tree(str(root), _texts("manifests/b.yaml"), prune=False)
    assert report["removed"] == [] and report["kept"] == ["manifests/a.yaml"]
    assert (root / "manifests" / "a.yaml").exists() and (root / "manifests" / "b.yaml").exists()


def test_a_file_where_a_directory_belongs_is_refused(tmp_path):
    root = tmp_path / "t"
    root.mkdir()
    (root / "manifests").write_text("oops")
    with pytest.raises(WriteRefused, match=r"manifests is not a directory"):
        sync_tree(str(root), _texts("manifests/a.yaml"))
