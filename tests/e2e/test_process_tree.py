# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""process_tree.kill_tree, which the kill-and-resume tests use: it must reach a child in a session of its own.

ansible-playbook's workers call setsid(); a kill of the playbook's process group leaves them running.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

CONTROL_PLANE = Path(__file__).resolve().parents[1] / "control_plane"
if str(CONTROL_PLANE) not in sys.path:
    sys.path.insert(0, str(CONTROL_PLANE))
from process_tree import kill_tree

# a leader whose child leaves the leader's session, as an ansible-playbook worker does
LEADER = (
    "import subprocess, sys, time\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import os, time; os.setsid(); print(flush=True); time.sleep(600)'], stdout=subprocess.PIPE)\n"
    "child.stdout.readline()\n"
    "print(child.pid, flush=True)\n"
    "time.sleep(600)\n"
)


def gone(pid: int) -> bool:
    """Dead: no such process, or a zombie its new parent has not reaped yet."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def test_a_child_in_its_own_session_is_killed_with_the_leader():
    leader = subprocess.Popen([sys.executable, "-c", LEADER], stdout=subprocess.PIPE, text=True, start_new_session=True)
    child = int(leader.stdout.readline())
    try:
        assert os.getsid(child) == child != os.getpgid(leader.pid), "the child should be out of the leader's group"
        killed = kill_tree(leader.pid)
        leader.wait(timeout=30)
        assert {leader.pid, child} <= killed
        deadline = time.monotonic() + 30
        while not gone(child):
            assert time.monotonic() < deadline, f"process {child} survived kill_tree"
            time.sleep(0.1)
    finally:
        for pid in (child, leader.pid):
            if not gone(pid):
                os.kill(pid, 9)
        leader.stdout.close()
