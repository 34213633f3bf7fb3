# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`--check --diff` runs against the API server's own dry run: the diff shows the server's answer (fields only the
server fills in, server-side apply's removal of fields we stop sending), and nothing is persisted."""

from __future__ import annotations

import json
import re

import pytest
import tenant_apply
import yaml

e2e = tenant_apply.e2e
# Only the server fills these in; a client-side imitation of the dry run would not have them.
SERVER_FILLED = ('"uid": "', '"creationTimestamp": "')


def diff_of(output: str, object_label: str) -> list[str]:
    """The diff lines Ansible prints for one object: ostokubevirt.migrate.apply_objects heads each object's diff
    with its '<apiVersion> <kind>/<name>'; the diff runs until the next diff, task result or task."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("--- before: ") and line.endswith(object_label))
    end = start + 1
    while end < len(lines) and not re.match(r"^(--- before: |ok|changed|skipping|failed|fatal)|^TASK \[", lines[end]):
        end += 1
    return lines[start:end]


def added(diff: list[str], text: str) -> bool:
    return any(line.startswith("+") and text in line for line in diff)


def removed(diff: list[str], text: str) -> bool:
    return any(line.startswith("-") and text in line for line in diff)


def test_a_new_tenant_is_dry_run_and_nothing_is_created(kube_admin, tenants, work_dir):
    tenant = tenant_apply.minimal_tenant(work_dir, "shop-check")
    try:
        rc, out = tenants.migrate(tenant, check=True)
        assert rc == 0, out[-3000:]
        assert e2e.recap(out)["changed"] > 0
        assert "Would create in the new namespace" in out
        namespace_diff = diff_of(out, f"v1 Namespace/{tenant.namespace}")
        assert all(added(namespace_diff, field) for field in SERVER_FILLED), "\n".join(namespace_diff)
        assert kube_admin.get("v1", "Namespace", tenant.namespace) is None
    finally:
        tenants.remove(tenant)


@pytest.fixture
def drifted(kube_admin, tenants, demo):
    """The demo tenant with one of its NetworkPolicies deleted by hand; migrated again afterwards."""
    policy = demo.one("networking.k8s.io/v1", "NetworkPolicy")
    kube_admin.delete(policy["apiVersion"], policy["kind"], policy["metadata"]["name"], demo.namespace)
    try:
        yield policy
    finally:
        rc, out = tenants.migrate(demo)
        assert rc == 0, out[-3000:]
        assert kube_admin.get(policy["apiVersion"], policy["kind"], policy["metadata"]["name"], demo.namespace)


def test_a_migrated_tenant_shows_the_servers_dry_run_and_nothing_changes(kube_admin, tenants, demo, drifted):
    service = demo.one("v1", "Service", spec_type="LoadBalancer")
    options = yaml.safe_load(demo.vars_file.read_text())["migration_options"]
    before = kube_admin.namespace_state(demo.namespace)
    rc, out = tenants.migrate(demo, "-e", json.dumps({"migration_options": {**options, "lb_ip_annotation_style": "kube-vip"}}), check=True)
    assert rc == 0, out[-3000:]

    policy_diff = diff_of(out, f"networking.k8s.io/v1 NetworkPolicy/{drifted['metadata']['name']}")
    assert all(added(policy_diff, field) for field in SERVER_FILLED), "\n".join(policy_diff)
    service_diff = diff_of(out, f"v1 Service/{service['metadata']['name']}")
    assert added(service_diff, "kube-vip.io/loadbalancerIPs"), "\n".join(service_diff)
    # Server-side apply drops a field its manager no longer sends; the dry run shows that too.
    assert removed(service_diff, "metallb.io/loadBalancerIPs"), "\n".join(service_diff)

    assert kube_admin.namespace_state(demo.namespace) == before
    assert kube_admin.get(drifted["apiVersion"], drifted["kind"], drifted["metadata"]["name"], demo.namespace) is None
    leaked = [value for value in e2e.secret_values() if value in out]
    assert not leaked, f"{len(leaked)} secret value(s) in the --diff output"
