# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Nova: the tenant's servers (flavor embedded), all flavors, the key pairs its servers use, its compute quota."""

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.paging import parse_microversion, path_part
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.read_policy import ALL_TENANTS, PROJECT_MEMBER, Reads

MIN_COMPUTE_EMBEDDED_FLAVOR = (2, 47)
# Nova returns these only when policy os_compute_api:os-extended-server-attributes allows
# (admin by default); without them user data, hostname and the root device are unknown.
ADMIN_SERVER_FIELDS = (
    "OS-EXT-SRV-ATTR:user_data",
    "OS-EXT-SRV-ATTR:hostname",
    "OS-EXT-SRV-ATTR:root_device_name",
    "OS-EXT-SRV-ATTR:host",
    "OS-EXT-SRV-ATTR:instance_name",
)
KEYPAIR_READER = "the admin role to read another user's key pairs (os_compute_api:os-keypairs)"


def read_compute(reads: Reads, project: dict, snap: dict) -> None:
    """``servers``, ``flavors``, ``keypairs`` and ``quotas.compute``."""
    pid = project["id"]
    microversion = reads.client.use_microversion("compute")
    if parse_microversion(microversion) < MIN_COMPUTE_EMBEDDED_FLAVOR:
        reads.not_read.add("servers[].flavor", f"compute API offers microversion {microversion} < 2.47: flavors are not embedded in servers")
    if reads.scoped_here(pid):
        servers = reads.must_list("servers", PROJECT_MEMBER, "compute", "/servers/detail", "servers")
    else:
        servers = reads.must_list("servers", ALL_TENANTS, "compute", "/servers/detail", "servers", {"all_tenants": "1", "project_id": pid})
    snap["servers"] = servers
    missing = [f for f in ADMIN_SERVER_FIELDS if servers and not any(f in s for s in servers)]
    if missing:
        reads.not_read.add(
            "servers[]." + ",".join(missing),
            "hidden by Nova policy os_compute_api:os-extended-server-attributes (admin by default): "
            "user data, hostname and root device are unknown; export with an admin credential",
        )
    # is_public=None: public and private flavors (private ones only as admin)
    snap["flavors"] = reads.must_list("flavors", PROJECT_MEMBER, "compute", "/flavors/detail", "flavors", {"is_public": "None"})
    snap["keypairs"] = _read_keypairs(reads, servers)
    reads.quota(snap, "compute", "compute", f"/os-quota-sets/{path_part(pid)}", "quota_set")


def _read_keypairs(reads: Reads, servers: list[dict]) -> list[dict]:
    """Only the key pairs servers name, one list call per owner (Nova lists one user's key pairs at a time)."""
    wanted: dict[str, set[str]] = {}
    for server in servers:
        if server.get("key_name"):
            wanted.setdefault(str(server.get("user_id")), set()).add(server["key_name"])
    keypairs: list[dict] = []
    for user_id in sorted(wanted):
        params = None if user_id == reads.token.user_id else {"user_id": user_id}
        listed = reads.try_list(f"keypairs (owner {user_id})", KEYPAIR_READER, "compute", "/os-keypairs", "keypairs", params)
        for item in listed or []:
            keypair = item.get("keypair", item)
            if keypair.get("name") in wanted[user_id]:
                keypairs.append(keypair)
    return keypairs
