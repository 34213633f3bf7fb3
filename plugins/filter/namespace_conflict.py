# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: namespace_conflict
short_description: Why a tenant may not use an existing namespace (the rule render and apply share)
version_added: 0.1.0
author: ostokubevirt contributors (@ostokubevirt)
description:
  - A tenant's namespace is its cleaned domain and project name, or the translation option C(namespace); it never
    moves elsewhere on its own, so two runs of the same tenant always pick the same namespace.
  - When the namespace already exists and belongs to another project (its C(ostokubevirt.io/project-id) label), or
    was not created by ostokubevirt (no such label), the run must stop. Render mode applies the same rule to the
    tenant's directory.
options:
  _input:
    description: The Namespace as it is on the cluster; C(null) or an empty dict when it does not exist.
    type: raw
    required: true
  rendered:
    description: The tenant's rendered Namespace object.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Refuse another project's namespace
  ansible.builtin.fail:
    msg: "{{ conflict }}"
  when: conflict | length > 0
  vars:
    conflict: "{{ live_namespace | ostokubevirt.migrate.namespace_conflict(rendered_namespace) }}"
"""

RETURN = r"""
_value:
  description: The reason, naming the namespace and the project that holds it; an empty string when the tenant may use it.
  type: str
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.ownership import namespace_conflict as _conflict
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import PROJECT_ID_LABEL


def _project_label(namespace: Mapping) -> str:
    labels = (namespace.get("metadata") or {}).get("labels") or {}
    return str(labels.get(PROJECT_ID_LABEL) or "")


def namespace_conflict(live, rendered):
    if live is not None and not isinstance(live, Mapping):
        raise AnsibleFilterError("ostokubevirt.migrate.namespace_conflict: input must be the live Namespace (a dict) or null")
    if not live:
        return ""
    if not isinstance(rendered, Mapping) or not (rendered.get("metadata") or {}).get("name"):
        raise AnsibleFilterError("ostokubevirt.migrate.namespace_conflict: rendered must be the tenant's Namespace object")
    holder = _project_label(live)
    return _conflict(str(rendered["metadata"]["name"]), _project_label(rendered), [holder], made_by_us=bool(holder)) or ""


class FilterModule:
    def filters(self):
        return {"namespace_conflict": namespace_conflict}
