# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.identity import role_assignments_to_rolebindings
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions

PROJECT = "p1"


def assignment(role, user=None, group=None, project=PROJECT, inherited=False):
    scope = {"project": {"id": project, "name": "web"}}
    if inherited:
        scope["OS-INHERIT:inherited_to"] = "projects"
    entry = {"role": {"id": role + "-id", "name": role}, "scope": scope}
    if user:
        entry["user"] = {"id": user + "-id", "name": user, "domain": {"id": "d", "name": "acme"}}
    if group:
        entry["group"] = {"id": group + "-id", "name": group, "domain": {"id": "d", "name": "acme"}}
    return entry


def bindings_for(assignments, **options):
    return role_assignments_to_rolebindings(assignments, project_id=PROJECT, namespace="acme-web", options=TranslationOptions(**options))


def test_roles_map_to_builtin_clusterroles_with_users_and_groups():
    bindings, findings = bindings_for(
        [
            assignment("admin", user="alice"),
            assignment("member", user="bob"),
            assignment("_member_", group="devs"),
            assignment("reader", user="carol"),
        ]
    )
    assert not findings
    by_role = {b["roleRef"]["name"]: b for b in bindings}
    assert set(by_role) == {"admin", "edit", "view"}
    assert by_role["edit"]["subjects"] == [
        {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "devs"},
        {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "bob"},
    ]
    assert all(b["roleRef"]["kind"] == "ClusterRole" for b in bindings)
    assert all(b["kind"] == "RoleBinding" and b["metadata"]["namespace"] == "acme-web" for b in bindings)


def test_unmapped_role_is_reported_not_bound():
    bindings, findings = bindings_for([assignment("load-balancer_member", user="bob")])
    assert bindings == []
    assert len(findings) == 1 and "load-balancer_member" in findings[0].message


def test_oidc_prefixes_and_custom_map():
    bindings, dummy = bindings_for(
        [assignment("member", user="bob"), assignment("member", group="devs")],
        user_subject_prefix="oidc:",
        group_subject_prefix="oidc:",
        role_map={"member": "view"},
    )
    assert bindings[0]["roleRef"]["name"] == "view"
    assert {s["name"] for s in bindings[0]["subjects"]} == {"oidc:bob", "oidc:devs"}


def test_other_projects_and_inherited_assignments_are_ignored():
    bindings, findings = bindings_for([assignment("admin", user="eve", project="other"), assignment("admin", user="mallory", inherited=True)])
    assert bindings == [] and findings == []


def test_never_creates_roles_or_wildcards():
    bindings, dummy = bindings_for([assignment("admin", user="alice")])
    assert {b["kind"] for b in bindings} == {"RoleBinding"}
    assert "*" not in str(bindings)
