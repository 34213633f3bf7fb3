# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube import apply as plan
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.api_failure import ApiFailure
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.applier import Applier

NS = "acme-web-shop"
OURS = {"app.kubernetes.io/managed-by": "ostokubevirt"}


def obj(kind="Service", name="web-01", namespace=NS, api="v1", source_type=None, labels=None, **body):
    labels = OURS if labels is None else labels
    annotations = {"ostokubevirt.io/source-id": "id-" + name}
    if source_type:
        annotations["ostokubevirt.io/source-type"] = source_type
    meta = {"name": name, "labels": dict(labels or {}), "annotations": annotations}
    if namespace:
        meta["namespace"] = namespace
    return {"apiVersion": api, "kind": kind, "metadata": meta, **body}


def test_every_group_names_its_kinds_and_only_rollback_prunes_everything():
    assert plan.GROUPS["namespace_rbac"].prunes is False
    assert plan.GROUPS["instancetypes"].prunes is False
    assert plan.GROUPS["tenant"].prune_source_types is None
    assert set(plan.GROUPS["floating_ip_services"].prune_source_types) == {"neutron.floating_ip", "keystone.project.hostnames", "nova.server.addresses"}
    assert set(plan.GROUPS["security_group_policies"].prune_source_types) == {"neutron.security_group", "neutron.port"}
    # Rollback removes exposure first and the progress record last.
    kinds = [kind for _api, kind in plan.GROUPS["tenant"].kinds]
    assert kinds[0] == "Service" and kinds[-1] == "ConfigMap"


@pytest.mark.parametrize(
    ("group", "objects", "message"),
    [
        ("namespace_rbac", [obj("Service", "x")], "v1 Service/x: group namespace_rbac applies only"),
        ("floating_ip_services", [obj("Service", "x", namespace="elsewhere")], "metadata.namespace is elsewhere, not acme-web-shop"),
        ("floating_ip_services", [obj("Service", "x", namespace=None)], "Service/x: metadata.namespace is missing"),
        ("security_group_policies", [obj("NetworkPolicy", "p", api="v1")], "v1 NetworkPolicy/p: group security_group_policies applies only"),
        ("namespace_rbac", [obj("Namespace", NS, namespace="x")], "a cluster-scoped object has metadata.namespace x"),
        ("floating_ip_services", ["not-an-object"], "objects[0]: not a Kubernetes object"),
        ("floating_ip_services", [{"kind": "Service", "metadata": {}}], "objects[0]: not a Kubernetes object with metadata.name"),
    ],
)
def test_objects_outside_the_group_are_refused_by_name(group, objects, message):
    problems = plan.misplaced(objects, plan.GROUPS[group], NS)
    assert len(problems) == 1 and message in problems[0], problems


def test_objects_of_the_group_pass():
    group = plan.GROUPS["namespace_rbac"]
    objects = [obj("Namespace", NS, namespace=None), obj("ResourceQuota", "quota"), obj("RoleBinding", "admins", api="rbac.authorization.k8s.io/v1")]
    assert plan.misplaced(objects, group, NS) == []
    assert [o["kind"] for o in plan.namespaced(objects)] == ["ResourceQuota", "RoleBinding"]
    cluster_type = obj("VirtualMachineClusterInstancetype", "it", namespace=None, api="instancetype.kubevirt.io/v1beta1")
    assert plan.misplaced([cluster_type], plan.GROUPS["instancetypes"], NS) == []


def test_stale_keeps_wanted_foreign_and_other_source_types():
    group = plan.GROUPS["floating_ip_services"]
    live = [
        obj(name="fip-1", source_type="neutron.floating_ip"),  # still wanted
        obj(name="fip-2", source_type="neutron.floating_ip"),  # gone from the snapshot
        obj(name="web-02", source_type="nova.server.addresses"),  # gone
        obj(name="hand-made", labels=OURS, source_type=None),  # our label, no source type: not this group's
        obj(name="other", labels={"app.kubernetes.io/managed-by": "helm"}, source_type="neutron.floating_ip"),
    ]
    stale = plan.stale(live, [obj(name="fip-1")], group)
    assert [o["metadata"]["name"] for o in stale] == ["fip-2", "web-02"]
    assert plan.stale(live, [], plan.GROUPS["namespace_rbac"]) == []
    everything = plan.stale(live, [], plan.GROUPS["tenant"])
    assert [o["metadata"]["name"] for o in everything] == ["fip-1", "fip-2", "web-02", "hand-made"]


def test_change_ignores_bookkeeping_and_shows_only_the_difference():
    before = obj(spec={"ports": [{"port": 80}]})
    before["metadata"].update(resourceVersion="1", managedFields=[{"manager": "x"}], uid="u")
    same = obj(spec={"ports": [{"port": 80}]})
    same["metadata"].update(resourceVersion="2", managedFields=[{"manager": "y"}], uid="u")
    assert plan.change(before, same) == (False, {})
    moved = obj(spec={"ports": [{"port": 8080}]})
    moved["metadata"]["uid"] = "u"
    changed, diff = plan.change(before, moved)
    assert changed and diff == {"before": {"spec": {"ports": [{"port": 80}]}}, "after": {"spec": {"ports": [{"port": 8080}]}}}
    created, diff = plan.change(None, moved)
    assert created and diff["before"] == {} and diff["after"]["metadata"]["uid"] == "u"


