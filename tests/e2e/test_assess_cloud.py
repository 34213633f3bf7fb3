# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""assess_cloud.yml end to end on a 10-tenant snapshot tree (one broken), then its index.html in a real headless Chromium.

The browser is Debian's chromium (scripts/test's e2e step installs it), driven over the DevTools protocol through
--remote-debugging-pipe (fd 3 in, fd 4 out, NUL-separated JSON), so no extra Python package is needed. The
screenshot goes to $OKV_TEST_ARTIFACTS (else the test's tmp dir) and its path is printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from chromium_cdp import Cdp, artifacts_dir, find_chromium
from e2e_common import BIN, COLLECTIONS_PATH, NEEDS_ANSIBLE, REPO

PLAYBOOK = REPO / "playbooks" / "assess_cloud.yml"

pytestmark = NEEDS_ANSIBLE
if COLLECTIONS_PATH and COLLECTIONS_PATH not in sys.path:
    sys.path.insert(0, COLLECTIONS_PATH)


@pytest.fixture(scope="module")
def tree():
    from ansible_collections.ostokubevirt.migrate.tests.unit.plugins.module_utils import assessment_tree

    return assessment_tree


@pytest.fixture(scope="module")
def assessed(tmp_path_factory, tree):
    work = tmp_path_factory.mktemp("assess")
    snapshots, out = work / "snapshots", work / "assessment"
    tree.build_tree(str(snapshots))
    cmd = [
        str(BIN / "ansible-playbook"),
        str(PLAYBOOK),
        "-e",
        f"migration_snapshot_dir={snapshots}",
        "-e",
        f"assessment_dir={out}",
        "-e",
        "migration_bandwidth_mbps=2000",
        "-e",
        "migration_max_parallel=4",
    ]
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0"}
    run = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=False)
    return {"run": run, "out": out, "snapshots": snapshots, "work": work}


def test_playbook_writes_the_three_files_and_carries_on_past_the_broken_tenant(assessed, tree):
    run = assessed["run"]
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert sorted(os.listdir(assessed["out"])) == ["assessment.csv", "assessment.json", "index.html"]
    report = json.loads((assessed["out"] / "assessment.json").read_text(encoding="utf-8"))
    totals = report["totals"]
    assert (totals["tenants"], totals["tenants_assessed"], totals["tenants_failed"]) == (tree.TENANTS, tree.TENANTS - 1, 1)
    assert report["bandwidth_mbps"] == 2000 and report["max_parallel"] == 4
    assert "FAILED initech/broken" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr
    # Nothing but the report was written beside the snapshots.
    assert sorted(p.name for p in assessed["work"].iterdir()) == ["assessment", "snapshots"]
    for name in ("assessment.csv", "assessment.json", "index.html"):
        text = (assessed["out"] / name).read_text(encoding="utf-8")
        for needle in tree.secret_needles():
            assert needle not in text, f"{name} leaks {needle[:20]}..."
    for needle in tree.secret_needles():
        assert needle not in run.stdout


def _column(cdp: Cdp, table: str, column: int) -> list[float]:
    return cdp.js(
        f"Array.from(document.querySelectorAll('#{table} tbody tr')).filter(r => !r.hidden).map(r => parseFloat(r.cells[{column}].getAttribute('data-v')))"
    )


def test_report_in_headless_chromium(assessed, tree, tmp_path):
    chromium = find_chromium()
    assert assessed["run"].returncode == 0
    report = json.loads((assessed["out"] / "assessment.json").read_text(encoding="utf-8"))
    cdp = Cdp(chromium, tmp_path / "profile")
    try:
        cdp.open(assessed["out"] / "index.html")

        # Totals and tables are there and visible, with the numbers of assessment.json.
        assert cdp.js("(() => { const r = document.getElementById('totals').getBoundingClientRect(); return r.width > 0 && r.height > 0; })()")
        totals_text = cdp.js("document.getElementById('totals').innerText")
        assert f"{report['totals']['tenants_assessed']} of {report['totals']['tenants']}" in totals_text
        assert str(report["totals"]["vms_total"]) in totals_text
        assert cdp.js("document.querySelectorAll('#tenants tbody tr').length") == tree.TENANTS - 1
        assert cdp.js("document.querySelectorAll('#vms tbody tr').length") == report["totals"]["vms_total"]
        assert cdp.js("document.querySelectorAll('#failed tbody tr').length") == 1
        assert cdp.js("document.querySelectorAll('svg#chart-vms rect').length") > 0
        assert sum(_column(cdp, "tenants", 7)) == report["totals"]["vcpus"]
        # The XSS-looking names are text, not markup.
        assert cdp.js("document.querySelectorAll('img').length") == 0
        assert tree.XSS_SERVER in cdp.js("document.getElementById('vms').innerText")

        # Clicking a header sorts (numerically), clicking again reverses.
        cdp.js("document.querySelector('#tenants thead th:nth-child(11)').click()")
        ascending = _column(cdp, "tenants", 10)
        assert ascending == sorted(ascending) and ascending != sorted(ascending, reverse=True)
        assert cdp.js("document.querySelector('#tenants thead th:nth-child(11)').getAttribute('aria-sort')") == "ascending"
        cdp.js("document.querySelector('#tenants thead th:nth-child(11)').click()")
        assert _column(cdp, "tenants", 10) == sorted(ascending, reverse=True)

        # Filtering hides the rows that do not match.
        cdp.js("(() => { const i = document.querySelector('input[data-table=vms]'); i.value = 'blocked'; i.dispatchEvent(new Event('input')); })()")
        shown = cdp.js("Array.from(document.querySelectorAll('#vms tbody tr')).filter(r => !r.hidden).map(r => r.cells[2].innerText)")
        assert shown and set(shown) == {"blocked"} and len(shown) == report["totals"]["vms_blocked"]
        cdp.js("(() => { const i = document.querySelector('input[data-table=vms]'); i.value = ''; i.dispatchEvent(new Event('input')); })()")

        screenshot = cdp.screenshot(artifacts_dir(tmp_path) / "assessment.png")
        print(f"assessment screenshot: {screenshot}")
        assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

        # Printed: the filter boxes go away, the tables stay.
        cdp.call("Emulation.setEmulatedMedia", {"media": "print"})
        assert cdp.js("getComputedStyle(document.querySelector('input.filter')).display") == "none"
        assert cdp.js("getComputedStyle(document.getElementById('vms')).display") == "table"

        assert not cdp.errors(), cdp.errors()
    finally:
        cdp.close()
