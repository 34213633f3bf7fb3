#!/usr/bin/python
# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: disk_export
short_description: Export the disks of OpenStack servers as Glance images for CDI, delete those exports, or issue a token
version_added: 0.1.0
description:
  - With O(state=present), exports every disk of each server in O(servers) to a Glance image and returns one record
    per disk with the URL CDI downloads it from (the Glance endpoint of the service catalog plus
    C(/v2/images/<id>/file)), its format, size and checksum (C(<os_hash_algo>:<os_hash_value>)).
  - An image-booted root disk is exported with Nova C(createImage) (compute microversion 2.45 or later). A Cinder
    volume, boot-from-volume roots included, is uploaded with C(os-volume_upload_image) when it is C(available);
    when it is C(in-use), a snapshot (C(force)) and a temporary volume made from it are uploaded instead. The
    C(force) upload is never used (Cinder refuses it unless C(enable_force_upload) is set).
  - Everything created is named C(ostokubevirt-<kind>-<source id>) (kind C(root), C(vol), C(snap), C(tmpvol)) and
    carries the metadata C(ostokubevirt_source_id), C(ostokubevirt_run_id) and C(ostokubevirt_server_id). A later run,
    with any O(run_id), reuses what an earlier one made for the same disk, so a disk is never uploaded twice; an
    image of ours that ended C(killed) is deleted and made again.
  - With O(state=absent), deletes our images, volumes and snapshots of the servers (or only the temporaries of
    O(records)). Only objects whose metadata carries C(ostokubevirt_source_id) are ever deleted.
  - One disk that fails is reported in RV(errors) naming the server, the disk and the call; with O(wait=true) the
    module then fails after exporting every other disk.
  - With O(wait=false) the module never sleeps. For every disk it takes each step of the export the cloud's current
    state allows (create the image, or the snapshot, then the temporary volume, then the upload; delete the snapshot
    and temporary volume once the image is active), and returns at once with RV(records) for the finished disks,
    RV(pending) for the others and RV(errors) for the failed ones. It does not fail for a failed disk. Call it again
    (with the same O(run_id)) until RV(pending) is empty; a call never creates a second image, snapshot or volume
    for a disk. O(wait=true) does the same rounds, sleeping O(poll_interval) between them.
  - With O(state=token), returns a token Keystone issues for the module's credential right then (not a cached one)
    and its expiry, for the C(X-Auth-Token) header CDI downloads with. Register the result with C(no_log=true).
  - The Ansible controller carries no disk bytes; CDI pulls them from Glance with a token.
author: ostokubevirt contributors (@ostokubevirt)
requirements:
  - openstacksdk >= 1.0.0
