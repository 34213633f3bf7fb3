# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.filter.fleet_record import fleet_record
from ansible_collections.ostokubevirt.migrate.plugins.filter.fleet_summary import fleet_summary
from ansible_collections.ostokubevirt.migrate.plugins.filter.fleet_waves import fleet_waves

A = {"domain": "acme", "project": "db"}
B = {"domain": "acme", "project": "web"}


def test_a_tenant_the_run_never_recorded_counts_as_failed():
    done = fleet_record(A, "done", "render", plan={"summary": {"ready": 2, "disks": {"bytes_to_move": 5}}})
    assert done["line"] == "acme/db: done (ready 2, warning 0, blocked 0; 5 B to move)"
    summary = fleet_summary([done, None], "render", "snapshots", tenants=[A, B])
    assert summary["tenants"] == {"total": 2, "done": 1, "failed": 1, "skipped": 0}
    assert summary["failed"] == ["acme/web: the run stopped before this tenant was recorded"]
    assert "line" not in summary["records"][0]
    with pytest.raises(AnsibleFilterError, match="a record is missing"):
        fleet_summary([None], "render", "snapshots")


def test_filter_errors_name_the_filter_and_the_entry():
    with pytest.raises(AnsibleFilterError, match=r"fleet_waves: migration_tenant_waves\[0\]\[0\]: 'x' is not among"):
        fleet_waves([A], [["x"]])
    with pytest.raises(AnsibleFilterError, match="fleet_record: acme/db: unknown tenant status"):
        fleet_record(A, "nope", "render")
