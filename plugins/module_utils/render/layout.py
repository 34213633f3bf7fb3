# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Where render writes each group of a tenant's translation, relative to the tenant's directory.

Files are listed in apply order: a person applying the tree with kubectl gets the namespace first and each VM
after the Secrets and DataVolumes it mounts. Secrets live under their own directory, which render keeps private.
"""

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import SOURCE_ID_ANNOTATION
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import TenantTranslation

MANIFESTS_DIR = "manifests"
SECRETS_DIR = "secrets"
NAMESPACE_FILE = f"{MANIFESTS_DIR}/00-namespace.yaml"
RBAC_FILE = f"{MANIFESTS_DIR}/10-rbac.yaml"
KEYPAIRS_FILE = f"{SECRETS_DIR}/keypairs.yaml"
POLICIES_DIR = f"{MANIFESTS_DIR}/20-network-policies"
SERVICES_DIR = f"{MANIFESTS_DIR}/30-services"
INSTANCETYPES_FILE = f"{MANIFESTS_DIR}/35-instancetypes.yaml"
VMS_DIR = f"{MANIFESTS_DIR}/40-vms"


def _by_source(objects: list[dict]) -> list[list[dict]]:
    """Objects made from one OpenStack object together (a security group's two policies), in first-seen order."""
    grouped: dict[str, list[dict]] = {}
    for obj in objects:
        grouped.setdefault(obj["metadata"]["annotations"][SOURCE_ID_ANNOTATION], []).append(obj)
    return list(grouped.values())


def tenant_files(translation: TenantTranslation) -> list[tuple[str, list[dict]]]:
    """(path, objects) for every file of the tenant, in apply order; no file is empty."""
    files: list[tuple[str, list[dict]]] = [
        (NAMESPACE_FILE, [translation.namespace_object] + ([translation.quota] if translation.quota else [])),
    ]
    if translation.rolebindings:
        files.append((RBAC_FILE, translation.rolebindings))
    if translation.keypair_secrets:
        files.append((KEYPAIRS_FILE, translation.keypair_secrets))
    if translation.instancetypes:
        files.append((INSTANCETYPES_FILE, translation.instancetypes))
    for objects in _by_source(translation.policies):
        files.append((f"{POLICIES_DIR}/{objects[0]['metadata']['name']}.yaml", objects))
    for service in translation.services:
        files.append((f"{SERVICES_DIR}/{service['metadata']['name']}.yaml", [service]))
    for vm in translation.vms:
        if vm.secrets:
            files.append((f"{SECRETS_DIR}/{vm.vm_name}.yaml", vm.secrets))
        files.append((f"{VMS_DIR}/{vm.vm_name}.yaml", [*vm.datavolumes, vm.virtualmachine]))
    return files


def plan_report(translation: TenantTranslation, files: list[tuple[str, list[dict]]]) -> dict:
    """The plan as render writes it: the translation's report plus the files written."""
    return {**translation.plan, "files": [path for path, _objects in files]}
