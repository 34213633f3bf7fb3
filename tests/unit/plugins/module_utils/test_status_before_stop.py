# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A resumed apply run reads the tenant where our own stop made the servers SHUTOFF; the status before the stop wins."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.apply_input import apply_input
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import OptionsError, TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.plan import summary_lines
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant


def _entries(snapshot, **options):
    translation = translate_tenant(copy.deepcopy(snapshot), tenant="web-shop", options=TranslationOptions(stop_source=True, **options))
    return translation, {vm["server_id"]: vm for vm in apply_input(translation)["vms"]}


def _stopped_by_us(snapshot):
    """The snapshot a resumed run reads: every ACTIVE server SHUTOFF, as our os-stop left it."""
    stopped = copy.deepcopy(snapshot)
    ids = []
    for server in stopped["servers"]:
        if server.get("status") == "ACTIVE":
            server["status"] = "SHUTOFF"
            ids.append(str(server["id"]))
    return stopped, ids


def test_the_status_before_our_stop_wins_so_the_resumed_run_applies_the_same_vms(demo_snapshot):
    first = _entries(demo_snapshot)[1]
    stopped, ids = _stopped_by_us(demo_snapshot)
    # Blocked servers are not migrated: only the VMs count.
    ids = [i for i in ids if i in first]
    assert ids and all(first[i]["run_strategy"] == "Always" for i in ids)
    naive = _entries(stopped)[1]
    # Without the records, the resumed run halts the VMs the first run applied running, under new hashes.
    assert all(naive[i]["run_strategy"] == "Halted" and naive[i]["hash"] != first[i]["hash"] for i in ids)

    translation, resumed = _entries(stopped, source_status_before_stop=dict.fromkeys(ids, "ACTIVE"))
    for server_id in ids:
        assert resumed[server_id]["source_status"] == "ACTIVE"
        assert resumed[server_id]["run_strategy"] == "Always"
        assert resumed[server_id]["virtualmachine"]["spec"]["runStrategy"] == "Always"
        assert resumed[server_id]["hash"] == first[server_id]["hash"]
    assert resumed == first
    rows = {row["id"]: row for row in translation.plan["servers"]}
    for server_id in ids:
        assert rows[server_id]["source_status"] == "ACTIVE"
        assert rows[server_id]["source_status_from"]["record"] == f"stopped.{server_id}"
        assert rows[server_id]["source_status_from"]["cloud_status"] == "SHUTOFF"
    line = next(text for text in summary_lines(translation.plan) if text.startswith("Status before our stop"))
    assert all(rows[i]["name"] in line for i in ids) and "the cloud shows SHUTOFF" in line


def test_a_record_of_a_stop_that_never_happened_changes_nothing(demo_snapshot):
    translation, plain = _entries(demo_snapshot)
    active = [str(s["id"]) for s in demo_snapshot["servers"] if s.get("status") == "ACTIVE"]
    # The stop was requested (recorded) but never happened: the cloud still shows the server ACTIVE.
    recorded, entries = _entries(demo_snapshot, source_status_before_stop=dict.fromkeys(active, "ACTIVE"))
    assert entries == plain
    assert recorded.plan["servers"] == translation.plan["servers"]
    assert not any(line.startswith("Status before our stop") for line in summary_lines(recorded.plan))


def test_only_a_server_the_cloud_shows_shutoff_takes_the_recorded_status(demo_snapshot):
    server = next(s for s in demo_snapshot["servers"] if s.get("status") == "ACTIVE")
    server_id = str(server["id"])
    for now in ("ERROR", "PAUSED"):
        changed = copy.deepcopy(demo_snapshot)
        next(s for s in changed["servers"] if str(s["id"]) == server_id)["status"] = now
        plain = _entries(changed)[1]
        recorded = _entries(changed, source_status_before_stop={server_id: "ACTIVE"})[1]
        # Whatever else has happened to it since (it errored, someone paused it) is what the cloud says.
        assert recorded.get(server_id) == plain.get(server_id)


@pytest.mark.parametrize("value", [{"s": ""}, {"s": 1}, {"": "ACTIVE"}, ["ACTIVE"]])
def test_a_malformed_option_is_an_error_naming_it(value):
    with pytest.raises(OptionsError, match="source_status_before_stop"):
        TranslationOptions.from_dict({"source_status_before_stop": value})
