# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""rollback_tenant on a real cluster: the namespace deletion it starts is finished by the real namespace
controller (with the garbage collector removing what the doubles made for our objects), and no object of
another tenant is deleted, re-created or changed."""

from __future__ import annotations

import pytest
import tenant_apply


@pytest.fixture(scope="module")
def rolled_back(kube_admin, tenants, work_dir, demo):
    tenant = tenant_apply.minimal_tenant(work_dir, "shop-gone", servers=2, role_assignments={"user:frank": "member"})
    try:
        rc, output = tenants.migrate(tenant)
        assert rc == 0, output[-3000:]
        assert kube_admin.items("v1", "PersistentVolumeClaim", tenant.namespace), "no PVC behind the DataVolumes"
        others_before = kube_admin.namespace_state(demo.namespace)
        rc, output = tenant_apply.rollback(tenants.kubeconfig, tenant)
        yield tenant, rc, output, others_before
    finally:
        tenants.remove(tenant)


def test_the_namespace_deletion_completes(kube_admin, rolled_back):
    tenant, rc, output, _before = rolled_back
    assert rc == 0, output[-3000:]
    assert [task for task in tenant_apply.e2e.changed_tasks(output) if "Delete the namespace]" in task], output[-3000:]
    assert kube_admin.wait_gone("v1", "Namespace", tenant.namespace, timeout=120), (
        f"namespace {tenant.namespace} still exists: {kube_admin.get('v1', 'Namespace', tenant.namespace)}"
    )


def test_nothing_of_another_tenant_is_touched(kube_admin, rolled_back, demo):
    _tenant, rc, output, before = rolled_back
    assert rc == 0, output[-3000:]
    assert len(before) > 30, sorted(before)
    assert kube_admin.namespace_state(demo.namespace) == before
    namespace = kube_admin.get("v1", "Namespace", demo.namespace)
    assert namespace["status"]["phase"] == "Active" and not namespace["metadata"].get("deletionTimestamp")


def test_a_second_rollback_finds_nothing_to_do(kube_admin, tenants, rolled_back):
    tenant, _rc, _output, _before = rolled_back
    assert kube_admin.wait_gone("v1", "Namespace", tenant.namespace, timeout=120)
    rc, output = tenant_apply.rollback(tenants.kubeconfig, tenant)
    assert rc == 0, output[-3000:]
    assert f"No namespace of ours belongs to tenant {tenant.project}" in output
