# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: tenant_to_manifests
short_description: Translate a whole OpenStack tenant snapshot into Kubernetes and KubeVirt objects
version_added: 0.1.0
author: ostokubevirt contributors (@ostokubevirt)
description:
  - Takes a tenant snapshot (format C(ostokubevirt.io/tenant-snapshot/v1)) already loaded as data and returns every
    object its migration creates, in apply order, together with the migration plan.
  - This is the same translation the M(ostokubevirt.migrate.tenant_render) module performs; use the module for large
    tenants, because passing thousands of objects through Jinja is slow.
options:
  _input:
    description: The snapshot data.
    type: dict
    required: true
  tenant:
    description: Project name or id that the snapshot must hold.
    type: str
  options:
    description: Translation options (see docs/mapping.md), e.g. C(storage_map), C(network_map), C(role_map).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Translate a snapshot in memory
  ansible.builtin.set_fact:
    migration: "{{ lookup('ansible.builtin.file', 'demo.yaml') | from_yaml | ostokubevirt.migrate.tenant_to_manifests(tenant='web-shop') }}"

- name: List the VirtualMachines it would create
  ansible.builtin.debug:
    msg: "{{ migration.objects | selectattr('kind', 'equalto', 'VirtualMachine') | map(attribute='metadata.name') }}"
"""

RETURN = r"""
_value:
  description: The translation.
  type: dict
  contains:
    namespace:
      description: Namespace of the tenant.
      type: str
    objects:
      description: Complete Kubernetes objects in apply order.
      type: list
      elements: dict
    files:
      description: Relative file path per object group, as render mode writes them.
      type: list
      elements: dict
    plan:
      description: The migration plan (per-server status, findings, totals).
      type: dict
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.layout import plan_report, tenant_files
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import OptionsError, TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.snapshot import SnapshotError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant


def tenant_to_manifests(snapshot, tenant=None, options=None):
    if not isinstance(snapshot, Mapping):
        raise AnsibleFilterError(f"ostokubevirt.migrate.tenant_to_manifests: expected a snapshot dict, got {type(snapshot).__name__}")
    try:
        translation = translate_tenant(snapshot, tenant=tenant, options=TranslationOptions.from_dict(options))
    except (SnapshotError, OptionsError, TypeError) as exc:
        raise AnsibleFilterError(f"ostokubevirt.migrate.tenant_to_manifests: {exc}") from exc
    files = tenant_files(translation)
    return {
        "namespace": translation.namespace,
        "objects": [obj for _path, objs in files for obj in objs],
        "files": [{"path": path, "objects": objs} for path, objs in files],
        "plan": plan_report(translation, files),
    }


class FilterModule:
    def filters(self):
        return {"tenant_to_manifests": tenant_to_manifests}
