# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The non-blocking export: the step decision (pure) and ``advance`` rounds over the fake Nova/Cinder/Glance."""

from __future__ import annotations

import datetime
import types

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack import disk_export as de
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.disk_cloud import SdkCloud
from ansible_collections.ostokubevirt.migrate.tests.unit.plugins.module_utils.disk_cloud_fake import FakeCloud

SERVER = "srv-1"
RUN = "run-1"


def ours(run=RUN, **fields):
    return {"metadata": {de.SOURCE_KEY: "v-1", de.RUN_KEY: run, de.SERVER_KEY: SERVER}, **fields}


def image(status, run=RUN, tagged=True):
    meta = {de.SOURCE_KEY: "v-1", de.RUN_KEY: run} if tagged else {}
    return {"id": "i-1", "status": status, **meta}


# -- decide: one case per step ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("case", "kind", "seen", "expected"),
    [
        ("root, nothing yet", "root", {}, ("create_image", "upload")),
        ("root image being written", "root", {"image": image("saving")}, ("wait", "upload")),
        ("root image active", "root", {"image": image("active")}, ("record", None)),
        ("image killed in this run", "root", {"image": image("killed")}, ("fail_image", "upload")),
        ("image killed in an earlier run", "root", {"image": image("killed", run="run-0")}, ("delete_image", "upload")),
        ("available volume", "volume", {"volume": {"status": "available"}}, ("upload_volume", "upload")),
        ("volume in use", "volume", {"volume": {"status": "in-use"}}, ("create_snapshot", "snapshot")),
        ("volume busy elsewhere", "volume", {"volume": {"status": "extending"}}, ("fail_volume", None)),
        ("snapshot being made", "volume", {"snapshot": ours(status="creating")}, ("wait", "snapshot")),
        ("snapshot ready", "volume", {"snapshot": ours(status="available")}, ("create_tmpvol", "tmpvol")),
        ("snapshot failed in this run", "volume", {"snapshot": ours(status="error")}, ("fail_snapshot", "snapshot")),
        ("snapshot failed earlier", "volume", {"snapshot": ours(run="run-0", status="error")}, ("delete_snapshot", "snapshot")),
        (
            "snapshot still being deleted by a rollback",
            "volume",
            {"snapshot": ours(status="deleting"), "volume": {"status": "in-use"}},
            ("create_snapshot", "snapshot"),
        ),
        ("copy being made", "volume", {"snapshot": ours(status="available"), "tmpvol": ours(status="creating")}, ("wait", "tmpvol")),
        ("copy ready", "volume", {"snapshot": ours(status="available"), "tmpvol": ours(status="available")}, ("upload_tmpvol", "upload")),
        ("copy uploading, image not listed yet", "volume", {"tmpvol": ours(status="uploading")}, ("wait", "upload")),
        ("copy failed earlier", "volume", {"tmpvol": ours(run="run-0", status="error")}, ("delete_tmpvol", "tmpvol")),
        ("copy failed in this run", "volume", {"tmpvol": ours(status="error")}, ("fail_tmpvol", "tmpvol")),
        ("upload being written", "volume", {"image": image("queued"), "tmpvol": ours(status="uploading")}, ("wait", "upload")),
        ("untagged upload active", "volume", {"image": image("active", tagged=False)}, ("tag", "upload")),
        (
            "image active, copy left",
            "volume",
            {"image": image("active"), "snapshot": ours(status="available"), "tmpvol": ours(status="available")},
            ("release_tmpvol", "release"),
        ),
        (
            "image active, copy still uploading",
            "volume",
            {"image": image("active"), "snapshot": ours(status="available"), "tmpvol": ours(status="uploading")},
            ("wait", "release"),
        ),
        (
            "image active, copy being deleted",
            "volume",
            {"image": image("active"), "snapshot": ours(status="available"), "tmpvol": ours(status="deleting")},
            ("wait", "release"),
        ),
        ("image active, snapshot left", "volume", {"image": image("active"), "snapshot": ours(status="available")}, ("release_snapshot", "release")),
        ("image active, snapshot going", "volume", {"image": image("active"), "snapshot": ours(status="deleting")}, ("record", None)),
        ("image active, copy failed: kept for cleanup", "volume", {"image": image("active"), "tmpvol": ours(status="error")}, ("record", None)),
        ("image active, nothing left", "volume", {"image": image("active")}, ("record", None)),
    ],
)
def test_decide(case, kind, seen, expected):
    step = de.decide(kind, RUN, **seen)
    assert (step.action, step.step) == expected, case
    assert step.action in de.ACTIONS


def test_decide_keeps_intermediates_when_asked():
    seen = {"image": image("active"), "snapshot": ours(status="available"), "tmpvol": ours(status="available")}
    assert de.decide("volume", RUN, keep_intermediates=True, **seen).action == "record"


