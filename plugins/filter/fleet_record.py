# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: fleet_record
short_description: One tenant's outcome in a fleet run, with the line to print
version_added: 0.1.0
author: ostokubevirt contributors (@ostokubevirt)
description:
  - Builds the record C(migrate_cloud.yml) keeps per tenant from its plan (C(plan.json)) and its status, with VM
    counts by status, bytes to move and bytes moved (an apply that finished moved its plan's bytes).
options:
  _input:
    description: The tenant (C(domain), C(project)).
    type: dict
    required: true
  status:
    description: The tenant's outcome.
    type: str
    choices: [done, failed, skipped]
    required: true
  mode:
    description: C(render) or C(apply).
    type: str
    required: true
  plan:
    description: The tenant's plan (the content of C(plan.json)); empty when there is none.
    type: dict
  message:
    description: Why it failed or was skipped.
    type: str
    default: ""
  extra:
    description: More keys to record (for example C(fingerprint), C(plan_path)).
    type: dict
"""

EXAMPLES = r"""
- name: Record the tenant
  ansible.builtin.set_fact:
    record: "{{ tenant | ostokubevirt.migrate.fleet_record('done', 'render', plan=plan) }}"
"""

RETURN = r"""
_value:
  description:
    - C(domain), C(project), C(status), C(mode), C(namespace), C(message), C(vms) (C(ready), C(warning), C(blocked)),
      C(bytes_to_move), C(bytes_moved), C(line) (the one line to print) and the O(extra) keys.
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.fleet import FleetError, tenant_line, tenant_record


def fleet_record(tenant, status, mode, plan=None, message="", extra=None):
    try:
        record = tenant_record(dict(tenant), status, mode=mode, plan=plan or None, message=str(message or ""), **dict(extra or {}))
    except (FleetError, KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError(f"ostokubevirt.migrate.fleet_record: {exc}") from exc
    record["line"] = tenant_line(record)
    return record


class FilterModule:
    def filters(self):
        return {"fleet_record": fleet_record}
