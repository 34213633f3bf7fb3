# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The per-tenant progress record apply mode keeps in a ConfigMap, read back into plain data.

Keys are C(vm.<vm name>) (one JSON record per VM: phase, hash, server_id[, message]) and
C(stopped.<server id>) (a source server apply mode asked to stop: state requested or stopped, vm, and
source_status, its Nova status when the stop was asked for). Whatever does not parse is reported,
not trusted: a damaged entry makes its VM count as not done, so it is migrated again (idempotently)
rather than skipped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

VM_PREFIX = "vm."
STOPPED_PREFIX = "stopped."
DONE = "done"
# Stop records whose stop may have happened: "requested" is written before the stop is asked for, so a run killed
# right after it may have stopped the server.
STOP_STATES = ("requested", "stopped")


def _record(key: str, text, unreadable: list[str]) -> dict | None:
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        value = None
    if not isinstance(value, dict):
        unreadable.append(key)
        return None
    return value


def read_progress(data: Mapping | None) -> dict:
    """vms (name -> record), done_hashes, stopped (server id -> record), status_before_stop and unreadable keys.

    status_before_stop (server id -> Nova status before our stop) is the translation option
    source_status_before_stop: a resumed run translates each server we stopped as it was before the stop.
    """
    vms: dict[str, dict] = {}
    stopped: dict[str, dict] = {}
    unreadable: list[str] = []
    for key, text in sorted((data or {}).items()):
        if key.startswith(VM_PREFIX):
            record = _record(key, text, unreadable)
            if record is not None:
                vms[key[len(VM_PREFIX) :]] = record
        elif key.startswith(STOPPED_PREFIX):
            # Even an unreadable stop record names a server we may have stopped: keep it for rollback.
            stopped[key[len(STOPPED_PREFIX) :]] = _record(key, text, unreadable) or {}
    done_hashes = sorted({str(r.get("hash")) for r in vms.values() if r.get("phase") == DONE and r.get("hash")})
    before = {
        server: str(record["source_status"])
        for server, record in stopped.items()
        if record.get("state") in STOP_STATES and isinstance(record.get("source_status"), str) and record["source_status"]
    }
    return {"vms": vms, "done_hashes": done_hashes, "stopped": stopped, "status_before_stop": before, "unreadable": unreadable}
