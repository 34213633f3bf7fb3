# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.quota import VM_COUNT_RESOURCE, quotas_to_resourcequota

QUOTAS = {
    "compute": {"cores": 40, "ram": 102400, "instances": 20, "key_pairs": 100},
    "volume": {"gigabytes": 1000, "volumes": 10, "gigabytes_ceph-ssd": 500, "snapshots": 10},
}


def test_quota_maps_and_widens_for_root_disks_and_overhead():
    quota, findings = quotas_to_resourcequota(
        QUOTAS,
        project_id="p",
        namespace="ns",
        extra_pvcs=3,
        extra_storage_gib=60,
        vm_memory_overhead_mib=256,
        storage_class_for_type={"ceph-ssd": "rbd-ssd"}.get,
    )
    hard = quota["spec"]["hard"]
    assert hard[VM_COUNT_RESOURCE] == "20"
    assert hard["requests.cpu"] == "40"
    assert hard["requests.memory"] == f"{102400 + 20 * 256}Mi"
    assert hard["requests.storage"] == "1060Gi"
    assert hard["persistentvolumeclaims"] == "13"
    assert hard["rbd-ssd.storageclass.storage.k8s.io/requests.storage"] == "500Gi"
    fields = {f.field for f in findings}
    assert {"quotas.compute.ram", "quotas.volume", "quotas.compute.key_pairs"} <= fields


def test_unlimited_quotas_produce_no_object():
    quota, dummy = quotas_to_resourcequota({"compute": {"cores": -1, "ram": -1, "instances": -1}}, project_id="p", namespace="ns")
    assert quota is None


def test_detail_form_and_garbage_values():
    quota, dummy = quotas_to_resourcequota({"compute": {"cores": {"limit": 8, "in_use": 2}, "ram": "lots"}}, project_id="p", namespace="ns")
    assert quota["spec"]["hard"] == {"requests.cpu": "8"}
