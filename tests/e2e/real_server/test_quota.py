# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ResourceQuota admission, with the status kube-controller-manager's resourcequota controller keeps: a tenant
whose Nova instances quota is smaller than its servers gets the VMs that fit, and the user is told which quota
refused the others."""

from __future__ import annotations

import json

import pytest
import tenant_apply

QUOTA = "openstack-quota"
VM_COUNT = "count/virtualmachines.kubevirt.io"


@pytest.fixture(scope="module")
def over_quota(tenants, work_dir):
    tenant = tenant_apply.minimal_tenant(work_dir, "shop-quota", servers=2, instances_quota=1)
    try:
        rc, output = tenants.migrate(tenant)
        yield tenant, rc, output
    finally:
        tenants.remove(tenant)


def test_the_vm_beyond_the_quota_is_refused_and_the_others_are_migrated(kube_admin, over_quota):
    tenant, rc, output = over_quota
    assert rc != 0, output[-3000:]
    vms = {vm["metadata"]["name"] for vm in kube_admin.items("kubevirt.io/v1", "VirtualMachine", tenant.namespace)}
    assert vms == {"app-01"}, vms
    quota = kube_admin.get("v1", "ResourceQuota", QUOTA, tenant.namespace)
    assert quota["status"]["used"][VM_COUNT] == "1" and quota["status"]["hard"][VM_COUNT] == "1", quota.get("status")


def test_the_failure_the_user_reads_names_the_quota(kube_admin, over_quota):
    tenant, _rc, output = over_quota
    summary = [line for line in output.splitlines() if "1 of 2 VM(s) failed" in line]
    assert summary, output[-3000:]
    assert "app-02" in summary[0] and f"exceeded quota: {QUOTA}" in summary[0] and VM_COUNT in summary[0], summary[0]
    record = kube_admin.get("v1", "ConfigMap", "ostokubevirt-progress", tenant.namespace)["data"]
    failed = json.loads(record["vm.app-02"])
    assert failed["phase"] == "failed" and f"exceeded quota: {QUOTA}" in failed["message"], failed
    assert json.loads(record["vm.app-01"])["phase"] == "done"
