# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the e2e tests against the control plane share besides fixtures (those are in conftest.py).

Importing it puts tests/control_plane on sys.path (control_plane, disk_server, ...): tests/e2e/real_server imports
test_apply_e2e without this folder's conftest.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO / "tests" / "control_plane") not in sys.path:
    sys.path.insert(0, str(REPO / "tests" / "control_plane"))
from control_plane import ControlPlane

__all__ = ["BIN", "COLLECTIONS_PATH", "NEEDS_ANSIBLE", "REPO", "ControlPlane", "qcow2_disk"]
BIN = Path(sys.executable).parent


def _collections_path() -> str:
    if os.environ.get("ANSIBLE_COLLECTIONS_PATH"):
        return os.environ["ANSIBLE_COLLECTIONS_PATH"]
    for parent in REPO.parents:
        if parent.name == "ansible_collections":
            return str(parent.parent)
    return ""


COLLECTIONS_PATH = _collections_path()
# for the modules that run ansible-playbook: pytestmark = NEEDS_ANSIBLE
NEEDS_ANSIBLE = pytest.mark.skipif(
    not (BIN / "ansible-playbook").exists() or not COLLECTIONS_PATH,
    reason="needs ansible-playbook next to this python, and the collection on ANSIBLE_COLLECTIONS_PATH",
)


def qcow2_disk(here: Path, raw: bytes) -> dict:
    """``raw`` as disk.raw and the qcow2 qemu-img makes of it (disk.qcow2), with the sha256 of each and the qcow2's size."""
    (here / "disk.raw").write_bytes(raw)
    subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(here / "disk.raw"), str(here / "disk.qcow2")], check=True)
    qcow2 = (here / "disk.qcow2").read_bytes()
    return {
        "dir": here,
        "raw_sha256": hashlib.sha256(raw).hexdigest(),
        "qcow2_sha256": hashlib.sha256(qcow2).hexdigest(),
        "size": len(qcow2),
        "files": {"disk.raw": here / "disk.raw", "disk.qcow2": here / "disk.qcow2"},
    }
