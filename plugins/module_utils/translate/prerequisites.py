# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the cluster must offer before a rendered VM can start, as KubeVirt v1.9.0 schedules it.

A VM whose prerequisite is missing is accepted by the API server and then stays Pending,
so the plan names these up front instead of leaving users to read scheduler events.
"""

from __future__ import annotations

from collections.abc import Mapping

CPUMANAGER_LABEL = "kubevirt.io/cpumanager=true"
DEDICATED_CPUS = (
    f"nodes labelled {CPUMANAGER_LABEL} (dedicated CPUs): virt-handler sets the label only with the "
    "CPUManager feature gate in the KubeVirt CR and the kubelet's static CPU manager policy; "
    "without such a node the VM stays Pending"
)
# The order in which KubeVirt v1.9.0 picks the backend-storage class (pkg/storage/backend-storage).
BACKEND_STORAGE_CLASS_ORDER = (
    "vmStateStorageClass in the KubeVirt CR, else the StorageClass annotated storageclass.kubevirt.io/is-default-virt-class=true, else the cluster default"
)
BACKEND_STORAGE = f"a StorageClass for the persistent TPM/EFI state PVC: {BACKEND_STORAGE_CLASS_ORDER}"


def vm_prerequisites(vm: Mapping) -> list[str]:
    """Cluster features this VirtualMachine needs to be scheduled and started."""
    domain = vm["spec"]["template"]["spec"].get("domain") or {}
    needs = []
    if (domain.get("cpu") or {}).get("dedicatedCpuPlacement"):
        needs.append(DEDICATED_CPUS)
    page_size = ((domain.get("memory") or {}).get("hugepages") or {}).get("pageSize")
    if page_size:
        needs.append(f"nodes with pre-allocated {page_size} hugepages covering the VM's memory")
    devices = domain.get("devices") or {}
    efi = ((domain.get("firmware") or {}).get("bootloader") or {}).get("efi") or {}
    if (devices.get("tpm") or {}).get("persistent") or efi.get("persistent"):
        needs.append(BACKEND_STORAGE)
    return needs
