# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import copy
import json
import os

import pytest
import yaml

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render_job import RenderError, render_tenant


def _write(tmp_path, name, snapshot):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(snapshot), encoding="utf-8")
    return str(path)


def _tenant(snapshot, domain, project, project_id):
    snapshot["domain"] = {**snapshot["domain"], "name": domain}
    snapshot["project"] = {**snapshot["project"], "name": project, "id": project_id}
    return snapshot


def test_colliding_namespaces_keep_both_tenants(tmp_path, minimal_snapshot):
    first = _write(tmp_path, "a.yaml", _tenant(copy.deepcopy(minimal_snapshot), "a-b", "c", "p1"))
    second = _write(tmp_path, "b.yaml", _tenant(copy.deepcopy(minimal_snapshot), "a", "b-c", "p2"))
    out = str(tmp_path / "out")

    one = render_tenant(first, tenant="c", output_dir=out, raw_options={})
    two = render_tenant(second, tenant="b-c", output_dir=out, raw_options={})

    assert one["namespace"] == "a-b-c"
    assert two["namespace"].startswith("a-b-c-") and two["namespace"] != one["namespace"]
    with open(two["plan_path"], encoding="utf-8") as handle:
        plan = json.load(handle)
    assert plan["tenant"]["namespace"] == two["namespace"]
    assert any(f["field"] == "name" and "already belongs to project p1" in f["message"] for f in plan["tenant_findings"])
    with open(one["plan_path"], encoding="utf-8") as handle:
        assert json.load(handle)["tenant"]["project_id"] == "p1"  # the first tenant's output is untouched
    namespace_doc = yaml.safe_load((tmp_path / "out" / two["namespace"] / "manifests" / "00-namespace.yaml").read_text())
    assert namespace_doc["metadata"]["name"] == two["namespace"]

    # Stable: rendering either again lands in the same place.
    assert render_tenant(second, tenant="b-c", output_dir=out, raw_options={})["namespace"] == two["namespace"]
    assert render_tenant(first, tenant="c", output_dir=out, raw_options={})["namespace"] == "a-b-c"


def test_explicit_namespace_never_overwrites_another_project(tmp_path, minimal_snapshot):
    first = _write(tmp_path, "a.yaml", _tenant(copy.deepcopy(minimal_snapshot), "d", "x", "p1"))
    second = _write(tmp_path, "b.yaml", _tenant(copy.deepcopy(minimal_snapshot), "d", "y", "p2"))
    out = str(tmp_path / "out")
    render_tenant(first, tenant="x", output_dir=out, raw_options={"namespace": "shared"})
    with pytest.raises(RenderError, match="already holds project p1"):
        render_tenant(second, tenant="y", output_dir=out, raw_options={"namespace": "shared"})
    assert os.path.isdir(os.path.join(out, "shared"))
