# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: misplaced_objects
short_description: Names of the objects that are not of the given kinds in the given namespace
version_added: 0.1.0
author: ostokubevirt contributors (@ostokubevirt)
description:
  - The guard of the apply roles that own one kind of namespaced object (policies, Services), so that a wrong list
    passed to a role is refused before anything is applied. An object without a namespace counts as misplaced.
options:
  _input:
    description: The objects handed to the role.
    type: list
    elements: dict
    required: true
  namespace:
    description: The tenant namespace every object must be in.
    type: str
    required: true
  kinds:
    description: The kinds the role applies.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Check that only Services of the tenant namespace were given
  ansible.builtin.assert:
    that: misplaced | length == 0
  vars:
    misplaced: "{{ services | ostokubevirt.migrate.misplaced_objects('acme-web-shop', ['Service']) }}"
"""

RETURN = r"""
_value:
  description: The C(metadata.name) of every misplaced object, each once, in input order.
  type: list
  elements: str
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.ownership import misplaced_objects as _misplaced


def misplaced_objects(objects, namespace, kinds):
    if not isinstance(objects, list) or not all(isinstance(o, Mapping) for o in objects):
        raise AnsibleFilterError("ostokubevirt.migrate.misplaced_objects: input must be a list of objects")
    if not isinstance(kinds, list):
        raise AnsibleFilterError("ostokubevirt.migrate.misplaced_objects: kinds must be a list of strings")
    return _misplaced(objects, str(namespace), kinds)


class FilterModule:
    def filters(self):
        return {"misplaced_objects": misplaced_objects}