extends_documentation_fragment: [ostokubevirt.migrate._attributes, ostokubevirt.migrate._cloud_config]
attributes:
  check_mode:
    support: full
    details:
      - Makes only GET calls and returns RV(plan), what a run would create, reuse or delete.
      - O(state=token) issues a token in check mode too; that changes nothing on the cloud.
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  servers:
    description: Ids of the Nova servers whose disks to export (or whose exports to delete). Required unless O(state=token).
    type: list
    elements: str
  state:
    description: C(present) exports, C(absent) deletes our exports, C(token) issues a Keystone token (RV(token)).
    type: str
    choices: [present, absent, token]
    default: present
  wait:
    description:
      - With O(state=present), C(true) waits until every disk is exported or failed (and fails the module if one
        failed). C(false) takes the steps the cloud allows now, never sleeps, and returns RV(records), RV(pending)
        and RV(errors) without failing for a failed disk.
    type: bool
    default: true
  source_ids:
    description:
      - Export only these disks of O(servers), by source id (the Cinder volume id, or the server id for an
        image-booted root disk). Unset exports every disk. An id that is no disk of O(servers) is an error.
    type: list
    elements: str
  run_id:
    description:
      - Id of this migration run, stored in the metadata of what is created. Required with O(state=present).
      - With O(state=absent), only objects of this run are deleted; when unset, those of every run.
    type: str
  source_stopped:
    description:
      - The servers were stopped before this export, so each record says C(consistency=cold). Otherwise the copy is
        C(crash-consistent). A server not C(SHUTOFF) although this is set gets a warning.
    type: bool
    default: false
  image_interface:
    description: Service catalog interface of the Glance endpoint in the URLs CDI downloads from.
    type: str
    choices: [public, internal, admin]
    default: public
  volume_disk_format:
    description:
      - Disk format Cinder writes a volume's image in. C(raw) copies the volume as is; C(qcow2) makes Cinder convert
        it first (smaller downloads for sparse volumes, but conversion space and time on the Cinder host).
    type: str
    choices: [raw, qcow2]
    default: raw
  keep_intermediates:
    description:
      - Keep the snapshot and the temporary volume of an in-use volume after its image is C(active). By default they
        are deleted as soon as the image holds the data, so the export needs less Cinder space.
    type: bool
    default: false
  keep_exports:
    description: With O(state=absent), delete nothing (so a caller can pass C(migration_keep_exports) through).
    type: bool
    default: false
  records:
    description:
      - With O(state=absent), the export records of an earlier run; only the C(temporaries) of each record are deleted.
        Without it, our objects are found by metadata.
    type: list
    elements: dict
  timeout:
    description: Seconds to wait for each image, snapshot or volume to become ready (with O(wait=true)).
    type: int
    default: 21600
  poll_interval:
    description: Seconds between two status checks while waiting.
    type: int
    default: 5
notes:
  - Needs Glance space for one image per disk and, for volumes in use, Cinder quota for one snapshot and one volume
    per disk while it is exported.
  - The records hold no token. CDI needs one to download from Glance (each record has C(needs_token=true)); an application
    credential scoped to the project is the usual way to get one.
seealso:
  - module: ostokubevirt.migrate.tenant_snapshot
"""

EXAMPLES = r"""
- name: Export the disks of two stopped servers
  ostokubevirt.migrate.disk_export:
    cloud: prod
    servers: [6f1c9e42-0000-4000-8000-000000000001, 6f1c9e42-0000-4000-8000-000000000002]
    run_id: "{{ migration_run_id }}"
    source_stopped: true
    image_interface: internal
  register: exported

- name: One round of a non-blocking export of one disk (call again until pending is empty)
  ostokubevirt.migrate.disk_export:
    cloud: prod
    servers: [6f1c9e42-0000-4000-8000-000000000001]
    source_ids: [0b8d4a7e-0000-4000-8000-00000000000a]
    run_id: "{{ migration_run_id }}"
    wait: false
  register: round

- name: A fresh token for CDI's header Secret
  ostokubevirt.migrate.disk_export:
    cloud: prod
    state: token
  register: glance_token
  no_log: true

- name: After the import, delete what the export created
  ostokubevirt.migrate.disk_export:
    cloud: prod
    servers: "{{ exported.records | map(attribute='server_id') | unique }}"
    state: absent
    records: "{{ exported.records }}"