@pytest.mark.parametrize(("raw", "value"), [("45%", 45), ("100%", 100), ("0%", 0), ("", None), (None, None), ("n/a", None), ("250%", 100)])
def test_snapshot_progress(raw, value):
    assert de.snapshot_progress({de.PROGRESS_KEY: raw}) == value


# -- advance: rounds without sleeping --------------------------------------------------------
def server(volumes=("v-1",), image=True):
    return {"id": SERVER, "image": {"id": "base"} if image else "", "os-extended-volumes:volumes_attached": [{"id": v} for v in volumes]}


def exporter(cloud, **kw):
    kw.setdefault("run_id", RUN)
    kw.setdefault("sleep", _no_sleep)
    return de.DiskExporter(cloud, de.ExportOptions(**kw))


def _no_sleep(seconds):
    raise AssertionError(f"advance slept {seconds} s")


def counts(cloud):
    return cloud.created("image"), cloud.created("snapshot"), cloud.created("volume")


def rounds(cloud, servers, limit=40, **kw):
    """Call advance with a new exporter each time (as separate module runs do) until nothing is pending."""
    seen = []
    for _round in range(limit):
        result = exporter(cloud, **kw).advance(servers)
        seen.append(result)
        if not result["pending"]:
            return seen
    raise AssertionError(f"still pending after {limit} rounds: {seen[-1]['pending']}")


def test_advance_walks_every_step_and_reaches_the_blocking_records():
    cloud = FakeCloud()
    cloud.add_volume("v-1", status="in-use")
    cloud.add_volume("v-2")
    servers = [server(volumes=["v-1", "v-2"])]
    history = rounds(cloud, servers)
    first = history[0]
    assert first["records"] == [] and first["errors"] == []
    assert [(p["source_id"], p["step"], p["status"]) for p in first["pending"]] == [
        (SERVER, "upload", "queued"),
        ("v-1", "snapshot", "creating"),
        ("v-2", "upload", "queued"),
    ]
    assert set(first["pending"][0]) == {"server_id", "source_id", "step", "status", "progress"}
    steps_of_v1 = [next(p["step"] for p in r["pending"] if p["source_id"] == "v-1") for r in history if any(p["source_id"] == "v-1" for p in r["pending"])]
    assert steps_of_v1[0] == "snapshot" and "tmpvol" in steps_of_v1 and "upload" in steps_of_v1 and steps_of_v1[-1] == "release"
    assert cloud.sleeps == []
    records = history[-1]["records"]
    assert [r["source_id"] for r in records] == [SERVER, "v-1", "v-2"] and history[-1]["errors"] == []
    assert counts(cloud) == (3, 1, 1)
    assert cloud.live("snapshot") == set() and cloud.live("volume") == {"v-1", "v-2"}
    # the blocking mode over the same cloud returns the very same records and creates nothing
    blocking = exporter(cloud, sleep=lambda s: None).export(servers)
    assert blocking["records"] == records and blocking["pending"] == [] and counts(cloud) == (3, 1, 1)


def test_blocking_mode_is_advance_with_sleeps_between_rounds():
    cloud = FakeCloud()
    cloud.add_volume("v-1", status="in-use")
    sleeps = []
    result = exporter(cloud, sleep=sleeps.append, poll_interval=7).export([server()])
    assert result["errors"] == [] and result["pending"] == [] and len(result["records"]) == 2
    assert sleeps and set(sleeps) == {7}


def test_snapshot_progress_is_reported():
    cloud = FakeCloud()
    cloud.steps = 4
    cloud.add_volume("v-1", status="in-use")
    progress = []
    for _round in range(5):
        (pending,) = exporter(cloud).advance([server(image=False)])["pending"]
        if pending["step"] == "snapshot":
            progress.append(pending["progress"])
    assert progress[0] == 0 and progress[1:3] == [25, 50]


def test_a_failing_disk_is_reported_and_the_others_carry_on():
    cloud = FakeCloud()
    cloud.add_volume("v-1", status="error")
    cloud.add_volume("v-2")
    result = exporter(cloud).advance([server(volumes=["v-1", "v-2"])])
    (error,) = result["errors"]
    assert error["source_id"] == "v-1" and error["server_id"] == SERVER and "'error'" in error["message"] and error["msg"] == error["message"]
    assert [p["source_id"] for p in result["pending"]] == [SERVER, "v-2"]
    later = rounds(cloud, [server(volumes=["v-2"])])
    assert [r["source_id"] for r in later[-1]["records"]] == [SERVER, "v-2"]


