# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Timings and switches of the doubles, changeable by a running test through a JSON file (re-read when it changes).

    {"import_seconds": 5, "start_seconds": 0.3, "namespaces": {"acme-web-shop": {"import_seconds": 600}}}
    {"namespaces": {"disk-test": {"fetch_http": true, "import_seconds": 0.5, "retry_seconds": 1}}}

``fetch_http``: import ``http`` sources for real (importer.py) instead of writing a sparse disk;
``retry_seconds``: the first back-off before a failed import is tried again (doubling up to 300 s, as the
kubelet restarts a failed importer container).

One control plane serves a whole test step, so a test that needs slow imports sets them for its own
namespace (or for all) and restores the file afterwards.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

LOG = logging.getLogger("doubles.settings")


class Settings:
    def __init__(self, path: Path, import_seconds: float, start_seconds: float, fetch_http: bool = False, retry_seconds: float = 10.0):
        self.path = path
        self.defaults = {"import_seconds": import_seconds, "start_seconds": start_seconds, "fetch_http": fetch_http, "retry_seconds": retry_seconds}
        self._loaded: dict = {}
        self._stamp: float | None = None

    def refresh(self) -> None:
        try:
            stamp = self.path.stat().st_mtime
        except FileNotFoundError:
            self._loaded, self._stamp = {}, None
            return
        if stamp == self._stamp:
            return
        try:
            self._loaded = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError) as exc:
            LOG.warning("ignoring %s: %s", self.path, exc)
            self._loaded = {}
        self._stamp = stamp

    def _raw(self, key: str, namespace: str):
        per_namespace = (self._loaded.get("namespaces") or {}).get(namespace) or {}
        return per_namespace.get(key, self._loaded.get(key, self.defaults[key]))

    def _value(self, key: str, namespace: str) -> float:
        return float(self._raw(key, namespace))

    def import_seconds(self, namespace: str) -> float:
        return self._value("import_seconds", namespace)

    def start_seconds(self, namespace: str) -> float:
        return self._value("start_seconds", namespace)

    def fetch_http(self, namespace: str) -> bool:
        return self._raw("fetch_http", namespace) is True

    def retry_seconds(self, namespace: str) -> float:
        return self._value("retry_seconds", namespace)