"""

RETURN = r"""
records:
  description:
    - One export record per disk exported (see the collection's disk documentation for every field).
  returned: O(state=present); empty in check mode
  type: list
  elements: dict
  sample:
    - source_id: 0b8d...
      server_id: 6f1c...
      method: glance
      url: https://glance.example.com:9292/v2/images/1e2f.../file
      disk_format: raw
      size: 1073741824
      virtual_size: 1073741824
      checksum: "sha512:9f86..."
      consistency: cold
      needs_token: true
      image_id: 1e2f...
      temporaries: [{kind: image, id: 1e2f..., name: ostokubevirt-vol-0b8d...}]
      tvo: null
pending:
  description:
    - The disks not finished yet (empty with O(wait=true)). C(step) is C(snapshot) (the forced snapshot of a volume
      in use), C(tmpvol) (the temporary volume made from it), C(upload) (the image being written) or C(release)
      (the temporary volume being deleted once the image is active); C(status) is that object's status;
      C(progress) is 0-100 when the cloud reports it (Cinder snapshots), else null.
  returned: O(state=present)
  type: list
  elements: dict
  sample: [{server_id: 6f1c..., source_id: 0b8d..., step: snapshot, status: creating, progress: 40}]
errors:
  description:
    - One entry per disk or server that failed, C(message) (and the same text as C(msg)) naming the server, the
      disk and the call; C(source_id) is null for a server that could not be read.
  returned: always
  type: list
  elements: dict
  sample: [{server_id: 6f1c..., source_id: 0b8d..., message: "server 6f1c..., volume 0b8d...: status is 'error'; ...", msg: "..."}]
token:
  description: With O(state=token), a Keystone token issued by this call for the module's credential. A secret.
  returned: O(state=token)
  type: str
expires_at:
  description: With O(state=token), when RV(token) expires (ISO 8601, as Keystone says), or null if it did not say.
  returned: O(state=token)
  type: str
  sample: "2026-12-02T13:00:00+00:00"
created:
  description: The images, snapshots and volumes this call created.
  returned: O(state=present)
  type: list
  elements: dict
reused:
  description: What an earlier run had created and this one reused.
  returned: O(state=present)
  type: list
  elements: dict
plan:
  description: In check mode, per disk what a run would do (O(state=present)), or what it would delete (O(state=absent)).
  returned: check mode
  type: list
  elements: dict
deleted:
  description: With O(state=absent), what was deleted.
  returned: O(state=absent)
  type: list
  elements: dict
kept:
  description: With O(state=absent), temporaries left alone because their metadata is not ours, with the reason.
  returned: O(state=absent)
  type: list
  elements: dict
"""

from urllib.parse import quote

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack import disk_export as de
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.connection import AUTH_ARG_SPEC, ConnectError, connect, import_sdk
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.credential_masking import narrow_masking
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.disk_cloud import SdkCloud


def get_servers(cloud, ids: list[str]) -> tuple[list[dict], list[dict]]:
    servers, errors = [], []
    for server_id in ids:
        try:
            servers.append(cloud.request("GET", "compute", f"/servers/{quote(server_id, safe='')}").get("server") or {"id": server_id})
        except ApiError as exc:
            message = f"server {server_id}: {exc}"
            errors.append({"server_id": server_id, "source_id": None, "msg": message, "message": message})
    return servers, errors


def unknown_sources(exporter, servers: list[dict], source_ids) -> list[dict]:
    """A source id in ``source_ids`` that is no disk of the servers is an error of its own (likely a typo)."""
    if source_ids is None:
        return []
    known = {disk["source_id"] for _server, disk in exporter.disks(servers)}
    errors = []
    for source_id in source_ids:
        if source_id not in known:
            message = f"source_ids: {source_id} is not a disk of the servers {', '.join(str(s.get('id')) for s in servers)}"
            errors.append({"server_id": None, "source_id": source_id, "msg": message, "message": message})
    return errors


def present(module, cloud) -> dict:
    params = module.params
    options = de.ExportOptions(
        run_id=params["run_id"],
        interface=params["image_interface"],
        cold=params["source_stopped"],
        volume_disk_format=params["volume_disk_format"],
        keep_intermediates=params["keep_intermediates"],
        timeout=float(params["timeout"]),
        poll_interval=float(params["poll_interval"]),
        sleep=cloud.sleep,
    )
    servers, errors = get_servers(cloud, params["servers"])
    exporter = de.DiskExporter(cloud, options)
    source_ids = params["source_ids"]
    for server in servers:
        if params["source_stopped"] and server.get("status") not in (None, "SHUTOFF"):
            module.warn(f"server {server.get('id')} is {server.get('status')}, not SHUTOFF, although source_stopped is set: its records say cold")
    if servers:
        errors += unknown_sources(exporter, servers, source_ids)
    if module.check_mode:
        plan = [row for server in servers for row in exporter.plan_server(server, source_ids)]
        errors += [
            {"server_id": row["server_id"], "source_id": row["source_id"], "msg": row["error"], "message": row["error"]} for row in plan if "error" in row
        ]
        changed = any(not row.get("action", "reuse").startswith("reuse") for row in plan)
        return {"changed": changed, "plan": plan, "records": [], "pending": [], "errors": errors, "created": [], "reused": []}
    done = (exporter.export if params["wait"] else exporter.advance)(servers, source_ids)
    return {
        "changed": bool(exporter.created or exporter.deleted),
        "records": done["records"],
        "pending": done["pending"],
        "errors": errors + done["errors"],
        "created": exporter.created,
        "reused": exporter.reused,
    }


def token(module, cloud) -> dict:
    """A freshly issued token; check mode issues one too (it changes nothing on the cloud)."""
    value, expires_at = cloud.issue_token()
    return {"changed": False, "token": value, "expires_at": expires_at, "errors": []}


def absent(module, cloud) -> dict:
    params = module.params
    if params["keep_exports"]:
        return {"changed": False, "deleted": [], "kept": [], "errors": []}
    if params["records"] is not None:
        wanted = set(params["servers"])
        records = [r for r in params["records"] if str(r.get("server_id")) in wanted]
        if module.check_mode:
            return {"changed": bool(records), "plan": [t for r in records for t in r.get("temporaries") or []], "errors": []}
        done = de.cleanup_records(cloud, records, sleep=cloud.sleep)
    else:
        if module.check_mode:
            found = de.find_ours(cloud, params["servers"], params["run_id"])
            return {"changed": bool(found), "plan": found, "errors": []}
        done = de.rollback(cloud, params["servers"], params["run_id"], sleep=cloud.sleep)
    return {"changed": bool(done["deleted"]), "deleted": done["deleted"], "kept": done["kept"], "errors": [{"msg": m} for m in done["errors"]]}


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "servers": {"type": "list", "elements": "str"},
            "state": {"type": "str", "choices": ["present", "absent", "token"], "default": "present"},
            "wait": {"type": "bool", "default": True},
            "source_ids": {"type": "list", "elements": "str"},
            "run_id": {"type": "str"},
            "source_stopped": {"type": "bool", "default": False},
            "image_interface": {"type": "str", "choices": ["public", "internal", "admin"], "default": "public"},
            "volume_disk_format": {"type": "str", "choices": ["raw", "qcow2"], "default": "raw"},
            "keep_intermediates": {"type": "bool", "default": False},
            "keep_exports": {"type": "bool", "default": False},
            "records": {"type": "list", "elements": "dict"},
            "timeout": {"type": "int", "default": 21600},
            "poll_interval": {"type": "int", "default": 5},
            **AUTH_ARG_SPEC,
        },
        required_if=[("state", "present", ["run_id", "servers"]), ("state", "absent", ["servers"])],
        supports_check_mode=True,
    )
    narrow_masking(module)
    if import_sdk() is None:
        module.fail_json(msg=missing_required_lib("openstacksdk"))
    state = module.params["state"]
    try:
        cloud = SdkCloud(connect(module.params).conn)
        result = {"present": present, "absent": absent, "token": token}[state](module, cloud)
    except (ConnectError, ApiError) as exc:
        module.fail_json(msg=f"disk_export: {exc}")
    # with wait false a failed disk is the caller's to handle (it fails that one VM); the others carry on
    if result["errors"] and not (state == "present" and not module.params["wait"]):
        module.fail_json(msg="disk_export: " + "; ".join(e["msg"] for e in result["errors"]), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
