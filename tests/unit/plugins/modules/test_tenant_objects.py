# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ostokubevirt.migrate.plugins.modules import tenant_objects

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
DEMO = os.path.join(REPO, "examples", "snapshots", "demo.yaml")


def run_module(capsys, check_mode=False, **args):
    with patch_module_args({"_ansible_check_mode": check_mode, **args}), pytest.raises(SystemExit):
        tenant_objects.main()
    return json.loads(capsys.readouterr().out)


def test_objects_grouped_by_role_and_never_changed(capsys):
    result = run_module(capsys, check_mode=True, snapshot=DEMO, tenant="web-shop")
    assert result["changed"] is False and result["namespace"] == "acme-web-shop"
    assert [o["kind"] for o in result["namespace_rbac"]] == ["Namespace", "ResourceQuota"] + ["RoleBinding"] * 3
    assert len(result["security_group_policies"]) == 7 and len(result["floating_ip_services"]) == 10  # 2 floating IPs + hostnames + 7 VM Services
    assert len(result["vms"]) == 9 and len(result["secrets"]) == 11
    assert [b["name"] for b in result["blocked"]] == ["legacy-01"]
    assert any("BLOCKED legacy-01" in line for line in result["summary_lines"])


def test_disk_sources_reach_the_datavolumes(capsys):
    volume = "63235626-df86-59db-8bd1-962b059c776f"  # db-01-data in the demo
    source = {"http": {"url": "http://exports.example/db-01-data.qcow2", "checksum": "sha256:00"}}
    result = run_module(capsys, snapshot=DEMO, tenant="web-shop", options={"disk_sources": {volume: source}})
    dvs = {d["metadata"]["name"]: d for vm in result["vms"] for d in vm["datavolumes"]}
    assert dvs["db-01-data"]["spec"]["source"] == source
    assert dvs["db-01-wal"]["spec"]["source"] == {"upload": {}}


@pytest.mark.parametrize(
    "args, fragment",
    [
        ({"snapshot": "/nonexistent.yaml"}, "cannot read snapshot /nonexistent.yaml"),
        ({"snapshot": DEMO, "tenant": "other"}, "tenant 'other' does not match"),
        ({"snapshot": DEMO, "options": {"bogus": 1}}, "invalid options: unknown translation option(s) ['bogus']"),
        ({"snapshot": DEMO, "options": {"disk_sources": {"x": "http://a"}}}, "disk_sources['x'] must be one CDI"),
    ],
)
def test_bad_input_is_a_clear_error(capsys, args, fragment):
    result = run_module(capsys, **args)
    assert result["failed"] is True and fragment in result["msg"]
