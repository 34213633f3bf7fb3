# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Server-side apply as kube-apiserver computes it: our field manager owns what we send, and a foreign change to
one of those fields makes the next apply fail with the server's conflict instead of being overwritten, unless the
user asks for force (docs/apply.md: "Conflicts with another manager are reported, not forced")."""

from __future__ import annotations

FIELD_MANAGER = "ostokubevirt"  # every apply role's *_field_manager default
COLLEAGUE = "colleague-kubectl"
VM_COUNT = "count/virtualmachines.kubevirt.io"
FORCE_ALL = ("-e", "namespace_rbac_force_conflicts=true", "-e", "security_group_policies_force_conflicts=true")
# Identity, not content: the server keys objects by them and records no ownership of them.
_IDENTITY = {("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace")}


def field_paths(obj: dict, prefix: tuple = ()) -> list[tuple]:
    """Paths of the map fields we send, down to the first list, scalar or empty map."""
    paths = []
    for key, value in obj.items():
        path = (*prefix, key)
        if path in _IDENTITY:
            continue
        if isinstance(value, dict) and value:
            paths += field_paths(value, path)
        else:
            paths.append(path)
    return paths


def owns(fields_v1: dict, path: tuple) -> bool:
    """Whether the field set the server recorded for a manager covers `path`."""
    node = fields_v1
    for key in path:
        if node == {}:  # an atomic struct or map (roleRef, a LabelSelector, a Service selector): owned as a whole
            return True
        node = node.get(f"f:{key}") if isinstance(node, dict) else None
        if node is None:
            return False
    return True


def apply_entry(stored: dict, manager: str) -> dict | None:
    return next((entry for entry in stored["metadata"].get("managedFields") or [] if entry["manager"] == manager and entry["operation"] == "Apply"), None)


def test_our_field_manager_owns_every_field_we_send(kube_admin, demo):
    not_owned = {}
    for obj in demo.sent():
        ref = f"{obj['kind']}/{obj['metadata']['name']}"
        stored = kube_admin.get(obj["apiVersion"], obj["kind"], obj["metadata"]["name"], obj["metadata"].get("namespace"))
        assert stored is not None, f"{ref} is not on the server"
        entry = apply_entry(stored, FIELD_MANAGER)
        managers = [(m["manager"], m["operation"]) for m in stored["metadata"].get("managedFields") or []]
        assert entry is not None, f"{ref}: no server-side apply by {FIELD_MANAGER}, managers {managers}"
        missing = [".".join(path) for path in field_paths(obj) if not owns(entry["fieldsV1"], path)]
        if missing:
            not_owned[ref] = missing
    assert not not_owned, f"fields we send that the server does not record as ours: {not_owned}"


def test_a_foreign_change_to_our_field_is_a_conflict_until_forced(kube_admin, tenants, demo):
    quota = demo.one("v1", "ResourceQuota")
    calico = demo.one("projectcalico.org/v3", "NetworkPolicy")
    meta = {name: {"name": obj["metadata"]["name"], "namespace": demo.namespace} for name, obj in (("quota", quota), ("calico", calico))}
    kube_admin.apply_as(COLLEAGUE, {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": meta["quota"], "spec": {"hard": {VM_COUNT: "99"}}}, force=True)
    kube_admin.apply_as(
        COLLEAGUE, {"apiVersion": "projectcalico.org/v3", "kind": "NetworkPolicy", "metadata": meta["calico"], "spec": {"selector": "all()"}}, force=True
    )
    forced = False
    try:
        # namespace_rbac applies first: the play stops there, naming the manager and the field, and keeps theirs.
        rc, out = tenants.migrate(demo)
        assert rc != 0, out[-3000:]
        assert "conflict with" in out and COLLEAGUE in out and f".spec.hard.{VM_COUNT}" in out, out[-3000:]
        assert stored_spec(kube_admin, quota)["hard"][VM_COUNT] == "99", "our apply overwrote a colleague's change"

        # Forcing one role takes the quota back; the Calico policy is next and still refused.
        rc, out = tenants.migrate(demo, "-e", "namespace_rbac_force_conflicts=true")
        assert rc != 0, out[-3000:]
        assert "conflict with" in out and COLLEAGUE in out and ".spec.selector" in out, out[-3000:]
        assert stored_spec(kube_admin, quota)["hard"][VM_COUNT] == quota["spec"]["hard"][VM_COUNT]
        assert stored_spec(kube_admin, calico)["selector"] == "all()"

        rc, out = tenants.migrate(demo, *FORCE_ALL)
        forced = True
        assert rc == 0, out[-3000:]
        assert stored_spec(kube_admin, calico)["selector"] == calico["spec"]["selector"]
        for obj, field in ((quota, ("spec", "hard", VM_COUNT)), (calico, ("spec", "selector"))):
            stored = kube_admin.get(obj["apiVersion"], obj["kind"], obj["metadata"]["name"], demo.namespace)
            assert owns(apply_entry(stored, FIELD_MANAGER)["fieldsV1"], field)
            colleague = apply_entry(stored, COLLEAGUE)
            assert colleague is None or not owns(colleague["fieldsV1"], field), "forcing left the colleague owning our field"
    finally:
        if not forced:
            tenants.migrate(demo, *FORCE_ALL)


def stored_spec(kube_admin, obj: dict) -> dict:
    stored = kube_admin.get(obj["apiVersion"], obj["kind"], obj["metadata"]["name"], obj["metadata"]["namespace"])
    return stored["spec"]