def test_source_ids_exports_only_those_disks():
    cloud = FakeCloud()
    cloud.add_volume("v-1", status="in-use")
    cloud.add_volume("v-2")
    ex = exporter(cloud)
    result = ex.advance([server(volumes=["v-1", "v-2"])], source_ids=["v-2"])
    assert [p["source_id"] for p in result["pending"]] == ["v-2"]
    assert counts(cloud) == (1, 0, 0) and not any(c[1] == "compute" for c in cloud.calls)
    assert not any("v-1" in repr(c) for c in cloud.calls)  # v-1 not even looked at


class AnswersLost:
    """The cloud of a run that dies right after each creating POST reached the cloud: done, its answer lost."""

    def __init__(self, cloud):
        self.cloud = cloud

    def __getattr__(self, name):
        return getattr(self.cloud, name)

    def request(self, method, service, path, **kw):
        answer = self.cloud.request(method, service, path, **kw)
        body = kw.get("body") or {}
        if method == "POST" and ({"createImage", "os-volume_upload_image", "snapshot", "volume"} & set(body)):
            raise ApiError(None, method, path, "the run was killed")
        return answer


def test_runs_killed_after_every_post_create_nothing_twice():
    cloud = FakeCloud()
    cloud.add_volume("v-1", status="in-use")
    errors = []
    for attempt in range(30):
        result = de.DiskExporter(AnswersLost(cloud), de.ExportOptions(run_id=f"kill-{attempt}", sleep=_no_sleep)).advance([server()])
        errors += result["errors"]
        if len(result["records"]) == 2:
            break
    assert len(result["records"]) == 2, result
    assert errors and all("killed" in e["message"] for e in errors)
    assert counts(cloud) == (2, 1, 1)
    assert cloud.live("snapshot") == set() and cloud.live("volume") == {"v-1"}


def test_image_killed_during_the_run_fails_that_disk_once_and_is_redone_next_time():
    cloud = FakeCloud()
    cloud.fail_upload.add(SERVER)
    outcomes = [exporter(cloud).advance([server(volumes=[])]) for _call in range(3)]
    assert outcomes[0]["pending"][0]["step"] == "upload"
    failed = next(o for o in outcomes if o["errors"])
    assert "killed" in failed["errors"][0]["message"] and "deleted" in failed["errors"][0]["message"]
    assert all(i["status"] != "killed" for i in cloud.images.values())
    again = rounds(cloud, [server(volumes=[])])
    assert len(again[-1]["records"]) == 1 and cloud.created("image") == 2 and len(cloud.images) == 1


def test_failed_image_of_an_earlier_run_is_deleted_and_redone_without_an_error():
    cloud = FakeCloud()
    old = cloud.add_image(f"ostokubevirt-root-{SERVER}", status="killed", **de.our_metadata(SERVER, "run-0", SERVER))
    result = exporter(cloud).advance([server(volumes=[])])
    assert result["errors"] == [] and result["pending"][0]["step"] == "upload"
    assert old["id"] not in cloud.images and cloud.created("image") == 1


def test_timeout_in_blocking_mode_names_the_object_and_step():
    cloud = FakeCloud()
    cloud.steps = 1000
    cloud.add_volume("v-1", status="in-use")
    clock = iter(range(0, 100000, 10)).__next__
    result = exporter(cloud, sleep=lambda s: None, clock=clock, timeout=30).export([server(image=False)])
    (error,) = result["errors"]
    assert "snapshot" in error["message"] and "still 'creating' after 30 s" in error["message"] and result["pending"] == []


# -- the token ---------------------------------------------------------------------------------------
class FakeAuth:
    """A keystoneauth plugin: ``get_access`` answers its cached access until ``invalidate`` drops it."""

    def __init__(self, fail=None):
        self.cached = types.SimpleNamespace(auth_token="gAAAAAcached", expires=None)
        self.issued = 0
        self.fail = fail

    def invalidate(self):
        self.cached = None
        return True

    def get_access(self, session):
        if self.cached is None:
            if self.fail:
                raise self.fail
            self.issued += 1
            self.cached = types.SimpleNamespace(
                auth_token=f"gAAAAAnew{self.issued}", expires=datetime.datetime(2026, 12, 2, 13, 0, tzinfo=datetime.timezone.utc)
            )
        return self.cached


def sdk_cloud(auth):
    return SdkCloud(types.SimpleNamespace(session=types.SimpleNamespace(auth=auth)))


def test_issue_token_drops_the_cached_token_and_returns_a_new_one():
    auth = FakeAuth()
    cloud = sdk_cloud(auth)
    assert cloud.issue_token() == ("gAAAAAnew1", "2026-12-02T13:00:00+00:00")
    assert cloud.issue_token()[0] == "gAAAAAnew2" and auth.issued == 2


def test_issue_token_failure_is_an_api_error_naming_keystone():
    cloud = sdk_cloud(FakeAuth(fail=RuntimeError("HTTP 401: The request you have made requires authentication.")))
    with pytest.raises(ApiError, match=r"identity /auth/tokens.*401"):
        cloud.issue_token()
