# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The engine's rounds against an in-memory API: window, order, one list per kind, per-VM failures, records."""

from __future__ import annotations

import json

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube import vm_window
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.progress import read_progress
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.vm_engine import VmEngine, run_round

NS = "tenant"


class ApiError(Exception):
    def __init__(self, status, reason, message):
        super().__init__(f"({status}) {reason}")
        self.status = status
        self.reason = reason
        self.body = json.dumps({"kind": "Status", "reason": reason, "message": message})


class Response:
    def __init__(self, obj):
        self.data = json.dumps(obj).encode()


class Resource:
    def __init__(self, api_version, kind):
        self.api_version, self.kind = api_version, kind


class FakeApi:
    """Objects by (kind, name); every request is logged as (verb, kind, name)."""

    def __init__(self):
        self.objects: dict[tuple[str, str], dict] = {}
        self.log: list[tuple[str, str, str | None]] = []
        self.faults: dict[tuple[str, str, str], ApiError] = {}
        self.version = 0

    def _fault(self, verb, kind, name):
        if (verb, kind, name) in self.faults:
            raise self.faults[(verb, kind, name)]

    def get(self, resource, name=None, namespace=None, label_selector=None, serialize=True):
        self.log.append(("get", resource.kind, name))
        self._fault("get", resource.kind, name)
        if resource.kind == "Namespace":
            if ("Namespace", name) not in self.objects:
                raise ApiError(404, "NotFound", "namespace not found")
            return Response(self.objects[("Namespace", name)])
        if name:
            if (resource.kind, name) not in self.objects:
                raise ApiError(404, "NotFound", f"{name} not found")
            return Response(self.objects[(resource.kind, name)])
        return Response({"items": [o for key, o in self.objects.items() if key[0] == resource.kind]})

    def apply(self, resource, definition, namespace=None, serialize=True, **params):
        name = definition["metadata"]["name"]
        self.log.append(("apply", resource.kind, name))
        self._fault("apply", resource.kind, name)
        old = self.objects.get((resource.kind, name))
        new = json.loads(json.dumps(definition))
        if old is not None and "status" in old:
            new["status"] = old["status"]
        if old is not None and old["spec_digest"] == json.dumps(definition, sort_keys=True):
            new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        else:
            self.version += 1
            new["metadata"]["resourceVersion"] = str(self.version)
        new["spec_digest"] = json.dumps(definition, sort_keys=True)
        self.objects[(resource.kind, name)] = new
        return Response(new)

    def delete(self, resource, name=None, namespace=None):
        self.log.append(("delete", resource.kind, name))
        self._fault("delete", resource.kind, name)
        if self.objects.pop((resource.kind, name), None) is None:
            raise ApiError(404, "NotFound", f"{name} not found")
        return Response({})

    def patch(self, resource, body, name=None, namespace=None, content_type=None, serialize=True):
        self.log.append(("patch", resource.kind, name))
        self._fault("patch", resource.kind, name)
        obj = self.objects[(resource.kind, name)]
        obj.setdefault("data", {}).update(body["data"])
        return Response(obj)


class Service:
    def __init__(self, api):
        self.client = api

    def find_resource(self, kind, api_version, fail=False):
        return Resource(api_version, kind)


def make_vm(name, status="SHUTOFF", method=None, sc="fast"):
    """A VM entry as tenant_objects returns it; with ``method`` its root disk moves that way (disk_transfers),
    without it the entry has no disk_transfers at all, the path these tests take."""
    dv = {
        "apiVersion": "cdi.kubevirt.io/v1beta1",
        "kind": "DataVolume",
        "metadata": {"name": f"{name}-root", "labels": {"app.kubernetes.io/managed-by": "ostokubevirt"}},
    }
    entry = {
        "name": name,
        "server_id": f"id-{name}",
        "hash": f"h-{name}",
        "run_strategy": "Always",
        "source_status": status,
        "secret_names": [f"{name}-ci"],
        "datavolume_names": [f"{name}-root"],
        "datavolumes": [dv],
        "virtualmachine": {
            "apiVersion": "kubevirt.io/v1",
            "kind": "VirtualMachine",
            "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "ostokubevirt"}},
        },
    }
    if method is not None:
        dv["metadata"]["annotations"] = {"ostokubevirt.io/source-id": f"id-{name}", "ostokubevirt.io/disk-source": "pending"}
        dv["spec"] = {"source": {"upload": {}}, "storage": {"storageClassName": sc}}
        entry["disk_transfers"] = [{"source_id": f"id-{name}", "datavolume": f"{name}-root", "kind": "root-disk", "method": method}]
        entry["disk_import"] = {"verify_checksums": True, "ca_configmap": None}
    return entry


