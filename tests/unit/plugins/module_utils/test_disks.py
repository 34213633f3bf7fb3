# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import disks
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import FindingCollector, TranslationError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions


def collector():
    return FindingCollector("server", "web1 (id)")


@pytest.mark.parametrize(
    "flavor, image, expected",
    [
        ({"disk": 20}, {"min_disk": 10, "virtual_size": 5 * disks.GIB}, 20),
        ({"disk": 0}, {"min_disk": 0, "virtual_size": 8 * disks.GIB + 1}, 9),
        ({"disk": "0"}, {"min_disk": "30"}, 30),
        ({"disk": 0}, {"size": 3 * disks.GIB}, 3),
    ],
)
def test_root_disk_size_is_what_nova_allocated(flavor, image, expected):
    assert disks.root_disk_size_gib(flavor, image, collector()) == expected


def test_root_disk_size_unknown_blocks_naming_the_field():
    with pytest.raises(TranslationError) as info:
        disks.root_disk_size_gib({"disk": 0}, {}, collector())
    assert info.value.finding.field == "flavor.disk"


@pytest.mark.parametrize("value", ["ten", "2.5", 2.5])
def test_invalid_integer_names_field(value):
    # "2.5" used to become 2 GiB silently: a size that is not a whole number is a finding, never truncated.
    with pytest.raises(TranslationError) as info:
        disks.root_disk_size_gib({"disk": value}, {}, collector())
    assert info.value.finding.field == "flavor.disk" and repr(value) in info.value.finding.message


def test_volume_size_that_is_not_whole_names_the_volume():
    with pytest.raises(TranslationError) as info:
        disks.cinder_volume_disk({"id": "v1", "size": "10.5"}, "/dev/vdb", collector(), 1)
    assert info.value.finding.field == "volumes[v1].size"


def test_device_order_handles_vdz_before_vdaa():
    devices = ["/dev/vdaa", "/dev/vdc", "/dev/vdb", "/dev/sda", "", "/dev/vdz"]
    ordered = sorted(devices, key=disks.device_sort_key)
    assert ordered.index("/dev/vdz") < ordered.index("/dev/vdaa")
    assert ordered.index("/dev/vdb") < ordered.index("/dev/vdc")
    assert ordered[-1] == ""


def test_datavolume_defaults_are_live_migratable_and_pending_upload():
    dv = disks.datavolume(
        "web1-root",
        "ns",
        size_gib=20,
        storage_class=None,
        options=TranslationOptions(),
        source_kind="nova-root-disk",
        source_id="srv",
        source_name="web1",
        source_type="nova.server.root_disk",
    )
    assert dv["spec"]["storage"]["accessModes"] == ["ReadWriteMany"]
    assert dv["spec"]["storage"]["resources"]["requests"]["storage"] == "20Gi"
    assert "storageClassName" not in dv["spec"]["storage"]
    assert dv["spec"]["source"] == {"upload": {}}
    assert dv["metadata"]["annotations"][disks.DISK_SOURCE_ANNOTATION] == "pending"


def test_datavolume_source_from_disk_sources_map():
    options = TranslationOptions(disk_sources={"vol1": {"http": {"url": "https://store/vol1.qcow2"}}}, storage_map={"ssd": "rbd-ssd"})
    dv = disks.datavolume(
        "data",
        "ns",
        size_gib=5,
        storage_class=disks.storage_class_for("ssd", options),
        options=options,
        source_kind="cinder-volume",
        source_id="vol1",
        source_name="data",
        source_type="cinder.volume",
    )
    assert dv["spec"]["source"] == {"http": {"url": "https://store/vol1.qcow2"}}
    assert dv["spec"]["storage"]["storageClassName"] == "rbd-ssd"


def test_storage_class_falls_back_to_default_key():
    options = TranslationOptions(storage_map={"default": "standard"})
    assert disks.storage_class_for("unknown-type", options) == "standard"
    assert disks.storage_class_for(None, TranslationOptions()) is None


def test_ephemeral_and_swap_become_empty_disks_with_warnings():
    c = collector()
    scratch = disks.scratch_disks({"ephemeral": 10, "swap": 1536}, c)
    assert [(d["name"], d["capacity"]) for d in scratch] == [("ephemeral0", "10Gi"), ("swap0", "2Gi")]
    assert {f.field for f in c.findings} == {"flavor.ephemeral", "flavor.swap"}


def test_swap_empty_string_means_none():
    assert disks.scratch_disks({"ephemeral": 0, "swap": ""}, collector()) == []
