# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import copy
import os

import pytest
import yaml

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render import manifest_writer
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.job import RenderError, render_tenant


def _write(tmp_path, name, snapshot):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(snapshot), encoding="utf-8")
    return str(path)


def _tenant(snapshot, domain, project, project_id):
    snapshot["domain"] = {**snapshot["domain"], "name": domain}
    snapshot["project"] = {**snapshot["project"], "name": project, "id": project_id}
    return snapshot


def test_colliding_namespaces_are_refused_naming_the_holder(tmp_path, minimal_snapshot):
    """The one namespace rule apply follows too: the same tenant always lands in the same namespace."""
    first = _write(tmp_path, "a.yaml", _tenant(copy.deepcopy(minimal_snapshot), "a-b", "c", "p1"))
    second = _write(tmp_path, "b.yaml", _tenant(copy.deepcopy(minimal_snapshot), "a", "b-c", "p2"))
    out = str(tmp_path / "out")

    one = render_tenant(first, tenant="c", output_dir=out, raw_options={})
    assert one["namespace"] == "a-b-c"
    before = _tree(tmp_path / "out")
    with pytest.raises(
        RenderError,
        match=r"namespace a-b-c already exists and belongs to project p1, so it is not project p2's; "
        r"choose another name for this project with the translation option namespace",
    ):
        render_tenant(second, tenant="b-c", output_dir=out, raw_options={})
    assert _tree(tmp_path / "out") == before
    two = render_tenant(second, tenant="b-c", output_dir=out, raw_options={"namespace": "a-b-c-2"})
    assert two["namespace"] == "a-b-c-2"
    assert render_tenant(first, tenant="c", output_dir=out, raw_options={})["namespace"] == "a-b-c"


# Defect 4: ownership rested on plan.json alone.
def test_ownership_survives_a_deleted_plan(tmp_path, minimal_snapshot):
    first = _write(tmp_path, "a.yaml", _tenant(copy.deepcopy(minimal_snapshot), "a-b", "c", "p1"))
    second = _write(tmp_path, "b.yaml", _tenant(copy.deepcopy(minimal_snapshot), "a", "b-c", "p2"))
    out = str(tmp_path / "out")
    one = render_tenant(first, tenant="c", output_dir=out, raw_options={})
    os.unlink(one["plan_path"])
    before = _tree(tmp_path / "out")
    with pytest.raises(RenderError, match="namespace a-b-c already exists and belongs to project p1"):
        render_tenant(second, tenant="b-c", output_dir=out, raw_options={})
    assert _tree(tmp_path / "out") == before


# Defect 1: the namespace option was not validated.
@pytest.mark.parametrize("namespace", ["/abs/path", "../../x", "a/b", "UPPER", "-x", "x" * 64, "a.b", ".."])
def test_a_namespace_option_that_is_not_a_label_is_refused(tmp_path, minimal_snapshot, namespace):
    snapshot = _write(tmp_path, "a.yaml", minimal_snapshot)
    out = tmp_path / "root" / "out"
    out.mkdir(parents=True)
    with pytest.raises(RenderError, match=r"invalid options: option namespace must be an RFC 1123 label"):
        render_tenant(snapshot, tenant=None, output_dir=str(out), raw_options={"namespace": namespace})
    assert _tree(tmp_path / "root") == {"out": "dir"}


# Defect 13: an empty output directory wrote into the current directory.
@pytest.mark.parametrize("output_dir", ["", "  "])
def test_an_empty_output_dir_is_refused(tmp_path, minimal_snapshot, monkeypatch, output_dir):
    snapshot = _write(tmp_path, "a.yaml", minimal_snapshot)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    with pytest.raises(RenderError, match="output_dir is empty"):
        render_tenant(snapshot, tenant=None, output_dir=output_dir, raw_options={})
    assert os.listdir(work) == []


# Defect 12, end to end: a render that fails midway leaves the previous tree as it was.
def test_a_failed_render_leaves_the_previous_tree_complete(tmp_path, minimal_snapshot, monkeypatch):
    out = tmp_path / "out"
    old = _write(tmp_path, "old.yaml", minimal_snapshot)
    render_tenant(old, tenant=None, output_dir=str(out), raw_options={})
    before = _tree(out)
    changed = copy.deepcopy(minimal_snapshot)
    changed["servers"][0]["OS-EXT-SRV-ATTR:user_data"] = "I2Nsb3VkLWNvbmZpZwo="
    changed["servers"][0]["flavor"]["ram"] = 1024
    new = _write(tmp_path, "new.yaml", changed)
    real_write = manifest_writer._write_new

    def secrets_unwritable(stage, path, text, mode):
        if f"{os.sep}secrets{os.sep}" in path:
            raise PermissionError(13, "Permission denied", path)
        real_write(stage, path, text, mode)

    monkeypatch.setattr(manifest_writer, "_write_new", secrets_unwritable)
    with pytest.raises(RenderError, match=r"cannot write to .*: Permission denied \(.*secrets.*\)"):
        render_tenant(new, tenant=None, output_dir=str(out), raw_options={})
    assert _tree(out) == before


def _tree(root):
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            if os.path.isdir(path):
                found[os.path.relpath(path, root)] = "dir"
            else:
                with open(path, "rb") as handle:
                    found[os.path.relpath(path, root)] = handle.read()
    return found


def test_explicit_namespace_never_overwrites_another_project(tmp_path, minimal_snapshot):
    first = _write(tmp_path, "a.yaml", _tenant(copy.deepcopy(minimal_snapshot), "d", "x", "p1"))
    second = _write(tmp_path, "b.yaml", _tenant(copy.deepcopy(minimal_snapshot), "d", "y", "p2"))
    out = str(tmp_path / "out")
    render_tenant(first, tenant="x", output_dir=out, raw_options={"namespace": "shared"})
    with pytest.raises(RenderError, match="namespace shared already exists and belongs to project p1"):
        render_tenant(second, tenant="y", output_dir=out, raw_options={"namespace": "shared"})
    assert os.path.isdir(os.path.join(out, "shared"))
