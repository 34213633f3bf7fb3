# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Split one TenantTranslation into what each apply-mode role creates.

Apply consumes the very objects render writes (TenantTranslation.files); this module only sorts them
by role and by VM, so no object is ever rebuilt in Jinja. Secrets are kept apart from everything else,
keyed by name, so that roles can handle them in no_log tasks and never pass them through loop items.
"""

from __future__ import annotations

import hashlib
import json

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.k8s_meta import SOURCE_ID_ANNOTATION
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.tenant import (
    INSTANCETYPES_FILE,
    MANIFESTS_DIR,
    SECRETS_DIR,
    TenantTranslation,
)

NAMESPACE_RBAC_KINDS = ("Namespace", "ResourceQuota", "RoleBinding")
POLICY_KINDS = ("NetworkPolicy", "GlobalNetworkPolicy")


class GroupingError(ValueError):
    """The translation holds something apply does not know where to put (a bug, not user input)."""


def _vm_name_of(path: str) -> str:
    return path.rsplit("/", 1)[-1][: -len(".yaml")]


def secret_names_used_by(vm: dict) -> list[str]:
    """Secrets a VirtualMachine mounts: cloud-init userData/networkData secretRefs and SSH key sources."""
    spec = (vm.get("spec") or {}).get("template", {}).get("spec") or {}
    names: set[str] = set()
    for volume in spec.get("volumes") or []:
        for source_key in ("cloudInitNoCloud", "cloudInitConfigDrive"):
            source = volume.get(source_key) or {}
            for ref in ("secretRef", "networkDataSecretRef"):
                if (source.get(ref) or {}).get("name"):
                    names.add(source[ref]["name"])
        if (volume.get("secret") or {}).get("secretName"):
            names.add(volume["secret"]["secretName"])
    for credential in spec.get("accessCredentials") or []:
        for method in credential.values():
            secret = ((method or {}).get("source") or {}).get("secret") or {}
            if secret.get("secretName"):
                names.add(secret["secretName"])
    return sorted(names)


def datavolumes_used_by(vm: dict) -> list[str]:
    spec = (vm.get("spec") or {}).get("template", {}).get("spec") or {}
    return [v["dataVolume"]["name"] for v in spec.get("volumes") or [] if (v.get("dataVolume") or {}).get("name")]


def bundle_hash(objects: list[dict]) -> str:
    """Stable digest of what one VM's apply sends; a change means the VM must be applied again."""
    text = json.dumps(objects, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def group_for_apply(translation: TenantTranslation) -> dict:
    """Objects per role, VMs in render order, Secrets by name.

    Returns a dict with namespace_rbac, security_group_policies, floating_ip_services and instancetypes (lists of
    objects), vms (one dict per VM: name, server_id, source_status, run_strategy, datavolumes,
    virtualmachine, secret_names, hash) and secrets (name -> Secret).
    """
    groups: dict = {"namespace": translation.namespace, "namespace_rbac": [], "security_group_policies": [],
                    "floating_ip_services": [], "instancetypes": [], "vms": [], "secrets": {}}
    rows = {row.get("vm_name"): row for row in translation.plan.get("servers", [])}
    for path, objects in translation.files:
        if path.startswith(f"{SECRETS_DIR}/"):
            for secret in objects:
                groups["secrets"][secret["metadata"]["name"]] = secret
        elif path.startswith(f"{MANIFESTS_DIR}/40-vms/"):
            groups["vms"].append(_vm_group(_vm_name_of(path), objects, rows))
        elif path == INSTANCETYPES_FILE:
            groups["instancetypes"].extend(objects)
        elif path.startswith(f"{MANIFESTS_DIR}/30-services/"):
            groups["floating_ip_services"].extend(objects)
        elif path.startswith(f"{MANIFESTS_DIR}/20-network-policies/"):
            groups["security_group_policies"].extend(objects)
        else:
            for obj in objects:
                if obj["kind"] not in NAMESPACE_RBAC_KINDS:
                    raise GroupingError(f"{path}: {obj['kind']} {obj['metadata'].get('name')} belongs to no apply role")
            groups["namespace_rbac"].extend(objects)
    for vm in groups["vms"]:
        missing = [name for name in vm["secret_names"] if name not in groups["secrets"]]
        if missing:
            raise GroupingError(f"VirtualMachine {vm['name']}: references Secret(s) {missing} that the translation "
                                "does not produce")
        vm["hash"] = bundle_hash([groups["secrets"][n] for n in vm["secret_names"]] + vm["datavolumes"]
                                 + [vm["virtualmachine"]])
    return groups


def _vm_group(name: str, objects: list[dict], rows: dict) -> dict:
    vms = [o for o in objects if o["kind"] == "VirtualMachine"]
    if len(vms) != 1:
        raise GroupingError(f"{MANIFESTS_DIR}/40-vms/{name}.yaml: expected one VirtualMachine, found {len(vms)}")
    vm = vms[0]
    row = rows.get(name) or {}
    return {
        "name": vm["metadata"]["name"],
        "server_id": vm["metadata"]["annotations"][SOURCE_ID_ANNOTATION],
        "source_status": str(row.get("source_status") or ""),
        "run_strategy": str((vm.get("spec") or {}).get("runStrategy") or ""),
        "datavolumes": [o for o in objects if o["kind"] == "DataVolume"],
        # Waited for: every DataVolume the VM mounts, including a shared one another VM's file carries.
        "datavolume_names": datavolumes_used_by(vm),
        "virtualmachine": vm,
        "secret_names": secret_names_used_by(vm),
    }
