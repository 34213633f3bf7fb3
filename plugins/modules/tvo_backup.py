#!/usr/bin/python
# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: tvo_backup
short_description: Back up OpenStack servers with TrilioVault and describe each disk for a CDI import
version_added: 0.1.0
description:
  - Takes a B(full) TrilioVault for OpenStack (TVO) snapshot of each server through TVO's workloadmgr v1 API, found in
    the Keystone service catalog under service type C(workloads) or C(workloadmgr). A workload that already protects
    the server is reused; otherwise one named C(ostokubevirt-<server id>) is created, without a schedule.
  - Polls the snapshot until it is available and returns every progress step in RV(progress).
  - Maps each disk of the snapshot (C(instances[].vdisks[])) to its file on the backup target,
    C(<mount_path>/workload_<w>/snapshot_<s>/vm_id_<vm>/vm_res_id_<res>_<label>/<file>), and returns one export
    record per disk (RV(records)) whose URL is under O(http_base_url), the in-cluster HTTP server that serves the
    backup target read-only (CDI cannot read NFS).
  - The host running the module must mount the backup target at O(mount_path) (read-only is enough unless
    O(flatten_dir) is under it) and have C(qemu-img). It computes the sha256 of each file there, streamed.
  - An incremental snapshot's file is a qcow2 overlay whose backing file is an absolute path on the TVO nodes, which
    CDI cannot follow. Such a disk is refused with a message naming the snapshot and disk, or, with
    O(incremental=flatten), converted into a standalone qcow2 under O(flatten_dir), never anywhere else. The backup
    target itself is never written to by this module outside O(flatten_dir).
  - One failing server does not stop the others; the module fails at the end, listing every failed server in
    RV(failed_servers) next to the records of the servers that succeeded.
  - Nothing on the cloud is deleted. The workloads and snapshots created stay, to be removed in TVO when no longer
    needed.
author: ostokubevirt contributors (@ostokubevirt)
requirements:
  - openstacksdk >= 1.0.0
  - qemu-img (Debian package qemu-utils) on the host that runs the module
extends_documentation_fragment: [ostokubevirt.migrate._attributes, ostokubevirt.migrate._cloud_config]
attributes:
  check_mode:
    support: full
    details: Only reads; RV(actions) says which workloads would be created and which snapshots taken.
  diff_mode:
    support: full
  idempotent:
    support: partial
    details:
      - A workload is reused, but every run without O(snapshot_id) or O(in_flight) takes a new full snapshot.
options:
  servers:
    description: Ids of the Nova servers to back up.
    type: list
    elements: str
    required: true
  mount_path:
    description: Where the TVO backup target (the NFS export) is mounted on the host that runs the module.
    type: path
    required: true
  http_base_url:
    description:
      - URL of the in-cluster HTTP server that serves the backup target read-only; a file's URL is this plus its path
        under O(mount_path).
    type: str
    required: true
  checksum:
    description:
      - Compute C(sha256:<hex>) of each file (streamed) for the record's C(checksum), which CDI verifies.
      - Turning it off leaves C(checksum) null and the disk unverified.
    type: bool
    default: true
  incremental:
    description:
      - What to do with a disk file that is a qcow2 overlay (an incremental snapshot).
      - V(refuse) fails that server with a message naming the snapshot and disk. V(flatten) writes a standalone qcow2
        into O(flatten_dir).
    type: str
    choices: [refuse, flatten]
    default: refuse
  flatten_dir:
    description:
      - Directory the flattened copies are written to (as C(ostokubevirt-<snapshot>-<server>-<label>.qcow2)); needed
        with O(incremental=flatten). A copy already there is reused.
      - When it is not under O(mount_path), set O(flatten_base_url) too.
    type: path
  flatten_base_url:
    description: URL that serves O(flatten_dir), when O(flatten_dir) is not under O(mount_path).
    type: str
  snapshot_id:
    description:
      - Use this existing TVO snapshot instead of taking a new one (for example one taken by an earlier run). It must
        hold every server of O(servers).
    type: str
  workload_type_id:
    description: Workload type of the workloads this module creates. By default the type named C(Serial).
    type: str
  consistency:
    description:
      - Written into each record. V(cold) when the servers were stopped before the backup, V(crash-consistent) otherwise.
    type: str
    choices: [cold, crash-consistent]
    default: crash-consistent
  poll_interval:
    description: Seconds between two polls of a workload or snapshot.
    type: int
    default: 10
  timeout:
    description: Seconds a snapshot (or a new workload) may take before the server is reported failed.
    type: int
    default: 21600
  wait:
    description:
      - V(true) backs the servers up to the end, polling every O(poll_interval) seconds.
      - V(false) does one non-blocking step per server and returns (find or create its workload, start the full
        snapshot of its workload, or poll that snapshot; the disks are read once it is available). The servers still
        in flight are in RV(pending) with the ids to pass in O(in_flight) at the next call, so a caller that saved them
        (M(ostokubevirt.migrate.vm_migrate) keeps them in its progress ConfigMap) polls the same snapshot after a
        killed run instead of taking a second full backup. Failed servers are in RV(errors) and do not fail the task.
      - Before taking a full snapshot, the module polls a snapshot of ours still running on the workload, if there is
        one (a run killed before it could save the id had started it). A finished one is never reused.
    type: bool
    default: true
  in_flight:
    description:
      - With O(wait=false), server id to C({workload_id, snapshot_id}) as the previous call returned them in
        RV(pending) (C(tvo)); a server with a C(snapshot_id) has that snapshot polled, none is taken.
    type: dict
    default: {}