def test_results_carry_the_api_failure_and_a_message_names_each_failed_object():
    failure = ApiFailure(409, "Conflict", 'Apply failed with 1 conflict: conflict with "kubectl"')
    results = [plan.entry(obj(name="a"), "unchanged"), plan.entry(obj(name="b"), "failed", failure), plan.entry(obj(name="c"), "created")]
    assert [r["changed"] for r in results] == [False, False, True]
    assert results[1]["status"] == 409 and results[1]["reason"] == "Conflict"
    message = plan.failure_message(plan.GROUPS["floating_ip_services"], results)
    assert message.startswith("1 of 3 object(s) of group floating_ip_services failed: Service/b: HTTP 409 Conflict: Apply failed")
    assert plan.failure_message(plan.GROUPS["floating_ip_services"], results[:1]) is None
    assert plan.summary(results) == {"unchanged": 1, "failed": 1, "created": 1}


def test_a_secret_diff_never_shows_its_content():
    secret = obj("Secret", "db-01-cloud-init", stringData={"userdata": "s3cr3t"})
    shown = plan.diff_entry(secret, {"before": {}, "after": secret})
    assert "s3cr3t" not in repr(shown)
    assert plan.diff_entry(obj(), {"before": {}, "after": {"a": 1}})["after_header"] == "v1 Service/web-01"


class NotFound(Exception):
    status = 404


class Forbidden(Exception):
    status = 403
    body = '{"kind": "Status", "reason": "Forbidden", "message": "services is forbidden"}'


class FakeClient:
    """Answers like kubernetes.core's K8SClient: list, get, server-side apply, delete; records every call."""

    def __init__(self, live, forbidden=()):
        self.live = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o for o in live}
        self.forbidden = set(forbidden)
        self.calls = []

    def get(self, resource, name=None, namespace=None):
        self.calls.append(("get", resource, name, namespace))
        if name is None:
            return {"items": [o for (kind, ns, _n), o in self.live.items() if kind == resource and ns == namespace]}
        if (resource, namespace, name) not in self.live:
            raise NotFound()
        return self.live[(resource, namespace, name)]

    def patch(self, resource, body, name=None, namespace=None, **params):
        assert params["content_type"] == "application/apply-patch+yaml"
        definition = json.loads(body)
        self.calls.append(("apply", resource, definition["metadata"]["name"], params["field_manager"]))
        if definition["metadata"]["name"] in self.forbidden:
            raise Forbidden()
        self.live[(resource, namespace, definition["metadata"]["name"])] = definition
        return definition

    def delete(self, resource, name=None, namespace=None):
        self.calls.append(("delete", resource, name, namespace))
        del self.live[(resource, namespace, name)]


def applier(client):
    known = {"Service", "Namespace", "NetworkPolicy"}
    return Applier(client, lambda kind, api: kind if kind in known else None, field_manager="ostokubevirt", force_conflicts=False)


def test_a_no_op_reapply_lists_each_kind_once_and_reports_nothing_changed():
    services = [obj(name=f"web-{i:02d}", source_type="nova.server.addresses") for i in range(5)]
    client = FakeClient(services)
    run = applier(client)
    results = [run.apply_one(o) for o in services] + run.prune(plan.GROUPS["floating_ip_services"], NS, services)
    assert [r["action"] for r in results] == ["unchanged"] * 5
    assert [c[0] for c in client.calls].count("get") == 1  # one list of Services, no per-object read
    assert run.diffs == []


def test_apply_creates_updates_prunes_and_keeps_going_after_a_failure():
    old = obj(name="gone", source_type="neutron.floating_ip")
    kept = obj(name="kept", source_type="neutron.floating_ip", spec={"type": "LoadBalancer"})
    client = FakeClient([old, kept], forbidden={"refused"})
    run = applier(client)
    wanted = [obj(name="refused"), obj(name="kept", source_type="neutron.floating_ip", spec={"type": "ClusterIP"}), obj(name="new")]
    results = [run.apply_one(o) for o in wanted] + run.prune(plan.GROUPS["floating_ip_services"], NS, wanted)
    assert [(r["name"], r["action"]) for r in results] == [("refused", "failed"), ("kept", "updated"), ("new", "created"), ("gone", "deleted")]
    assert results[0]["status"] == 403 and results[0]["message"] == "services is forbidden"
    assert ("delete", "Service", "gone", NS) in client.calls
    assert [d["before_header"] for d in run.diffs] == ["v1 Service/kept", "v1 Service/new", "v1 Service/gone"]


def test_a_kind_the_server_does_not_serve_fails_that_object_and_prune_skips_it():
    run = applier(FakeClient([]))
    result = run.apply_one(obj("NetworkPolicy", "p", api="projectcalico.org/v3") | {"kind": "GlobalThing"})
    assert result["action"] == "failed" and "does not serve" in result["message"]
    assert run.live("v1", "Unknown", NS) == {}


class ForbiddenClient(FakeClient):
    def get(self, resource, name=None, namespace=None):
        raise Forbidden()


def test_namespace_lookup_tells_missing_from_refused():
    client = FakeClient([obj("Namespace", NS, namespace=None)])
    assert applier(client).namespace_exists(NS) is True
    assert applier(client).namespace_exists("new-one") is False
    with pytest.raises(Forbidden):
        applier(ForbiddenClient([])).namespace_exists(NS)
