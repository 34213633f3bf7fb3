#!/usr/bin/python
# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: tenant_info
short_description: List the OpenStack projects (tenants) of a cloud, by domain, filtered by name patterns
version_added: 0.1.0
description:
  - Lists every Keystone domain and project in two API calls and returns the projects whose domain and project names
    match the patterns. Used by the C(export_cloud) playbook to export one snapshot per tenant.
  - Needs a credential that may list all domains and projects (admin, or a system reader).
author: ostokubevirt contributors (@ostokubevirt)
requirements:
  - openstacksdk >= 1.0.0
extends_documentation_fragment: [ostokubevirt.migrate._attributes, ostokubevirt.migrate._cloud_config, ostokubevirt.migrate._tenant_selection]
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
seealso:
  - module: ostokubevirt.migrate.tenant_snapshot
"""

EXAMPLES = r"""
- name: Every project of domain acme except the sandbox ones
  ostokubevirt.migrate.tenant_info:
    cloud: prod
    domain_pattern: "^acme$"
    project_pattern: "^(?!sandbox-)"
  register: found
"""

RETURN = r"""
tenants:
  description: Matching projects, sorted by domain and project name.
  returned: success
  type: list
  elements: dict
  sample: [{id: 4b6f..., name: acme-prod, domain_id: 9a1e..., domain_name: acme, enabled: true}]
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError, ExportError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.connection import AUTH_ARG_SPEC, ConnectError, connect, import_sdk
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.credential_masking import narrow_masking
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.tenants import TENANT_SELECTION_ARG_SPEC, list_tenants


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            **TENANT_SELECTION_ARG_SPEC,
            **AUTH_ARG_SPEC,
        },
        supports_check_mode=True,
    )
    narrow_masking(module)
    if import_sdk() is None:
        module.fail_json(msg=missing_required_lib("openstacksdk"))
    params = module.params
    try:
        tenants = list_tenants(connect(params), params["domain_pattern"], params["project_pattern"], params["exclude"], params["include_disabled"])
    except (ConnectError, ExportError, ApiError) as exc:
        module.fail_json(msg=f"tenant_info: {exc}")
    module.exit_json(changed=False, tenants=tenants)


if __name__ == "__main__":
    main()
