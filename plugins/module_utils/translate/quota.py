# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Nova/Cinder quota sets -> one ResourceQuota for the tenant namespace.

Kubernetes counts differently from OpenStack: a migrated image-booted root disk becomes a
PVC (Cinder never counted it), and every VM pod carries memory overhead. The quota is
widened by exactly what the migration itself adds, so a tenant that fit in OpenStack fits
after migration, and the plan says by how much.
"""

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import WARNING, Finding
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import k8s_object, object_meta

VM_COUNT_RESOURCE = "count/virtualmachines.kubevirt.io"


def _limit(quota_set: dict, key: str) -> int | None:
    """A quota value as int; None for unlimited (-1), absent or unparsable."""
    value = quota_set.get(key)
    if isinstance(value, dict):  # detail=True form: {"limit": n, "in_use": m, "reserved": r}
        value = value.get("limit")
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return None if number < 0 else number


def quotas_to_resourcequota(
    quotas: dict,
    *,
    project_id: str,
    namespace: str,
    extra_pvcs: int = 0,
    extra_storage_gib: int = 0,
    vm_memory_overhead_mib: int = 0,
    storage_class_for_type=None,
) -> tuple[dict | None, list[Finding]]:
    """Build the ResourceQuota; None when every relevant OpenStack quota is unlimited.

    extra_pvcs / extra_storage_gib: root disks of image-booted servers that become PVCs.
    vm_memory_overhead_mib: per-VM virt-launcher overhead allowance, multiplied by the instance quota.
    storage_class_for_type: callable volume type name -> StorageClass (or None) for gigabytes_<type>.
    """
    findings: list[Finding] = []
    compute = quotas.get("compute") or {}
    volume = quotas.get("volume") or {}
    hard: dict[str, str] = {}
    instances = _limit(compute, "instances")
    if instances is not None:
        hard[VM_COUNT_RESOURCE] = str(instances)
    cores = _limit(compute, "cores")
    if cores is not None:
        hard["requests.cpu"] = str(cores)
    ram = _limit(compute, "ram")
    if ram is not None:
        overhead = vm_memory_overhead_mib * (instances or 0)
        hard["requests.memory"] = f"{ram + overhead}Mi"
        if overhead:
            findings.append(
                Finding(
                    WARNING,
                    "quota",
                    project_id,
                    "quotas.compute.ram",
                    f"memory quota raised from {ram}Mi to {ram + overhead}Mi to allow {vm_memory_overhead_mib}Mi virt-launcher overhead per instance",
                )
            )
    gigabytes = _limit(volume, "gigabytes")
    if gigabytes is not None:
        hard["requests.storage"] = f"{gigabytes + extra_storage_gib}Gi"
    volumes = _limit(volume, "volumes")
    if volumes is not None:
        hard["persistentvolumeclaims"] = str(volumes + extra_pvcs)
    if (extra_pvcs or extra_storage_gib) and (gigabytes is not None or volumes is not None):
        findings.append(
            Finding(
                WARNING,
                "quota",
                project_id,
                "quotas.volume",
                f"storage quota widened by {extra_storage_gib}Gi and {extra_pvcs} PVCs for image-booted "
                "root disks, which OpenStack counted against Nova, not Cinder",
            )
        )
    if storage_class_for_type is not None:
        for key in sorted(volume):
            if not key.startswith("gigabytes_"):
                continue
            limit = _limit(volume, key)
            storage_class = storage_class_for_type(key[len("gigabytes_") :])
            if limit is not None and storage_class:
                hard[f"{storage_class}.storageclass.storage.k8s.io/requests.storage"] = f"{limit}Gi"
    for key in ("key_pairs", "server_groups", "server_group_members", "metadata_items", "injected_files"):
        if _limit(compute, key) is not None:
            findings.append(Finding(WARNING, "quota", project_id, f"quotas.compute.{key}", "no Kubernetes equivalent; not enforced after migration"))
    if not hard:
        return None, findings
    meta = object_meta("openstack-quota", namespace, source_type="openstack.quota_set", source_id=project_id)
    return k8s_object("v1", "ResourceQuota", meta, spec={"hard": hard}), findings
