# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import csv
import io
import json
import os

import pytest
import yaml

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.assessment_report import (
    CSV_COLUMNS,
    REPORT_FILES,
    AssessmentError,
    assess_snapshots,
    render_texts,
    snapshot_files,
    write_report,
)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.assessment import parallel_seconds, reason_key
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant
from ansible_collections.ostokubevirt.migrate.tests.unit.plugins.module_utils import assessment_tree as tree

GIB = 1024**3
# Fewer tenants than the e2e test (translation is the slow part); still the XSS, formula, secret and broken ones.
TENANTS = 5


@pytest.fixture(scope="module")
def snapshot_tree(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("snapshots"))
    paths = tree.build_tree(root, TENANTS)
    return root, paths


@pytest.fixture(scope="module")
def report(snapshot_tree):
    root, _paths = snapshot_tree
    return assess_snapshots(snapshot_files(root), raw_options={"bandwidth_mbps": 800}, max_parallel=3)


@pytest.fixture(scope="module")
def plans(snapshot_tree):
    """The per-tenant plans, straight from translate_tenant, keyed by (domain, project name)."""
    out = {}
    for path in snapshot_tree[1]:
        with open(path, encoding="utf-8") as handle:
            plan = translate_tenant(yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))).plan
        out[(plan["tenant"]["domain"], plan["tenant"]["project"])] = plan
    return out


def test_totals_are_the_sums_of_the_per_tenant_plans(report, plans):
    assert len(plans) == TENANTS - 1
    totals = report["totals"]
    assert (totals["tenants"], totals["tenants_assessed"], totals["tenants_failed"]) == (TENANTS, TENANTS - 1, 1)
    for status in ("ready", "warning", "blocked"):
        assert totals[f"vms_{status}"] == sum(p["summary"][status] for p in plans.values())
    assert totals["vms_total"] == sum(len(p["servers"]) for p in plans.values())
    for key in ("vcpus", "ram_mib", "disk_gib"):
        assert totals[key] == sum(p["summary"]["to_migrate"][key] for p in plans.values())
    moved = sum(
        d["transfer"]["size_bytes"]
        for p in plans.values()
        for row in p["servers"]
        if row["status"] != "blocked"
        for d in row.get("disks") or []
        if (d.get("transfer") or {}).get("method") in ("glance", "tvo")
    )
    assert totals["bytes_to_move"] == moved == sum(p["summary"]["disks"]["bytes_to_move"] for p in plans.values())
    assert totals["floating_ips"] == sum(len(row.get("floating_ips") or []) for p in plans.values() for row in p["servers"])
    assert totals["transfer_seconds"] == sum(t["transfer_seconds"] for t in report["tenants"] if t["status"] == "assessed")


def test_per_tenant_numbers_match_its_plan(report, plans):
    assessed = [t for t in report["tenants"] if t["status"] == "assessed"]
    assert len(assessed) == len(plans)
    for tenant in assessed:
        plan = plans[(tenant["domain"], tenant["project"])]
        assert tenant["namespace"] == plan["tenant"]["namespace"]
        assert tenant["vms"] == {s: plan["summary"][s] for s in ("ready", "warning", "blocked")} | {"total": plan["summary"]["servers"]}
        assert tenant["vcpus"] == plan["summary"]["to_migrate"]["vcpus"]
        # Per VM: status, every finding with its field, every disk with size and method.
        by_id = {row["id"]: row for row in plan["servers"]}
        for vm in tenant["servers"]:
            row = by_id[vm["id"]]
            assert vm["status"] == row["status"]
            assert [(f["field"], f["message"]) for f in vm["findings"]] == [(f["field"], f["message"]) for f in row["findings"]]
            assert [(d["size_gib"], d["method"]) for d in vm["disks"]] == [
                (d["size_gib"], (d.get("transfer") or {}).get("method")) for d in row.get("disks") or []
            ]
        # The demo's owners: alice and bob (admin/member), the devs group; the CI user holds member too.
        names = {o["name"] for o in tenant["owners"]}
        assert {"alice", "web-shop-devs"} <= names
        assert tenant["calico_security_groups"] == ["db", "mgmt"]
        assert tenant["bandwidth_mbps"] == 800


def test_transfer_time_uses_bandwidth_and_parallelism(report):
    tenant = next(t for t in report["tenants"] if t["status"] == "assessed")
    per_vm = [vm["transfer_seconds"] for vm in tenant["servers"]]
    assert tenant["transfer_seconds"] == parallel_seconds(per_vm, 3)
    assert max(per_vm) <= tenant["transfer_seconds"] <= sum(per_vm)
    assert parallel_seconds([10, 10, 10], 2) == 20
    assert parallel_seconds([30, 20, 20, 10], 2) == 40
    assert parallel_seconds([], 4) == 0