def make_secret(vm):
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": f"{vm}-ci"}, "stringData": {"userdata": "s3cr3t"}}


def params(vms, **kw):
    return {
        "namespace": NS,
        "vms": vms,
        "secrets": {f"{v['name']}-ci": make_secret(v["name"]) for v in vms},
        "max_parallel": 2,
        "wait": True,
        "datavolume_timeout": 100,
        "ready_timeout": 50,
        "stop_source": False,
        "progress_configmap": "progress",
        "field_manager": "ostokubevirt",
        "force_conflicts": False,
        "stop_results": [],
        **kw,
    }


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def finish_imports(api, names):
    for name in names:
        api.objects[("DataVolume", f"{name}-root")]["status"] = {"phase": "Succeeded", "progress": "100.0%"}
        api.objects[("VirtualMachine", name)]["status"] = {"ready": True, "printableStatus": "Running"}


def run(api, state, p, clock, check_mode=False):
    engine = VmEngine(Service(api), p, check_mode)
    return run_round(engine, state, p, now=clock)


def test_sliding_window_frees_a_slot_at_once_and_lists_each_kind_once_per_round():
    api, clock = FakeApi(), Clock()
    vms = [make_vm(n) for n in ("a", "b", "c", "d")]
    p = params(vms)
    result = run(api, None, p, clock)
    assert result["lines"][:2] == ["VMs already migrated (skipped): 0", "VMs to migrate now: 4, at most 2 at a time"]
    assert sorted(vm_window.in_flight(result["state"])) == ["a", "b"]
    applies = [(k, n) for verb, k, n in api.log if verb == "apply" and k != "ConfigMap"]
    assert applies == [
        ("Secret", "a-ci"),
        ("DataVolume", "a-root"),
        ("VirtualMachine", "a"),
        ("Secret", "b-ci"),
        ("DataVolume", "b-root"),
        ("VirtualMachine", "b"),
    ]
    assert json.loads(api.objects[("ConfigMap", "progress")]["data"]["vm.a"])["phase"] == "applied"
    # a finishes: its slot goes to c in the same round, while b still imports
    finish_imports(api, ["a"])
    api.log.clear()
    clock.now = 5
    result = run(api, result["state"], p, clock)
    lists = [(k) for verb, k, n in api.log if verb == "get" and n is None]
    assert lists.count("DataVolume") == 1 and lists.count("VirtualMachine") == 1
    assert result["done"] == ["a"] and sorted(vm_window.in_flight(result["state"])) == ["b", "c"]
    assert json.loads(api.objects[("ConfigMap", "progress")]["data"]["vm.a"]) == {"hash": "h-a", "phase": "done", "server_id": "id-a"}
    assert [line for line in result["lines"] if line.startswith("a:")] == ["a: Ready"]
    for names in (["b", "c"], ["d"]):
        finish_imports(api, names)
        result = run(api, result["state"], p, clock)
    assert result["finished"] and sorted(result["done"]) == ["a", "b", "c", "d"]


def test_a_second_run_skips_done_vms_and_changes_nothing():
    api, clock = FakeApi(), Clock()
    vms = [make_vm("a"), make_vm("b")]
    p = params(vms)
    result = run(api, None, p, clock)
    finish_imports(api, ["a", "b"])
    result = run(api, result["state"], p, clock)
    assert result["finished"] and result["changed"]
    api.log.clear()
    again = run(api, None, p, clock)
    assert again["finished"] and not again["changed"] and again["skipped"] == ["a", "b"]
    assert not [entry for entry in api.log if entry[0] in ("apply", "patch")]


def test_reapplying_unchanged_objects_is_not_a_change():
    api, clock = FakeApi(), Clock()
    p = params([make_vm("a")], wait=False)
    assert run(api, None, p, clock)["applied"] == ["a"]
    again = run(api, None, p, clock)
    assert again["applied"] == ["a"] and not again["changed"]


