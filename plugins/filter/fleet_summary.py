# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: fleet_summary
short_description: The totals of a fleet run
version_added: 0.1.0
author: ostokubevirt contributors (@ostokubevirt)
description:
  - Sums the per-tenant records of C(migrate_cloud.yml) into tenants done, failed and skipped, VMs ready, warning and
    blocked, and bytes to move and moved. This is what C(fleet.json) holds.
options:
  _input:
    description: The records of the P(ostokubevirt.migrate.fleet_record#filter) filter, in run order.
    type: list
    elements: dict
    required: true
  mode:
    description: C(render) or C(apply).
    type: str
    required: true
  source:
    description: C(snapshots) or C(cloud).
    type: str
    required: true
  not_in_wave:
    description: Tenants the waves left out.
    type: list
    elements: str
  tenants:
    description:
      - The tenants of the run, in the order of the records; a record that is null (the run stopped before the tenant
        was recorded) becomes a C(failed) record of the tenant at the same place.
    type: list
    elements: dict
  previous:
    description: The previous run's C(fleet.json), whose records of tenants outside this run are kept in C(earlier).
    type: dict
"""

EXAMPLES = r"""
- name: Sum the fleet
  ansible.builtin.set_fact:
    fleet: "{{ records | ostokubevirt.migrate.fleet_summary('render', 'snapshots') }}"
"""

RETURN = r"""
_value:
  description:
    - C(format), C(mode), C(source), C(tenants) (C(total), C(done), C(failed), C(skipped)), C(vms) (C(total),
      C(ready), C(warning), C(blocked)), C(bytes_to_move), C(bytes_moved), C(failed) (one line per failed tenant),
      C(not_in_wave), C(records), C(earlier) (records of earlier runs' other tenants) and C(lines) (the summary to print).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.fleet import FleetError, complete_records, summary_lines
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.fleet import fleet_summary as summarize


def fleet_summary(records, mode, source, not_in_wave=None, previous=None, tenants=None):
    try:
        complete = complete_records(list(records or []), list(tenants or []), mode=mode)
    except FleetError as exc:
        raise AnsibleFilterError(f"ostokubevirt.migrate.fleet_summary: {exc}") from exc
    try:
        summary = summarize(complete, mode=mode, source=source, not_in_wave=not_in_wave, previous=previous or None)
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError(f"ostokubevirt.migrate.fleet_summary: a record is incomplete ({exc})") from exc
    summary["lines"] = summary_lines(summary)
    return summary


class FilterModule:
    def filters(self):
        return {"fleet_summary": fleet_summary}
