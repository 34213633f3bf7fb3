#!/usr/bin/python
# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: vm_migrate
short_description: Apply a tenant's VMs with a sliding window, wait for their disks and record progress
version_added: 0.2.0
description:
  - For each entry of O(vms) (the C(vms) list returned by M(ostokubevirt.migrate.tenant_objects)) applies with
    server-side apply its Secrets, then its DataVolumes, then its VirtualMachine, and waits until the
    DataVolumes have imported and the VM is C(Ready) (C(Stopped) when its C(runStrategy) is C(Halted)).
  - At most O(max_parallel) VMs are in flight; a VM that finishes frees its slot for the next round at once.
    Each round lists the namespace's DataVolumes and VirtualMachines once (one request per kind).
  - Per-VM failures (an API error on apply, a failed import, a timeout) fail only that VM. Its message names the
    object and the HTTP status, reason and message from the API server's answer; for a Secret only its name,
    status and reason, never the server's message, which may echo the Secret.
  - Progress is recorded in the ConfigMap O(progress_configmap) (keys C(vm.<name>) and C(stopped.<server id>));
    a VM recorded C(done) with the same hash is skipped, so a killed run started again finishes the job.
  - The work is done in short rounds. The action plugin of the same name calls the module once per round,
    prints each round's progress lines as they come (ansible-playbook output, AWX job events), sleeps
    O(poll_interval) between rounds and, with O(stop_source), stops a VM's C(ACTIVE) source server with
    M(openstack.cloud.server_action) before the VM's objects are applied. A run is one task.
  - Check mode applies with a server dry-run, stops nothing and does not wait. When the namespace does not exist
    yet, it reports the VMs that would be migrated without asking the server more.
  - Connection options are those of kubernetes.core (C(kubeconfig), C(context), C(K8S_AUTH_*) environment).
    In module_defaults, the group C(group/ostokubevirt.migrate.k8s) sets them.
author: ostokubevirt contributors (@ostokubevirt)
extends_documentation_fragment: [ostokubevirt.migrate._attributes, kubernetes.core.k8s_auth_options]
attributes:
  check_mode: {support: full}
  diff_mode: {support: none}
  idempotent: {support: full}
options:
  namespace:
    description: Tenant namespace (C(namespace) returned by M(ostokubevirt.migrate.tenant_objects)).
    type: str
    required: true
  vms:
    description: The C(vms) list returned by M(ostokubevirt.migrate.tenant_objects).
    type: list
    elements: dict
    required: true
  secrets:
    description:
      - The C(secrets) dict returned by M(ostokubevirt.migrate.tenant_objects) (Secret name to object).
      - The action plugin sends the module only each Secret's C(data) and C(stringData) here (no_log) and the rest
        in O(secret_objects), so that masking the Secret data does not mask every label and name of the output.
    type: dict
    default: {}
  secret_objects:
    description:
      - Internal, set by the action plugin. Secret name to the Secret without C(data) and C(stringData).
    type: dict
    default: {}
  max_parallel:
    description: VMs in flight at once.
    type: int
    default: 5
  wait:
    description: Wait for disks and VMs; without it a VM is recorded as C(applied), not C(done).
    type: bool
    default: true
  datavolume_timeout:
    description: Seconds a VM may wait for its DataVolumes to import.
    type: int
    default: 3600
  ready_timeout:
    description: Seconds a VM may take to become Ready (or Stopped) after its disks are ready.
    type: int
    default: 600
  poll_interval:
    description: Seconds between two rounds while VMs wait.
    type: int
    default: 10
  stop_source:
    description: Stop each C(ACTIVE) source server before its VM's objects are applied (cold migration).
    type: bool
    default: false
  cloud:
    description:
      - Cloud name in C(clouds.yaml) or an auth dict for M(openstack.cloud.server_action); empty uses the
        environment. Used by the action plugin only.
    type: raw
    default: ""
  stop_timeout:
    description: Seconds to wait for a source server to stop.
    type: int
    default: 600
  progress_configmap:
    description: ConfigMap of the namespace that records per-VM progress and stopped servers.
    type: str
    default: ostokubevirt-progress
  field_manager:
    description: Server-side apply field manager.
    type: str
    default: ostokubevirt
  force_conflicts:
    description: Take over fields another field manager changed since our last apply.
    type: bool
    default: false
  round_state:
    description:
      - Internal, set by the action plugin. The state the previous round returned; empty starts a run.
    type: dict
    default: {}
  stop_results:
    description:
      - Internal, set by the action plugin. Outcome of the stops the previous round asked for, each with C(vm),
        C(ok) and C(message).
    type: list
    elements: dict
    default: []