notes:
  - TrilioVault cannot be installed in this collection's CI; the module is tested against a stand-in of the
    workloadmgr v1 API registered in the Keystone catalog of a real OpenStack, with real qcow2 files.
seealso:
  - module: ostokubevirt.migrate.tenant_snapshot
"""

EXAMPLES = r"""
- name: Back up two servers with TVO (the target is mounted at /mnt/tvo on this host)
  ostokubevirt.migrate.tvo_backup:
    cloud: prod
    servers: [6f1c..., 0b3e...]
    mount_path: /mnt/tvo
    http_base_url: http://ostokubevirt-tvo-http.migration.svc:8080
  register: backup

- name: Accept incremental snapshots by flattening them into the target's scratch directory
  ostokubevirt.migrate.tvo_backup:
    cloud: prod
    servers: [6f1c...]
    snapshot_id: 2e56...
    mount_path: /mnt/tvo
    http_base_url: http://ostokubevirt-tvo-http.migration.svc:8080
    incremental: flatten
    flatten_dir: /mnt/tvo/ostokubevirt-flat
"""

RETURN = r"""
records:
  description:
    - One export record per disk of each server backed up (method C(tvo)); the format is shared with the Glance export.
    - C(url) is what CDI GETs, C(checksum) is C(sha256:<hex>) of that file (null with O(checksum=false)),
      C(needs_token) is false, C(tvo) holds the workload id, snapshot id and the file's path on this host.
  returned: always
  type: list
  elements: dict
  sample:
    - source_id: 9d2c...
      server_id: 6f1c...
      method: tvo
      url: http://ostokubevirt-tvo-http.migration.svc:8080/workload_1f.../snapshot_2e.../vm_id_6f.../vm_res_id_9a..._vda/a6...
      disk_format: qcow2
      size: 21495808
      virtual_size: 1073741824
      checksum: "sha256:5f7d..."
      consistency: crash-consistent
      needs_token: false
      image_id: null
      temporaries: []
      tvo: {workload_id: 1f..., snapshot_id: 2e..., path: /mnt/tvo/workload_1f.../a6...}
failed_servers:
  description: Each server that could not be backed up, with the reason (naming snapshot and disk where one is concerned).
  returned: always
  type: list
  elements: dict
  sample: [{server_id: 6f1c..., msg: "snapshot 2e..., server 6f1c..., disk vda (9d2c...): ... is an incremental qcow2 overlay ..."}]
actions:
  description: Workloads created, snapshots taken and files flattened (in check mode, what would be done).
  returned: always
  type: list
  elements: str
progress:
  description: Each change of a snapshot's status or C(progress_percent) seen while polling, one line each.
  returned: always
  type: list
  elements: str
  sample: ["snapshot 2e... of workload 1f...: executing 40 %", "snapshot 2e... of workload 1f...: available 100 %"]
workloads:
  description: Server id to the id of the workload that protects it.
  returned: always
  type: dict
snapshots:
  description: Workload id to the id of the snapshot the records come from.
  returned: always
  type: dict
pending:
  description:
    - With O(wait=false), the servers still being backed up, with the step (C(workload) or C(snapshot)), its status
      and progress, and in C(tvo) the ids to pass back in O(in_flight).
  returned: always
  type: list
  elements: dict
  sample: [{server_id: 6f1c..., step: snapshot, status: executing, progress: 40, tvo: {workload_id: 1f..., snapshot_id: 2e...}}]
