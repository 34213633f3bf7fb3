# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The test control plane itself (tests/control_plane): the real server and controllers, the doubles, the fault proxy.

Uses the control plane of $OKV_CONTROL_PLANE_DIR, else starts its own. Each test works in a namespace of its own.
"""

from __future__ import annotations

import http.client
import json
import ssl
import time
import urllib.error
import urllib.request
import uuid

import pytest

KUBEVIRT = "/apis/kubevirt.io/v1"
CDI = "/apis/cdi.kubevirt.io/v1beta1"


@pytest.fixture
def namespace(plane):
    name = f"cp-{uuid.uuid4().hex[:8]}"
    plane.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}, direct=True)
    yield name
    plane.delete_namespace(name)


def eventually(check, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout:.0f} s")
        time.sleep(0.3)


def datavolume(name: str, source: dict, size="1Gi") -> dict:
    return {
        "apiVersion": "cdi.kubevirt.io/v1beta1",
        "kind": "DataVolume",
        "metadata": {"name": name},
        "spec": {"source": source, "storage": {"resources": {"requests": {"storage": size}}}},
    }


def virtual_machine(name: str, run_strategy: str) -> dict:
    return {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachine",
        "metadata": {"name": name},
        "spec": {
            "runStrategy": run_strategy,
            "dataVolumeTemplates": [
                {"metadata": {"name": f"{name}-root"}, "spec": datavolume("x", {"http": {"url": "http://127.0.0.1:8/root.qcow2"}})["spec"]}
            ],
            "template": {
                "spec": {
                    "domain": {"devices": {"disks": [{"name": "root", "disk": {"bus": "virtio"}}]}, "resources": {"requests": {"memory": "1Gi"}}},
                    "volumes": [{"name": "root", "dataVolume": {"name": f"{name}-root"}}],
                }
            },
        },
    }


# ------------------------------------------------------------------------------------------ real server
def test_it_is_a_real_kube_apiserver_with_the_upstream_crds(plane):
    version = plane.get("/version")
    assert version["gitVersion"].startswith("v1.") and version["major"] == "1"
    for path, plural in (
        (KUBEVIRT, "virtualmachines"),
        (CDI, "datavolumes"),
        ("/apis/projectcalico.org/v3", "networkpolicies"),
        ("/apis/instancetype.kubevirt.io/v1beta1", "virtualmachineclusterinstancetypes"),
    ):
        assert plural in {r["name"] for r in plane.get(path)["resources"]}, path


def test_rbac_is_enforced_for_test_users(plane, namespace):
    request = urllib.request.Request(
        f"{plane.direct_url}/api/v1/namespaces/{namespace}/secrets", headers={"Authorization": f"Bearer {plane.user_token('alice')}"}
    )
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(request, timeout=10, context=ssl.create_default_context(cafile=str(plane.dir / "pki/ca.crt")))
    assert denied.value.code == 403
    assert 'User "alice" cannot list resource "secrets"' in json.loads(denied.value.read())["message"]


def test_controller_manager_runs_the_controllers_semantics_depend_on(plane, namespace):
    eventually(lambda: plane.get(f"/api/v1/namespaces/{namespace}/serviceaccounts/default"), what="default SA")
    admin = plane.get("/apis/rbac.authorization.k8s.io/v1/clusterroles/admin")
    assert admin["rules"], "clusterrole-aggregation did not fill the admin role"
    plane.request(
        "POST",
        f"/api/v1/namespaces/{namespace}/resourcequotas",
        {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"}, "spec": {"hard": {"configmaps": "50"}}},
        direct=True,
    )
    quota = eventually(lambda: (plane.get(f"/api/v1/namespaces/{namespace}/resourcequotas/q").get("status") or {}).get("used"), what="quota status")
    assert "configmaps" in quota


# ------------------------------------------------------------------------------------------ doubles
def test_datavolume_import_progresses_to_succeeded_and_writes_the_disk(plane, namespace):
    plane.set_timings(namespaces={namespace: {"import_seconds": 3}})
    try:
        plane.request(
            "POST", f"{CDI}/namespaces/{namespace}/datavolumes", datavolume("disk", {"http": {"url": "http://127.0.0.1:8/d.qcow2"}}, size="2Gi"), direct=True
        )
        path = f"{CDI}/namespaces/{namespace}/datavolumes/disk"
        seen = set()

        def finished():
            status = plane.get(path).get("status") or {}
            seen.add(status.get("phase"))
            return status.get("phase") == "Succeeded" and status

        status = eventually(finished, what="DataVolume Succeeded")
    finally:
        plane.set_timings()
    assert {"ImportInProgress", "Succeeded"} <= seen
    assert status["progress"] == "100.0%"
    assert {c["type"]: c["status"] for c in status["conditions"]} == {"Bound": "True", "Running": "False", "Ready": "True"}
    claim = plane.get(f"/api/v1/namespaces/{namespace}/persistentvolumeclaims/disk")
    assert claim["status"]["phase"] == "Bound"
    assert claim["metadata"]["ownerReferences"][0]["kind"] == "DataVolume"
    image = plane.dir / "volumes" / namespace / "disk.img"
    assert image.stat().st_size == 2 << 30


def test_upload_datavolume_waits_for_an_upload_as_cdi_does(plane, namespace):
    plane.request("POST", f"{CDI}/namespaces/{namespace}/datavolumes", datavolume("up", {"upload": {}}), direct=True)
    path = f"{CDI}/namespaces/{namespace}/datavolumes/up"
    eventually(lambda: (plane.get(path).get("status") or {}).get("phase") == "UploadReady", what="UploadReady")
    time.sleep(1)
    assert plane.get(path)["status"]["phase"] == "UploadReady"


def test_virtual_machine_follows_its_run_strategy_and_owns_its_disks(plane, namespace):
    plane.set_timings(namespaces={namespace: {"import_seconds": 1, "start_seconds": 0.3}})
    try:
        plane.request("POST", f"{KUBEVIRT}/namespaces/{namespace}/virtualmachines", virtual_machine("vm", "Always"), direct=True)
        vm_path = f"{KUBEVIRT}/namespaces/{namespace}/virtualmachines/vm"
        status = eventually(lambda: (plane.get(vm_path).get("status") or {}).get("ready") and plane.get(vm_path)["status"], what="VM ready")
    finally:
        plane.set_timings()
    assert status["printableStatus"] == "Running" and status["created"] is True
    assert plane.get(f"{KUBEVIRT}/namespaces/{namespace}/virtualmachineinstances/vm")["status"]["phase"] == "Running"

    plane.request("PATCH", vm_path, {"spec": {"runStrategy": "Halted"}}, content_type="application/merge-patch+json", direct=True)
    eventually(lambda: plane.get(vm_path)["status"].get("printableStatus") == "Stopped", what="VM Stopped")
    eventually(lambda: plane.get(f"{KUBEVIRT}/namespaces/{namespace}/virtualmachineinstances/vm") is None, what="VMI gone")

    plane.request("DELETE", vm_path, direct=True)  # the real garbage collector removes what the VM owned
    eventually(lambda: plane.get(f"{CDI}/namespaces/{namespace}/datavolumes/vm-root") is None, what="DataVolume collected")


# ------------------------------------------------------------------------------------------ fault proxy
def _via_proxy(plane, path: str) -> http.client.HTTPResponse:
    host, port = plane.url.removeprefix("https://").split(":")
    connection = http.client.HTTPSConnection(host, int(port), timeout=30, context=ssl.create_default_context(cafile=str(plane.dir / "pki/ca.crt")))
    connection.request("GET", path, headers={"Authorization": f"Bearer {plane.token}"})
    return connection.getresponse()


def test_fault_proxy_answers_status_drops_and_delays_by_rule(plane, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    plane.reset_proxy()
    try:
        plane.add_fault({"action": "status", "status": 500, "kind": "ConfigMap", "namespace": namespace, "count": 1})
        failed = _via_proxy(plane, path)
        assert failed.status == 500
        assert b'"reason": "InternalError"' in failed.read()
        assert _via_proxy(plane, path).status == 200  # the counted rule is spent; the real server answers

        plane.add_fault({"action": "drop_connection", "kind": "ConfigMap", "namespace": namespace, "count": 1})
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            _via_proxy(plane, path).read()

        plane.add_fault({"action": "latency", "latency_ms": 700, "kind": "ConfigMap", "namespace": namespace})
        started = time.monotonic()
        assert _via_proxy(plane, path).status == 200
        assert time.monotonic() - started >= 0.7
    finally:
        plane.clear_faults()
    log = [r for r in plane.requests() if r["namespace"] == namespace]
    assert [r["status"] for r in log] == [500, 200, "dropped", 200]
    assert {r["kind"] for r in log} == {"ConfigMap"}
