# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Discovery and the plain verbs, through the unmodified kubernetes DynamicClient."""

from __future__ import annotations

import json

import pytest

kubernetes = pytest.importorskip("kubernetes")
from kubernetes.dynamic import exceptions as dynexc

from ansible_collections.ostokubevirt.migrate.tests.k8s_standin import StandinServer  # pylint: disable=wrong-import-position
from ansible_collections.ostokubevirt.migrate.tests.unit.k8s_standin.standin_helpers import (  # pylint: disable=wrong-import-position
    Raw,
    vm_manifest,
    wait_for,
)


def _body(caught) -> str:
    body = caught.value.body
    return body.decode() if isinstance(body, bytes) else body


def _cm(name, labels=None, data=None):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "labels": labels or {}}, "data": data or {"k": "v"}}


def test_discovery_documents(raw):
    status, _h, body = raw.request("GET", "/api")
    assert status == 200 and body["kind"] == "APIVersions" and body["versions"] == ["v1"]
    status, _h, body = raw.request("GET", "/apis")
    groups = {g["name"]: g for g in body["groups"]}
    for group in ("rbac.authorization.k8s.io", "networking.k8s.io", "kubevirt.io", "cdi.kubevirt.io",
                  "projectcalico.org", "k8s.cni.cncf.io"):
        assert group in groups, group
    assert groups["cdi.kubevirt.io"]["preferredVersion"]["groupVersion"] == "cdi.kubevirt.io/v1beta1"
    status, _h, body = raw.request("GET", "/apis/kubevirt.io/v1")
    assert status == 200 and body["kind"] == "APIResourceList"
    names = {r["name"]: r for r in body["resources"]}
    assert names["virtualmachines"]["kind"] == "VirtualMachine" and names["virtualmachines"]["namespaced"]
    assert "virtualmachines/status" in names
    assert raw.request("GET", "/apis/nothere.io/v1")[0] == 404
    status, _h, body = raw.request("GET", "/version")
    assert status == 200 and body["major"] == "1"


