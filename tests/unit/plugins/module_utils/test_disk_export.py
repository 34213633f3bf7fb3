# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""disk_export against a fake Nova/Cinder/Glance: flows, resume, cleanup, errors (the live tests use the testbed)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack import disk_export as de
from ansible_collections.ostokubevirt.migrate.tests.unit.plugins.module_utils.disk_cloud_fake import FakeCloud

SERVER = "srv-1"


def server(image=True, volumes=()):
    return {"id": SERVER, "name": "web-1", "image": {"id": "base-img"} if image else "", "os-extended-volumes:volumes_attached": [{"id": v} for v in volumes]}


def options(**kw):
    sleeps = []
    kw.setdefault("sleep", sleeps.append)
    kw.setdefault("run_id", "run-1")
    opts = de.ExportOptions(**kw)
    opts.sleeps = sleeps
    return opts


# -- pure parts ----------------------------------------------------------------------------------
def test_server_disks_root_then_volumes_in_attachment_order():
    assert de.server_disks(server(volumes=["v2", "v1"])) == [
        {"source_id": SERVER, "kind": "root"},
        {"source_id": "v2", "kind": "volume"},
        {"source_id": "v1", "kind": "volume"},
    ]
    assert de.server_disks(server(image=False, volumes=["boot"])) == [{"source_id": "boot", "kind": "volume"}]


@pytest.mark.parametrize(
    ("catalog", "url"),
    [
        ("https://glance.example.com:9292", "https://glance.example.com:9292/v2/images/i-1/file"),
        ("https://glance.example.com:9292/", "https://glance.example.com:9292/v2/images/i-1/file"),
        ("http://cloud/image/v2/", "http://cloud/image/v2/images/i-1/file"),
        ("http://cloud/image/v2.1", "http://cloud/image/v2/images/i-1/file"),
    ],
)
def test_image_file_url(catalog, url):
    assert de.image_file_url(catalog, "i-1") == url


def test_checksum_needs_both_fields():
    assert de.checksum_of({"os_hash_algo": "sha512", "os_hash_value": "ff"}) == "sha512:ff"
    assert de.checksum_of({"os_hash_algo": "sha512", "os_hash_value": None}) is None
    assert de.checksum_of({}) is None


def test_names_and_metadata():
    assert de.object_name("tmpvol", "v-1") == "ostokubevirt-tmpvol-v-1"
    assert de.our_metadata("v-1", "r", "s") == {"ostokubevirt_source_id": "v-1", "ostokubevirt_run_id": "r", "ostokubevirt_server_id": "s"}
    assert de.is_ours({"ostokubevirt_source_id": "v-1"}, "v-1") and not de.is_ours({"ostokubevirt_source_id": "v-2"}, "v-1")
    assert not de.is_ours({"name": "ostokubevirt-vol-v-1"})


# -- flows ----------------------------------------------------------------------------------------
def test_image_booted_root_uses_create_image_245_and_waits_for_active():
    cloud = FakeCloud()
    result = de.DiskExporter(cloud, options()).export_server(server())
    assert result["errors"] == []
    (record,) = result["records"]
    post = [c for c in cloud.calls if c[0] == "POST"]
    assert post[0][2] == f"/servers/{SERVER}/action" and post[0][5] == "2.45"
    assert post[0][3]["createImage"]["metadata"] == {"ostokubevirt_source_id": SERVER, "ostokubevirt_run_id": "run-1", "ostokubevirt_server_id": SERVER}
    assert record["url"] == f"https://glance.example.com:9292/v2/images/{record['image_id']}/file"
    assert record["checksum"] == "sha512:" + "ab" * 64
    assert record["consistency"] == "crash-consistent" and record["needs_token"] is True and record["method"] == "glance"
    assert record["temporaries"] == [{"kind": "image", "id": record["image_id"], "name": f"ostokubevirt-root-{SERVER}"}]
    assert set(record) == {
        "source_id", "server_id", "method", "url", "disk_format", "size", "virtual_size", "checksum",
        "consistency", "needs_token", "image_id", "temporaries", "tvo",
    }  # fmt: skip
    json.dumps(record)


