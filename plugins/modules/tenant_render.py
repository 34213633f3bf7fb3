#!/usr/bin/python
# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: tenant_render
short_description: Render every Kubernetes object of one OpenStack tenant's migration to files
version_added: 0.1.0
description:
  - Reads a tenant snapshot (format C(ostokubevirt.io/tenant-snapshot/v1)), translates the whole tenant in one call
    (Namespace, ResourceQuota, RoleBindings, NetworkPolicies and Calico policies, Services, Secrets, DataVolumes,
    VirtualMachines) and writes them as YAML under O(output_dir), plus C(plan.json).
  - Files are only rewritten when their content changes, so a second run reports RV(ignore:changed=false).
  - Servers that cannot be translated are C(blocked) in the plan with a message naming server and field; the other
    servers are still rendered.
  - Runs on the controller; no cluster and no cloud are contacted.
author: ostokubevirt contributors (@ostokubevirt)
extends_documentation_fragment: [ostokubevirt.migrate._attributes, ostokubevirt.migrate._tenant_source]
attributes:
  check_mode: {support: full}
  diff_mode: {support: full}
  idempotent: {support: full}
options:
  output_dir:
    description:
      - Base directory. The tenant's files go to C(<output_dir>/<namespace>/); C(manifests/) and C(secrets/) below
        that directory are owned by this module.
      - Must not be empty. The tenant's directory is built beside the old one (a hidden C(.<namespace>.ostokubevirt-stage-*)
        directory in O(output_dir)) and swapped in, so a failed run leaves the previous files complete.
      - Files this module did not write (no record in C(plan.json), no C(app.kubernetes.io/managed-by=ostokubevirt)
        label) are kept and listed in C(kept) of RV(files). Symbolic links and special files where the module writes are
        refused, naming them.
    type: path
    required: true
  prune:
    description:
      - Remove files under C(manifests/) and C(secrets/) that an earlier run wrote and this run no longer produces.
      - Files this module did not write are never removed.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Render the demo tenant
  ostokubevirt.migrate.tenant_render:
    snapshot: examples/snapshots/demo.yaml
    tenant: web-shop
    output_dir: /tmp/rendered
    options:
      storage_map: {default: ocs-storagecluster-ceph-rbd-virtualization}
  register: rendered

- name: Show the summary
  ansible.builtin.debug:
    msg: "{{ rendered.summary_lines }}"
"""

RETURN = r"""
namespace:
  description: Namespace the tenant maps to.
  returned: success
  type: str
  sample: acme-web-shop
tenant_dir:
  description: Directory holding this tenant's C(manifests/), C(secrets/) and C(plan.json).
  returned: success
  type: str
  sample: /tmp/rendered/acme-web-shop
plan_path:
  description: Path of the written C(plan.json).
  returned: success
  type: str
summary:
  description:
    - Counts per status, totals of what will be migrated, object counts per kind.
    - C(disks) totals the disk transfer of the migrated servers (disks per method, bytes to move, transfer time at
      C(bandwidth_mbps), unverified disks, temporary Glance and Cinder space, crash-consistent VMs).
  returned: success
  type: dict
summary_lines:
  description: Human summary, including every blocked server with its reasons.
  returned: success
  type: list
  elements: str
blocked:
  description: Blocked servers with the reasons.
  returned: success
  type: list
  elements: dict
files:
  description:
    - Relative paths C(created), C(updated), C(removed) and C(unchanged) by this run, C(repaired) (secrets whose
      permissions were wider than 0700/0600) and C(kept) (files in the tenant directory this module did not write, and
      with O(prune=false) files it no longer produces).
  returned: success
  type: dict
"""

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.ostokubevirt.migrate.plugins.module_utils import _yaml
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.job import TENANT_SOURCE_ARGS, RenderError, render_tenant


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            **TENANT_SOURCE_ARGS,
            "output_dir": {"type": "path", "required": True},
            "prune": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    if not _yaml.HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML"))
    params = module.params
    try:
        outcome = render_tenant(
            params["snapshot"],
            tenant=params["tenant"],
            output_dir=params["output_dir"],
            raw_options=params["options"],
            prune=params["prune"],
            check_mode=module.check_mode,
        )
    except RenderError as exc:
        module.fail_json(msg=str(exc))
    files = outcome["files"]
    changed = bool(files["created"] or files["updated"] or files["removed"] or files["repaired"])
    result = {"changed": changed, **outcome}
    if module._diff:
        result["diff"] = {
            "before": "".join(f"{path}\n" for path in sorted(files["updated"] + files["removed"] + files["unchanged"])),
            "after": "".join(f"{path}\n" for path in sorted(files["created"] + files["updated"] + files["unchanged"])),
            "before_header": os.path.join(outcome["tenant_dir"], "(files)"),
            "after_header": os.path.join(outcome["tenant_dir"], "(files)"),
        }
    module.exit_json(**result)


if __name__ == "__main__":
    main()
