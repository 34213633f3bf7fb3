# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""assess_cloud.yml end to end on a 10-tenant snapshot tree (one broken), then its index.html in a real headless Chromium.

The browser is Debian's chromium (scripts/test's e2e step installs it), driven over the DevTools protocol through
--remote-debugging-pipe (fd 3 in, fd 4 out, NUL-separated JSON), so no extra Python package is needed. The
screenshot goes to $OKV_TEST_ARTIFACTS (else the test's tmp dir) and its path is printed.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
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


class Cdp:
    """A DevTools-protocol client over Chromium's --remote-debugging-pipe."""

    def __init__(self, chromium: str, profile: Path):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def _fds():
            # Chromium reads commands on fd 3 and writes replies on fd 4.
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.proc = subprocess.Popen(
            [
                chromium,
                "--headless",
                "--remote-debugging-pipe",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-extensions",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            preexec_fn=_fds,
            pass_fds=(3, 4),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        self.session: str | None = None

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._from_browser], [], [], remaining)[0]:
                raise TimeoutError("no reply from chromium")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, *, browser: bool = False, timeout: float = 60) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if not browser and self.session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._read_message(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def js(self, expression: str):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self) -> None:
        try:
            self.call("Browser.close", browser=True, timeout=10)
        except (OSError, RuntimeError, TimeoutError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


def _artifacts_dir(tmp_path: Path) -> Path:
    path = Path(os.environ.get("OKV_TEST_ARTIFACTS") or tmp_path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _column(cdp: Cdp, table: str, column: int) -> list[float]:
    return cdp.js(
        f"Array.from(document.querySelectorAll('#{table} tbody tr')).filter(r => !r.hidden).map(r => parseFloat(r.cells[{column}].getAttribute('data-v')))"
    )


def test_report_in_headless_chromium(assessed, tree, tmp_path):
    chromium = shutil.which("chromium")
    if not chromium:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: scripts/test's e2e step installs it (okv_ensure_chromium)")
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    assert assessed["run"].returncode == 0
    report = json.loads((assessed["out"] / "assessment.json").read_text(encoding="utf-8"))
    cdp = Cdp(chromium, tmp_path / "profile")
    try:
        target = cdp.call("Target.createTarget", {"url": "about:blank"}, browser=True)["targetId"]
        cdp.session = cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True}, browser=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            cdp.call(f"{domain}.enable")
        cdp.call("Emulation.setDeviceMetricsOverride", {"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
        cdp.call("Page.navigate", {"url": (assessed["out"] / "index.html").as_uri()})
        cdp.wait_event("Page.loadEventFired")

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

        height = cdp.js("document.documentElement.scrollHeight")
        shot = cdp.call(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True, "clip": {"x": 0, "y": 0, "width": 1400, "height": min(height, 6000), "scale": 1}},
        )
        screenshot = _artifacts_dir(tmp_path) / "assessment.png"
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        print(f"assessment screenshot: {screenshot}")
        assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

        # Printed: the filter boxes go away, the tables stay.
        cdp.call("Emulation.setEmulatedMedia", {"media": "print"})
        assert cdp.js("getComputedStyle(document.querySelector('input.filter')).display") == "none"
        assert cdp.js("getComputedStyle(document.getElementById('vms')).display") == "table"

        errors = [
            e
            for e in cdp.events
            if e.get("method") == "Runtime.exceptionThrown"
            or (e.get("method") == "Runtime.consoleAPICalled" and e["params"].get("type") in ("error", "assert"))
            or (e.get("method") == "Log.entryAdded" and e["params"]["entry"].get("level") == "error")
        ]
        assert not errors, errors
    finally:
        cdp.close()