def test_old_compute_microversion_is_a_clear_disk_error():
    cloud = FakeCloud(compute_microversion=(2, 44))
    result = de.DiskExporter(cloud, options()).export_server(server())
    assert result["records"] == []
    assert "2.44" in result["errors"][0]["msg"] and SERVER in result["errors"][0]["msg"]
    assert cloud.images == {}


def test_available_volume_is_uploaded_and_its_image_tagged_source_untouched():
    cloud = FakeCloud()
    cloud.add_volume("v-1", metadata={"purpose": "logs"})
    result = de.DiskExporter(cloud, options(cold=True, interface="internal")).export_server(server(image=False, volumes=["v-1"]))
    (record,) = result["records"]
    assert record["consistency"] == "cold"
    assert record["url"].startswith("http://glance.internal:9292/v2/images/")
    upload = [c for c in cloud.calls if c[0] == "POST"]
    assert len(upload) == 1 and upload[0][3]["os-volume_upload_image"]["force"] is False
    image = cloud.images[record["image_id"]]
    assert image["ostokubevirt_source_id"] == "v-1" and image["ostokubevirt_server_id"] == SERVER
    assert cloud.volumes["v-1"]["metadata"] == {"purpose": "logs"} and cloud.volumes["v-1"]["status"] == "available"
    assert cloud.live("snapshot") == set()


def test_in_use_volume_goes_through_forced_snapshot_and_temporary_volume():
    cloud = FakeCloud()
    cloud.add_volume("v-1", status="in-use")
    exporter = de.DiskExporter(cloud, options())
    (record,) = exporter.export_server(server(image=False, volumes=["v-1"]))["records"]
    snap_post = next(c for c in cloud.calls if c[2] == "/snapshots" and c[0] == "POST")
    assert snap_post[3]["snapshot"]["force"] is True and snap_post[3]["snapshot"]["name"] == "ostokubevirt-snap-v-1"
    vol_post = next(c for c in cloud.calls if c[2] == "/volumes" and c[0] == "POST")
    assert vol_post[3]["volume"]["name"] == "ostokubevirt-tmpvol-v-1" and vol_post[3]["volume"]["metadata"]["ostokubevirt_source_id"] == "v-1"
    uploads = [c for c in cloud.calls if c[3] and "os-volume_upload_image" in c[3]]
    assert len(uploads) == 1 and uploads[0][2] != "/volumes/v-1/action"  # the copy is uploaded, never the volume in use
    assert cloud.images[record["image_id"]]["ostokubevirt_source_id"] == "v-1"  # born tagged, via the copy's image metadata
    # once the image holds the data, the copy and the snapshot go (volume first: it depends on the snapshot)
    assert cloud.live("snapshot") == set() and cloud.live("volume") == {"v-1"}
    assert [t["kind"] for t in record["temporaries"]] == ["image"]
    assert cloud.volumes["v-1"]["status"] == "in-use"


def test_keep_intermediates_lists_snapshot_and_volume():
    cloud = FakeCloud()
    cloud.add_volume("v-1", status="in-use")
    (record,) = de.DiskExporter(cloud, options(keep_intermediates=True)).export_server(server(image=False, volumes=["v-1"]))["records"]
    assert [t["kind"] for t in record["temporaries"]] == ["image", "snapshot", "volume"]
    assert len(cloud.live("snapshot")) == 1 and len(cloud.live("volume")) == 2