@pytest.mark.parametrize("api_version,kind", [
    ("v1", "Namespace"), ("v1", "Secret"), ("v1", "Service"), ("v1", "ResourceQuota"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"), ("networking.k8s.io/v1", "NetworkPolicy"),
    ("kubevirt.io/v1", "VirtualMachine"), ("cdi.kubevirt.io/v1beta1", "DataVolume"),
    ("projectcalico.org/v3", "NetworkPolicy"), ("projectcalico.org/v3", "GlobalNetworkPolicy"),
    ("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition"),
])
def test_dynamic_client_finds_kinds(dyn, api_version, kind):
    resource = dyn.resources.get(api_version=api_version, kind=kind)
    assert resource.kind == kind and resource.group_version == api_version


def test_unauthenticated_request_is_401(raw):
    assert raw.request("GET", "/api/v1/namespaces/default/configmaps", token=False)[0] == 401


def test_crud_and_label_selectors(dyn):
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    created = cms.create(body=_cm("a", {"tier": "web", "app.kubernetes.io/managed-by": "ostokubevirt"}),
                         namespace="default")
    assert created.metadata.uid and created.metadata.resourceVersion and created.metadata.creationTimestamp
    cms.create(body=_cm("b", {"tier": "db", "app.kubernetes.io/managed-by": "ostokubevirt"}), namespace="default")
    cms.create(body=_cm("c", {"tier": "db"}), namespace="default")
    assert cms.get(name="a", namespace="default").data.k == "v"

    def names(selector):
        return sorted(i.metadata.name for i in cms.get(namespace="default", label_selector=selector).items)

    assert names("app.kubernetes.io/managed-by=ostokubevirt") == ["a", "b"]
    assert names("tier in (db),app.kubernetes.io/managed-by") == ["b"]
    assert names("tier!=db") == ["a"]
    assert names("!app.kubernetes.io/managed-by") == ["c"]
    assert names("tier notin (web)") == ["b", "c"]
    with pytest.raises(dynexc.BadRequestError):
        cms.get(namespace="default", label_selector="tier in (")

    patched = cms.patch(name="a", namespace="default", body={"data": {"k": "w", "x": "1"}},
                        content_type="application/merge-patch+json")
    assert patched.data.k == "w" and patched.data.x == "1"
    patched = cms.patch(name="a", namespace="default", body=[{"op": "remove", "path": "/data/x"}],
                        content_type="application/json-patch+json")
    assert "x" not in patched.data
    patched = cms.patch(name="a", namespace="default", body={"data": {"s": "1"}})  # strategic merge by default
    assert patched.data.s == "1" and patched.data.k == "w"

    cms.delete(name="a", namespace="default")
    with pytest.raises(dynexc.NotFoundError):
        cms.get(name="a", namespace="default")
    with pytest.raises(dynexc.NotFoundError):
        cms.delete(name="a", namespace="default")
    with pytest.raises(dynexc.ConflictError):
        cms.create(body=_cm("b"), namespace="default")


def test_stale_resource_version_is_409(dyn):
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    first = cms.create(body=_cm("rv"), namespace="default").to_dict()
    update = dict(first, data={"k": "new"})
    second = cms.replace(body=update, namespace="default")
    assert int(second.metadata.resourceVersion) > int(first["metadata"]["resourceVersion"])
    with pytest.raises(dynexc.ConflictError) as caught:
        cms.replace(body=dict(first, data={"k": "lost update"}), namespace="default")
    assert caught.value.status == 409
    assert "the object has been modified" in _body(caught)
    assert cms.get(name="rv", namespace="default").data.k == "new"
    with pytest.raises(dynexc.ConflictError):
        cms.patch(name="rv", namespace="default", content_type="application/merge-patch+json",
                  body={"metadata": {"resourceVersion": first["metadata"]["resourceVersion"]}, "data": {"k": "x"}})


def test_invalid_vm_is_422_with_field(dyn, needs_schemas):
    vms = dyn.resources.get(api_version="kubevirt.io/v1", kind="VirtualMachine")
    bad = vm_manifest("bad-vm")
    bad["spec"]["running"] = "yes"
    with pytest.raises(dynexc.DynamicApiError) as caught:
        vms.create(body=bad, namespace="default")
    assert caught.value.status == 422
    status = json.loads(_body(caught))
    assert status["kind"] == "Status" and status["reason"] == "Invalid"
    assert [c["field"] for c in status["details"]["causes"]] == ["spec.running"]
    missing = vm_manifest("bad-vm")
    del missing["spec"]["template"]
    with pytest.raises(dynexc.DynamicApiError) as caught:
        vms.create(body=missing, namespace="default")
    assert caught.value.status == 422 and "spec.template" in _body(caught)
    with pytest.raises(dynexc.NotFoundError):
        vms.get(name="bad-vm", namespace="default")


def test_invalid_names_and_core_schema(dyn):
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    with pytest.raises(dynexc.DynamicApiError) as caught:
        cms.create(body=_cm("Not_Valid"), namespace="default")
    assert caught.value.status == 422 and "metadata.name" in _body(caught)
    services = dyn.resources.get(api_version="v1", kind="Service")
    with pytest.raises(dynexc.DynamicApiError) as caught:
        services.create(body={"apiVersion": "v1", "kind": "Service", "metadata": {"name": "1svc"},
                              "spec": {"ports": [{"port": 80}]}}, namespace="default")
    assert caught.value.status == 422


def test_unknown_field_strict_warn_ignore(raw, needs_schemas):
    body = vm_manifest("strict")
    body["spec"]["bogus"] = True
    path = "/apis/kubevirt.io/v1/namespaces/default/virtualmachines"
    status, _h, answer = raw.request("POST", path, body)
    assert status == 400 and 'unknown field "spec.bogus"' in answer["message"]
    status, headers, answer = raw.request("POST", path + "?fieldValidation=Warn", body)
    assert status == 201 and "bogus" not in answer["spec"]
    assert 'unknown field \\"spec.bogus\\"' in headers.get("Warning", "") or "spec.bogus" in headers.get("Warning", "")
    body["metadata"]["name"] = "ignored"
    status, headers, answer = raw.request("POST", path + "?fieldValidation=Ignore", body)
    assert status == 201 and "bogus" not in answer["spec"] and "Warning" not in headers


def test_dry_run_does_not_persist(raw):
    path = "/api/v1/namespaces/default/configmaps"
    status, _h, body = raw.request("POST", path + "?dryRun=All", _cm("dry"))
    assert status == 201 and body["metadata"]["name"] == "dry"
    assert raw.request("GET", path + "/dry")[0] == 404
    raw.request("POST", path, _cm("dry"))
    status, _h, body = raw.request("PATCH", path + "/dry?dryRun=All", {"data": {"k": "changed"}},
                                   "application/merge-patch+json")
    assert status == 200 and body["data"]["k"] == "changed"
    assert raw.request("GET", path + "/dry")[2]["data"]["k"] == "v"
    assert raw.request("DELETE", path + "/dry?dryRun=All")[0] == 200
    assert raw.request("GET", path + "/dry")[0] == 200


def test_status_subresource_rules(raw):
    path = "/apis/cdi.kubevirt.io/v1beta1/namespaces/default/datasources"
    body = {"apiVersion": "cdi.kubevirt.io/v1beta1", "kind": "DataSource", "metadata": {"name": "ds"},
            "spec": {"source": {"pvc": {"name": "x", "namespace": "default"}}}, "status": {"conditions": []}}
    status, _h, created = raw.request("POST", path, body)
    assert status == 201, created
    assert "status" not in created
    status, _h, updated = raw.request("PATCH", path + "/ds/status", {"status": {"conditions": [
        {"type": "Ready", "status": "True", "reason": "Test", "message": ""}]}}, "application/merge-patch+json")
    assert status == 200 and updated["status"]["conditions"][0]["type"] == "Ready"
    generation = updated["metadata"]["generation"]
    status, _h, main = raw.request("PATCH", path + "/ds", {"status": {"conditions": []}, "metadata": {
        "labels": {"a": "b"}}}, "application/merge-patch+json")
    assert status == 200 and main["status"]["conditions"][0]["type"] == "Ready"
    assert main["metadata"]["generation"] == generation


def test_namespace_delete_removes_contents(dyn):
    namespaces = dyn.resources.get(api_version="v1", kind="Namespace")
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    namespaces.create(body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "tenant-x"}})
    cms.create(body=_cm("inside"), namespace="tenant-x")
    with pytest.raises(dynexc.NotFoundError):
        cms.create(body=_cm("nowhere"), namespace="no-such-ns")
    namespaces.delete(name="tenant-x")
    with pytest.raises(dynexc.NotFoundError):
        cms.get(name="inside", namespace="tenant-x")


