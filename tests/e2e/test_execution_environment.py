# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ansible-builder create renders meta/execution-environment.yml into a build context holding what we need.

No image is built (no container registry is reachable from CI): the context is what `podman build` would get,
so checking it checks the EE's content: the Containerfile, our Python requirements, the collections, qemu-img.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BUILDER = Path(sys.executable).parent / "ansible-builder"


@pytest.mark.skipif(not BUILDER.exists(), reason="needs ansible-builder next to this python (scripts/lib/requirements-test.txt)")
def test_ansible_builder_create_writes_a_context_with_our_requirements(tmp_path):
    context = tmp_path / "context"
    done = subprocess.run(
        [
            str(BUILDER),
            "create",
            "-f",
            str(REPO / "meta" / "execution-environment.yml"),
            "--context",
            str(context),
            "--output-filename",
            "Containerfile",
            "-v",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    build = context / "_build"
    python = (build / "requirements.txt").read_text(encoding="utf-8")
    galaxy = yaml.safe_load((build / "requirements.yml").read_text(encoding="utf-8"))
    bindep = (build / "bindep.txt").read_text(encoding="utf-8")
    for line in (REPO / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            assert line in python.splitlines(), f"{line} is not in the context's requirements.txt"
    names = {c["name"] for c in galaxy["collections"]}
    assert {"kubernetes.core", "openstack.cloud", "kubevirt.core"} <= names
    assert re.search(r"^qemu-img \[platform:rpm\]", bindep, re.M) and re.search(r"^qemu-utils \[platform:dpkg\]", bindep, re.M)
    assert "community-ee-base" in containerfile
    # The Containerfile installs them: ansible-galaxy for the collections, pip and bindep through the builder's scripts.
    assert "ansible-galaxy" in containerfile and "requirements.yml" in containerfile
    assert "assemble" in containerfile and "install-from-bindep" in containerfile