errors:
  description: With O(wait=false), each server that failed in this step, as C({server_id, message}).
  returned: always
  type: list
  elements: dict
endpoint:
  description: The TVO endpoint taken from the catalog, and the service type it is registered under.
  returned: success
  type: dict
  sample: {url: "http://tvm:8780/v1/4b6f...", service_type: workloads}
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack import tvo
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.connection import AUTH_ARG_SPEC, ConnectError, connect, import_sdk
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.credential_masking import narrow_masking

ARG_SPEC = {
    "servers": {"type": "list", "elements": "str", "required": True},
    "mount_path": {"type": "path", "required": True},
    "http_base_url": {"type": "str", "required": True},
    "checksum": {"type": "bool", "default": True},
    "incremental": {"type": "str", "choices": ["refuse", "flatten"], "default": "refuse"},
    "flatten_dir": {"type": "path"},
    "flatten_base_url": {"type": "str"},
    "snapshot_id": {"type": "str"},
    "workload_type_id": {"type": "str"},
    "consistency": {"type": "str", "choices": ["cold", "crash-consistent"], "default": "crash-consistent"},
    "poll_interval": {"type": "int", "default": 10},
    "timeout": {"type": "int", "default": 21600},
    "wait": {"type": "bool", "default": True},
    "in_flight": {"type": "dict", "default": {}},
    **AUTH_ARG_SPEC,
}


def backup(module: AnsibleModule) -> dict:
    params = module.params
    options = tvo.BackupOptions(
        params["mount_path"],
        params["http_base_url"],
        checksum=params["checksum"],
        incremental=params["incremental"],
        flatten_dir=params["flatten_dir"],
        flatten_base_url=params["flatten_base_url"],
        consistency=params["consistency"],
        snapshot_id=params["snapshot_id"],
        workload_type_id=params["workload_type_id"],
        poll_interval=params["poll_interval"],
        timeout=params["timeout"],
        check_mode=module.check_mode,
    )
    api = connect(params)
    region = api.conn.config.get_region_name() or None
    endpoint, service_type = tvo.endpoint_from_catalog(api.conn.session, api.token.project_id, params["interface"], region)
    client = tvo.TvoClient(api.conn.session, endpoint)
    backup_run = tvo.BackupRun(client, options)
    pending = []
    if params["wait"]:
        run = backup_run.run(params["servers"])
    else:
        flight = {str(k): dict(v) for k, v in (params["in_flight"] or {}).items() if isinstance(v, dict)}
        pending = backup_run.step(params["servers"], flight)
        run = backup_run
    for line in client.retries:
        module.warn(line)
    result = {
        "changed": run.changed or (module.check_mode and bool(run.actions)),
        "records": run.records,
        "failed_servers": run.failed,
        "actions": run.actions,
        "progress": run.progress,
        "workloads": run.workloads,
        "snapshots": run.snapshots,
        "pending": pending,
        "errors": [{"server_id": f["server_id"], "message": f["msg"]} for f in run.failed] if not params["wait"] else [],
        "endpoint": {"url": endpoint, "service_type": service_type},
    }
    if module._diff:
        result["diff"] = {"before": "", "after": "".join(f"{line}\n" for line in run.actions)}
    return result


def main() -> None:
    module = AnsibleModule(argument_spec=ARG_SPEC, supports_check_mode=True)
    narrow_masking(module)
    if import_sdk() is None:
        module.fail_json(msg=missing_required_lib("openstacksdk"))
    for name in ("poll_interval", "timeout"):
        if module.params[name] < 1:
            module.fail_json(msg=f"tvo_backup: {name} must be a positive number")
    try:
        result = backup(module)
    except (ConnectError, tvo.TvoError, OSError) as exc:
        module.fail_json(msg=f"tvo_backup: {exc}", records=[], failed_servers=[], actions=[], progress=[], workloads={}, snapshots={}, pending=[], errors=[])
    if result["failed_servers"] and module.params["wait"]:
        reasons = "; ".join(f"server {f['server_id']}: {f['msg']}" for f in result["failed_servers"])
        module.fail_json(msg=f"tvo_backup: {len(result['failed_servers'])} of {len(module.params['servers'])} server(s) failed: {reasons}", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