# -- resume -----------------------------------------------------------------------------------------
def test_second_run_with_another_run_id_reuses_everything():
    cloud = FakeCloud()
    cloud.add_volume("v-1", status="in-use")
    cloud.add_volume("v-2")
    first = de.DiskExporter(cloud, options(keep_intermediates=True)).export_server(server(volumes=["v-1", "v-2"]))
    counts = (cloud.created("image"), cloud.created("snapshot"), cloud.created("volume"))
    again = de.DiskExporter(cloud, options(run_id="run-2", keep_intermediates=True))
    second = again.export_server(server(volumes=["v-1", "v-2"]))
    assert (cloud.created("image"), cloud.created("snapshot"), cloud.created("volume")) == counts == (3, 1, 1)
    assert [r["image_id"] for r in first["records"]] == [r["image_id"] for r in second["records"]]
    assert again.created == [] and {r["kind"] for r in again.reused} == {"image"}
    assert [t["kind"] for t in second["records"][1]["temporaries"]] == ["image", "snapshot", "volume"]  # as the first run lists them


def test_resume_waits_for_an_image_still_being_written():
    cloud = FakeCloud()
    cloud.steps = 50
    opts = options(timeout=3, clock=iter(range(1000)).__next__)
    first = de.DiskExporter(cloud, opts).export_server(server())
    assert "still 'saving'" in first["errors"][0]["msg"]
    cloud.steps = 1
    second = de.DiskExporter(cloud, options(run_id="run-2")).export_server(server())
    assert second["errors"] == [] and cloud.created("image") == 1


def test_resume_after_kill_between_snapshot_and_upload():
    cloud = FakeCloud()
    cloud.add_volume("v-1", status="in-use")
    cloud.fail[("POST", r"/volumes/vol-.*/action")] = 503  # the set_image_metadata call on the copy: the run dies here
    first = de.DiskExporter(cloud, options()).export_server(server(image=False, volumes=["v-1"]))
    assert "os-set_image_metadata" in first["errors"][0]["msg"] and "v-1" in first["errors"][0]["msg"]
    second = de.DiskExporter(cloud, options(run_id="run-2")).export_server(server(image=False, volumes=["v-1"]))
    assert second["errors"] == []
    assert (cloud.created("snapshot"), cloud.created("volume"), cloud.created("image")) == (1, 1, 1)


def test_resume_adopts_an_upload_whose_tagging_was_interrupted():
    cloud = FakeCloud()
    cloud.add_volume("v-1")
    cloud.fail[("PATCH", r"/images/")] = 503
    first = de.DiskExporter(cloud, options()).export_server(server(image=False, volumes=["v-1"]))
    assert first["errors"] and "PATCH" in first["errors"][0]["msg"]
    second = de.DiskExporter(cloud, options(run_id="run-2")).export_server(server(image=False, volumes=["v-1"]))
    assert second["errors"] == [] and cloud.created("image") == 1
    assert cloud.images[second["records"][0]["image_id"]]["ostokubevirt_source_id"] == "v-1"


def test_killed_image_of_ours_is_deleted_and_redone_and_first_error_names_it():
    cloud = FakeCloud()
    cloud.fail_upload.add(SERVER)
    first = de.DiskExporter(cloud, options()).export_server(server())
    msg = first["errors"][0]["msg"]
    assert "killed" in msg and SERVER in msg and f"ostokubevirt-root-{SERVER}" in msg
    assert cloud.images == {}  # ours and useless: deleted when the run saw it fail
    second = de.DiskExporter(cloud, options()).export_server(server())
    assert second["errors"] == [] and len(cloud.images) == 1 and cloud.created("image") == 2


def test_a_failing_disk_does_not_stop_the_others():
    cloud = FakeCloud()
    cloud.add_volume("v-1", status="error")
    cloud.add_volume("v-2")
    result = de.DiskExporter(cloud, options()).export_server(server(volumes=["v-1", "v-2"]))
    assert [r["source_id"] for r in result["records"]] == [SERVER, "v-2"]
    (error,) = result["errors"]
    assert error["source_id"] == "v-1" and "'error'" in error["msg"] and SERVER in error["msg"]


