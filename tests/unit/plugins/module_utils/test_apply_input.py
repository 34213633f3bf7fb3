# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import copy

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.apply_input import (
    ApplyInputError,
    apply_input,
    bundle_hash,
)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.layout import tenant_files
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant

CONTRACT_KEYS = {"namespace", "namespace_rbac", "security_group_policies", "floating_ip_services", "instancetypes", "vms", "secrets"}
VM_KEYS = {
    "name",
    "server_id",
    "hash",
    "virtualmachine",
    "datavolumes",
    "datavolume_names",
    "secret_names",
    "run_strategy",
    "source_status",
    "disk_transfers",
    "disk_import",
}


def _key(obj):
    return (obj["apiVersion"], obj["kind"], obj["metadata"]["name"])


def test_apply_keys_are_the_contract_the_apply_engines_consume(demo_snapshot):
    groups = apply_input(translate_tenant(demo_snapshot, tenant="web-shop"))
    assert set(groups) == CONTRACT_KEYS
    assert all(set(vm) == VM_KEYS for vm in groups["vms"])


def test_groups_hold_exactly_the_rendered_objects(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop", options=TranslationOptions(instancetypes=True))
    groups = apply_input(translation)
    regrouped = (
        groups["namespace_rbac"]
        + groups["security_group_policies"]
        + groups["floating_ip_services"]
        + groups["instancetypes"]
        + list(groups["secrets"].values())
        + [o for vm in groups["vms"] for o in vm["datavolumes"] + [vm["virtualmachine"]]]
    )
    rendered = [obj for _path, objs in tenant_files(translation) for obj in objs]
    assert sorted(map(_key, regrouped)) == sorted(map(_key, rendered))
    # Same objects, not copies rebuilt elsewhere: apply sends what render writes.
    assert all(any(o is r for r in rendered) for o in regrouped)
    assert [o["kind"] for o in groups["namespace_rbac"]][:2] == ["Namespace", "ResourceQuota"]
    assert {o["kind"] for o in groups["floating_ip_services"]} == {"Service"}
    assert groups["instancetypes"]


def test_vm_entries_name_their_secrets_disks_and_source_state(demo_snapshot):
    groups = apply_input(translate_tenant(demo_snapshot, tenant="web-shop"))
    vms = {vm["name"]: vm for vm in groups["vms"]}
    assert "legacy-01" not in vms  # blocked servers are not applied
    assert vms["batch-01"]["source_status"] == "SHUTOFF" and vms["batch-01"]["run_strategy"] == "Halted"
    assert vms["db-01"]["datavolume_names"] == ["db-01-root", "db-01-data", "db-01-wal"]
    assert vms["db-01"]["secret_names"] == ["db-01-cloud-init", "keypair-deploy-ed25519"]
    for vm in groups["vms"]:
        assert set(vm["secret_names"]) <= set(groups["secrets"])
        assert vm["server_id"] == vm["virtualmachine"]["metadata"]["labels"]["ostokubevirt.io/server-id"]
    assert len({vm["hash"] for vm in groups["vms"]}) == len(groups["vms"])


def _mounted_names(vm: dict) -> tuple[list[str], list[str]]:
    """What the VM's spec refers to, found by walking it: the typed result must name the same objects."""
    spec = vm["spec"]["template"]["spec"]
    secrets: set[str] = set()
    for volume in spec["volumes"]:
        for source in (volume.get("cloudInitNoCloud"), volume.get("cloudInitConfigDrive")):
            for ref in ("secretRef", "networkDataSecretRef"):
                if source and source.get(ref):
                    secrets.add(source[ref]["name"])
    for credential in spec.get("accessCredentials") or []:
        secrets.add(credential["sshPublicKey"]["source"]["secret"]["secretName"])
    datavolumes = [v["dataVolume"]["name"] for v in spec["volumes"] if "dataVolume" in v]
    return sorted(secrets), datavolumes


@pytest.mark.parametrize("options", [{}, {"ipv6_network_data": True}, {"address_mode": "static"}])
def test_server_results_name_what_their_vm_mounts(demo_snapshot, options):
    translation = translate_tenant(demo_snapshot, options=TranslationOptions(**options))
    assert translation.vms
    for result in translation.vms:
        assert (result.secret_names, result.datavolume_names) == _mounted_names(result.virtualmachine)
        assert result.status != "blocked"


def test_hash_is_stable_and_moves_with_any_object_of_the_vm(demo_snapshot):
    first = {vm["name"]: vm["hash"] for vm in apply_input(translate_tenant(copy.deepcopy(demo_snapshot)))["vms"]}
    again = {vm["name"]: vm["hash"] for vm in apply_input(translate_tenant(copy.deepcopy(demo_snapshot)))["vms"]}
    assert first == again
    volume_id = next(v["id"] for v in demo_snapshot["volumes"] if v.get("name") == "db-01-data")
    options = TranslationOptions(disk_sources={volume_id: {"http": {"url": "http://x/db.qcow2"}}})
    moved = {vm["name"]: vm["hash"] for vm in apply_input(translate_tenant(demo_snapshot, options=options))["vms"]}
    assert moved["db-01"] != first["db-01"]
    assert {n: h for n, h in moved.items() if n != "db-01"} == {n: h for n, h in first.items() if n != "db-01"}


def test_hash_encoding_is_pinned():
    # Progress records of earlier runs hold these digests: the encoding must never change.
    objects = [{"kind": "Secret", "metadata": {"name": "s"}, "data": {"k": "dg=="}}, {"kind": "VirtualMachine", "b": 1, "a": [1, "x"]}]
    assert bundle_hash(objects) == "a1440258c796c41f06220f29efbb0b52"


def test_a_vm_mounting_a_secret_nobody_produces_is_an_error(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    translation.vms[0].secret_names.append("gone")
    with pytest.raises(ApplyInputError, match=rf"VirtualMachine {translation.vms[0].vm_name}: references Secret\(s\) \['gone'\]"):
        apply_input(translation)


def test_vm_entries_carry_the_disk_transfers_and_import_options_outside_the_hash(demo_snapshot):
    plain = apply_input(translate_tenant(demo_snapshot, tenant="web-shop"))
    options = TranslationOptions(disk_ca_configmap="glance-ca", verify_disk_checksums=False)
    translation = translate_tenant(demo_snapshot, tenant="web-shop", options=options)
    # The translation carries the options it was made with: apply reads them there, parsed once.
    assert translation.options is options
    groups = apply_input(translation)
    for vm, before in zip(groups["vms"], plain["vms"], strict=True):
        assert vm["disk_import"] == {"verify_checksums": False, "ca_configmap": "glance-ca"}
        assert all({"source_id", "datavolume", "method"} <= set(t) for t in vm["disk_transfers"])
        assert {t["datavolume"] for t in vm["disk_transfers"]} == set(vm["datavolume_names"])
        # Import options and transfers are not objects: they do not change what was applied, nor the hash.
        assert vm["hash"] == before["hash"]
    assert plain["vms"][0]["disk_import"] == {"verify_checksums": True, "ca_configmap": None}
    assert any(t["method"] == "glance" for vm in groups["vms"] for t in vm["disk_transfers"])
