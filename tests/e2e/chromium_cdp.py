# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A headless Chromium driven over the DevTools protocol, for the tests that open the assessment report.

Debian's chromium (scripts/test installs it) through --remote-debugging-pipe (fd 3 in, fd 4 out, NUL-separated
JSON), so no extra Python package is needed. Used by tests/e2e/test_assess_cloud.py and the live
tests/openstack_testbed/tests/test_cloud_render.py.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest


def find_chromium() -> str:
    """Chromium's path; a skip outside CI when it is missing, a failure in CI (scripts/test installs it)."""
    chromium = shutil.which("chromium")
    if not chromium:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: scripts/test installs it (okv_ensure_chromium)")
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    return chromium


def artifacts_dir(tmp_path: Path) -> Path:
    """Where screenshots go: $OKV_TEST_ARTIFACTS (scripts/test sets it), else the test's tmp dir."""
    path = Path(os.environ.get("OKV_TEST_ARTIFACTS") or tmp_path)
    path.mkdir(parents=True, exist_ok=True)
    return path


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

    def open(self, page: Path, width: int = 1400, height: int = 1000) -> None:
        """A new tab showing ``page`` (a local file), with the Page, Runtime and Log events on."""
        target = self.call("Target.createTarget", {"url": "about:blank"}, browser=True)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True}, browser=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.call("Page.navigate", {"url": page.as_uri()})
        self.wait_event("Page.loadEventFired")

    def screenshot(self, path: Path, width: int = 1400) -> Path:
        """The whole page (up to 6000 px high) as a PNG at ``path``."""
        height = self.js("document.documentElement.scrollHeight")
        shot = self.call(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True, "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 6000), "scale": 1}},
        )
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def errors(self) -> list[dict]:
        """The page's uncaught exceptions, console errors and error log entries seen so far."""
        return [
            e
            for e in self.events
            if e.get("method") == "Runtime.exceptionThrown"
            or (e.get("method") == "Runtime.consoleAPICalled" and e["params"].get("type") in ("error", "assert"))
            or (e.get("method") == "Log.entryAdded" and e["params"]["entry"].get("level") == "error")
        ]
