# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Stop or start one Nova server: what to do for its status (pure), and the bounded loop over a cloud object.

Nova's ``os-stop`` is accepted for an ACTIVE, RESCUE or ERROR server and ``os-start`` only for a SHUTOFF one;
while a stop or start runs, the status is unchanged and ``OS-EXT-STS:task_state`` says ``powering-off`` /
``powering-on``, and a second request would get HTTP 409. So an action is only posted when the server is
settled in a status it applies to, and a server that is busy is waited for instead.

The cloud object is ``disk_cloud.SdkCloud`` (``request(method, service, path, body=None)``), or a fake.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import quote

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError

WANTED = {"stopped": "SHUTOFF", "started": "ACTIVE"}
ACTION = {"stopped": "os-stop", "started": "os-start"}
# the statuses each action is accepted from (ERROR is excluded on purpose: a broken server is reported, not poked)
ACTS_FROM = {"stopped": ("ACTIVE", "RESCUE"), "started": ("SHUTOFF",)}
# statuses that settle by themselves; waited for, then decided again
TRANSIENT = ("BUILD", "REBOOT", "HARD_REBOOT", "MIGRATING", "RESIZE", "REVERT_RESIZE", "REBUILD", "PASSWORD")
BROKEN = ("ERROR", "DELETED", "SOFT_DELETED", "UNKNOWN")
TASK_STATE = "OS-EXT-STS:task_state"

DONE, ACT, WAIT, FAIL = "done", "act", "wait", "fail"


class PowerError(Exception):
    """The server cannot reach the wanted status; the message names the server and its status."""


@dataclass(frozen=True)
class Decision:
    what: str  # DONE, ACT, WAIT or FAIL
    reason: str = ""


def decide(state: str, server: dict | None, acted: bool = False) -> Decision:
    """What to do next for ``server`` (None: it is gone) to reach ``state``; ``acted``: our action was posted."""
    if state not in WANTED:
        raise ValueError(f"state must be one of {', '.join(WANTED)}, not {state!r}")
    if server is None:
        return Decision(FAIL, "not found (HTTP 404)")
    status = str(server.get("status") or "").upper()
    task = server.get(TASK_STATE)
    if status == WANTED[state] and not task:
        return Decision(DONE)
    if status in BROKEN:
        fault = (server.get("fault") or {}).get("message") if isinstance(server.get("fault"), dict) else None
        return Decision(FAIL, f"status {status}" + (f" ({fault})" if fault else ""))
    if task or status in TRANSIENT or status == WANTED[state]:
        return Decision(WAIT, f"status {status}" + (f", task {task}" if task else ""))
    if status in ACTS_FROM[state]:
        if acted:
            # Nova took our request and the server settled back where it was: the action failed on the compute host
            return Decision(FAIL, f"status {status} again after {ACTION[state]}: it did not take (see 'openstack server event list')")
        return Decision(ACT, f"status {status}")
    return Decision(FAIL, f"status {status}, from which {ACTION[state]} cannot make it {WANTED[state]}")


def _server_path(server_id: str) -> str:
    return f"/servers/{quote(server_id, safe='')}"


def get_server(cloud, server_id: str) -> dict | None:
    """The server's JSON, or None when Nova says 404."""
    try:
        return cloud.request("GET", "compute", _server_path(server_id)).get("server") or {}
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise


def set_power(
    cloud,
    server_id: str,
    state: str,
    wait: bool = True,
    timeout: float = 600,
    poll_interval: float = 5,
    check_mode: bool = False,
    sleep=time.sleep,
    clock=time.monotonic,
) -> dict:
    """Bring the server to ``state``; ``{"changed", "status", "action"}`` or PowerError.

    Without ``wait`` a busy server is left to settle (``changed`` false); with it, the loop polls until the status
    is reached or ``timeout`` seconds have passed. Check mode makes only the first GET.
    """
    wanted = WANTED[state]
    deadline = clock() + timeout
    acted = False
    while True:
        try:
            server = get_server(cloud, server_id)
        except ApiError as exc:
            raise PowerError(f"server {server_id}: {exc}") from exc
        decision = decide(state, server, acted)
        status = (server or {}).get("status")
        if decision.what == DONE:
            return {"changed": acted, "status": status, "action": ACTION[state] if acted else None}
        if decision.what == FAIL:
            raise PowerError(f"server {server_id} cannot be made {wanted}: {decision.reason}")
        if check_mode:
            return {"changed": decision.what == ACT, "status": status, "action": ACTION[state] if decision.what == ACT else None}
        if decision.what == ACT:
            try:
                cloud.request("POST", "compute", f"{_server_path(server_id)}/action", body={ACTION[state]: None})
            except ApiError as exc:
                why = "the server is busy or in a status that does not allow it" if exc.status == 409 else "the call failed"
                raise PowerError(f"server {server_id} ({decision.reason}): {ACTION[state]} refused, {why}: {exc}") from exc
            acted = True
        if not wait:
            return {"changed": acted, "status": status, "action": ACTION[state] if acted else None}
        if clock() >= deadline:
            raise PowerError(f"server {server_id} is not {wanted} after {timeout:g} s: {decision.reason}")
        sleep(poll_interval)
