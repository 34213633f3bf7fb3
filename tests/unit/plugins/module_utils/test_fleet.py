# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import fleet

TENANTS = [{"domain": "acme", "project": p, "path": f"/s/acme/{p}.yaml"} for p in ("db", "erp", "web")] + [
    {"domain": "beta", "project": "web", "path": "/s/beta/web.yaml"}
]


def plan(ready, warning, blocked, moved, namespace="ns"):
    return {"tenant": {"namespace": namespace}, "summary": {"ready": ready, "warning": warning, "blocked": blocked, "disks": {"bytes_to_move": moved}}}


def keys(result):
    return [fleet.tenant_key(t) for t in result["tenants"]]


def test_without_waves_the_loop_order_n_at_a_time():
    result = fleet.plan_waves(TENANTS, batch=3)
    assert keys(result) == ["acme/db", "acme/erp", "acme/web", "beta/web"]
    assert result["serial"] == 3 and result["not_in_wave"] == []
    assert fleet.plan_waves(TENANTS)["serial"] == 1


def test_waves_order_and_leave_out_the_unnamed():
    result = fleet.plan_waves(TENANTS, [["erp"], ["beta/web", "db"]])
    assert keys(result) == ["acme/erp", "beta/web", "acme/db"]
    assert [t["wave"] for t in result["tenants"]] == [1, 2, 2]
    assert result["serial"] == [1, 2]
    assert result["not_in_wave"] == ["acme/web"]


@pytest.mark.parametrize(
    ("waves", "batch", "message"),
    [
        ([["web"]], 0, r"migration_tenant_waves\[0\]\[0\]: project 'web' is in several domains \(acme, beta\)"),
        ([["db"], ["nope"]], 0, r"migration_tenant_waves\[1\]\[0\]: 'nope' is not among the selected tenants"),
        ([["db"], ["acme/db"]], 0, r"migration_tenant_waves\[1\]\[0\]: acme/db is already"),
        ([[]], 0, r"migration_tenant_waves\[0\]: must be a non-empty list"),
        (None, -1, "migration_tenant_batch: must be 0 or more"),
        (None, "x", "migration_tenant_batch: not a number"),
    ],
)
def test_bad_waves_name_the_entry(waves, batch, message):
    with pytest.raises(fleet.FleetError, match=message):
        fleet.plan_waves(TENANTS, waves, batch)


def test_summary_is_the_sum_of_the_records():
    records = [
        fleet.tenant_record(TENANTS[0], "done", mode="apply", plan=plan(2, 1, 0, 100, "acme-db")),
        fleet.tenant_record(TENANTS[1], "failed", mode="apply", plan=plan(1, 0, 3, 50), message="boom"),
        fleet.tenant_record(TENANTS[2], "skipped", mode="apply", done_earlier=True, vms={"ready": 4, "warning": 0, "blocked": 0}, bytes_to_move=7),
    ]
    summary = fleet.fleet_summary(records, mode="apply", source="snapshots")
    assert summary["tenants"] == {"total": 3, "done": 1, "failed": 1, "skipped": 1}
    assert summary["vms"] == {"total": 11, "ready": 7, "warning": 1, "blocked": 3}
    # Only the finished apply moved its bytes; the failed one is retried, the skipped one moved them before.
    assert (summary["bytes_to_move"], summary["bytes_moved"]) == (157, 100)
    assert summary["failed"] == ["acme/erp: boom"]
    assert fleet.summary_lines(summary)[:3] == [
        "Fleet apply of 3 tenant(s): done 1, failed 1, skipped 1",
        "VMs: 11 (ready 7, warning 1, blocked 3)",
        "Bytes: 157 B to move, 100 B moved",
    ]
    assert records[0]["namespace"] == "acme-db"
    assert fleet.tenant_line(records[0]) == "acme/db: done (ready 2, warning 1, blocked 0; 100 B to move, 100 B moved) -> acme-db"


def test_render_moves_nothing_and_a_record_needs_a_known_status():
    assert fleet.tenant_record(TENANTS[0], "done", mode="render", plan=plan(1, 0, 0, 2**40))["bytes_moved"] == 0
    assert fleet.human_bytes(2**40) == "1.0 TiB"
    with pytest.raises(fleet.FleetError, match="acme/db: unknown tenant status 'ok'"):
        fleet.tenant_record(TENANTS[0], "ok", mode="render")


def test_a_rerun_finds_the_finished_records_and_keeps_the_others():
    done = fleet.tenant_record(TENANTS[0], "done", mode="render", plan=plan(1, 0, 0, 1))
    failed = fleet.tenant_record(TENANTS[1], "failed", mode="render", message="x")
    skipped = fleet.tenant_record(TENANTS[3], "skipped", mode="render", done_earlier=True)
    previous = fleet.fleet_summary([done, failed, skipped], mode="render", source="snapshots")
    result = fleet.plan_waves(TENANTS, previous=previous, mode="render")
    assert [bool(t["previous"]) for t in result["tenants"]] == [True, False, False, True]
    assert fleet.plan_waves(TENANTS, previous=previous, mode="apply")["tenants"][0]["previous"] is None
    # A narrower run keeps the records of the tenants it did not touch.
    narrow = fleet.fleet_summary([done], mode="render", source="snapshots", previous=previous)
    assert [fleet.tenant_key(r) for r in narrow["earlier"]] == ["acme/erp", "beta/web"]
    assert fleet.previous_record(narrow, TENANTS[3], "render")["done_earlier"] is True


def test_a_record_the_run_never_wrote_becomes_a_failed_record_of_its_tenant():
    done = dict(fleet.tenant_record({"domain": "acme", "project": "db"}, "done", mode="render"), line="printed")
    complete = fleet.complete_records([done, None], [{"domain": "acme", "project": "db"}, {"domain": "acme", "project": "web"}], mode="render")
    assert [(r["project"], r["status"], r["message"]) for r in complete] == [("db", "done", ""), ("web", "failed", fleet.STOPPED)]
    assert all("line" not in r for r in complete)
    with pytest.raises(fleet.FleetError, match="a record is missing"):
        fleet.complete_records([None], [], mode="render")
