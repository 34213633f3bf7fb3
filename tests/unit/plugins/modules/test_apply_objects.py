# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("ansible_collections.kubernetes.core.plugins.module_utils.k8s.core")

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube import apply as plan
from ansible_collections.ostokubevirt.migrate.plugins.modules import apply_objects

NS = "acme-web-shop"


class RecordingApplier:
    """Stands in for Applier: records what the module asks of the cluster."""

    def __init__(self, namespace_exists: bool):
        self.exists = namespace_exists
        self.calls = []
        self.diffs = []

    def namespace_exists(self, namespace):
        self.calls.append(("namespace_exists", namespace))
        return self.exists

    def apply_one(self, obj):
        self.calls.append(("apply", obj["metadata"]["name"]))
        return plan.entry(obj, "created")

    def prune(self, group, namespace, wanted):
        self.calls.append(("prune", group.name, namespace))
        return []


def module(check_mode: bool, prune: bool = True, diff: bool = False):
    return SimpleNamespace(check_mode=check_mode, params={"prune": prune}, _diff=diff)


OBJECTS = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}},
    {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "quota", "namespace": NS}},
]


def test_check_mode_in_a_missing_namespace_dry_runs_only_cluster_scoped_objects():
    applier = RecordingApplier(namespace_exists=False)
    outcome = apply_objects.run(module(check_mode=True), applier, plan.GROUPS["namespace_rbac"], OBJECTS, NS)
    assert applier.calls == [("namespace_exists", NS), ("apply", NS)]
    assert [item["action"] for item in outcome["per_object"]] == ["created", "would create"]
    assert outcome["changed"] and outcome["namespace_missing"]
    assert outcome["msg"] == f"Would create in the new namespace {NS}: v1 ResourceQuota/quota"


def test_outside_check_mode_the_namespace_is_not_looked_up_and_prune_runs_after_apply():
    applier = RecordingApplier(namespace_exists=False)
    services = [{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-01", "namespace": NS}}]
    outcome = apply_objects.run(module(check_mode=False, diff=True), applier, plan.GROUPS["floating_ip_services"], services, NS)
    assert applier.calls == [("apply", "web-01"), ("prune", "floating_ip_services", NS)]
    assert outcome["diff"] == [] and "msg" not in outcome


def test_check_mode_prunes_nothing_in_a_missing_namespace():
    applier = RecordingApplier(namespace_exists=False)
    outcome = apply_objects.run(module(check_mode=True), applier, plan.GROUPS["tenant"], [], NS)
    assert applier.calls == [("namespace_exists", NS)]
    assert outcome["changed"] is False and outcome["per_object"] == []
