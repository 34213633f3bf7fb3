# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import copy
import os

import pytest
import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def _load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


_DEMO = _load(os.path.join(REPO, "examples", "snapshots", "demo.yaml"))
_MINIMAL = _load(os.path.join(FIXTURES, "snapshot_minimal.yaml"))


@pytest.fixture
def demo_snapshot():
    """A fresh deep copy of the bundled demo tenant (tests may mutate it)."""
    return copy.deepcopy(_DEMO)


@pytest.fixture
def minimal_snapshot():
    return copy.deepcopy(_MINIMAL)


@pytest.fixture
def shared_dir():
    """../shared beside the repository (team tools and upstream schemas), when present."""
    path = os.path.join(REPO, "..", "shared")
    if not os.path.isdir(os.path.join(path, "schemas")):
        pytest.skip("../shared (upstream schemas) not present")
    return os.path.abspath(path)
