# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The few REST calls the doubles make, as plain dicts, with the token and CA of a kubeconfig up.sh wrote."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request

import yaml

MERGE_PATCH = "application/merge-patch+json"


class ApiException(Exception):
    """An answer other than 2xx (404 excepted: see Api.request)."""

    def __init__(self, status: int, reason: str):
        super().__init__(f"HTTP {status}: {reason}")
        self.status = status
        self.reason = reason


class Api:
    def __init__(self, kubeconfig: str):
        with open(kubeconfig, encoding="utf-8") as handle:
            config = yaml.safe_load(handle)
        cluster = config["clusters"][0]["cluster"]
        self._server = cluster["server"].rstrip("/")
        self._token = config["users"][0]["user"]["token"]
        self._tls = ssl.create_default_context(cafile=cluster["certificate-authority"])

    def request(self, method: str, path: str, body=None, content_type: str = "application/json") -> dict | None:
        """The decoded answer; None for 404 (the object went away between list and write, which is normal)."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json", "Content-Type": content_type}
        request = urllib.request.Request(self._server + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30, context=self._tls) as response:
                text = response.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            try:
                reason = json.loads(exc.read()).get("message", exc.reason)
            except ValueError:
                reason = exc.reason
            raise ApiException(exc.code, reason) from exc
        return json.loads(text) if text else {}

    def items(self, path: str) -> list[dict]:
        listed = self.request("GET", path)
        return (listed or {}).get("items") or []

    def create(self, path: str, obj: dict) -> None:
        try:
            self.request("POST", path, obj)
        except ApiException as exc:
            if exc.status != 409:  # somebody (an earlier pass) made it already
                raise

    def patch_status(self, path: str, status: dict, subresource: bool = True) -> None:
        """Merge ``status`` in: through the status subresource, or (kinds without one) the object itself."""
        self.request("PATCH", path + "/status" if subresource else path, {"status": status}, MERGE_PATCH)

    def delete(self, path: str) -> None:
        self.request("DELETE", path, {"propagationPolicy": "Background"})
