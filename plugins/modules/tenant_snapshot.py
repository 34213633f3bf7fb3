#!/usr/bin/python
# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: tenant_snapshot
short_description: Export one OpenStack project from a live cloud into a tenant snapshot file
version_added: 0.1.0
description:
  - Reads one OpenStack project (tenant) through the Keystone, Nova, Glance, Cinder and Neutron APIs and writes it as
    a tenant snapshot (format C(ostokubevirt.io/tenant-snapshot/v1)) to C(<export_dir>/<domain>/<project>.yaml).
    Every object is stored exactly as the API returned it.
  - Cost does not grow with the number of servers. Each resource type is one paginated list call per tenant.
  - Works with admin and with project-scoped, non-admin credentials (for example application credentials). What the
    credential may not read is listed in RV(unreadable) and in the snapshot's C(source.unreadable), never silently
    left out.
  - The file is written atomically (temporary file and rename) with mode C(0600), because it holds user data. When the
    cloud has not changed since the last export, the file is left alone and the module reports RV(ignore:changed=false).
  - Runs on the controller. Only read (GET) calls are made to the cloud.
author: ostokubevirt contributors (@ostokubevirt)
requirements:
  - openstacksdk >= 1.0.0
extends_documentation_fragment: [ostokubevirt.migrate._attributes, ostokubevirt.migrate._cloud_config]
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  tenant:
    description: Name or id of the OpenStack project to export.
    type: str
    required: true
  domain:
    description:
      - Name or id of the project's Keystone domain. Needed only when several domains have a project named O(tenant).
    type: str
  export_dir:
    description: Base directory. The snapshot goes to C(<export_dir>/<domain name>/<project name>.yaml).
    type: path
    required: true
  page_size:
    description:
      - Page size (C(limit)) for list calls. By default each service uses its own page size, which is what you want;
        a small value only makes sense to test pagination.
    type: int
  max_pages:
    description:
      - Most pages one list call may take. A list whose next-page links go on longer, or repeat a marker, fails the
        export naming the call, instead of running forever against a service whose pagination loops.
    type: int
    default: 1000
    version_added: 0.1.0
  allow_less_complete:
    description:
      - Replace an existing snapshot of the project even when this export could read less of it (for example the
        earlier export read the role assignments and this credential may not).
      - By default such an export fails and the more complete snapshot is kept.
    type: bool
    default: false
    version_added: 0.1.0
notes:
  - The option names for authentication are the ones of the C(openstack.cloud) collection, so the same
    C(module_defaults) values work for both (use C(group/ostokubevirt.migrate.openstack) for this collection's
    modules that connect to OpenStack).
seealso:
  - module: ostokubevirt.migrate.tenant_render
"""

EXAMPLES = r"""
- name: Export project acme-prod of domain acme with the clouds.yaml entry "prod"
  ostokubevirt.migrate.tenant_snapshot:
    cloud: prod
    tenant: acme-prod
    domain: acme
    export_dir: /srv/migration/snapshots
  register: exported

- name: Render what was exported
  ostokubevirt.migrate.tenant_render:
    snapshot: "{{ exported.path }}"
    tenant: acme-prod
    output_dir: /srv/migration/rendered

- name: Export with a project-scoped application credential
  ostokubevirt.migrate.tenant_snapshot:
    auth_type: v3applicationcredential
    auth:
      auth_url: https://keystone.example.com:5000/v3
      application_credential_id: "{{ app_cred_id }}"
      application_credential_secret: "{{ app_cred_secret }}"
    ca_cert: /etc/pki/tls/certs/cloud-ca.pem
    tenant: acme-prod
    export_dir: snapshots
"""

RETURN = r"""
path:
  description: Path of the snapshot file.
  returned: success
  type: str
  sample: /srv/migration/snapshots/acme/acme-prod.yaml
