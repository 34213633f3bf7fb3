# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Kill a process and everything it started, as a crash or an OOM kill of the whole run would.

Killing ansible-playbook's process group is not enough: each of its worker processes calls ``setsid()``, so
the worker (which runs the action plugins and their round loops) and the modules it starts survive a
``killpg`` of the playbook and carry on. A test that "kills" a run that way tests nothing.

Standard library only (Linux ``/proc``), so any Python that runs the tests can use it.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path


def children_by_parent() -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="utf-8", errors="replace").rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone since the listing
        found.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return found


def descendants(pid: int) -> set[int]:
    children = children_by_parent()
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def kill_tree(pid: int) -> set[int]:
    """SIGKILL ``pid`` and all its descendants, whatever their session or group; returns the PIDs killed.

    Every process of the tree is stopped first (SIGSTOP), until a listing finds no new one: a stopped process
    cannot fork, and none is re-parented away from the tree before it is listed.
    """
    stopped: set[int] = set()
    while True:
        tree = ({pid} | descendants(pid)) - stopped
        if not tree:
            break
        for member in tree:
            _signal(member, signal.SIGSTOP)
        stopped |= tree
    for member in stopped:
        _signal(member, signal.SIGKILL)
    return stopped
