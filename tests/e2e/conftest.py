# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The control plane every e2e module here runs against (tests/e2e/real_server has its own session fixtures)."""

from __future__ import annotations

import pytest
from e2e_common import ControlPlane


@pytest.fixture(scope="module")
def plane(tmp_path_factory):
    """The step's control plane ($OKV_CONTROL_PLANE_DIR) or one of this module's; left without faults or timings."""
    started = ControlPlane.from_environment(tmp_path_factory.mktemp("control-plane"))
    try:
        yield started
    finally:
        started.clear_faults()
        started.set_timings()
        started.stop()
