# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fake CDI/KubeVirt controllers: DataVolume import phases and VirtualMachine readiness."""

from __future__ import annotations

import time

import pytest

kubernetes = pytest.importorskip("kubernetes")

from ansible_collections.ostokubevirt.migrate.tests.unit.k8s_standin.standin_helpers import (
    vm_manifest,
    wait_for,
)


def _dv(name, **annotations):
    meta = {"name": name}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "cdi.kubevirt.io/v1beta1", "kind": "DataVolume", "metadata": meta,
            "spec": {"source": {"http": {"url": "http://images.invalid/root.qcow2"}},
                     "storage": {"resources": {"requests": {"storage": "2Gi"}}}}}


def _condition(obj, kind):
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c["type"] == kind), None)


def test_datavolume_moves_through_import_phases(dyn):
    dvs = dyn.resources.get(api_version="cdi.kubevirt.io/v1beta1", kind="DataVolume")
    dvs.create(body=_dv("root", **{"k8s-standin/import-seconds": "2.5"}), namespace="default")
    phases, progress = [], []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        status = dvs.get(name="root", namespace="default").to_dict().get("status") or {}
        if status.get("phase") and (not phases or phases[-1] != status["phase"]):
            phases.append(status["phase"])
        if status.get("phase") == "ImportInProgress":
            progress.append(float(status["progress"].rstrip("%")))
        if status.get("phase") == "Succeeded":
            break
        time.sleep(0.05)
    assert phases == ["ImportScheduled", "ImportInProgress", "Succeeded"]
    assert len(progress) >= 3 and progress == sorted(progress) and progress[-1] > progress[0]
    assert all(0 <= p < 100 for p in progress)
    final = dvs.get(name="root", namespace="default").to_dict()
    assert final["status"]["progress"] == "100.0%"
    assert _condition(final, "Ready")["status"] == "True"
    pvc = dyn.resources.get(api_version="v1", kind="PersistentVolumeClaim").get(name="root", namespace="default")
    assert pvc.status.phase == "Bound" and pvc.metadata.ownerReferences[0].kind == "DataVolume"


def test_datavolume_failure_annotation(dyn):
    dvs = dyn.resources.get(api_version="cdi.kubevirt.io/v1beta1", kind="DataVolume")
    dvs.create(body=_dv("broken", **{"k8s-standin/import-seconds": "0.5",
                                     "k8s-standin/import-fail": "Unable to connect to http data source"}),
               namespace="default")
    failed = wait_for(lambda: (dvs.get(name="broken", namespace="default").to_dict().get("status") or {})
                      .get("phase") == "Failed")
    assert failed
    assert "Unable to connect" in _condition(dvs.get(name="broken", namespace="default").to_dict(),
                                             "Running")["message"]


def test_vm_becomes_ready_after_its_datavolume(dyn):
    vms = dyn.resources.get(api_version="kubevirt.io/v1", kind="VirtualMachine")
    dvs = dyn.resources.get(api_version="cdi.kubevirt.io/v1beta1", kind="DataVolume")
    vms.create(body=vm_manifest("web-1"), namespace="default")
    dv = wait_for(lambda: dvs.get(namespace="default").items)[0]
    assert dv.metadata.name == "web-1-root" and dv.metadata.ownerReferences[0].kind == "VirtualMachine"
    seen = set()

    def ready():
        status = vms.get(name="web-1", namespace="default").to_dict().get("status") or {}
        seen.add(status.get("printableStatus"))
        return status.get("ready") and status

    status = wait_for(ready)
    assert "Provisioning" in seen and status["printableStatus"] == "Running"
    assert _condition({"status": status}, "Ready")["status"] == "True"
    vmi = dyn.resources.get(api_version="kubevirt.io/v1", kind="VirtualMachineInstance").get(
        name="web-1", namespace="default")
    assert vmi.status.phase == "Running"


def test_halted_vm_stops_and_deleting_vm_collects_children(dyn):
    vms = dyn.resources.get(api_version="kubevirt.io/v1", kind="VirtualMachine")
    vmis = dyn.resources.get(api_version="kubevirt.io/v1", kind="VirtualMachineInstance")
    dvs = dyn.resources.get(api_version="cdi.kubevirt.io/v1beta1", kind="DataVolume")
    vms.create(body=vm_manifest("db-1", with_disk=True), namespace="default")
    wait_for(lambda: (vms.get(name="db-1", namespace="default").to_dict().get("status") or {}).get("ready"))
    vms.patch(name="db-1", namespace="default", body={"spec": {"runStrategy": "Halted"}},
              content_type="application/merge-patch+json")
    wait_for(lambda: vms.get(name="db-1", namespace="default").status.printableStatus == "Stopped")
    assert not vmis.get(namespace="default").items
    vms.delete(name="db-1", namespace="default")
    wait_for(lambda: not dvs.get(namespace="default").items)


def test_load_balancer_keeps_requested_address_and_claims_bind(dyn):
    services = dyn.resources.get(api_version="v1", kind="Service")
    base = {"apiVersion": "v1", "kind": "Service",
            "spec": {"type": "LoadBalancer", "ports": [{"name": "ssh", "port": 22}], "selector": {"vm": "web-1"}}}
    services.create(body=dict(base, metadata={"name": "fip-a", "annotations": {
        "metallb.io/loadBalancerIPs": "203.0.113.7"}}), namespace="default")
    services.create(body=dict(base, metadata={"name": "fip-b"}), namespace="default")

    def ingress(name):
        status = services.get(name=name, namespace="default").to_dict().get("status") or {}
        return ((status.get("loadBalancer") or {}).get("ingress") or [{}])[0].get("ip")

    assert wait_for(lambda: ingress("fip-a")) == "203.0.113.7"
    assert wait_for(lambda: ingress("fip-b")).startswith("192.0.2.")
    claims = dyn.resources.get(api_version="v1", kind="PersistentVolumeClaim")
    claims.create(body={"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
                        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}},
                  namespace="default")
    bound = wait_for(lambda: claims.get(name="data", namespace="default").to_dict()["status"].get("phase") == "Bound"
                     and claims.get(name="data", namespace="default").to_dict()["status"])
    assert bound["capacity"] == {"storage": "5Gi"}
