# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.manifest_writer import render_texts, sync_tree
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import BLOCKER
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import MANAGED_BY_LABEL, SOURCE_ID_ANNOTATION, SOURCE_TYPE_ANNOTATION
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.snapshot import SnapshotError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant


def by_kind(translation, kind):
    return [o for o in translation.objects if o["kind"] == kind]


def vm_of(translation, name):
    return next(o for o in by_kind(translation, "VirtualMachine") if o["metadata"]["annotations"]["ostokubevirt.io/source-name"] == name)


def row_of(translation, name):
    return next(r for r in translation.plan["servers"] if r["name"] == name)


def test_every_object_carries_provenance_and_managed_by(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    for obj in translation.objects:
        meta = obj["metadata"]
        assert meta["labels"][MANAGED_BY_LABEL] == "ostokubevirt", obj["kind"]
        assert meta["annotations"][SOURCE_ID_ANNOTATION]
        assert meta["annotations"][SOURCE_TYPE_ANNOTATION]
        if obj["kind"] != "Namespace":
            assert meta["namespace"] == translation.namespace


def test_vm_keeps_identity_macs_and_power_state(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    for server in demo_snapshot["servers"]:
        if row_of(translation, server["name"])["status"] == "blocked":
            continue
        vm = vm_of(translation, server["name"])
        spec = vm["spec"]["template"]["spec"]
        # cloud-init instance-id and SMBIOS UUID stay the Nova server id
        assert spec["domain"]["firmware"]["uuid"] == server["id"]
        expected = {"ACTIVE": "Always", "SHUTOFF": "Halted"}.get(server["status"])
        if expected:
            assert vm["spec"]["runStrategy"] == expected
        macs = {p["mac_address"].lower() for p in demo_snapshot["ports"] if p["device_id"] == server["id"]}
        assert {i.get("macAddress") for i in spec["domain"]["devices"]["interfaces"]} == macs
        disk_names = [d["name"] for d in spec["domain"]["devices"]["disks"]]
        assert disk_names == [v["name"] for v in spec["volumes"]]
        assert spec["domain"]["devices"]["disks"][0].get("bootOrder") == 1
        cpu = spec["domain"]["cpu"]
        assert cpu["sockets"] * cpu["cores"] * cpu["threads"] == server["flavor"]["vcpus"]


def test_deleted_image_blocks_only_that_server(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    blocked = [r for r in translation.plan["servers"] if r["status"] == "blocked"]
    assert [r["name"] for r in blocked] == ["legacy-01"]
    assert blocked[0]["findings"][-1]["field"] == "image.id"
    assert len(by_kind(translation, "VirtualMachine")) == len(demo_snapshot["servers"]) - 1
    assert not any(o["metadata"]["annotations"][SOURCE_ID_ANNOTATION] == blocked[0]["id"] for o in translation.objects)


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda s: s["flavor"].update(vcpus="many"), "flavor"),
        (lambda s: s["flavor"].pop("ram") and s["flavor"].pop("vcpus"), "flavor"),
        (lambda s: s.update(status="ERROR"), "status"),
        (lambda s: s.update({"OS-EXT-SRV-ATTR:user_data": "%%%"}), "OS-EXT-SRV-ATTR:user_data"),
        (lambda s: s.update(flavor="m1.small"), "flavor"),
    ],
)
def test_one_bad_server_never_aborts_the_tenant(demo_snapshot, mutate, field):
    victim = next(s for s in demo_snapshot["servers"] if s["name"] == "web-01")
    mutate(victim)
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    row = row_of(translation, "web-01")
    assert row["status"] == "blocked"
    blockers = [f for f in row["findings"] if f["severity"] == BLOCKER]
    assert blockers and blockers[0]["field"].startswith(field)
    assert "web-01" in blockers[0]["subject"]
    assert row_of(translation, "web-02")["status"] != "blocked"


