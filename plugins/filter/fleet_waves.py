# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: fleet_waves
short_description: Order a fleet's tenants into waves
version_added: 0.1.0
author: ostokubevirt contributors (@ostokubevirt)
description:
  - Takes the tenants of M(ostokubevirt.migrate.cloud_tenants) and the waves of C(migrate_cloud.yml) and returns the
    tenants in the order they run, with the batch sizes for the play's C(serial).
  - With waves, a tenant named in no wave is left out and listed; a name that matches no tenant is an error naming it.
options:
  _input:
    description: The tenants (C(domain), C(project), ...), in loop order.
    type: list
    elements: dict
    required: true
  waves:
    description: Lists of project names, or C(domain/project) names; empty for no waves.
    type: list
    elements: list
    default: []
  batch:
    description: Tenants at a time when there are no waves (0 or 1 for one at a time).
    type: int
    default: 0
  previous:
    description: The previous run's C(fleet.json); each tenant gets its finished record of the same O(mode) as C(previous).
    type: dict
  mode:
    description: C(render) or C(apply).
    type: str
    default: render
"""

EXAMPLES = r"""
- name: Two waves
  ansible.builtin.set_fact:
    ordered: "{{ found.tenants | ostokubevirt.migrate.fleet_waves([['web'], ['db', 'acme/api']]) }}"
"""

RETURN = r"""
_value:
  description: The run order.
  type: dict
  contains:
    tenants:
      description:
        - The tenants in run order, each with C(wave) (1 and up; 0 without waves) and C(previous) (its finished record
          of the same mode in O(previous), or null).
      type: list
      elements: dict
    serial:
      description: Batch size, or one batch size per wave.
      type: raw
    not_in_wave:
      description: C(domain/project) of the selected tenants no wave names.
      type: list
      elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.fleet import FleetError, plan_waves


def fleet_waves(tenants, waves=None, batch=0, previous=None, mode="render"):
    try:
        return plan_waves(list(tenants or []), waves or None, batch, previous=previous if isinstance(previous, dict) else None, mode=mode)
    except FleetError as exc:
        raise AnsibleFilterError(f"ostokubevirt.migrate.fleet_waves: {exc}") from exc


class FilterModule:
    def filters(self):
        return {"fleet_waves": fleet_waves}