def test_api_errors_fail_only_their_vm_and_a_secret_error_hides_the_message():
    api, clock = FakeApi(), Clock()
    api.faults[("apply", "Secret", "a-ci")] = ApiError(403, "Forbidden", "secrets is forbidden: s3cr3t")
    api.faults[("apply", "VirtualMachine", "b")] = ApiError(500, "InternalError", "etcd is sad")
    vms = [make_vm(n) for n in ("a", "b", "c")]
    result = run(api, None, params(vms, max_parallel=3), clock)
    failed = {f["name"]: f["message"] for f in result["failed_vms"]}
    assert failed == {"a": "Secret a-ci: HTTP 403 Forbidden", "b": "VirtualMachine b: HTTP 500 InternalError: etcd is sad"}
    assert ("DataVolume", "a-root") not in api.objects
    assert vm_window.in_flight(result["state"]) == ["c"]
    record = json.loads(api.objects[("ConfigMap", "progress")]["data"]["vm.a"])
    assert record["phase"] == "failed" and "s3cr3t" not in json.dumps(result)


def test_stop_source_is_asked_and_recorded_before_any_object_then_applied():
    api, clock = FakeApi(), Clock()
    vms = [make_vm("a", "ACTIVE"), make_vm("b", "ACTIVE")]
    p = params(vms, stop_source=True)
    result = run(api, None, p, clock)
    assert result["stop_requests"] == [{"vm": "a", "server_id": "id-a"}, {"vm": "b", "server_id": "id-b"}]
    assert not [e for e in api.log if e[0] == "apply" and e[1] != "ConfigMap"]
    data = api.objects[("ConfigMap", "progress")]["data"]
    # The status before the stop is recorded with the request: a resumed run translates the server with it.
    assert json.loads(data["stopped.id-a"]) == {"state": "requested", "vm": "a", "source_status": "ACTIVE"}
    p["stop_results"] = [{"vm": "a", "ok": True}, {"vm": "b", "ok": False, "message": "unreachable"}]
    result = run(api, result["state"], p, clock)
    assert json.loads(data["stopped.id-a"]) == {"state": "stopped", "vm": "a", "source_status": "ACTIVE"}
    assert read_progress(data)["status_before_stop"] == {"id-a": "ACTIVE", "id-b": "ACTIVE"}
    assert ("VirtualMachine", "a") in api.objects and ("DataVolume", "b-root") not in api.objects
    assert result["failed_vms"] == [{"name": "b", "server_id": "id-b", "message": "Stop source server id-b: unreachable"}]


def test_timeout_and_read_errors_fail_the_waiting_vm():
    api, clock = FakeApi(), Clock()
    p = params([make_vm("a")])
    result = run(api, None, p, clock)
    clock.now = 101
    result = run(api, result["state"], p, clock)
    assert result["finished"] and result["failed_vms"][0]["message"].startswith("timed out after 100s waiting for the disks")


def test_check_mode_in_a_missing_namespace_reports_without_asking_more():
    api, clock = FakeApi(), Clock()
    result = run(api, None, params([make_vm("a"), make_vm("b")]), clock, check_mode=True)
    assert result["changed"] and result["lines"] == ["Would migrate into the new namespace tenant: a, b"]
    assert api.log == [("get", "Namespace", NS)]


def test_progress_record_failure_is_retried_next_round():
    api, clock = FakeApi(), Clock()
    p = params([make_vm("a")], wait=False)
    run(api, None, p, clock)  # creates the ConfigMap
    del api.objects[("ConfigMap", "progress")]["data"]
    api.faults[("patch", "ConfigMap", "progress")] = ApiError(500, "InternalError", "boom")
    engine = VmEngine(Service(api), p, False)
    engine.record = lambda state, changes, attempts=3, delay=2.0: VmEngine.record(engine, state, changes, attempts, 0)
    result = run_round(engine, None, p, now=clock)
    assert not result["finished"] and result["needed"] == ["a"]
    assert any("cannot record progress" in line for line in result["lines"])


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"name": "x"}, "vms[0] (x): missing server_id"),
        ({**make_vm("x"), "secret_names": ["nope"]}, "vms[0] (x): secret_names lists nope"),
    ],
)
def test_malformed_entries_are_named(entry, message):
    assert vm_window.check_vms([entry], {}).startswith(message)


def test_a_vm_whose_source_stopped_keeps_its_slot_and_the_window_stays_full():
    api, clock = FakeApi(), Clock()
    vms = [make_vm("a", "ACTIVE"), make_vm("b"), make_vm("c")]
    p = params(vms, stop_source=True)
    result = run(api, None, p, clock)
    assert [r["vm"] for r in result["stop_requests"]] == ["a"] and sorted(vm_window.in_flight(result["state"])) == ["a", "b"]
    p["stop_results"] = [{"vm": "a", "ok": True}]
    result = run(api, result["state"], p, clock)
    assert sorted(vm_window.in_flight(result["state"])) == ["a", "b"]
    assert result["state"]["vms"]["c"]["state"] == "queued"