notes:
  - Without the action plugin (a bare module call) one call is one round; the loop is the action plugin's.
"""

EXAMPLES = r"""
- name: Migrate the VMs, five in flight
  ostokubevirt.migrate.vm_migrate:
    namespace: "{{ objects.namespace }}"
    vms: "{{ objects.vms }}"
    secrets: "{{ objects.secrets }}"
    max_parallel: 5
  register: migrated
"""

RETURN = r"""
done:
  description: VMs that reached their target state in this run.
  returned: always
  type: list
  elements: str
applied:
  description: VMs whose objects were applied and not waited for (O(wait=false) or check mode).
  returned: always
  type: list
  elements: str
failed_vms:
  description:
    - VMs that failed, each with C(name), C(server_id) and C(message). The task itself does not fail for them (the
      key C(failed) is Ansible's).
  returned: always
  type: list
  elements: dict
skipped:
  description: VMs recorded as done with the same objects by an earlier run.
  returned: always
  type: list
  elements: str
lines:
  description: Progress lines of the last round (the action plugin prints every round's).
  returned: always
  type: list
  elements: str
rounds:
  description: Polling rounds of the run.
  returned: always
  type: int
"""

import copy
import traceback

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.api_failure import ApiFailure
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.vm_engine import VmEngine, run_round
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.vm_window import check_vms

try:
    from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.exceptions import CoreException
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.service import K8sService
except ImportError:
    HAS_KUBERNETES_CORE = False
    KUBERNETES_CORE_ERROR = traceback.format_exc()
    AUTH_ARG_SPEC = {}
else:
    HAS_KUBERNETES_CORE = True
    KUBERNETES_CORE_ERROR = None


def argument_spec() -> dict:
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    spec.update(
        namespace={"type": "str", "required": True},
        vms={"type": "list", "elements": "dict", "required": True},
        secrets={"type": "dict", "default": {}, "no_log": True},
        secret_objects={"type": "dict", "default": {}, "no_log": False},
        max_parallel={"type": "int", "default": 5},
        wait={"type": "bool", "default": True},
        datavolume_timeout={"type": "int", "default": 3600},
        ready_timeout={"type": "int", "default": 600},
        poll_interval={"type": "int", "default": 10},
        stop_source={"type": "bool", "default": False},
        cloud={"type": "raw", "default": "", "no_log": True},
        stop_timeout={"type": "int", "default": 600},
        progress_configmap={"type": "str", "default": "ostokubevirt-progress"},
        field_manager={"type": "str", "default": "ostokubevirt"},
        force_conflicts={"type": "bool", "default": False},
        round_state={"type": "dict", "default": {}},
        stop_results={"type": "list", "elements": "dict", "default": []},
    )
    return spec


def main():
    if not HAS_KUBERNETES_CORE:
        module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
        module.fail_json(msg="ostokubevirt.migrate.vm_migrate needs the kubernetes.core collection", exception=KUBERNETES_CORE_ERROR)
    module = AnsibleK8SModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    if params["max_parallel"] < 1:
        module.fail_json(msg=f"max_parallel must be at least 1, got {params['max_parallel']}")
    params["secrets"] = {name: {**(params["secret_objects"] or {}).get(name, {}), **data} for name, data in (params["secrets"] or {}).items()}
    problem = check_vms(params["vms"], params["secrets"])
    if problem:
        module.fail_json(msg=problem)
    try:
        client = get_api_client(module=module)
        engine = VmEngine(K8sService(client, module), params, module.check_mode)
        result = run_round(engine, params["round_state"], params)
    except CoreException as exc:  # no such kind (CRDs missing) or a bad kubeconfig
        reason = ApiFailure.from_exception(exc.__cause__) if exc.__cause__ is not None else exc
        module.fail_json(msg=f"{params['namespace']}: {reason}")
    except Exception as exc:  # a namespace-wide failure (progress ConfigMap, lists): every VM stays as recorded
        module.fail_json(msg=f"{params['namespace']}: {ApiFailure.from_exception(exc)}")
    # The arguments carry every VM's objects and the round state; echoing them back each round costs time only.
    module.exit_json(invocation={"module_args": {"namespace": params["namespace"]}}, **result)


if __name__ == "__main__":
    main()
