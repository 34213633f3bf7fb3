# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cinder: the tenant's volumes and its block storage quota."""

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.paging import path_part
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.read_policy import ALL_TENANTS, PROJECT_MEMBER, Reads


def read_volumes(reads: Reads, project: dict, snap: dict) -> None:
    """``volumes`` and ``quotas.volume``."""
    pid = project["id"]
    reads.client.use_microversion("volume")
    if reads.scoped_here(pid):
        volumes = reads.must_list("volumes", PROJECT_MEMBER, "volume", "/volumes/detail", "volumes")
    else:
        volumes = reads.must_list("volumes", ALL_TENANTS, "volume", "/volumes/detail", "volumes", {"all_tenants": "1", "project_id": pid})
    snap["volumes"] = volumes
    reads.quota(snap, "volume", "volume", f"/os-quota-sets/{path_part(pid)}", "quota_set")