def test_broken_tenant_is_listed_with_its_error(report):
    failed = [t for t in report["tenants"] if t["status"] == "failed"]
    assert [(t["domain"], t["project"]) for t in failed] == [tree.BROKEN]
    assert "broken.yaml" in failed[0]["error"]
    assert "Traceback" not in failed[0]["error"]
    # The YAML error keeps its position but not the quoted line (it holds user data here).
    assert "line " in failed[0]["error"] and tree.SECRET not in failed[0]["error"]


def test_blockers_grouped_by_reason_across_tenants(report):
    # legacy-01 (image deleted from Glance) is kept by tenants whose index % 5 <= 3.
    image = [b for b in report["blockers"] if b["reason"].startswith("image.id: image <id> is not in the snapshot")]
    assert len(image) == 1
    expected = sum(1 for i in range(TENANTS - 1) if i % 5 <= 3)
    assert image[0]["count"] == expected == len(image[0]["vms"])
    assert report["biggest_tenants"][0]["bytes_to_move"] == max(t["bytes_to_move"] for t in report["tenants"] if t["status"] == "assessed")


def test_reason_key_masks_ids():
    one = {"field": "ports[ab12].fixed_ips", "message": "image 50b764d1-1dfd-5bc4-9b19-63ac20793e1b gone"}
    two = {"field": "ports[cd34].fixed_ips", "message": "image e54a86e5-337e-500d-bf87-f77c4b37c2df gone"}
    assert reason_key(one) == reason_key(two) == "ports[*].fixed_ips: image <id> gone"


def test_json_and_csv_shape(report):
    texts = render_texts(report)
    assert set(texts) == set(REPORT_FILES)
    assert json.loads(texts["assessment.json"]) == json.loads(json.dumps(report))
    rows = list(csv.DictReader(io.StringIO(texts["assessment.csv"])))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    records = [r["record"] for r in rows]
    assert records.count("tenant") == TENANTS - 1
    assert records.count("failed-tenant") == 1
    assert records.count("vm") == report["totals"]["vms_total"]
    tenant_rows = [r for r in rows if r["record"] == "tenant"]
    assert sum(int(r["vcpus"]) for r in tenant_rows) == report["totals"]["vcpus"]
    # A name a spreadsheet would run as a formula is written as text.
    formula = [r for r in rows if r["server"].endswith(tree.FORMULA_SERVER)]
    assert formula and formula[0]["server"] == "'" + tree.FORMULA_SERVER


def test_html_escapes_tenant_data(report):
    html = render_texts(report)["index.html"]
    assert tree.XSS_SERVER not in html and tree.XSS_PROJECT not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;alert(&quot;project&quot;)&lt;/script&gt;&amp;amp;" in html
    assert html.count("<script>") == 1
    # Self-contained: nothing fetched from anywhere.
    for needle in ("http://", "https://", "<link", "src=", "@import", "url("):
        assert needle not in html.replace("http://www.w3.org/2000/svg", "").replace("http://evil.example", "").replace("src=x", "")


def test_no_secret_in_any_output(report):
    texts = render_texts(report)
    needles = tree.secret_needles()
    for name, text in texts.items():
        for needle in needles:
            assert needle not in text, f"{name} leaks {needle[:20]}..."


def test_write_report_check_mode_then_write_then_idempotent(report, tmp_path):
    texts = render_texts(report)
    target = str(tmp_path / "out")
    assert write_report(target, texts, check_mode=True)["changed"] == list(REPORT_FILES)
    assert not os.path.exists(target)
    assert write_report(target, texts)["changed"] == list(REPORT_FILES)
    assert sorted(os.listdir(target)) == sorted(REPORT_FILES)
    assert write_report(target, texts) == {"changed": [], "unchanged": list(REPORT_FILES)}


def test_filters_and_bad_input(snapshot_tree):
    root, _paths = snapshot_tree
    assert {d for d, _p, _path in snapshot_files(root, domain_pattern="^acme$")} == {"acme"}
    assert [p for _d, p, _path in snapshot_files(root, project_pattern="0[12]$")] == ["project-01", "project-02"]
    assert "broken" not in [p for _d, p, _path in snapshot_files(root, exclude=["initech/broken"])]
    with pytest.raises(AssessmentError, match="project_pattern"):
        snapshot_files(root, project_pattern="(")
    with pytest.raises(AssessmentError, match="does not exist"):
        snapshot_files(os.path.join(root, "missing"))
    with pytest.raises(AssessmentError, match="bandwidth_mbps"):
        assess_snapshots([], raw_options={"bandwidth_mbps": 0}, max_parallel=1)
    with pytest.raises(AssessmentError, match="max_parallel"):
        assess_snapshots([], raw_options={}, max_parallel=0)
