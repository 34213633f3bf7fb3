# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""server_power: the decision per Nova status, and the bounded stop/start loop over a fake Nova."""

from __future__ import annotations

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack import server_power as sp
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError


class FakeNova:
    """One server whose status moves as Nova moves it: an action sets the task state, ``settle_after`` GETs later
    the status changes (or, with ``take=False``, falls back to where it was)."""

    def __init__(self, status="ACTIVE", settle_after=2, take=True):
        self.servers = {"s-1": {"id": "s-1", "status": status, sp.TASK_STATE: None}}
        self.calls: list[tuple] = []
        self.settle_after = settle_after
        self.take = take
        self.pending: dict[str, list] = {}
        self.post_status: int | None = None
        self.sleeps: list[float] = []
        self.now = 0.0

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self):
        return self.now

    def request(self, method, service, path, body=None, **_kwargs):
        assert service == "compute"
        self.calls.append((method, path, body))
        server_id = path.split("/")[2]
        server = self.servers.get(server_id)
        if server is None:
            raise ApiError(404, method, f"http://nova{path}", "Instance could not be found")
        if method == "GET":
            todo = self.pending.get(server_id)
            if todo:
                todo[0] -= 1
                if todo[0] <= 0:
                    server["status"] = todo[1] if self.take else server["status"]
                    server[sp.TASK_STATE] = None
                    del self.pending[server_id]
            return {"server": dict(server)}
        if self.post_status:
            raise ApiError(self.post_status, method, f"http://nova{path}", "Cannot 'stop' instance while it is in vm_state stopped")
        (action,) = body
        server[sp.TASK_STATE] = {"os-stop": "powering-off", "os-start": "powering-on"}[action]
        self.pending[server_id] = [self.settle_after, {"os-stop": "SHUTOFF", "os-start": "ACTIVE"}[action]]
        return {}

    def posts(self):
        return [c for c in self.calls if c[0] == "POST"]


def run(nova, state, **kwargs):
    return sp.set_power(nova, "s-1", state, sleep=nova.sleep, clock=nova.clock, **{"poll_interval": 5, **kwargs})


# -- decide ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("state", "status", "task", "what"),
    [
        ("stopped", "SHUTOFF", None, sp.DONE),
        ("stopped", "ACTIVE", None, sp.ACT),
        ("stopped", "RESCUE", None, sp.ACT),
        ("stopped", "ACTIVE", "powering-off", sp.WAIT),
        ("stopped", "SHUTOFF", "powering-on", sp.WAIT),
        ("stopped", "REBOOT", None, sp.WAIT),
        ("stopped", "BUILD", "spawning", sp.WAIT),
        ("stopped", "ERROR", None, sp.FAIL),
        ("stopped", "PAUSED", None, sp.FAIL),
        ("stopped", "SHELVED_OFFLOADED", None, sp.FAIL),
        ("started", "ACTIVE", None, sp.DONE),
        ("started", "SHUTOFF", None, sp.ACT),
        ("started", "SHUTOFF", "powering-on", sp.WAIT),
        ("started", "MIGRATING", None, sp.WAIT),
        ("started", "SUSPENDED", None, sp.FAIL),
        ("started", "DELETED", None, sp.FAIL),
    ],
)
def test_decide_per_status(state, status, task, what):
    assert sp.decide(state, {"status": status, sp.TASK_STATE: task}).what == what


def test_decide_fails_for_a_gone_server_and_an_action_that_did_not_take():
    assert sp.decide("stopped", None) == sp.Decision(sp.FAIL, "not found (HTTP 404)")
    after = sp.decide("stopped", {"status": "ACTIVE"}, acted=True)
    assert after.what == sp.FAIL and "again after os-stop" in after.reason
    error = sp.decide("started", {"status": "ERROR", "fault": {"message": "No valid host"}})
    assert error == sp.Decision(sp.FAIL, "status ERROR (No valid host)")
    with pytest.raises(ValueError, match="state must be one of stopped, started"):
        sp.decide("rebooted", {"status": "ACTIVE"})


