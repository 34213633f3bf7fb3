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
    M(ostokubevirt.migrate.server_power) before the VM's objects are applied. A run is one task.
  - A VM with exported disks (C(disk_transfers) of method C(glance) or C(tvo)) goes [stop] -> export -> import ->
    VirtualMachine -> Ready. The action plugin exports its C(glance) disks with M(ostokubevirt.migrate.disk_export)
    (O(cloud), C(wait=false), one non-blocking step per round, so one long upload never holds the window), and the
    module saves the export records in the progress ConfigMap (C(exports.<vm>)), so a run started again never exports
    a disk twice. C(tvo) disks are backed up the same way when O(tvo) is set; the action plugin calls
    M(ostokubevirt.migrate.tvo_backup) with C(wait=false) for each exporting VM, one step per round (find or create the
    workload, start its full snapshot, poll it), and the module saves the snapshot id in C(exports.<vm>) as soon as it
    is started, so a killed run polls the same snapshot and never takes a second full backup. A failed snapshot fails
    that VM only. Before the first import of TVO records, the module applies the backup target's HTTP server
    (O(tvo.http_server)). Without O(tvo), C(tvo) disks take their records from O(export_records) (the records of
    M(ostokubevirt.migrate.tvo_backup)); records given there always win.
  - When every record of a VM is there (and its StorageClasses have a free slot, O(storage_class_limits)), the
    action plugin gets a fresh Glance token (M(ostokubevirt.migrate.disk_export) C(state=token)), the module applies
    the header Secret C(<vm>-disk-token) and the DataVolumes with their C(http) sources, and waits, printing each
    disk's phase and progress. A 401 from Glance renews the token once (the Secret is applied again and CDI retries);
    a second 401, a checksum mismatch or another error repeated O(import_error_restarts) times fails the VM, and no
    VirtualMachine is created for it. After the import, the temporaries of the export are deleted unless
    O(keep_exports). The token never appears in the output, the results or the progress ConfigMap.
  - Check mode applies with a server dry-run, stops nothing and does not wait. It exports nothing and gets no token;
    it reports which disks a run would export and import. When the namespace does not exist
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
      - Cloud name in C(clouds.yaml), or a cloud config dict (passed on as the no_log O(ostokubevirt.migrate.server_power#module:cloud_config)),
        for M(ostokubevirt.migrate.server_power) and M(ostokubevirt.migrate.disk_export); empty uses the environment.
        Used by the action plugin only.
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
  export_records:
    description:
      - Export records made outside the engine (for C(tvo) disks, the C(records) of M(ostokubevirt.migrate.tvo_backup)),
        used for the disks they name (C(source_id)).
    type: list
    elements: dict
    default: []
  tvo:
    description:
      - Back C(tvo) disks up with TrilioVault inside the run (see the description). Unset, their records must be in
        O(export_records).
      - The options mean what they mean in M(ostokubevirt.migrate.tvo_backup); the host that runs the playbook must
        mount the backup target at O(tvo.mount_path).
    type: dict
    suboptions:
      mount_path:
        description: Where the backup target is mounted on the host that runs the playbook.
        type: path
        required: true
      http_base_url:
        description:
          - URL of the in-cluster HTTP server of the backup target. By default the Service that O(tvo.http_server)
            creates in O(namespace), C(http://<name>.<namespace>.svc:<port>).
        type: str
      http_server:
        description:
          - The in-cluster, read-only HTTP server of the backup target (a Deployment and a Service mounting the NFS
            export) to apply in O(namespace) before the first import of TVO records. Unset, one must already serve
            O(tvo.http_base_url).
        type: dict
        suboptions:
          nfs_server:
            description: NFS server of the backup target.
            type: str
            required: true
          nfs_path:
            description: Exported path of the backup target.
            type: str
            required: true
          name:
            description: Name of the Deployment and Service.
            type: str
            default: ostokubevirt-tvo-http
          image:
            description: Image of the server (a static file server answering C(Range) and C(HEAD)).
            type: str
            default: docker.io/library/nginx:1.27-alpine
          port:
            description: Port of the Service.
            type: int
            default: 8080
      checksum:
        description: Compute the sha256 of each backup file for CDI to verify.
        type: bool
        default: true
      incremental:
        description: What to do with an incremental (overlay) backup file.
        type: str
        choices: [refuse, flatten]
        default: refuse
      flatten_dir:
        description: Directory flattened copies are written to, with O(tvo.incremental=flatten).
        type: path
      flatten_base_url:
        description: URL serving O(tvo.flatten_dir) when it is not under O(tvo.mount_path).
        type: str
      workload_type_id:
        description: Workload type of the workloads created. By default the type named C(Serial).
        type: str
  export_timeout:
    description: Seconds a VM's disks may take to export.
    type: int
    default: 21600
  export_run_id:
    description:
      - Run id stored on what the export creates (O(ostokubevirt.migrate.disk_export#module:run_id)); empty uses the
        namespace.
    type: str
    default: ""
  glance_interface:
    description: Service catalog interface of the Glance endpoint in the URLs CDI downloads from.
    type: str
    choices: [public, internal, admin]
    default: public
  disk_ca_configmap:
    description:
      - ConfigMap holding C(ca.pem) for a Glance endpoint with a private CA, when the VM entries do not name one
        (C(disk_import.ca_configmap)).
    type: str
  keep_exports:
    description: Keep the Glance images (and other temporaries) of the exports after a VM's import succeeded.
    type: bool
    default: false
  storage_class_limits:
    description:
      - StorageClass name to the most VMs importing into it at once (besides O(max_parallel)). The key C("") is the
        cluster's default class (DataVolumes that name none).
    type: dict
    default: {}
  import_error_restarts:
    description: An import error other than a 401 or a checksum mismatch fails the VM after CDI restarted the import this often.
    type: int
    default: 3
  export_results:
    description: Internal, set by the action plugin. Outcome of the exports the previous round asked for.
    type: list
    elements: dict
    default: []
  disk_token:
    description: Internal, set by the action plugin (no_log). A fresh Glance token for the header Secrets of this round.
    type: str
  token_error:
    description: Internal, set by the action plugin. Why no token could be issued.
    type: str
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
disks:
  description:
    - Per VM with exported disks, one entry per disk with C(source_id), C(datavolume), C(method), C(bytes) (the
      exported file's size), C(seconds) (import start to C(Succeeded)) and C(checksum_verified).
  returned: always
  type: dict
export_requests:
  description: Internal (for the action plugin). Per exporting VM its C(server_id) and the C(source_ids) still to export.
  returned: always
  type: list
  elements: dict
cleanup_requests:
  description: Internal (for the action plugin). Per imported VM the export records whose temporaries to delete.
  returned: always
  type: list
  elements: dict
token_needed:
  description: Internal (for the action plugin). The next round needs a fresh Glance token.
  returned: always
  type: bool
cleanup_errors:
  description: Deletions of export temporaries that failed (action plugin), each with C(vm) and C(message).
  returned: always
  type: list
  elements: dict
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


TVO_SPEC = {
    "mount_path": {"type": "path", "required": True},
    "http_base_url": {"type": "str"},
    "http_server": {
        "type": "dict",
        "options": {
            "nfs_server": {"type": "str", "required": True},
            "nfs_path": {"type": "str", "required": True},
            "name": {"type": "str", "default": "ostokubevirt-tvo-http"},
            "image": {"type": "str", "default": "docker.io/library/nginx:1.27-alpine"},
            "port": {"type": "int", "default": 8080},
        },
    },
    "checksum": {"type": "bool", "default": True},
    "incremental": {"type": "str", "choices": ["refuse", "flatten"], "default": "refuse"},
    "flatten_dir": {"type": "path"},
    "flatten_base_url": {"type": "str"},
    "workload_type_id": {"type": "str"},
}


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
        export_records={"type": "list", "elements": "dict", "default": []},
        export_timeout={"type": "int", "default": 21600},
        tvo={"type": "dict", "options": TVO_SPEC},
        export_run_id={"type": "str", "default": ""},
        glance_interface={"type": "str", "default": "public", "choices": ["public", "internal", "admin"]},
        disk_ca_configmap={"type": "str"},
        keep_exports={"type": "bool", "default": False},
        storage_class_limits={"type": "dict", "default": {}},
        import_error_restarts={"type": "int", "default": 3},
        export_results={"type": "list", "elements": "dict", "default": []},
        disk_token={"type": "str", "no_log": True},
        token_error={"type": "str", "no_log": False},
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
    limits = {}
    for sc, limit in (params["storage_class_limits"] or {}).items():
        try:
            limits[sc] = int(limit)
        except (TypeError, ValueError):
            limits[sc] = 0
        if isinstance(limit, bool) or limits[sc] < 1:
            module.fail_json(msg=f"storage_class_limits[{sc!r}] must be an integer of at least 1, got {limit!r}")
    params["storage_class_limits"] = limits
    params["secrets"] = {name: {**(params["secret_objects"] or {}).get(name, {}), **data} for name, data in (params["secrets"] or {}).items()}
    if params.get("tvo") and not (params["tvo"].get("http_base_url") or params["tvo"].get("http_server")):
        module.fail_json(msg="tvo: set http_base_url (the in-cluster HTTP server of the backup target) or http_server (to create one)")
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
