# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the benchmarks share: where the control plane's helpers live, the testbed's clouds.yaml, and one way of printing.

Every benchmark prints a table (a header line, a row per measurement, right-aligned columns), then one line per
goal naming the measurement, the target and their ratio, then the same closing note: timings are printed,
never asserted.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
CONTROL_PLANE = REPO / "tests" / "control_plane"
LOAD_NOTE = "(timings depend on the machine's load; ratios are printed for the record, never asserted)"


def use_control_plane(*extra: str) -> None:
    """Make tests/control_plane (and the given folders under tests/) importable, as the benchmarks run from a checkout."""
    for folder in (CONTROL_PLANE, *(REPO / "tests" / name for name in extra)):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))


def testbed(script: str) -> tuple[str, dict, dict]:
    """``(clouds.yaml path, its clouds, seed summary)`` of the running OpenStack testbed, found as its conftest does.

    $OSTK_OPENSTACK_CLOUDS names clouds.yaml; $OSTK_TESTBED_SUMMARY the seed summary, by default seed-summary.json
    beside it (tests/openstack_testbed/ci.sh sets both).
    """
    clouds = os.environ.get("OSTK_OPENSTACK_CLOUDS")
    summary = os.environ.get("OSTK_TESTBED_SUMMARY") or (str(Path(clouds).with_name("seed-summary.json")) if clouds else None)
    if not clouds or not os.path.exists(clouds) or not summary or not os.path.exists(summary):
        raise SystemExit(f"{script} needs the OpenStack testbed: set OSTK_OPENSTACK_CLOUDS and OSTK_TESTBED_SUMMARY (tests/openstack_testbed/ci.sh does)")
    with open(clouds, encoding="utf-8") as handle:
        entries = yaml.safe_load(handle)["clouds"]
    with open(summary, encoding="utf-8") as handle:
        return clouds, entries, json.load(handle)


def print_table(columns: list[tuple[str, int]], rows: list[list[str]]) -> None:
    """``columns``: (title, width); each row's cells are already formatted, right-aligned under their title."""
    widths = [max(width, len(title)) for title, width in columns]
    print(" ".join(f"{title:>{width}}" for (title, dummy), width in zip(columns, widths, strict=True)))
    for row in rows:
        print(" ".join(f"{cell:>{width}}" for cell, width in zip(row, widths, strict=True)))


def target_line(what: str, measured: float, target: float, unit: str = "", digits: int = 2, higher_is_better: bool = False) -> str:
    """``<what>: <measured><unit>; target <target><unit> -> <measured/target> of the target`` and whether it is met."""
    met = measured >= target if higher_is_better else measured <= target
    return f"{what}: {measured:.{digits}f}{unit}; target {target:.2f}{unit} -> {measured / target:.2f} of the target ({'met' if met else 'NOT met'})"