# -- set_power ---------------------------------------------------------------------------------------
def test_stop_posts_once_waits_and_a_second_run_changes_nothing():
    nova = FakeNova(settle_after=3)
    first = run(nova, "stopped")
    assert first == {"changed": True, "status": "SHUTOFF", "action": "os-stop"}
    assert nova.posts() == [("POST", "/servers/s-1/action", {"os-stop": None})]
    assert nova.sleeps == [5, 5, 5]
    again = run(nova, "stopped")
    assert again == {"changed": False, "status": "SHUTOFF", "action": None} and len(nova.posts()) == 1
    started = run(nova, "started")
    assert started["changed"] is True and nova.posts()[-1][2] == {"os-start": None}


def test_check_mode_makes_only_one_get():
    nova = FakeNova()
    assert run(nova, "stopped", check_mode=True) == {"changed": True, "status": "ACTIVE", "action": "os-stop"}
    assert run(nova, "started", check_mode=True) == {"changed": False, "status": "ACTIVE", "action": None}
    assert [c[0] for c in nova.calls] == ["GET", "GET"] and nova.servers["s-1"]["status"] == "ACTIVE"


def test_a_server_already_powering_off_is_waited_for_not_posted_again():
    nova = FakeNova()
    nova.servers["s-1"][sp.TASK_STATE] = "powering-off"
    nova.pending["s-1"] = [2, "SHUTOFF"]
    assert run(nova, "stopped") == {"changed": False, "status": "SHUTOFF", "action": None}
    assert nova.posts() == []


def test_wait_false_posts_and_returns_without_sleeping():
    nova = FakeNova()
    assert run(nova, "stopped", wait=False) == {"changed": True, "status": "ACTIVE", "action": "os-stop"}
    assert nova.sleeps == [] and len(nova.posts()) == 1


def test_timeout_names_the_server_and_its_status():
    nova = FakeNova(settle_after=1000)
    with pytest.raises(sp.PowerError, match=r"server s-1 is not SHUTOFF after 12 s: status ACTIVE") as caught:
        run(nova, "stopped", timeout=12)
    assert sum(nova.sleeps) <= 15 and len(nova.posts()) == 1
    assert "s-1" in str(caught.value)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda n: n.servers.clear(), r"server s-1 cannot be made SHUTOFF: not found \(HTTP 404\)"),
        (lambda n: n.servers["s-1"].update(status="ERROR"), r"server s-1 cannot be made SHUTOFF: status ERROR"),
        (lambda n: n.servers["s-1"].update(status="PAUSED"), r"server s-1 cannot be made SHUTOFF: status PAUSED, from which os-stop"),
        (lambda n: setattr(n, "post_status", 409), r"server s-1 \(status ACTIVE\): os-stop refused, the server is busy.*HTTP 409"),
        (lambda n: setattr(n, "take", False), r"server s-1 cannot be made SHUTOFF: status ACTIVE again after os-stop"),
    ],
)
def test_failures_name_the_server_and_the_status(setup, message):
    nova = FakeNova()
    setup(nova)
    with pytest.raises(sp.PowerError, match=message):
        run(nova, "stopped")
    assert len(nova.posts()) <= 1


def test_a_server_deleted_while_waiting_fails():
    nova = FakeNova(settle_after=5)

    def vanish(seconds):
        nova.sleeps.append(seconds)
        nova.servers.clear()

    with pytest.raises(sp.PowerError, match=r"server s-1 cannot be made SHUTOFF: not found"):
        sp.set_power(nova, "s-1", "stopped", sleep=vanish, clock=nova.clock)


def test_other_get_errors_name_the_server():
    class Broken(FakeNova):
        def request(self, method, service, path, body=None, **kwargs):
            raise ApiError(503, method, f"http://nova{path}", "Service Unavailable")

    with pytest.raises(sp.PowerError, match=r"server s-1: GET http://nova/servers/s-1: HTTP 503"):
        run(Broken(), "started")
