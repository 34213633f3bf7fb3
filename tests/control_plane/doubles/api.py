# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The few REST calls the doubles make, as plain dicts (no generated models: they would drop unknown fields)."""
from __future__ import annotations

import json

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

MERGE_PATCH = "application/merge-patch+json"


class Api:
    def __init__(self, kubeconfig: str):
        self._client = config.new_client_from_config(config_file=kubeconfig)

    def request(self, method: str, path: str, body=None, content_type: str = "application/json") -> dict | None:
        """The decoded answer; None for 404 (the object went away between list and write, which is normal)."""
        headers = {"Accept": "application/json", "Content-Type": content_type}
        try:
            response = self._client.call_api(path, method, header_params=headers, body=body, auth_settings=["BearerToken"],
                                             _preload_content=False, _request_timeout=30)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        data = response[0].data
        return json.loads(data) if data else {}

    def items(self, path: str) -> list[dict]:
        listed = self.request("GET", path)
        return (listed or {}).get("items") or []

    def create(self, path: str, obj: dict) -> None:
        try:
            self.request("POST", path, obj)
        except ApiException as exc:
            if exc.status != 409:  # somebody (an earlier pass) made it already
                raise

    def patch_status(self, path: str, status: dict) -> None:
        self.request("PATCH", path + "/status", {"status": status}, MERGE_PATCH)

    def delete(self, path: str) -> None:
        self.request("DELETE", path, {"propagationPolicy": "Background"})


__all__ = ["Api", "ApiException", "client"]
