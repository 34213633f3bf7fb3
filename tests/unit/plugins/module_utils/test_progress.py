# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.progress import read_progress


def test_records_are_split_by_kind():
    data = {
        "vm.web-01": json.dumps({"phase": "done", "hash": "h1", "server_id": "s1"}),
        "vm.db-01": json.dumps({"phase": "applied", "hash": "h2", "server_id": "s2"}),
        "vm.batch-01": json.dumps({"phase": "failed", "hash": "h3", "server_id": "s3", "message": "HTTP 500"}),
        "stopped.s2": json.dumps({"state": "stopped", "vm": "db-01"}),
        "note": "ignored",
    }
    progress = read_progress(data)
    assert sorted(progress["vms"]) == ["batch-01", "db-01", "web-01"]
    assert progress["done_hashes"] == ["h1"]
    assert progress["stopped"] == {"s2": {"state": "stopped", "vm": "db-01"}}
    assert progress["unreadable"] == []


def test_damaged_entries_are_reported_and_never_count_as_done():
    data = {"vm.web-01": '{"phase": "done", "hash": "h1"', "vm.db-01": '"done"', "stopped.s9": "garbage"}
    progress = read_progress(data)
    assert progress["vms"] == {} and progress["done_hashes"] == []
    # A stop we cannot read may still have happened: rollback must still restart that server.
    assert progress["stopped"] == {"s9": {}}
    assert progress["unreadable"] == ["stopped.s9", "vm.db-01", "vm.web-01"]


def test_done_without_hash_is_not_done():
    assert read_progress({"vm.a": json.dumps({"phase": "done"})})["done_hashes"] == []


def test_empty():
    assert read_progress(None) == {"vms": {}, "done_hashes": [], "stopped": {}, "status_before_stop": {}, "unreadable": []}


def test_status_before_stop_comes_only_from_stops_that_may_have_happened():
    data = {
        "stopped.s1": json.dumps({"state": "stopped", "vm": "a", "source_status": "ACTIVE"}),
        # Written before the stop was asked for: a run killed right after may have stopped the server.
        "stopped.s2": json.dumps({"state": "requested", "vm": "b", "source_status": "ACTIVE"}),
        # A record of an earlier version without the status, an unknown state, a damaged record: no status.
        "stopped.s3": json.dumps({"state": "stopped", "vm": "c"}),
        "stopped.s4": json.dumps({"state": "whatever", "vm": "d", "source_status": "ACTIVE"}),
        "stopped.s5": "garbage",
        "stopped.s6": json.dumps({"state": "stopped", "vm": "f", "source_status": ["ACTIVE"]}),
    }
    progress = read_progress(data)
    assert progress["status_before_stop"] == {"s1": "ACTIVE", "s2": "ACTIVE"}
    assert sorted(progress["stopped"]) == ["s1", "s2", "s3", "s4", "s5", "s6"]
