# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Everything the collection renders for the demo tenant is accepted, applies idempotently, and runs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.tenant import translate_tenant
from ansible_collections.ostokubevirt.migrate.tests.unit.k8s_standin.standin_helpers import wait_for

pytest.importorskip("kubernetes")

DEMO = Path(__file__).resolve().parents[3] / "examples" / "snapshots" / "demo.yaml"


def _apply(dyn, obj):
    resource = dyn.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
    return resource.server_side_apply(body=obj, namespace=obj["metadata"].get("namespace"),
                                      field_manager="ostokubevirt").to_dict()


def _mine(obj):
    return [e for e in obj["metadata"]["managedFields"] if e["manager"] == "ostokubevirt"]


def test_demo_tenant_applies_idempotently_and_vms_run(dyn):
    translation = translate_tenant(yaml.safe_load(DEMO.read_text(encoding="utf-8")))
    objects = translation.objects
    kinds = {(o["apiVersion"], o["kind"]) for o in objects}
    assert {("v1", "Namespace"), ("v1", "Secret"), ("v1", "Service"), ("v1", "ResourceQuota"),
            ("rbac.authorization.k8s.io/v1", "RoleBinding"), ("networking.k8s.io/v1", "NetworkPolicy"),
            ("projectcalico.org/v3", "NetworkPolicy"), ("cdi.kubevirt.io/v1beta1", "DataVolume"),
            ("kubevirt.io/v1", "VirtualMachine")} <= kinds
    first = [_apply(dyn, obj) for obj in objects]
    second = [_apply(dyn, obj) for obj in objects]
    for before, after in zip(first, second, strict=True):
        assert after["metadata"].get("generation") == before["metadata"].get("generation"), after["metadata"]["name"]
        assert _mine(after) == _mine(before), after["metadata"]["name"]

    dvs = dyn.resources.get(api_version="cdi.kubevirt.io/v1beta1", kind="DataVolume")
    vms = dyn.resources.get(api_version="kubevirt.io/v1", kind="VirtualMachine")
    namespace = translation.namespace

    def all_imported():
        items = dvs.get(namespace=namespace).to_dict()["items"]
        return items and all((i.get("status") or {}).get("phase") == "Succeeded" for i in items)

    wait_for(all_imported, timeout=30)
    running = [o["metadata"]["name"] for o in objects if o["kind"] == "VirtualMachine"
               and o["spec"].get("runStrategy", "Always") in ("Always", "RerunOnFailure", "Once")]
    assert running
    for name in running:
        wait_for(lambda name=name: (vms.get(name=name, namespace=namespace).to_dict().get("status") or {})
                 .get("ready"), timeout=30)
