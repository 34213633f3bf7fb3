# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Keystone: which project the tenant is, its domain, and who holds roles on it (users, groups, members).

Identity objects are the only reads that cost one call per group (its members) or per domain
(its users and groups); keystone does not filter those lists by id.
"""

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError, ExportError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.paging import addressable, dedupe, path_part
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.read_policy import DOMAIN_READER, Reads

ROLE_ASSIGNMENT_READER = (
    "the admin role, or the reader role on the system or on the project's domain (identity:list_role_assignments; a project reader is not enough)"
)


def resolve_project(reads: Reads, tenant: str, domain_filter: str | None) -> dict:
    """The project ``tenant`` names (an id or a name, optionally in ``domain_filter``), or ExportError."""
    client, tok = reads.client, reads.token
    if tenant in (tok.project_id, tok.project_name) and (not domain_filter or domain_filter in (tok.project_domain_name, tok.project_domain_id)):
        return client.get("identity", f"/projects/{path_part(tok.project_id)}")["project"]
    try:
        if addressable(tenant):
            return client.get("identity", f"/projects/{path_part(tenant)}")["project"]
    except ApiError as exc:
        if exc.status not in (403, 404):
            raise
    params = {"name": tenant}
    if domain_filter:
        params["domain_id"] = _domain_id(reads, domain_filter)
    try:
        found = client.list("identity", "/projects", "projects", params)
    except ApiError as exc:
        if exc.status == 403:
            raise ExportError(
                f"tenant {tenant!r}: this credential is scoped to project {tok.project_name!r} "
                f"({tok.project_id}) and may not look up other projects ({exc}); export with a credential "
                "scoped to that project, or with an admin/reader credential"
            ) from exc
        raise
    if not found:
        where = f" in domain {domain_filter!r}" if domain_filter else ""
        raise ExportError(f"tenant {tenant!r}: no project with this name or id{where}")
    if len(found) > 1:
        domains = ", ".join(sorted(str(p.get("domain_id")) for p in found))
        raise ExportError(f"tenant {tenant!r}: {len(found)} projects have this name (domains {domains}); pass domain to choose one")
    return found[0]


def _domain_id(reads: Reads, domain: str) -> str:
    client, tok = reads.client, reads.token
    try:
        if addressable(domain):
            return client.get("identity", f"/domains/{path_part(domain)}")["domain"]["id"]
    except ApiError as exc:
        if exc.status not in (403, 404):
            raise
    if domain in (tok.project_domain_name, tok.project_domain_id) and tok.project_domain_id:
        return tok.project_domain_id  # the credential's own domain: no lookup a member may be refused
    try:
        found = client.list("identity", "/domains", "domains", {"name": domain})
    except ApiError as exc:
        if exc.status != 403:
            raise
        raise ExportError(
            f"domain {domain!r}: this credential may not look up domains ({exc}); pass the domain's "
            f"id, or leave domain out: this credential's project is in domain "
            f"{tok.project_domain_name!r}"
        ) from exc
    if not found:
        raise ExportError(f"domain {domain!r}: no domain with this name or id")
    return found[0]["id"]


def read_domain(reads: Reads, project: dict) -> dict:
    domain_id = project.get("domain_id")
    domain = reads.try_get("domain", "a reader role on the domain, or admin", "identity", f"/domains/{path_part(domain_id)}", "domain")
    if domain is not None:
        return domain
    if reads.scoped_here(project["id"]) and reads.token.project_domain_name:
        # the token response names the domain: better than the bare id for namespace naming
        return {"id": domain_id, "name": reads.token.project_domain_name}
    return {"id": domain_id, "name": domain_id}


def read_identity(reads: Reads, project: dict, snap: dict) -> None:
    """``role_assignments``, and the ``users``, ``groups`` and ``group_members`` they name."""
    assignments = reads.try_list(
        "role_assignments",
        ROLE_ASSIGNMENT_READER,
        "identity",
        "/role_assignments",
        "role_assignments",
        {"scope.project.id": project["id"], "include_names": "true"},
    )
    if assignments is None:
        for resource in ("users", "groups", "group_members"):
            reads.not_read.add(resource, "not exported: the role assignments that name them could not be read")
        return
    snap["role_assignments"] = assignments
    subjects = {kind: [a[kind] for a in assignments if isinstance(a.get(kind), dict)] for kind in ("user", "group")}
    user_ids = {u["id"] for u in subjects["user"]}
    group_ids = {g["id"] for g in subjects["group"]}
    groups = _in_domains(reads, "groups", {g.get("domain", {}).get("id") for g in subjects["group"]}, group_ids)
    members, member_users = _group_members(reads, group_ids)
    users = _in_domains(reads, "users", {u.get("domain", {}).get("id") for u in subjects["user"]}, user_ids)
    snap["users"] = dedupe(users + member_users)
    snap["groups"] = groups
    snap["group_members"] = members


def _in_domains(reads: Reads, kind: str, domain_ids: set, wanted: set) -> list[dict]:
    """The ``kind`` ("users" or "groups") with ids in ``wanted``, listed once per domain they are in."""
    found: list[dict] = []
    for domain_id in sorted(d for d in domain_ids if d):
        listed = reads.try_list(kind, DOMAIN_READER, "identity", f"/{kind}", kind, {"domain_id": domain_id})
        found.extend(item for item in listed or [] if item.get("id") in wanted)
    return found


def _group_members(reads: Reads, group_ids: set) -> tuple[dict[str, list[str]], list[dict]]:
    members: dict[str, list[str]] = {}
    member_users: list[dict] = []
    for group_id in sorted(group_ids):
        listed = reads.try_list("group_members", DOMAIN_READER, "identity", f"/groups/{path_part(group_id)}/users", "users")
        if listed is not None:
            members[group_id] = [u["id"] for u in listed]
            member_users.extend(listed)
    return members, member_users
