# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Server-side apply: managedFields, no-op re-apply, conflicts, force, field removal, dry run."""

from __future__ import annotations

import json

import pytest

kubernetes = pytest.importorskip("kubernetes")
from kubernetes.dynamic import exceptions as dynexc

from ansible_collections.ostokubevirt.migrate.tests.unit.k8s_standin.standin_helpers import (
    vm_manifest,
)

CM_PATH = "/api/v1/namespaces/default/configmaps/app"
APPLY = "application/apply-patch+yaml"


def _config(data, labels=None):
    meta = {"name": "app"}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def test_apply_creates_then_is_a_no_op(dyn):
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    first = cms.server_side_apply(body=_config({"a": "1"}, {"x": "y"}), namespace="default",
                                  field_manager="ostokubevirt").to_dict()
    entries = first["metadata"]["managedFields"]
    assert [(e["manager"], e["operation"]) for e in entries] == [("ostokubevirt", "Apply")]
    assert entries[0]["fieldsV1"] == {"f:data": {"f:a": {}}, "f:metadata": {"f:labels": {"f:x": {}}}}
    again = cms.server_side_apply(body=_config({"a": "1"}, {"x": "y"}), namespace="default",
                                  field_manager="ostokubevirt").to_dict()
    assert again == first  # same resourceVersion, same managedFields time


def test_apply_without_field_manager_is_422(raw):
    status, _h, body = raw.request("PATCH", CM_PATH, _config({"a": "1"}), APPLY)
    assert status == 422 and body["details"]["causes"][0]["field"] == "fieldManager"


def test_apply_yaml_body_and_removal_of_dropped_fields(raw):
    yaml_body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: '1'\n  b: '2'\n"
    status, _h, body = raw.request("PATCH", CM_PATH + "?fieldManager=me", yaml_body, APPLY)
    assert status == 201 and body["data"] == {"a": "1", "b": "2"}
    status, _h, body = raw.request("PATCH", CM_PATH + "?fieldManager=me", _config({"a": "1"}), APPLY)
    assert status == 200 and body["data"] == {"a": "1"}


def test_conflicting_managers_and_force(raw):
    raw.request("PATCH", CM_PATH + "?fieldManager=first", _config({"a": "1"}), APPLY)
    status, _h, body = raw.request("PATCH", CM_PATH + "?fieldManager=second", _config({"a": "2"}), APPLY)
    assert status == 409 and body["reason"] == "Conflict"
    assert body["details"]["causes"][0] == {"reason": "FieldManagerConflict", "message": 'conflict with "first" '
                                            'using v1', "field": ".data.a"}
    # Same value: shared ownership, no conflict.
    status, _h, body = raw.request("PATCH", CM_PATH + "?fieldManager=second", _config({"a": "1"}), APPLY)
    assert status == 200
    assert {e["manager"] for e in body["metadata"]["managedFields"]} == {"first", "second"}
    status, _h, body = raw.request("PATCH", CM_PATH + "?fieldManager=third&force=true", _config({"a": "3"}), APPLY)
    assert status == 200 and body["data"]["a"] == "3"
    assert [e["manager"] for e in body["metadata"]["managedFields"]] == ["third"]


def test_update_takes_ownership_without_conflict(raw):
    raw.request("PATCH", CM_PATH + "?fieldManager=applier", _config({"a": "1", "b": "1"}), APPLY)
    status, _h, body = raw.request("PATCH", CM_PATH + "?fieldManager=editor", {"data": {"a": "edited"}},
                                   "application/merge-patch+json")
    assert status == 200
    owners = {e["manager"]: e["fieldsV1"] for e in body["metadata"]["managedFields"]}
    assert owners["editor"] == {"f:data": {"f:a": {}}} and owners["applier"] == {"f:data": {"f:b": {}}}
    status, _h, body = raw.request("PATCH", CM_PATH + "?fieldManager=applier", _config({"a": "1", "b": "1"}), APPLY)
    assert status == 409


def test_apply_dry_run_does_not_persist(raw):
    raw.request("PATCH", CM_PATH + "?fieldManager=me", _config({"a": "1"}), APPLY)
    status, _h, body = raw.request("PATCH", CM_PATH + "?fieldManager=me&dryRun=All", _config({"a": "2"}), APPLY)
    assert status == 200 and body["data"]["a"] == "2"
    assert raw.request("GET", CM_PATH)[2]["data"]["a"] == "1"
    new_path = "/api/v1/namespaces/default/configmaps/other"
    status, _h, body = raw.request("PATCH", new_path + "?fieldManager=me&dryRun=All",
                                   dict(_config({"a": "1"}), metadata={"name": "other"}), APPLY)
    assert status == 201 and raw.request("GET", new_path)[0] == 404


def test_apply_keyed_lists_merge_by_name(raw):
    path = "/api/v1/namespaces/default/services/web"
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
           "spec": {"ports": [{"name": "http", "port": 80}], "selector": {"app": "web"}}}
    status, _h, body = raw.request("PATCH", path + "?fieldManager=a", svc, APPLY)
    assert status == 201, body
    ip = body["spec"]["clusterIP"]
    other = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
             "spec": {"ports": [{"name": "https", "port": 443}]}}
    status, _h, body = raw.request("PATCH", path + "?fieldManager=b", other, APPLY)
    assert status == 200
    assert sorted(p["name"] for p in body["spec"]["ports"]) == ["http", "https"]
    assert body["spec"]["clusterIP"] == ip
    status, _h, again = raw.request("PATCH", path + "?fieldManager=a", svc, APPLY)
    assert again["metadata"]["resourceVersion"] == body["metadata"]["resourceVersion"]


def test_apply_vm_keeps_controller_status(dyn):
    vms = dyn.resources.get(api_version="kubevirt.io/v1", kind="VirtualMachine")
    manifest = vm_manifest("ssa-vm", run_strategy="Halted", with_disk=False)
    manifest["status"] = {"printableStatus": "ignored"}
    applied = vms.server_side_apply(body=manifest, namespace="default", field_manager="ostokubevirt").to_dict()
    assert "status" not in applied  # status comes only from the status subresource (controllers)
    assert applied["metadata"]["generation"] == 1
    manifest["spec"]["runStrategy"] = "Always"
    changed = vms.server_side_apply(body=manifest, namespace="default", field_manager="ostokubevirt").to_dict()
    assert changed["metadata"]["generation"] == 2


def test_apply_of_schema_invalid_vm_is_422(dyn, needs_schemas):
    vms = dyn.resources.get(api_version="kubevirt.io/v1", kind="VirtualMachine")
    bad = vm_manifest("ssa-bad", with_disk=False)
    bad["spec"]["running"] = "yes"
    with pytest.raises(dynexc.DynamicApiError) as caught:
        vms.server_side_apply(body=bad, namespace="default", field_manager="ostokubevirt")
    assert caught.value.status == 422
    assert json.loads(caught.value.body)["details"]["causes"][0]["field"] == "spec.running"
    with pytest.raises(dynexc.NotFoundError):
        vms.get(name="ssa-bad", namespace="default")