def test_secret_string_data_is_encoded(dyn):
    secrets = dyn.resources.get(api_version="v1", kind="Secret")
    created = secrets.create(body={"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                                   "stringData": {"user": "admin"}}, namespace="default")
    assert created.data.user == "YWRtaW4=" and created.type == "Opaque"
    assert "stringData" not in created.to_dict()


def test_list_pagination_and_field_selector(raw):
    path = "/api/v1/namespaces/default/configmaps"
    for n in range(5):
        raw.request("POST", path, _cm(f"p{n}"))
    status, _h, page = raw.request("GET", path + "?limit=2")
    assert status == 200 and len(page["items"]) == 2 and page["metadata"]["continue"]
    seen = [i["metadata"]["name"] for i in page["items"]]
    while page["metadata"].get("continue"):
        page = raw.request("GET", path + "?limit=2&continue=" + page["metadata"]["continue"])[2]
        seen += [i["metadata"]["name"] for i in page["items"]]
    assert seen == [f"p{n}" for n in range(5)]
    status, _h, page = raw.request("GET", path + "?fieldSelector=metadata.name%3Dp3")
    assert [i["metadata"]["name"] for i in page["items"]] == ["p3"]
    assert raw.request("GET", path + "?fieldSelector=spec.foo%3Dx")[0] == 400


def test_watch_streams_events(dyn):
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    start = cms.get(namespace="default").metadata.resourceVersion
    cms.create(body=_cm("w1"), namespace="default")
    cms.patch(name="w1", namespace="default", body={"data": {"k": "2"}}, content_type="application/merge-patch+json")
    cms.delete(name="w1", namespace="default")
    events = [(e["type"], e["object"].metadata.name)
              for e in dyn.watch(cms, namespace="default", resource_version=start, timeout=1)]
    assert events == [("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")]


def test_watch_from_compacted_revision_is_410(raw, standin):
    path = "/api/v1/namespaces/default/configmaps"
    start = raw.request("GET", path)[2]["metadata"]["resourceVersion"]
    raw.request("POST", path, {"metadata": {"name": "lost"}, "data": {}})
    raw.request("POST", "/_standin/reset")  # history before the reset is gone, like an etcd compaction
    status, _h, body = raw.request("GET", f"{path}?watch=true&resourceVersion={start}&timeoutSeconds=1")
    event = json.loads(body.splitlines()[0]) if isinstance(body, str) else body
    assert status == 200 and event["type"] == "ERROR"
    assert event["object"]["code"] == 410 and event["object"]["reason"] == "Expired"
    assert standin.store.compacted > int(start)


@pytest.mark.parametrize("method,path,body,content_type,code", [
    ("POST", "/api/v1/namespaces/default/configmaps", b"{not json", "application/json", 400),
    ("POST", "/api/v1/namespaces/default/configmaps", [1, 2], "application/json", 400),
    ("PATCH", "/api/v1/namespaces/default/configmaps/x", {"a": 1}, "text/plain", 415),
    ("POST", "/api/v1/namespaces/default/configmaps?dryRun=Some", {"metadata": {"name": "x"}}, "application/json", 400),
    ("DELETE", "/api/v1/namespaces/default/configmaps/x", [1], "application/json", 400),
    ("GET", "/api/v1/namespaces/default/nothings", None, "application/json", 404),
    ("PUT", "/api/v1/namespaces/default/pods/p", {"metadata": {"name": "p"}}, "application/json", 405),
    ("POST", "/_standin/reset", [1], "application/json", 400),
    ("POST", "/_standin/faults", b"[", "application/json", 400),
    ("GET", "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=x", None, "application/json", 400),
])
def test_bad_requests_get_status_answers(raw, method, path, body, content_type, code):
    raw.request("POST", "/api/v1/namespaces/default/configmaps", _cm("x"))
    status, _h, answer = raw.request(method, path, body, content_type)
    assert status == code, answer
    assert answer["kind"] == "Status" and answer["code"] == code and "Traceback" not in answer["message"]


def test_namespace_grace_period(tmp_path):
    with StandinServer(port=0, kubeconfig_out=tmp_path / "kubeconfig", namespace_grace=0.6) as server:
        raw = Raw(server)
        raw.request("POST", "/api/v1/namespaces", {"metadata": {"name": "leaving"}})
        raw.request("POST", "/api/v1/namespaces/leaving/configmaps", _cm("inside"))
        status, _h, body = raw.request("DELETE", "/api/v1/namespaces/leaving")
        assert status == 200 and body["status"]["phase"] == "Terminating"
        status, _h, body = raw.request("GET", "/api/v1/namespaces/leaving")
        assert status == 200 and body["metadata"]["deletionTimestamp"]
        assert raw.request("GET", "/api/v1/namespaces/leaving/configmaps/inside")[0] == 404
        status, _h, body = raw.request("POST", "/api/v1/namespaces/leaving/configmaps", _cm("late"))
        assert status == 403 and "because it is being terminated" in body["message"]
        wait_for(lambda: raw.request("GET", "/api/v1/namespaces/leaving")[0] == 404, timeout=5)
        assert raw.request("POST", "/api/v1/namespaces", {"metadata": {"name": "leaving"}})[0] == 201