location:
  description:
    - Where RV(path) is, in words built from ids. Ansible masks every value of a no_log option (O(auth), O(cloud))
      wherever it appears, so when the credential names the project or domain, RV(path) prints as
      C(********/********.yaml); this stays readable.
  returned: success
  type: str
  sample: "export_dir, directory named after domain 9a1e..., file named after project 4b6f..."
  version_added: 0.1.0
project:
  description: Id, name and domain of the exported project.
  returned: success
  type: dict
  sample: {id: 4b6f..., name: acme-prod, domain_id: 9a1e..., domain_name: acme}
counts:
  description: Number of objects in each top-level list of the snapshot.
  returned: success
  type: dict
  sample: {servers: 5, ports: 9, volumes: 5}
unreadable:
  description:
    - What this credential could not read, each with the HTTP status and endpoint; the same list is in the
      snapshot's C(source.unreadable). Empty with an admin credential.
  returned: success
  type: list
  elements: dict
  sample: [{resource: role_assignments, reason: "GET http://keystone:5000/v3/role_assignments: HTTP 403 ..."}]
retries:
  description:
    - Every repeated API call, one line each (call, fault, attempt and wait). Also shown as warnings.
    - Only idempotent GETs are repeated, after HTTP 500, 502, 503, 504 or a dropped connection.
  returned: success
  type: list
  elements: str
  sample: ["GET http://nova:8774/v2.1/servers/detail: HTTP 503; attempt 2 of 4 after Retry-After 1 s"]
api_requests:
  description: Number of API calls the export made (authentication and version discovery not included).
  returned: success
  type: int
  sample: 19
taken_at:
  description: Time this export started (RFC 3339, UTC). When nothing changed, the file keeps its earlier time.
  returned: success
  type: str
"""

from datetime import datetime, timezone

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.ostokubevirt.migrate.plugins.module_utils import _yaml
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack import snapshot_file as sfile
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError, ExportError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.connection import AUTH_ARG_SPEC, ConnectError, connect, import_sdk
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.credential_masking import narrow_masking
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.export import TenantExporter
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.paging import MAX_PAGES


def export(module: AnsibleModule) -> dict:
    params = module.params
    api = connect(params)
    taken_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    exporter = TenantExporter(
        api,
        params["tenant"],
        domain=params["domain"],
        page_size=params["page_size"],
        taken_at=taken_at,
        max_pages=params["max_pages"],
        source={
            "cloud": api.cloud or api.auth_url,
            "auth_url": api.auth_url,
            "region": api.conn.config.get_region_name() or "",
            "endpoints": {s: api.endpoint(s) for s in ("identity", "compute", "image", "volume", "network")},
        },
    )
    snapshot = exporter.run()
    path, path_note = sfile.choose_path(params["export_dir"], snapshot["domain"]["name"], snapshot["project"]["name"], snapshot["project"]["id"])
    existing = sfile.read_existing(path)
    changed = not sfile.unchanged(existing, snapshot)
    lost = sfile.newly_not_read(existing, snapshot)
    if lost and changed and not params["allow_less_complete"]:
        raise sfile.SnapshotFileError(
            f"{path} was exported with {', '.join(lost)} read, this export could not read them "
            f"({'; '.join(u['reason'] for u in exporter.unreadable if u['resource'].split(' (')[0] in lost)}); "
            "the more complete snapshot is kept. Export with a credential that may read them, or set "
            "allow_less_complete=true to replace it anyway"
        )
    for line in [path_note, *getattr(api, "retries", [])]:
        if line:
            module.warn(line)
    if changed and not module.check_mode:
        sfile.write(path, snapshot)
    result = {
        "changed": changed,
        "path": path,
        "counts": sfile.counts(snapshot),
        "unreadable": exporter.unreadable,
        "api_requests": exporter.requests,
        "retries": list(getattr(api, "retries", [])),
        "location": sfile.location_in_words(path, snapshot),
        "taken_at": taken_at if changed else (existing.get("source") or {}).get("taken_at", taken_at),
        "project": {
            "id": snapshot["project"]["id"],
            "name": snapshot["project"]["name"],
            "domain_id": snapshot["project"].get("domain_id"),
            "domain_name": snapshot["domain"]["name"],
        },
    }
    if module._diff:
        result["diff"] = {"before_header": path, "after_header": path, "before": _summary(sfile.counts(existing)), "after": _summary(result["counts"])}
    return result


def _summary(counts: dict) -> str:
    return "".join(f"{key}: {value}\n" for key, value in sorted(counts.items()))


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "tenant": {"type": "str", "required": True},
            "domain": {"type": "str"},
            "export_dir": {"type": "path", "required": True},
            "page_size": {"type": "int"},
            "allow_less_complete": {"type": "bool", "default": False},
            "max_pages": {"type": "int", "default": MAX_PAGES},
            **AUTH_ARG_SPEC,
        },
        supports_check_mode=True,
    )
    narrow_masking(module)
    if import_sdk() is None:
        module.fail_json(msg=missing_required_lib("openstacksdk"))
    if not _yaml.HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML"))
    for name in ("page_size", "max_pages"):
        if module.params[name] is not None and module.params[name] < 1:
            module.fail_json(msg=f"{name} must be a positive number")
    try:
        module.exit_json(**export(module))
    except (ConnectError, ExportError, ApiError, OSError, ValueError) as exc:
        module.fail_json(msg=f"tenant_snapshot: {exc}")


if __name__ == "__main__":
    main()
