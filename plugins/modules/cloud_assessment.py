#!/usr/bin/python
# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloud_assessment
short_description: Assess every tenant snapshot of a cloud before migrating it, as HTML, JSON and CSV
version_added: 0.2.0
description:
  - Reads a tree of tenant snapshots as C(export_cloud.yml) writes it (C(<snapshot_dir>/<domain>/<project>.yaml)),
    translates each tenant exactly as render and apply do, and writes C(index.html), C(assessment.json) and
    C(assessment.csv) to O(assessment_dir).
  - Per tenant the report gives the target namespace, the owners (users and groups bound to the C(admin) and
    C(edit) ClusterRoles, which Keystone's admin and member roles map to), VM counts by status, vCPU, RAM and disk
    to move, floating IPs, security groups that need Calico, and the estimated transfer time. Per VM it gives the
    status, every finding with its field, the disks with their sizes and disk method. Cloud-wide it gives the
    totals, the blockers grouped by reason and the biggest tenants.
  - A snapshot that cannot be translated is listed as a failed tenant with its error; the others are still assessed.
  - The report holds no user data, passwords or other secrets from the snapshots. Only the three report files in
    O(assessment_dir) are written.
author: ostokubevirt contributors (@ostokubevirt)
extends_documentation_fragment: [ostokubevirt.migrate._attributes]
attributes:
  check_mode: {support: full}
  diff_mode: {support: full}
  idempotent: {support: full}
options:
  snapshot_dir:
    description: Directory holding C(<domain>/<project>.yaml) snapshots (also C(.yml)), as C(export_cloud.yml) writes them.
    type: path
    required: true
  assessment_dir:
    description: Directory the report files go to; created when missing.
    type: path
    required: true
  domain_pattern:
    description: Regular expression searched in the domain name; only matching domains are assessed.
    type: str
    default: ""
  project_pattern:
    description: Regular expression searched in the project name; only matching projects are assessed.
    type: str
    default: ""
  exclude_projects:
    description: Project names, or C(domain/project) names, to leave out.
    type: list
    elements: str
    default: []
  max_parallel:
    description: VMs of one tenant imported at the same time; sizes the transfer-time estimate.
    type: int
    default: 5
  bandwidth_mbps:
    description:
      - Megabits per second of one disk transfer; sizes the transfer-time estimate. Overrides C(bandwidth_mbps)
        in O(options).
    type: float
  options:
    description: Translation options, as for M(ostokubevirt.migrate.tenant_render) (see the collection's C(docs/mapping.md)).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Assess an exported cloud
  ostokubevirt.migrate.cloud_assessment:
    snapshot_dir: snapshots
    assessment_dir: assessment
    bandwidth_mbps: 2000
    max_parallel: 4
  register: assessment

- name: Show the totals
  ansible.builtin.debug:
    msg: "{{ assessment.summary_lines }}"
"""

RETURN = r"""
totals:
  description: Cloud-wide totals (tenants assessed and failed, VMs per status, vCPU, RAM MiB, disk GiB, bytes to move, transfer seconds).
  returned: success
  type: dict
tenants:
  description: Every tenant with C(domain), C(project), C(status) (C(assessed) or C(failed)), C(namespace) or C(error).
  returned: success
  type: list
  elements: dict
blockers:
  description: Blocker reasons with the number of VMs each blocks and which.
  returned: success
  type: list
  elements: dict
summary_lines:
  description: A short human summary.
  returned: success
  type: list
  elements: str
files:
  description: Report files C(changed) (written, or to be written in check mode) and C(unchanged).
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.ostokubevirt.migrate.plugins.module_utils import _yaml
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.assessment_report import (
    AssessmentError,
    assess_snapshots,
    render_texts,
    snapshot_files,
    summary_lines,
    write_report,
)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "snapshot_dir": {"type": "path", "required": True},
            "assessment_dir": {"type": "path", "required": True},
            "domain_pattern": {"type": "str", "default": ""},
            "project_pattern": {"type": "str", "default": ""},
            "exclude_projects": {"type": "list", "elements": "str", "default": []},
            "max_parallel": {"type": "int", "default": 5},
            "bandwidth_mbps": {"type": "float"},
            "options": {"type": "dict", "default": {}},
        },
        supports_check_mode=True,
    )
    if not _yaml.HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML"))
    p = module.params
    raw_options = dict(p["options"]) | ({"bandwidth_mbps": p["bandwidth_mbps"]} if p["bandwidth_mbps"] is not None else {})
    try:
        entries = snapshot_files(p["snapshot_dir"], domain_pattern=p["domain_pattern"], project_pattern=p["project_pattern"], exclude=p["exclude_projects"])
        report = assess_snapshots(entries, raw_options=raw_options, max_parallel=p["max_parallel"])
        files = write_report(p["assessment_dir"], render_texts(report), check_mode=module.check_mode)
    except AssessmentError as exc:
        module.fail_json(msg=str(exc))
    result = {
        "changed": bool(files["changed"]),
        "totals": report["totals"],
        "tenants": [{k: t.get(k) for k in ("domain", "project", "status", "namespace", "error") if t.get(k) is not None} for t in report["tenants"]],
        "blockers": report["blockers"],
        "summary_lines": summary_lines(report, p["assessment_dir"]),
        "files": files,
    }
    if module._diff:
        result["diff"] = {
            "before": "".join(f"{n}\n" for n in sorted(files["unchanged"])),
            "after": "".join(f"{n}\n" for n in sorted(files["changed"] + files["unchanged"])),
        }
    module.exit_json(**result)


if __name__ == "__main__":
    main()
