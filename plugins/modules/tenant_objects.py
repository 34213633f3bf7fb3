#!/usr/bin/python
# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: tenant_objects
short_description: Translate one OpenStack tenant into the Kubernetes objects each apply-mode role creates
version_added: 0.1.0
description:
  - Reads a tenant snapshot (format C(ostokubevirt.io/tenant-snapshot/v1)) and returns the objects of its migration
    grouped by the role that applies them, so apply mode sends exactly the objects that
    M(ostokubevirt.migrate.tenant_render) writes (one code path).
  - The result holds Secret data (cloud-init user data, SSH keys) under RV(secrets). Register it in a task with
    C(no_log=true) and only pass RV(secrets) to tasks that also use C(no_log=true).
  - Runs on the controller; no cluster and no cloud are contacted, nothing is written. RV(ignore:changed) is
    always false.
author: ostokubevirt contributors (@ostokubevirt)
extends_documentation_fragment: [ostokubevirt.migrate._attributes, ostokubevirt.migrate._tenant_source]
attributes:
  check_mode: {support: full}
  diff_mode: {support: none}
  idempotent: {support: full}
options: {}
"""

EXAMPLES = r"""
- name: Translate the tenant into the objects to apply
  ostokubevirt.migrate.tenant_objects:
    snapshot: examples/snapshots/demo.yaml
    tenant: web-shop
    options:
      disk_sources:
        2d1f0c9e-1111-4a4b-9c6d-000000000001: {http: {url: "https://images.example.com/web-01.qcow2"}}
  register: tenant_objects
  no_log: true

- name: Create the namespace, quota and role bindings
  ansible.builtin.include_role:
    name: ostokubevirt.migrate.namespace_rbac
  vars:
    namespace_rbac_objects: "{{ tenant_objects.namespace_rbac }}"
"""

RETURN = r"""
namespace:
  description: Namespace the tenant maps to.
  returned: success
  type: str
  sample: acme-web-shop
summary_lines:
  description: Human summary, including every blocked server with its reasons (as render mode prints it).
  returned: success
  type: list
  elements: str
blocked:
  description: Blocked servers (not applied) with the reasons.
  returned: success
  type: list
  elements: dict
namespace_rbac:
  description: Namespace, ResourceQuota and RoleBindings, in apply order.
  returned: success
  type: list
  elements: dict
security_group_policies:
  description: NetworkPolicies and Calico NetworkPolicies for the tenant's security groups.
  returned: success
  type: list
  elements: dict
floating_ip_services:
  description:
    - LoadBalancer Services for the floating IPs, and the address Services of the translation option C(address_mode=pod)
      (the headless hostnames Service and a ClusterIP Service per VM).
  returned: success
  type: list
  elements: dict
instancetypes:
  description:
    - Instancetypes and preferences the VMs reference (empty unless the translation option C(instancetypes) is set).
  returned: success
  type: list
  elements: dict
vms:
  description: One entry per VM that is not blocked, in render order.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: VirtualMachine name.
      type: str
    server_id:
      description: Nova server id.
      type: str
    source_status:
      description: Nova status at export time, for example C(ACTIVE) or C(SHUTOFF).
      type: str
    run_strategy:
      description: The VM's C(spec.runStrategy).
      type: str
    datavolumes:
      description: DataVolumes this VM's file carries.
      type: list
      elements: dict
    datavolume_names:
      description: Every DataVolume the VM mounts (waited for).
      type: list
      elements: str
    virtualmachine:
      description: The VirtualMachine.
      type: dict
    secret_names:
      description: Secrets the VM mounts (keys of RV(secrets)).
      type: list
      elements: str
    hash:
      description: Digest of all objects of this VM; the progress record keeps it to know whether a VM is done.
      type: str
secrets:
  description: Secret name to Secret object. Holds user data and keys; never show it.
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.ostokubevirt.migrate.plugins.module_utils import _yaml
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.apply_input import ApplyInputError, apply_input
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.job import TENANT_SOURCE_ARGS, RenderError, translate_snapshot
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.plan import blocked_servers, summary_lines


def main() -> None:
    module = AnsibleModule(
        argument_spec=TENANT_SOURCE_ARGS,
        supports_check_mode=True,
    )
    if not _yaml.HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML"))
    params = module.params
    try:
        translation = translate_snapshot(params["snapshot"], tenant=params["tenant"], raw_options=params["options"])
        # The import options (checksum verification, CA ConfigMap) travel with each VM entry to the engine.
        groups = apply_input(translation)
    except RenderError as exc:
        module.fail_json(msg=str(exc))
    except ApplyInputError as exc:
        module.fail_json(msg=f"{params['snapshot']}: {exc}")
    module.exit_json(changed=False, summary_lines=summary_lines(translation.plan, output_dir=None), blocked=blocked_servers(translation.plan), **groups)


if __name__ == "__main__":
    main()
