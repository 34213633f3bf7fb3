#!/usr/bin/python
# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloud_tenants
short_description: The tenants of a cloud to migrate or assess, from a snapshot tree or from the live cloud
version_added: 0.1.0
description:
  - Lists the tenants a fleet run works on, in the order domain, then project.
  - With O(snapshot_dir), reads the tree C(export_cloud.yml) writes (C(<snapshot_dir>/<domain>/<project>.yaml)) and
    never contacts a cloud; names are the directory and file names (as the export made them safe for a file system).
  - Without it, lists the live cloud's domains and projects like M(ostokubevirt.migrate.tenant_info); that needs a
    credential that may list all domains and projects (admin, or a system reader).
  - Both take the same filters as C(export_cloud.yml).
author: ostokubevirt contributors (@ostokubevirt)
requirements:
  - openstacksdk >= 1.0.0 (only without O(snapshot_dir))
extends_documentation_fragment: [ostokubevirt.migrate._attributes, ostokubevirt.migrate._cloud_config, ostokubevirt.migrate._tenant_selection]
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  snapshot_dir:
    description:
      - Directory of tenant snapshots, C(<domain>/<project>.yaml). Empty or unset means the live cloud.
    type: path
seealso:
  - module: ostokubevirt.migrate.tenant_info
"""

EXAMPLES = r"""
- name: The tenants of an exported tree, without the sandbox domain
  ostokubevirt.migrate.cloud_tenants:
    snapshot_dir: /srv/snapshots
    domain_pattern: "^(?!sandbox$)"
  register: fleet

- name: The same from the live cloud
  ostokubevirt.migrate.cloud_tenants:
    cloud: prod
    project_pattern: "^acme-"
  register: fleet
"""

RETURN = r"""
tenants:
  description:
    - Selected tenants in loop order (domain, then project).
    - C(path) is the snapshot file (null for the live cloud); C(id) and C(domain_id) are the Keystone ids (null from a
      snapshot tree).
  returned: success
  type: list
  elements: dict
  sample: [{domain: acme, project: web, path: /srv/snapshots/acme/web.yaml, id: null, domain_id: null}]
source:
  description: C(snapshots) or C(cloud).
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError, ExportError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.connection import AUTH_ARG_SPEC, ConnectError, connect, import_sdk
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.credential_masking import narrow_masking
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.snapshot_tree import SnapshotTreeError, list_snapshot_tree
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.tenants import TENANT_SELECTION_ARG_SPEC, list_tenants


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "snapshot_dir": {"type": "path"},
            **TENANT_SELECTION_ARG_SPEC,
            **AUTH_ARG_SPEC,
        },
        supports_check_mode=True,
    )
    narrow_masking(module)
    params = module.params
    try:
        if params["snapshot_dir"]:
            found = list_snapshot_tree(params["snapshot_dir"], params["domain_pattern"], params["project_pattern"], params["exclude"])
            tenants = [dict(entry, id=None, domain_id=None) for entry in found]
            module.exit_json(changed=False, tenants=tenants, source="snapshots")
        if import_sdk() is None:
            module.fail_json(msg=missing_required_lib("openstacksdk"))
        live = list_tenants(connect(params), params["domain_pattern"], params["project_pattern"], params["exclude"], params["include_disabled"])
    except (ConnectError, ExportError, ApiError, SnapshotTreeError) as exc:
        module.fail_json(msg=f"cloud_tenants: {exc}")
    tenants = [{"domain": str(t["domain_name"]), "project": str(t["name"]), "path": None, "id": t["id"], "domain_id": t["domain_id"]} for t in live]
    module.exit_json(changed=False, tenants=tenants, source="cloud")


if __name__ == "__main__":
    main()
