# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A tenant's translation as apply consumes it: the objects of each apply step, one entry per VM.

Apply sends the very objects render writes, taken from the translation's typed groups, so no object is
ever rebuilt in Jinja. Secrets are kept apart from everything else, keyed by name, so that roles can handle
them in no_log tasks and never pass them through loop items.
"""

from __future__ import annotations

import hashlib
import json

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.server import ServerResult
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import TenantTranslation


class ApplyInputError(ValueError):
    """The translation is inconsistent (a bug, not user input): a VM mounts a Secret it does not produce."""


def bundle_hash(objects: list[dict]) -> str:
    """Stable digest of what one VM's apply sends; a change means the VM must be applied again.

    Progress records of earlier runs keep it: the input (Secrets by name, then DataVolumes, then the VM) and
    the encoding must not change.
    """
    text = json.dumps(objects, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _disk_import(options: TranslationOptions) -> dict:
    """What the engine needs to build the import sources from export records, as the translation chose it."""
    return {"verify_checksums": bool(options.verify_disk_checksums), "ca_configmap": options.disk_ca_configmap}


def _vm_entry(vm: ServerResult, secrets: dict[str, dict], options: TranslationOptions) -> dict:
    missing = [name for name in vm.secret_names if name not in secrets]
    if missing:
        raise ApplyInputError(f"VirtualMachine {vm.vm_name}: references Secret(s) {missing} that the translation does not produce")
    return {
        "name": vm.vm_name,
        "server_id": vm.server_id,
        "source_status": vm.source_status,
        "run_strategy": str(vm.virtualmachine["spec"].get("runStrategy") or ""),
        "datavolumes": vm.datavolumes,
        "datavolume_names": list(vm.datavolume_names),
        "virtualmachine": vm.virtualmachine,
        "secret_names": list(vm.secret_names),
        "disk_transfers": [dict(t) for t in vm.disk_transfers],
        "disk_import": _disk_import(options),
        # The Glance token's header Secret is made at import time and never hashed: it changes with every token.
        "hash": bundle_hash([secrets[n] for n in vm.secret_names] + vm.datavolumes + [vm.virtualmachine]),
    }


def apply_input(translation: TenantTranslation) -> dict:
    """Objects per apply step, VMs in render order, Secrets by name.

    Returns a dict with namespace, namespace_rbac, security_group_policies, floating_ip_services and
    instancetypes (lists of objects), vms (one dict per VM: name, server_id, source_status, run_strategy,
    datavolumes, datavolume_names, virtualmachine, secret_names, disk_transfers (the plan's transfer entries,
    each with source_id and datavolume), disk_import (verify_checksums, ca_configmap: from the options the
    translation was made with, which it carries), hash) and secrets (name -> Secret).
    """
    secrets = {secret["metadata"]["name"]: secret for secret in translation.secrets}
    return {
        "namespace": translation.namespace,
        "namespace_rbac": translation.namespace_rbac,
        "security_group_policies": translation.policies,
        "floating_ip_services": translation.services,
        "instancetypes": translation.instancetypes,
        "vms": [_vm_entry(vm, secrets, translation.options) for vm in translation.vms],
        "secrets": secrets,
    }
