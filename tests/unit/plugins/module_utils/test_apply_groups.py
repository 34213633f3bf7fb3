# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.apply_groups import (
    GroupingError,
    group_for_apply,
    secret_names_used_by,
)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.options import TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.tenant import TenantTranslation, translate_tenant


def test_groups_hold_exactly_the_rendered_objects(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    groups = group_for_apply(translation)
    regrouped = (groups["namespace_rbac"] + groups["security_group_policies"] + groups["floating_ip_services"]
                 + list(groups["secrets"].values())
                 + [o for vm in groups["vms"] for o in vm["datavolumes"] + [vm["virtualmachine"]]])

    def key(o):
        return (o["apiVersion"], o["kind"], o["metadata"]["name"])

    assert sorted(map(key, regrouped)) == sorted(map(key, translation.objects))
    # Same objects, not copies rebuilt elsewhere: apply sends what render writes.
    assert all(any(o is r for r in translation.objects) for o in regrouped)
    assert [o["kind"] for o in groups["namespace_rbac"]][:2] == ["Namespace", "ResourceQuota"]
    assert {o["kind"] for o in groups["floating_ip_services"]} == {"Service"}


def test_vm_entries_name_their_secrets_disks_and_source_state(demo_snapshot):
    groups = group_for_apply(translate_tenant(demo_snapshot, tenant="web-shop"))
    vms = {vm["name"]: vm for vm in groups["vms"]}
    assert "legacy-01" not in vms  # blocked servers are not applied
    assert vms["batch-01"]["source_status"] == "SHUTOFF" and vms["batch-01"]["run_strategy"] == "Halted"
    assert vms["db-01"]["datavolume_names"] == ["db-01-root", "db-01-data", "db-01-wal"]
    assert vms["db-01"]["secret_names"] == ["db-01-cloud-init", "keypair-deploy-ed25519"]
    for vm in groups["vms"]:
        assert set(vm["secret_names"]) <= set(groups["secrets"])
        assert vm["server_id"] == vm["virtualmachine"]["metadata"]["labels"]["ostokubevirt.io/server-id"]
    assert len({vm["hash"] for vm in groups["vms"]}) == len(groups["vms"])


def test_hash_is_stable_and_moves_with_any_object_of_the_vm(demo_snapshot):
    first = {vm["name"]: vm["hash"] for vm in group_for_apply(translate_tenant(demo_snapshot, tenant="web-shop"))["vms"]}
    again = {vm["name"]: vm["hash"] for vm in group_for_apply(translate_tenant(demo_snapshot, tenant="web-shop"))["vms"]}
    assert first == again
    volume_id = next(v["id"] for v in demo_snapshot["volumes"] if v.get("name") == "db-01-data")
    options = TranslationOptions(disk_sources={volume_id: {"http": {"url": "http://x/db.qcow2"}}})
    moved = {vm["name"]: vm["hash"] for vm in group_for_apply(translate_tenant(demo_snapshot, tenant="web-shop",
                                                                               options=options))["vms"]}
    assert moved["db-01"] != first["db-01"]
    assert {n: h for n, h in moved.items() if n != "db-01"} == {n: h for n, h in first.items() if n != "db-01"}


def test_secret_references_are_found_in_every_place_kubevirt_allows():
    vm = {"spec": {"template": {"spec": {
        "volumes": [{"name": "c", "cloudInitConfigDrive": {"secretRef": {"name": "ud"}, "networkDataSecretRef": {"name": "nd"}}},
                    {"name": "s", "secret": {"secretName": "plain"}}],
        "accessCredentials": [{"sshPublicKey": {"source": {"secret": {"secretName": "keys"}}}}]}}}}
    assert secret_names_used_by(vm) == ["keys", "nd", "plain", "ud"]


def test_unknown_objects_and_dangling_secret_references_are_errors():
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "t"}}
    odd = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}
    with pytest.raises(GroupingError, match="ConfigMap x belongs to no apply role"):
        group_for_apply(TenantTranslation(namespace="t", plan={"servers": []}, files=[("manifests/00-namespace.yaml", [ns, odd])]))
    vm = {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine",
          "metadata": {"name": "v", "annotations": {"ostokubevirt.io/source-id": "1"}},
          "spec": {"template": {"spec": {"volumes": [{"name": "c", "cloudInitNoCloud": {"secretRef": {"name": "gone"}}}]}}}}
    with pytest.raises(GroupingError, match=r"VirtualMachine v: references Secret\(s\) \['gone'\]"):
        group_for_apply(TenantTranslation(namespace="t", plan={"servers": []}, files=[("manifests/40-vms/v.yaml", [vm])]))
