# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Status conditions whose lastTransitionTime moves only when their status does, as real controllers keep them."""

from __future__ import annotations

import datetime
import time


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Clock:
    """How long each object (by uid) has been known, and when each of its conditions last changed."""

    def __init__(self):
        self._first_seen: dict[str, float] = {}
        self._transitions: dict[tuple[str, str], tuple[str, str]] = {}

    def age(self, obj: dict) -> float:
        return time.monotonic() - self._first_seen.setdefault(obj["metadata"]["uid"], time.monotonic())

    def condition(self, obj: dict, kind: str, status: bool, reason: str = "", message: str = "") -> dict:
        value = "True" if status else "False"
        key = (obj["metadata"]["uid"], kind)
        old = self._transitions.get(key)
        if old is None or old[0] != value:
            self._transitions[key] = (value, now())
        return {"type": kind, "status": value, "reason": reason, "message": message, "lastTransitionTime": self._transitions[key][1]}

    def forget_all_but(self, uids: set[str]) -> None:
        for uid in [u for u in self._first_seen if u not in uids]:
            del self._first_seen[uid]
        for key in [k for k in self._transitions if k[0] not in uids]:
            del self._transitions[key]


def owner_reference(obj: dict) -> dict:
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
