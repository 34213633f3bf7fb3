# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a bulk apply of one object group decides, without talking to the cluster.

Each apply role hands one group of objects to ostokubevirt.migrate.apply_objects. The group names the kinds the
role may send and which of our live objects it removes when the snapshot no longer produces them (its prune
rule). Those facts live here, next to the translation constants they come from, so no task file repeats them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.ownership import identity, owned_objects
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import addressing, floating_ip, instancetypes, secgroup

# The default-deny policy of a tenant is made per port set, not per security group.
PORT_SOURCE_TYPE = "neutron.port"
NETWORK_POLICY = ("networking.k8s.io/v1", "NetworkPolicy")
CALICO_POLICY = ("projectcalico.org/v3", "NetworkPolicy")
SERVICE = ("v1", "Service")
CLUSTER_SCOPED = {"Namespace", *instancetypes.KINDS[instancetypes.CLUSTER]}
# Fields the server rewrites on every write or only bookkeeping: no difference in them is a change we made.
_VOLATILE_METADATA = ("resourceVersion", "generation", "managedFields")


@dataclass(frozen=True)
class Group:
    """One role's objects: the (apiVersion, kind) pairs it sends and, when it prunes, which of ours it removes.

    prune_source_types None means every object of ours of those kinds (rollback); an empty tuple, no pruning.
    """

    name: str
    kinds: tuple[tuple[str, str], ...]
    prune_source_types: tuple[str, ...] | None = ()

    @property
    def prunes(self) -> bool:
        return self.prune_source_types != ()


GROUPS = {
    group.name: group
    for group in (
        Group("namespace_rbac", (("v1", "Namespace"), ("v1", "ResourceQuota"), ("rbac.authorization.k8s.io/v1", "RoleBinding"))),
        Group("security_group_policies", (NETWORK_POLICY, CALICO_POLICY), (secgroup.SOURCE_TYPE, PORT_SOURCE_TYPE)),
        Group(
            "floating_ip_services",
            (SERVICE,),
            (floating_ip.SOURCE_TYPE, addressing.HOSTNAMES_SOURCE_TYPE, addressing.VM_SERVICE_SOURCE_TYPE),
        ),
        Group("instancetypes", tuple((instancetypes.API_VERSION, kind) for pair in instancetypes.KINDS.values() for kind in pair)),
        # Everything apply mode creates in a tenant namespace, in deletion order: exposure first, the progress
        # record (which lists the stopped source servers) last.
        Group(
            "tenant",
            (
                SERVICE,
                ("kubevirt.io/v1", "VirtualMachine"),
                ("cdi.kubevirt.io/v1beta1", "DataVolume"),
                ("v1", "Secret"),
                NETWORK_POLICY,
                CALICO_POLICY,
                ("rbac.authorization.k8s.io/v1", "RoleBinding"),
                ("v1", "ResourceQuota"),
                ("v1", "ConfigMap"),
            ),
            None,
        ),
    )
}


def ref(obj: Mapping) -> str:
    """How results and messages name an object: '<apiVersion> <kind>/<name>'."""
    api, kind, _namespace, name = identity(obj)
    return f"{api} {kind}/{name}"


def misplaced(objects: Iterable, group: Group, namespace: str | None) -> list[str]:
    """Why objects may not be applied by this group, one line each: not an object, another kind or namespace."""
    problems = []
    for index, obj in enumerate(objects):
        if not isinstance(obj, Mapping) or not isinstance(obj.get("metadata"), Mapping) or not obj["metadata"].get("name"):
            problems.append(f"objects[{index}]: not a Kubernetes object with metadata.name")
            continue
        if (obj.get("apiVersion"), obj.get("kind")) not in group.kinds:
            problems.append(f"{ref(obj)}: group {group.name} applies only {', '.join(f'{a} {k}' for a, k in group.kinds)}")
            continue
        object_namespace = obj["metadata"].get("namespace")
        if obj["kind"] in CLUSTER_SCOPED:
            if object_namespace:
                problems.append(f"{ref(obj)}: a cluster-scoped object has metadata.namespace {object_namespace}")
        elif namespace and object_namespace != namespace:
            problems.append(f"{ref(obj)}: metadata.namespace is {object_namespace or 'missing'}, not {namespace}")
        elif not object_namespace:
            problems.append(f"{ref(obj)}: metadata.namespace is missing")
    return problems


def namespaced(objects: Iterable[Mapping]) -> list[Mapping]:
    return [obj for obj in objects if obj["kind"] not in CLUSTER_SCOPED]


def stale(live: Iterable[Mapping], wanted: Iterable[Mapping], group: Group) -> list[dict]:
    """Live objects of ours this group removes: its prune source types (all of ours for None), not in wanted."""
    if not group.prunes:
        return []
    return owned_objects(live, wanted, group.prune_source_types)


def _comparable(obj: Mapping | None) -> dict:
    if not obj:
        return {}
    result = dict(obj)
    metadata = {key: value for key, value in (obj.get("metadata") or {}).items() if key not in _VOLATILE_METADATA}
    result["metadata"] = metadata
    return result


def _difference(before, after):
    """The parts of two values that differ, as (before, after); (None, None) when they are equal."""
    if before == after:
        return None, None
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        old, new = {}, {}
        for key in sorted(set(before) | set(after), key=str):
            if key not in after:
                old[key] = before[key]
            elif key not in before:
                new[key] = after[key]
            else:
                sub_old, sub_new = _difference(before[key], after[key])
                if sub_old is not None or sub_new is not None:
                    old[key], new[key] = sub_old, sub_new
        return old, new
    return before, after


def change(before: Mapping | None, after: Mapping | None) -> tuple[bool, dict]:
    """Whether the server's answer differs from the live object, ignoring bookkeeping; and the differing parts.

    before None is a new object. The diff holds what differs only, as kubernetes.core's k8s module shows it.
    """
    old, new = _difference(_comparable(before), _comparable(after))
    if old is None and new is None:
        return False, {}
    return True, {"before": old or {}, "after": new or {}}


def entry(obj: Mapping, action: str, failure=None) -> dict:
    """One object's result: its identity, what happened, and for a failure the API's status, reason and message."""
    api, kind, namespace, name = identity(obj)
    result = {
        "api_version": api,
        "kind": kind,
        "namespace": namespace or None,
        "name": name,
        "action": action,
        "changed": action not in ("unchanged", "failed"),
    }
    if failure is not None:
        result.update(changed=False, status=failure.status, reason=failure.reason, message=failure.message)
    return result


def diff_entry(obj: Mapping, diff: dict) -> dict:
    """A diff Ansible shows under the object's name; a Secret's data is never shown."""
    header = ref(obj)
    if obj.get("kind") == "Secret":
        return {"before_header": header, "after_header": header, "before": "(Secret content hidden)\n", "after": "(Secret content hidden)\n"}
    return {"before_header": header, "after_header": header, **diff}


def failure_message(group: Group, results: list[dict]) -> str | None:
    failed = [item for item in results if item["action"] == "failed"]
    if not failed:
        return None
    details = "; ".join(
        f"{item['kind']}/{item['name']}: "
        + (f"HTTP {item['status']} " if item.get("status") else "")
        + f"{item.get('reason') or ''}: {item.get('message') or ''}".strip(": ")
        for item in failed
    )
    return f"{len(failed)} of {len(results)} object(s) of group {group.name} failed: {details}"


def summary(results: list[dict]) -> dict:
    """Objects per action, e.g. {'created': 2, 'unchanged': 998}."""
    counts: dict = {}
    for item in results:
        counts[item["action"]] = counts.get(item["action"], 0) + 1
    return counts
