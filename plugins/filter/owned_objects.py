# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: owned_objects
short_description: Select the live cluster objects this collection created
version_added: 0.1.0
author: ostokubevirt contributors (@ostokubevirt)
description:
  - Keeps the objects that carry both the label C(app.kubernetes.io/managed-by=ostokubevirt) and the provenance
    annotation C(ostokubevirt.io/source-id); the label alone is not enough.
  - Used to prune objects the snapshot no longer produces (pass them as O(exclude)) and by rollback.
options:
  _input:
    description: Live objects, e.g. C(resources) of M(kubernetes.core.k8s_info).
    type: list
    elements: dict
    required: true
  exclude:
    description: Objects to keep (same apiVersion, kind, namespace and name), typically what the snapshot still produces.
    type: list
    elements: dict
    default: []
  source_types:
    description: Only objects whose C(ostokubevirt.io/source-type) annotation is one of these.
    type: list
    elements: str
  invert:
    description: Return the live objects that are B(not) ours instead (O(exclude) and O(source_types) are then ignored).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Policies we made that the snapshot no longer produces
  ansible.builtin.set_fact:
    stale: >-
      {{ live.resources | ostokubevirt.migrate.owned_objects(exclude=wanted,
         source_types=['neutron.security_group', 'neutron.port']) }}
"""

RETURN = r"""
_value:
  description: The selected objects, unchanged.
  type: list
  elements: dict
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.ownership import owned_objects as _owned_objects


def owned_objects(live, exclude=None, source_types=None, invert=False):
    for name, value in (("input", live), ("exclude", exclude or [])):
        if not isinstance(value, list) or not all(isinstance(o, Mapping) for o in value):
            raise AnsibleFilterError(f"ostokubevirt.migrate.owned_objects: {name} must be a list of objects")
    if source_types is not None and not isinstance(source_types, list):
        raise AnsibleFilterError("ostokubevirt.migrate.owned_objects: source_types must be a list of strings")
    return _owned_objects(live, exclude or [], source_types, invert=bool(invert))


class FilterModule:
    def filters(self):
        return {"owned_objects": owned_objects}
