# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Scratch disks count against the node's ephemeral storage; device names the guest config relies on."""

from __future__ import annotations

import base64

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import disks
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant


def vm_of(translation, name):
    return next(o for o in translation.objects if o["kind"] == "VirtualMachine" and o["metadata"]["annotations"]["ostokubevirt.io/source-name"] == name)


def row_of(translation, name):
    return next(r for r in translation.plan["servers"] if r["name"] == name)


def server_named(snapshot, name):
    return next(s for s in snapshot["servers"] if s["name"] == name)


def test_empty_disks_are_requested_as_ephemeral_storage(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    domain = vm_of(translation, "cache-01")["spec"]["template"]["spec"]["domain"]
    # r1.large.eph: 40 GiB ephemeral + 4096 MiB swap -> emptyDisks of 40Gi and 4Gi
    assert domain["resources"]["requests"]["ephemeral-storage"] == "44Gi"
    row = row_of(translation, "cache-01")
    scratch = [d for d in row["disks"] if d["kind"] in ("ephemeral", "swap")]
    assert scratch and all(d["copied_on_live_migration"] for d in scratch)
    assert any("copied" in note and "live migration" in note for note in row["notes"])


def test_vms_without_empty_disks_request_no_ephemeral_storage(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    domain = vm_of(translation, "web-01")["spec"]["template"]["spec"]["domain"]
    assert "ephemeral-storage" not in (domain.get("resources") or {}).get("requests", {})


def test_ephemeral_request_keeps_a_dedicated_vms_memory_requests(demo_snapshot):
    nfv = server_named(demo_snapshot, "nfv-fw-01")
    nfv["flavor"]["ephemeral"] = 10
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    resources = vm_of(translation, "nfv-fw-01")["spec"]["template"]["spec"]["domain"]["resources"]
    assert resources["requests"]["ephemeral-storage"] == "10Gi"
    assert resources["requests"]["memory"] == resources["limits"]["memory"]


def test_device_prefix_per_bus():
    assert disks.guest_device_prefix("virtio") == "vd"
    assert disks.guest_device_prefix("scsi") == "sd"
    assert disks.guest_device_prefix("sata") == "sd"
    assert disks.recorded_device_prefix("/dev/vdb") == "vd"
    assert disks.recorded_device_prefix("/dev/xvdc") == "xvd"
    assert disks.recorded_device_prefix("") is None


def test_mentioned_device_that_contradicts_the_bus_warns(demo_snapshot):
    # db-01: hw_disk_bus=scsi (/dev/sdX), volumes recorded as /dev/vdb and /dev/vdc, user data mounts both.
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    warned = [f for f in row_of(translation, "db-01")["findings"] if "fstab" in f["message"]]
    assert sorted(f["message"].split(" ")[2] for f in warned) == ["/dev/vdb", "/dev/vdc"]
    assert all("scsi" in f["message"] and "/dev/sd" in f["message"] for f in warned)


def test_unmentioned_or_matching_devices_do_not_warn(demo_snapshot):
    db = server_named(demo_snapshot, "db-01")
    db["OS-EXT-SRV-ATTR:user_data"] = base64.b64encode(b"#cloud-config\nmounts:\n  - [LABEL=pgdata, /var/lib/pgsql]\n").decode()
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    assert not any("fstab" in f["message"] for f in row_of(translation, "db-01")["findings"])


def test_metadata_mentioning_a_partition_warns(demo_snapshot):
    db = server_named(demo_snapshot, "db-01")
    db.pop("OS-EXT-SRV-ATTR:user_data")
    db["metadata"]["wal_device"] = "/dev/vdc1"
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    warned = [f for f in row_of(translation, "db-01")["findings"] if "fstab" in f["message"]]
    assert [f["message"].split(" ")[2] for f in warned] == ["/dev/vdc"]
    assert "metadata" in warned[0]["message"]


def test_mentioned_device_is_no_substring_match():
    assert disks.mentions_device("mount /dev/vdb1 /data", "/dev/vdb")
    assert disks.mentions_device("- [vdb, /data]", "/dev/vdb")
    assert not disks.mentions_device("mount /dev/vdbb /data", "/dev/vdb")
    assert not disks.mentions_device("xvdb", "/dev/vdb")
