# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The venv scripts/demo builds holds every library the collection's modules import (requirements.txt).

The README's usage goes from the demo straight to "export from your cloud": without openstacksdk in
that venv it failed with "Failed to import the required Python library (openstacksdk)".
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _names(path: Path) -> dict[str, str]:
    """Package name (normalised) -> the requirement line, comments and blanks left out."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name = re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0]
            found[re.sub(r"[-_.]+", "-", name).lower()] = line
    return found


def test_the_demo_venv_has_every_controller_library():
    needed = _names(REPO / "requirements.txt")
    demo = _names(REPO / "scripts" / "lib" / "requirements-demo.txt")
    assert set(needed) <= set(demo), f"missing from scripts/lib/requirements-demo.txt: {sorted(set(needed) - set(demo))}"
    for name in needed:
        assert "==" in demo[name], f"{demo[name]}: the demo venv pins its versions"
