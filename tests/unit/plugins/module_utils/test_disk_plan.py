# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.job import RenderError, translate_snapshot
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import disk_plan
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import OptionsError, TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.plan import summary_lines
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant

GIB = 1024**3
WEB = "787fe988-c3b6-5f49-b7b0-5fa4724b9f84"


def row(translation, name):
    return next(r for r in translation.plan["servers"] if r["name"] == name)


def disk(translation, name, volume_name):
    return next(d for d in row(translation, name)["disks"] if d["volume_name"] == volume_name)


def fields(translation, name):
    return [(f["field"], f["message"]) for f in row(translation, name)["findings"]]


def test_glance_is_the_default_and_the_plan_describes_each_disk(demo_snapshot):
    translation = translate_tenant(demo_snapshot)
    root = disk(translation, "web-01", "root")["transfer"]
    assert root["method"] == "glance" and root["exported_at"] == "apply"
    image_id = demo_snapshot["servers"][0]["image"]["id"]
    assert root["source"] == {"kind": "server-root-disk", "server_id": demo_snapshot["servers"][0]["id"], "booted_from_image": image_id}
    assert root["size_bytes"] == disk(translation, "web-01", "root")["size_gib"] * GIB and root["size_exact"] is False
    assert root["format"] is None and root["checksum_verified"] is True
    # 1000 Mbit/s by default: bytes * 8 / 10^9 seconds, rounded up.
    assert root["transfer_seconds"] == -(-root["size_bytes"] * 8 // 10**9)
    assert root["temporary"] == {"glance_bytes": root["size_bytes"], "cinder_snapshot_bytes": 0, "cinder_volume_bytes": 0}


def test_in_use_volume_needs_a_cinder_snapshot_and_a_temporary_volume(demo_snapshot):
    transfer = disk(translate_tenant(demo_snapshot), "db-01", "root")["transfer"]
    assert transfer["source"] == {"kind": "cinder-volume", "volume_id": transfer["source"]["volume_id"], "volume_status": "in-use", "via": "snapshot"}
    assert transfer["size_bytes"] == 50 * GIB and transfer["size_exact"] is True
    assert transfer["temporary"] == {"glance_bytes": 50 * GIB, "cinder_snapshot_bytes": 50 * GIB, "cinder_volume_bytes": 50 * GIB}
    assert "Cinder snapshot" in transfer["export"]


def test_available_volume_is_uploaded_directly(demo_snapshot):
    volume = next(v for v in demo_snapshot["volumes"] if v["name"] == "db-01-wal")
    volume["status"] = "available"
    transfer = disk(translate_tenant(demo_snapshot), "db-01", "disk2")["transfer"]
    assert transfer["source"]["via"] == "direct upload"
    assert transfer["temporary"]["cinder_snapshot_bytes"] == transfer["temporary"]["cinder_volume_bytes"] == 0


def test_summary_totals_bytes_time_and_temporary_space(demo_snapshot):
    translation = translate_tenant(demo_snapshot, options=TranslationOptions(bandwidth_mbps=100))
    migrated = [r for r in translation.plan["servers"] if r["status"] != "blocked"]
    transfers = [d["transfer"] for r in migrated for d in r["disks"] if "method" in d.get("transfer", {})]
    summary = translation.plan["summary"]["disks"]
    assert summary["bytes_to_move"] == sum(t["size_bytes"] for t in transfers) > 0
    assert summary["transfer_seconds"] == -(-summary["bytes_to_move"] * 8 // (100 * 10**6))
    assert summary["by_method"] == {"glance": len(transfers), "tvo": 0, "manual": 0}
    space = summary["temporary_space"]
    # Every disk is uploaded to Glance; db-01's three and win-erp-01's one in-use volumes need a snapshot and a volume each.
    assert space["glance_bytes"] == summary["bytes_to_move"]
    assert space["cinder_snapshots"] == space["cinder_volumes"] == 4
    assert space["cinder_snapshot_bytes"] == space["cinder_volume_bytes"] == (50 + 500 + 200 + 100) * GIB
    assert summary["bandwidth_mbps"] == 100


def test_blocked_servers_add_nothing_to_the_totals(demo_snapshot):
    translation = translate_tenant(demo_snapshot)
    blocked = [r for r in translation.plan["servers"] if r["status"] == "blocked"]
    assert blocked and all(not any("transfer" in d for d in r.get("disks", [])) for r in blocked)


def test_running_server_without_stop_source_is_crash_consistent_naming_the_vm(demo_snapshot):
    translation = translate_tenant(demo_snapshot)
    assert disk(translation, "web-01", "root")["transfer"]["consistency"] == "crash-consistent"
    messages = [m for f, m in fields(translation, "web-01") if f == "status"]
    assert any("VM web-01" in m and "crash-consistent" in m and "stop_source" in m for m in messages)
    assert "web-01" in translation.plan["summary"]["disks"]["crash_consistent_vms"]
    # A server that is already shut off is a cold copy without being stopped.
    assert disk(translation, "batch-01", "root")["transfer"]["consistency"] == "cold"
    assert not any("crash-consistent" in m for _f, m in fields(translation, "batch-01"))
    assert "batch-01" not in translation.plan["summary"]["disks"]["crash_consistent_vms"]


def test_stop_source_makes_the_copy_cold(demo_snapshot):
    translation = translate_tenant(demo_snapshot, options=TranslationOptions(stop_source=True))
    assert disk(translation, "web-01", "root")["transfer"]["consistency"] == "cold"
    assert not any("crash-consistent" in m for _f, m in fields(translation, "web-01"))
    assert translation.plan["summary"]["disks"]["crash_consistent_vms"] == []


def test_unverified_checksums_warn_per_disk(demo_snapshot):
    translation = translate_tenant(demo_snapshot, options=TranslationOptions(verify_disk_checksums=False))
    assert disk(translation, "db-01", "disk1")["transfer"]["checksum_verified"] is False
    warnings = [m for f, m in fields(translation, "db-01") if f == "verify_disk_checksums"]
    assert len(warnings) == 3 and all("without a checksum check" in m for m in warnings)
    dv_names = {d["datavolume"] for d in row(translation, "db-01")["disks"] if d.get("datavolume")}
    assert {next(n for n in dv_names if n in m) for m in warnings} == dv_names
    assert translation.plan["summary"]["disks"]["unverified_disks"] == sum(
        1 for r in translation.plan["servers"] if r["status"] != "blocked" for d in r["disks"] if "method" in d.get("transfer", {})
    )


def test_disk_sources_entry_wins_and_is_manual(demo_snapshot):
    volume_id = next(v["id"] for v in demo_snapshot["volumes"] if v["name"] == "db-01-data")
    source = {"http": {"url": "https://store.example/data.qcow2", "checksum": "sha256:" + "a" * 64}}
    options = TranslationOptions(disk_sources={volume_id: source}, disk_method="tvo")
    translation = translate_tenant(demo_snapshot, options=options)
    transfer = disk(translation, "db-01", "disk1")["transfer"]
    assert transfer == {
        "method": "manual",
        "source": {"kind": "disk_sources", "type": "http"},
        "export": "the CDI source given in disk_sources",
        "checksum_verified": True,
    }
    assert disk(translation, "db-01", "root")["transfer"]["method"] == "tvo"
    summary = translation.plan["summary"]["disks"]
    assert summary["by_method"]["manual"] == 1
    assert summary["bytes_to_move"] == sum(
        d["transfer"]["size_bytes"] for r in translation.plan["servers"] for d in r.get("disks", []) if d.get("transfer", {}).get("method") == "tvo"
    )


def test_manual_without_a_source_waits_for_an_upload(minimal_snapshot):
    translation = translate_tenant(minimal_snapshot, options=TranslationOptions(disk_method="manual"))
    transfer = translation.plan["servers"][0]["disks"][0]["transfer"]
    assert transfer["method"] == "manual" and transfer["source"] == {"kind": "upload"} and transfer["checksum_verified"] is False
    assert "virtctl image-upload dv app-01-root" in transfer["export"]
    # Nothing is exported, so no crash-consistency warning and nothing to move.
    assert translation.plan["servers"][0]["status"] == "ready"
    assert translation.plan["summary"]["disks"]["bytes_to_move"] == 0


@pytest.mark.parametrize("key", ["web-01", WEB])
def test_disk_method_by_server_by_name_or_id(demo_snapshot, key):
    translation = translate_tenant(demo_snapshot, options=TranslationOptions(disk_method_by_server={key: "tvo"}))
    transfer = disk(translation, "web-01", "root")["transfer"]
    assert transfer["method"] == "tvo" and transfer["format"] == "qcow2" and "temporary" not in transfer
    assert transfer["tvo_match"] == {"root_device": "/dev/vda"}
    assert disk(translation, "web-02", "root")["transfer"]["method"] == "glance"
    assert result_of(translation, "web-01").disk_transfers[0]["method"] == "tvo"


def result_of(translation, name):
    return next(vm for vm in translation.vms if vm.name == name)


def test_server_id_wins_over_its_name(demo_snapshot):
    options = TranslationOptions(disk_method_by_server={"web-01": "manual", WEB: "tvo"})
    assert disk(translate_tenant(demo_snapshot, options=options), "web-01", "root")["transfer"]["method"] == "tvo"


def test_unknown_server_key_is_an_error_naming_it(demo_snapshot):
    with pytest.raises(OptionsError, match=r"disk_method_by_server\['web-99'\] names no server"):
        translate_tenant(demo_snapshot, options=TranslationOptions(disk_method_by_server={"web-99": "tvo"}))


def test_ambiguous_server_name_is_an_error_naming_both(demo_snapshot):
    demo_snapshot["servers"][1]["name"] = "web-01"
    with pytest.raises(OptionsError) as info:
        translate_tenant(demo_snapshot, options=TranslationOptions(disk_method_by_server={"web-01": "tvo"}))
    assert "names 2 servers" in str(info.value) and WEB in str(info.value) and demo_snapshot["servers"][1]["id"] in str(info.value)


def test_render_reports_an_unknown_server_key_as_an_option_error(tmp_path, minimal_snapshot):
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(minimal_snapshot))
    with pytest.raises(RenderError, match=r"invalid options: option disk_method_by_server\['nope'\]"):
        translate_snapshot(str(path), tenant=None, raw_options={"disk_method_by_server": {"nope": "glance"}})


def test_tvo_states_a_server_whose_root_disk_it_cannot_map(demo_snapshot):
    cache = next(s for s in demo_snapshot["servers"] if s["name"] == "cache-01")
    del cache["OS-EXT-SRV-ATTR:root_device_name"]
    translation = translate_tenant(demo_snapshot, options=TranslationOptions(disk_method="tvo"))
    messages = [m for f, m in fields(translation, "cache-01") if f == "OS-EXT-SRV-ATTR:root_device_name"]
    assert len(messages) == 1 and "disk_method tvo" in messages[0] and "ephemeral and swap" in messages[0]
    # Without ephemeral or swap disks the root is TrilioVault's only non-volume disk: nothing to state.
    web = next(s for s in demo_snapshot["servers"] if s["name"] == "web-01")
    del web["OS-EXT-SRV-ATTR:root_device_name"]
    translation = translate_tenant(demo_snapshot, options=TranslationOptions(disk_method="tvo"))
    assert not [f for f, _m in fields(translation, "web-01") if f == "OS-EXT-SRV-ATTR:root_device_name"]
    assert disk(translation, "web-01", "root")["transfer"]["tvo_match"] == {"root_device": None}


def test_tvo_volumes_are_matched_by_volume_id(demo_snapshot):
    translation = translate_tenant(demo_snapshot, options=TranslationOptions(disk_method="tvo"))
    transfer = disk(translation, "db-01", "disk1")["transfer"]
    assert transfer["tvo_match"] == {"volume_id": transfer["source"]["volume_id"]}
    assert translation.plan["summary"]["disks"]["temporary_space"]["glance_bytes"] == 0


def test_server_that_cannot_be_exported_is_warned_about(minimal_snapshot):
    minimal_snapshot["servers"][0]["status"] = "SHELVED_OFFLOADED"
    translation = translate_tenant(minimal_snapshot)
    messages = [m for f, m in fields(translation, "app-01") if f == "status"]
    assert any("SHELVED_OFFLOADED" in m and "export of this VM will fail" in m for m in messages)


def test_shared_volume_is_exported_once_with_its_owner(demo_snapshot):
    volume = next(v for v in demo_snapshot["volumes"] if v["name"] == "db-01-wal")
    web = next(s for s in demo_snapshot["servers"] if s["name"] == "web-01")
    volume["multiattach"] = True
    volume["attachments"].append({"server_id": web["id"], "device": "/dev/vdb"})
    web["os-extended-volumes:volumes_attached"] = [{"id": volume["id"]}]
    translation = translate_tenant(demo_snapshot)
    rows = [disk(translation, name, vn) for name, vn in (("db-01", "disk2"), ("web-01", "disk0"))]
    exporters = [r["transfer"] for r in rows if "method" in r["transfer"]]
    followers = [r["transfer"] for r in rows if "method" not in r["transfer"]]
    assert len(exporters) == 1 and len(followers) == 1
    owner = followers[0]["exported_with_server"]
    assert owner in (web["id"], next(s["id"] for s in demo_snapshot["servers"] if s["name"] == "db-01"))
    everywhere = [t for vm in translation.vms for t in vm.disk_transfers if t["source_id"] == volume["id"]]
    assert len(everywhere) == 1


def test_human_summary_gives_totals_and_one_line_per_disk(demo_snapshot):
    plan = translate_tenant(demo_snapshot, options=TranslationOptions(bandwidth_mbps=1000)).plan
    lines = summary_lines(plan)
    totals = next(line for line in lines if line.startswith("Disks: "))
    assert "glance" in totals and "to move" in totals and "1000 Mbit/s" in totals and "exported at apply time" in totals
    space = next(line for line in lines if line.startswith("Temporary export space: "))
    assert "Glance" in space and "4 snapshot(s)" in space and "4 volume(s)" in space
    disk_rows = [line for line in lines if line.startswith("Disk ")]
    expected = sum(1 for r in plan["servers"] if r["status"] != "blocked" for d in r["disks"] if "transfer" in d)
    assert len(disk_rows) == expected
    web = next(line for line in disk_rows if line.startswith("Disk web-01/web-01-root: "))
    assert "exported at apply time by glance" in web and "crash-consistent" in web and "checksum verified" in web and "<= " in web


@pytest.mark.parametrize(
    "seconds, text",
    [(0, "0s"), (59, "59s"), (61, "1m 01s"), (3600, "1h 00m"), (3725, "1h 02m")],
)
def test_human_duration(seconds, text):
    assert disk_plan.human_duration(seconds) == text


def test_render_mode_keeps_pending_sources_for_exported_disks(demo_snapshot):
    translation = translate_tenant(demo_snapshot, options=TranslationOptions(disk_method="tvo"))
    for vm in translation.vms:
        for datavolume in vm.datavolumes:
            assert datavolume["spec"]["source"] == {"upload": {}}
            assert datavolume["metadata"]["annotations"]["ostokubevirt.io/disk-source"] == "pending"


def quota_warnings(translation):
    return {f["field"]: f["message"] for f in translation.plan["tenant_findings"] if f["field"].startswith("quotas.volume.")}


def test_cinder_quota_too_small_for_the_temporary_copies_is_warned(demo_snapshot):
    assert quota_warnings(translate_tenant(demo_snapshot)) == {}
    # 1100 GiB of volumes exist; the four in-use volumes (850 GiB) need a snapshot and a volume each.
    demo_snapshot["quotas"]["volume"].update({"gigabytes": 2000, "volumes": 7, "snapshots": 3})
    warnings = quota_warnings(translate_tenant(demo_snapshot))
    assert set(warnings) == {"quotas.volume.gigabytes", "quotas.volume.volumes", "quotas.volume.snapshots"}
    assert "needs 1700 GiB more gigabytes" in warnings["quotas.volume.gigabytes"] and "at least 1100 GiB in use" in warnings["quotas.volume.gigabytes"]
    assert "over the quota of 2000 GiB" in warnings["quotas.volume.gigabytes"]
    assert "needs 4 more volumes" in warnings["quotas.volume.volumes"] and "at least 5 in use" in warnings["quotas.volume.volumes"]


def test_cinder_quota_in_use_from_the_detail_form_and_unlimited(demo_snapshot):
    demo_snapshot["quotas"]["volume"].update({"gigabytes": {"limit": 3000, "in_use": 1500, "reserved": 0}, "volumes": -1, "snapshots": -1})
    warnings = quota_warnings(translate_tenant(demo_snapshot))
    assert list(warnings) == ["quotas.volume.gigabytes"] and "on top of 1500 GiB in use" in warnings["quotas.volume.gigabytes"]


def test_no_cinder_quota_warning_when_nothing_is_copied(demo_snapshot):
    demo_snapshot["quotas"]["volume"].update({"gigabytes": 1, "volumes": 1, "snapshots": 0})
    assert quota_warnings(translate_tenant(demo_snapshot, options=TranslationOptions(disk_method="tvo"))) == {}


def test_blocked_server_gets_no_transfer_warnings(demo_snapshot):
    # Blocked late, by its annotations' size, after its disks were built.
    web = next(s for s in demo_snapshot["servers"] if s["name"] == "web-01")
    web["metadata"] = {"blob": "x" * 300_000}
    translation = translate_tenant(demo_snapshot, options=TranslationOptions(verify_disk_checksums=False))
    blocked = row(translation, "web-01")
    assert blocked["status"] == "blocked"
    assert not [f for f in blocked["findings"] if f["field"] in ("verify_disk_checksums", "status")], blocked["findings"]


def test_disk_transfers_are_a_copy_of_the_plan_entries(demo_snapshot):
    translation = translate_tenant(demo_snapshot)
    transfer = result_of(translation, "db-01").disk_transfers[0]
    transfer["temporary"]["glance_bytes"] = 0
    transfer["source"]["volume_id"] = "changed"
    planned = disk(translation, "db-01", "root")["transfer"]
    assert planned["temporary"]["glance_bytes"] == 50 * GIB and planned["source"]["volume_id"] != "changed"
