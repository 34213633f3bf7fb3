# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The vm_migrate action's side of the tvo disks: the options it hands ostokubevirt.migrate.tvo_backup, and its answer
split per VM. (An action plugin needs the controller's ansible, so it is tested here, not beside the engine.)"""

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.action.vm_migrate import split_exports, tvo_backup_args
from ansible_collections.ostokubevirt.migrate.tests.unit.plugins.module_utils.kube.test_vm_disks import record
from ansible_collections.ostokubevirt.migrate.tests.unit.plugins.module_utils.kube.test_vm_tvo import TVO


def test_the_action_hands_tvo_backup_its_options_and_splits_its_answer_per_vm():
    args = tvo_backup_args({**TVO, "checksum": False, "flatten_dir": None}, "tenant-x")
    assert args == {"mount_path": "/mnt/tvo", "checksum": False, "http_base_url": "http://tvo-http.tenant-x.svc:8080"}
    assert tvo_backup_args({"mount_path": "/m", "http_base_url": "http://srv:1"}, "ns")["http_base_url"] == "http://srv:1"
    answer = {
        "records": [record("b", method="tvo")],
        "pending": [{"server_id": "id-c", "step": "snapshot", "status": "executing", "tvo": {"workload_id": "w", "snapshot_id": "s"}}],
        "errors": [{"server_id": "id-a", "message": "boom"}],
    }
    requests = [{"vm": n, "server_id": f"id-{n}", "source_ids": [f"id-{n}"]} for n in ("a", "b", "c")]
    outcomes = {o["vm"]: o for o in split_exports(requests, answer, None)}
    assert outcomes["a"]["errors"] and not outcomes["a"]["records"]
    assert outcomes["b"]["records"] and not outcomes["b"]["errors"] and not outcomes["b"]["pending"]
    assert outcomes["c"]["pending"][0]["tvo"]["snapshot_id"] == "s"