def test_boot_from_volume_uses_root_volume_first_and_its_image_metadata(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    server = next(s for s in demo_snapshot["servers"] if s["image"] == "")
    vm = vm_of(translation, server["name"])
    volumes = vm["spec"]["template"]["spec"]["volumes"]
    root_volume = next(v for v in demo_snapshot["volumes"] if any(a["server_id"] == server["id"] and a["device"] == "/dev/vda" for a in v["attachments"]))
    root_dv = next(o for o in by_kind(translation, "DataVolume") if o["metadata"]["annotations"][SOURCE_ID_ANNOTATION] == root_volume["id"])
    assert volumes[0] == {"name": "root", "dataVolume": {"name": root_dv["metadata"]["name"]}}
    assert root_dv["spec"]["storage"]["resources"]["requests"]["storage"] == f"{root_volume['size']}Gi"
    row = row_of(translation, server["name"])
    assert row["boot_from_volume"] is True and len(row["disks"]) == len(server["os-extended-volumes:volumes_attached"])


def test_unattached_volume_and_unassociated_fip_are_reported(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    kinds = {f["subject_kind"] for f in translation.plan["tenant_findings"]}
    assert {"volume", "floating_ip", "role_assignment"} <= kinds


def test_floating_ips_select_only_their_vm(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    services = [s for s in by_kind(translation, "Service") if s["spec"].get("type") == "LoadBalancer"]
    associated = [f for f in demo_snapshot["floating_ips"] if f.get("port_id")]
    assert len(services) == len(associated)
    for service in services:
        assert list(service["spec"]["selector"]) == ["ostokubevirt.io/server-id"]
        server_id = service["spec"]["selector"]["ostokubevirt.io/server-id"]
        assert any(r["id"] == server_id and r["floating_ips"] for r in translation.plan["servers"])


def test_wrong_tenant_is_refused(demo_snapshot):
    with pytest.raises(SnapshotError, match="does not match"):
        translate_tenant(demo_snapshot, tenant="another-project")


@pytest.mark.parametrize(
    "raw, message",
    [
        ([], "mapping"),
        ({"format": "v0"}, "format"),
        ({"format": "ostokubevirt.io/tenant-snapshot/v1"}, "project"),
    ],
)
def test_bad_envelope_is_refused(raw, message):
    with pytest.raises(SnapshotError, match=message):
        translate_tenant(raw)


def test_garbage_list_entries_are_dropped_and_reported(minimal_snapshot):
    minimal_snapshot["servers"].append("not-a-server")
    minimal_snapshot["volumes"] = {"oops": 1}
    translation = translate_tenant(minimal_snapshot)
    fields = {f["field"] for f in translation.plan["tenant_findings"]}
    assert {"servers[1]", "volumes"} <= fields
    assert translation.plan["summary"]["servers"] == 1


def test_minimal_snapshot_is_ready(minimal_snapshot):
    # Stopped before the export, the running server's disk copy is cold: nothing left to warn about.
    translation = translate_tenant(minimal_snapshot, options=TranslationOptions(stop_source=True))
    assert translation.plan["summary"]["ready"] == 1, translation.plan["servers"][0]["findings"]


def test_plan_totals_add_up(demo_snapshot):
    plan = translate_tenant(demo_snapshot).plan
    migrated = [r for r in plan["servers"] if r["status"] != "blocked"]
    totals = plan["summary"]["to_migrate"]
    assert totals["vms"] == len(migrated)
    assert totals["vcpus"] == sum(r["vcpus"] for r in migrated)
    assert totals["ram_mib"] == sum(r["ram_mib"] for r in migrated)
    assert totals["ips"] == sum(len(r["fixed_ips"]) + len(r.get("floating_ips", [])) for r in migrated)
    assert plan["summary"]["ready"] + plan["summary"]["warning"] + plan["summary"]["blocked"] == len(plan["servers"])


def test_namespace_override_and_storage_map(demo_snapshot):
    options = TranslationOptions(namespace="shop", storage_map={"default": "rbd", "ceph-hdd": "rbd-hdd"})
    translation = translate_tenant(demo_snapshot, options=options)
    assert translation.namespace == "shop"
    classes = {o["spec"]["storage"].get("storageClassName") for o in by_kind(translation, "DataVolume")}
    assert classes == {"rbd", "rbd-hdd"}


def test_output_is_deterministic(demo_snapshot):
    first = render_texts(translate_tenant(demo_snapshot))
    second = render_texts(translate_tenant(json.loads(json.dumps(demo_snapshot))))
    assert first == second


def test_user_data_only_in_private_secrets_dir(tmp_path, demo_snapshot):
    marker = "s3cr3t-ostk-marker"
    server = next(s for s in demo_snapshot["servers"] if s["name"] == "web-01")
    server["OS-EXT-SRV-ATTR:user_data"] = base64.b64encode(f"#cloud-config\npassword: {marker}\n".encode()).decode()
    translation = translate_tenant(demo_snapshot)
    texts = render_texts(translation)
    sync_tree(str(tmp_path), texts)
    encoded = server["OS-EXT-SRV-ATTR:user_data"]
    leaked = [p for p, t in texts.items() if (marker in t or encoded in t) and not p.startswith("secrets/")]
    assert leaked == []
    holder = [p for p, t in texts.items() if encoded in t]
    assert holder and all(p.startswith("secrets/") for p in holder)
    assert oct(os.stat(tmp_path / holder[0]).st_mode & 0o777) == "0o600"
    assert oct(os.stat(tmp_path / "secrets").st_mode & 0o777) == "0o700"


@pytest.mark.parametrize(
    "options",
    [
        {},
        # issue 13: instancetypes/preferences, static addressing and IPv6 networkData render valid objects too
        {"instancetypes": True},
        {"instancetypes": True, "instancetype_scope": "namespaced"},
        {"address_mode": "static"},
        {"ipv6_network_data": True},
    ],
    ids=["default", "instancetypes", "namespaced-instancetypes", "static-addresses", "ipv6-network-data"],
)
def test_rendered_demo_passes_upstream_schemas_strict(tmp_path, demo_snapshot, shared_dir, options):
    translation = translate_tenant(demo_snapshot, options=TranslationOptions(**options))
    sync_tree(str(tmp_path), render_texts(translation))
    validator = os.path.join(shared_dir, "tools", "validate_manifests.py")
    result = subprocess.run(
        [sys.executable, validator, "--strict", str(tmp_path / "manifests"), str(tmp_path / "secrets")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
