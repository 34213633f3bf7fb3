# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Keystone role assignments -> RoleBindings to the built-in aggregated ClusterRoles.

We bind to existing ClusterRoles (admin/edit/view by default) and never create Roles,
so no wildcard rule can be introduced by a migration.
"""

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import WARNING, Finding
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import k8s_object, object_meta
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.naming import dns_label
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions

RBAC_API = "rbac.authorization.k8s.io"
_SUBJECT_KINDS = (("user", "User"), ("group", "Group"))


def _assignment_label(assignment: dict) -> str:
    role = (assignment.get("role") or {}).get("name") or (assignment.get("role") or {}).get("id") or "?"
    for key, _kind in _SUBJECT_KINDS:
        subject = assignment.get(key)
        if isinstance(subject, dict):
            return f"{key} {subject.get('name') or subject.get('id')} as {role}"
    return f"role {role}"


def _subject(assignment: dict, options: TranslationOptions) -> dict | None:
    for key, kind in _SUBJECT_KINDS:
        subject = assignment.get(key)
        if isinstance(subject, dict) and (subject.get("name") or subject.get("id")):
            prefix = options.user_subject_prefix if kind == "User" else options.group_subject_prefix
            return {"kind": kind, "apiGroup": RBAC_API, "name": f"{prefix}{subject.get('name') or subject.get('id')}"}
    return None


def role_assignments_to_rolebindings(
    assignments: list[dict], *, project_id: str, namespace: str, options: TranslationOptions
) -> tuple[list[dict], list[Finding]]:
    """One RoleBinding per target ClusterRole, listing every subject that holds a mapped Keystone role."""
    findings: list[Finding] = []
    subjects_by_cluster_role: dict[str, dict[tuple, dict]] = {}
    roles_by_cluster_role: dict[str, set] = {}
    for index, assignment in enumerate(assignments):
        label = _assignment_label(assignment)
        scope_project = ((assignment.get("scope") or {}).get("project") or {}).get("id")
        if scope_project != project_id:
            continue  # domain/system scope or another project: not this namespace's business
        if (assignment.get("scope") or {}).get("OS-INHERIT:inherited_to"):
            continue
        role = assignment.get("role") or {}
        role_name = role.get("name")
        if not role_name:
            findings.append(
                Finding(
                    WARNING,
                    "role_assignment",
                    label,
                    f"role_assignments[{index}].role.name",
                    "role name missing (export role assignments with include_names); not bound",
                )
            )
            continue
        cluster_role = options.role_map.get(role_name)
        if not cluster_role:
            findings.append(
                Finding(
                    WARNING,
                    "role_assignment",
                    label,
                    "role.name",
                    f"Keystone role {role_name!r} has no entry in role_map; not bound (map it to a ClusterRole to grant access)",
                )
            )
            continue
        subject = _subject(assignment, options)
        if subject is None:
            findings.append(
                Finding(WARNING, "role_assignment", label, f"role_assignments[{index}]", "assignment has neither a user nor a group with a name; not bound")
            )
            continue
        subjects_by_cluster_role.setdefault(cluster_role, {})[(subject["kind"], subject["name"])] = subject
        roles_by_cluster_role.setdefault(cluster_role, set()).add(role_name)

    bindings = []
    for cluster_role in sorted(subjects_by_cluster_role):
        subjects = [subjects_by_cluster_role[cluster_role][key] for key in sorted(subjects_by_cluster_role[cluster_role])]
        meta = object_meta(
            dns_label(f"ostokubevirt-{cluster_role}"),
            namespace,
            source_type="keystone.role_assignment",
            source_id=project_id,
            annotations={"ostokubevirt.io/keystone-roles": ",".join(sorted(roles_by_cluster_role[cluster_role]))},
        )
        bindings.append(
            k8s_object(f"{RBAC_API}/v1", "RoleBinding", meta, roleRef={"apiGroup": RBAC_API, "kind": "ClusterRole", "name": cluster_role}, subjects=subjects)
        )
    return bindings, findings