def test_api_error_names_server_disk_and_call():
    cloud = FakeCloud()
    cloud.fail[("POST", r"/servers/.*/action")] = 409
    (error,) = de.DiskExporter(cloud, options()).export_server(server())["errors"]
    assert f"server {SERVER}" in error["msg"] and "createImage" in error["msg"] and "HTTP 409" in error["msg"]


def test_plan_creates_nothing():
    cloud = FakeCloud()
    cloud.add_volume("v-1", status="in-use")
    cloud.add_volume("v-2")
    plan = de.DiskExporter(cloud, options()).plan_server(server(volumes=["v-1", "v-2"]))
    assert [c[0] for c in cloud.calls] == ["GET"] * len(cloud.calls)
    assert [p["source_id"] for p in plan] == [SERVER, "v-1", "v-2"]
    assert "createImage" in plan[0]["action"] and "ostokubevirt-snap-v-1" in plan[1]["action"] and "os-volume_upload_image" in plan[2]["action"]


# -- cleanup ------------------------------------------------------------------------------------------
def test_cleanup_deletes_only_ours():
    cloud = FakeCloud()
    cloud.add_volume("v-1", status="in-use")
    (record,) = de.DiskExporter(cloud, options(keep_intermediates=True)).export_server(server(image=False, volumes=["v-1"]))["records"]
    lookalike = cloud.add_image("ostokubevirt-vol-v-1", status="active")  # our name, not our metadata
    record["temporaries"].append({"kind": "image", "id": lookalike["id"], "name": lookalike["name"]})
    record["temporaries"].append({"kind": "volume", "id": "v-1", "name": "the source"})
    done = de.cleanup_records(cloud, [record], sleep=lambda s: None)
    assert {d["kind"] for d in done["deleted"]} == {"image", "snapshot", "volume"} and done["errors"] == []
    assert {k["id"] for k in done["kept"]} == {lookalike["id"], "v-1"}
    assert set(cloud.images) == {lookalike["id"]} and cloud.live("volume") == {"v-1"} and cloud.live("snapshot") == set()


def test_rollback_finds_ours_by_metadata_and_filters_by_server_and_run():
    cloud = FakeCloud()
    cloud.add_volume("v-1", status="in-use")
    de.DiskExporter(cloud, options(keep_intermediates=True)).export_server(server(volumes=["v-1"]))
    other = cloud.add_image("someone-else", status="active")
    cloud.add_volume("v-9", metadata={"ostokubevirt_run_id": "run-1"})  # not ours: no source id
    assert de.find_ours(cloud, server_ids=["another"]) == []
    assert de.find_ours(cloud, run_id="run-2") == []
    found = de.find_ours(cloud, server_ids=[SERVER], run_id="run-1")
    assert sorted(f["kind"] for f in found) == ["image", "image", "snapshot", "volume"]
    done = de.rollback(cloud, server_ids=[SERVER], sleep=lambda s: None)
    assert len(done["deleted"]) == 4 and done["errors"] == []
    assert set(cloud.images) == {other["id"]} and cloud.live("volume") == {"v-1", "v-9"} and cloud.live("snapshot") == set()


def test_export_right_after_a_rollback_ignores_what_is_still_being_deleted():
    cloud = FakeCloud()
    cloud.add_volume("v-1", status="in-use")
    de.DiskExporter(cloud, options(keep_intermediates=True)).export_server(server(image=False, volumes=["v-1"]))
    snapshot, tmpvol = next(iter(cloud.snapshots)), next(v for v in cloud.volumes if v != "v-1")
    cloud.volumes[tmpvol]["status"] = "deleting"  # what a rollback leaves for a moment: Cinder deletes in the background
    cloud.snapshots[snapshot]["status"] = "deleting"
    cloud.images.clear()
    result = de.DiskExporter(cloud, options(run_id="run-2")).export_server(server(image=False, volumes=["v-1"]))
    assert result["errors"] == []
    assert (cloud.created("snapshot"), cloud.created("volume")) == (2, 2)
    assert [f["kind"] for f in de.find_ours(cloud)] == ["image"]
