# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Keystone users and groups get, through our RoleBindings, what their role grants in their tenant's namespace
(VirtualMachines and DataVolumes included, through KubeVirt's and CDI's aggregated ClusterRoles installed from
tests/control_plane/manifests/) and nothing in another tenant's namespace, as the real RBAC authorizer decides."""

from __future__ import annotations

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

# What a tenant member may want to do: (verb, API group, resource, subresource).
ACTIONS = {
    "list VMs": ("list", "kubevirt.io", "virtualmachines", ""),
    "create VMs": ("create", "kubevirt.io", "virtualmachines", ""),
    "delete VMs": ("delete", "kubevirt.io", "virtualmachines", ""),
    "delete all VMs at once": ("deletecollection", "kubevirt.io", "virtualmachines", ""),
    "start a VM": ("update", "subresources.kubevirt.io", "virtualmachines", "start"),
    "open a VM console": ("get", "subresources.kubevirt.io", "virtualmachineinstances", "console"),
    "read DataVolumes": ("get", "cdi.kubevirt.io", "datavolumes", ""),
    "create DataVolumes": ("create", "cdi.kubevirt.io", "datavolumes", ""),
    "upload a disk image": ("create", "upload.cdi.kubevirt.io", "uploadtokenrequests", ""),
    "read Secrets": ("get", "", "secrets", ""),
    "create Services": ("create", "", "services", ""),
    "list NetworkPolicies": ("list", "networking.k8s.io", "networkpolicies", ""),
    "change NetworkPolicies": ("patch", "networking.k8s.io", "networkpolicies", ""),
    "grant access (RoleBindings)": ("create", "rbac.authorization.k8s.io", "rolebindings", ""),
    "read the quota": ("get", "", "resourcequotas", ""),
    "raise the quota": ("update", "", "resourcequotas", ""),
}
# What each ClusterRole our RoleBindings point at grants, with KubeVirt's and CDI's aggregated rules in it.
# Upstream: Kubernetes' admin/edit/view (admin alone manages RBAC, nobody but cluster admins edits quotas),
# kubevirt.io:admin|edit|view (deletecollection for admin only, no console for view), cdi.kubevirt.io:admin|edit|view.
_VIEW = {"list VMs", "read DataVolumes", "list NetworkPolicies", "read the quota"}
_EDIT = _VIEW | {
    "create VMs",
    "delete VMs",
    "start a VM",
    "open a VM console",
    "create DataVolumes",
    "upload a disk image",
    "read Secrets",
    "create Services",
    "change NetworkPolicies",
}
GRANTS = {"view": _VIEW, "edit": _EDIT, "admin": _EDIT | {"delete all VMs at once", "grant access (RoleBindings)"}}


def subjects(tenant) -> dict[tuple[str, str], set[str]]:
    """(kind, name) of every subject of the tenant's RoleBindings -> the ClusterRoles bound to it."""
    bound: dict[tuple[str, str], set[str]] = {}
    for binding in (o for o in tenant.sent() if o["kind"] == "RoleBinding"):
        assert binding["roleRef"]["name"] in GRANTS, f"{binding['metadata']['name']} binds {binding['roleRef']['name']}"
        for subject in binding["subjects"]:
            bound.setdefault((subject["kind"], subject["name"]), set()).add(binding["roleRef"]["name"])
    assert bound, f"tenant {tenant.project} binds nobody: this check would prove nothing"
    return bound


def identity(kind: str, name: str) -> tuple[str, list[str]]:
    """User name and groups an authenticator would present for the subject (a group's member is anybody)."""
    if kind == "Group":
        return f"someone-in-{name}", [name, "system:authenticated"]
    return name, ["system:authenticated"]


def decisions(kube_admin, kind: str, name: str, namespace: str) -> dict[str, bool]:
    user, groups = identity(kind, name)
    return {
        action: kube_admin.allowed(user=user, groups=groups, verb=verb, group=group, resource=resource, subresource=subresource, namespace=namespace)
        for action, (verb, group, resource, subresource) in ACTIONS.items()
    }


@pytest.fixture(scope="module")
def both(demo, second_tenant):
    return [(demo, second_tenant), (second_tenant, demo)]


def test_each_subject_can_do_what_its_role_grants_in_its_own_namespace(kube_admin, both):
    wrong = []
    for tenant, _other in both:
        for (kind, name), roles in subjects(tenant).items():
            expected = set().union(*(GRANTS[role] for role in roles))
            for action, allowed in decisions(kube_admin, kind, name, tenant.namespace).items():
                if allowed != (action in expected):
                    wrong.append(f"{kind} {name} ({'+'.join(sorted(roles))}) in {tenant.namespace}: {action} {'allowed' if allowed else 'denied'}")
    assert not wrong, "\n".join(wrong)


def test_no_subject_can_do_anything_in_another_tenants_namespace(kube_admin, both):
    leaks = []
    for tenant, other in both:
        for kind, name in subjects(tenant):
            leaks += [
                f"{kind} {name} of {tenant.project} may {action} in {other.namespace}"
                for action, allowed in decisions(kube_admin, kind, name, other.namespace).items()
                if allowed
            ]
    assert not leaks, "\n".join(leaks)


def test_impersonated_requests_reach_only_the_own_tenants_vms(kube_admin, both):
    """Real requests as each subject (the admin impersonates it), not only reviews."""
    for tenant, other in both:
        for kind, name in subjects(tenant):
            user, groups = identity(kind, name)
            api = client.CustomObjectsApi(kube_admin.impersonating(user, groups[0] if kind == "Group" else None))
            listed = api.list_namespaced_custom_object("kubevirt.io", "v1", tenant.namespace, "virtualmachines")
            assert {vm["metadata"]["name"] for vm in listed["items"]} == {vm["name"] for vm in tenant.objects["vms"]}
            with pytest.raises(ApiException) as refused:
                api.list_namespaced_custom_object("kubevirt.io", "v1", other.namespace, "virtualmachines")
            assert refused.value.status == 403, f"{kind} {name} listing {other.namespace}: HTTP {refused.value.status}"
