# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Neutron: the tenant's ports, security groups, floating IPs, the networks and subnets they use, its quota."""

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.paging import chunks, dedupe, path_part
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.read_policy import PROJECT_MEMBER, Reads


def read_network(reads: Reads, project: dict, snap: dict) -> None:
    """``ports``, ``security_groups``, ``floating_ips``, ``networks``, ``subnets`` and ``quotas.network``.

    Networks the tenant does not own but uses (a shared or external network) are looked up by id.
    """
    pid = project["id"]
    scope = {"project_id": pid}
    needs = PROJECT_MEMBER
    snap["ports"] = reads.must_list("ports", needs, "network", "/ports", "ports", scope)
    snap["security_groups"] = reads.must_list("security_groups", needs, "network", "/security-groups", "security_groups", scope)
    snap["floating_ips"] = reads.must_list("floating_ips", needs, "network", "/floatingips", "floatingips", scope)
    networks = reads.must_list("networks", needs, "network", "/networks", "networks", scope)
    have = {n.get("id") for n in networks}
    used = {p.get("network_id") for p in snap["ports"]} | {f.get("floating_network_id") for f in snap["floating_ips"]}
    for ids in chunks(sorted(i for i in used - have if i)):
        networks.extend(reads.must_list("networks", needs, "network", "/networks", "networks", {"id": ids}))
    snap["networks"] = dedupe(networks)
    subnets: list[dict] = []
    for ids in chunks(sorted({n["id"] for n in snap["networks"] if n.get("id")})):
        subnets.extend(reads.must_list("subnets", needs, "network", "/subnets", "subnets", {"network_id": ids}))
    snap["subnets"] = dedupe(subnets)
    reads.quota(snap, "network", "network", f"/quotas/{path_part(pid)}", "quota")
