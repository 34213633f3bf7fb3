# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the stand-in's tests: raw HTTP, polling, manifests."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request

# Loopback only: never route test traffic through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Raw:
    """Plain HTTP against the stand-in (for admin endpoints and wire-level checks)."""

    def __init__(self, server):
        # anything with ``url`` and ``token``: a StandinServer, or the address of a CLI-started one
        self.server = server

    def request(self, method: str, path: str, body=None, content_type: str = "application/json",
                token: bool = True, timeout: float = 10.0):
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(self.server.url + path, data=data, method=method)
        req.add_header("Content-Type", content_type)
        if token and self.server.token:
            req.add_header("Authorization", f"Bearer {self.server.token}")
        try:
            with _OPENER.open(req, timeout=timeout) as resp:
                return resp.status, dict(resp.headers), _decode(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), _decode(err.read())

    def fault(self, **rule):
        status, _headers, body = self.request("POST", "/_standin/faults", rule)
        assert status == 201, body
        return body["rules"][0]


def _decode(payload: bytes):
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode(errors="replace")


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.05):
    """Poll ``predicate`` until it returns something truthy; fail the test on timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


def vm_manifest(name: str = "web-1", namespace: str = "default", run_strategy: str = "Always",
                with_disk: bool = True, **extra_spec) -> dict:
    """A VirtualMachine as the collection renders one: a dataVolumeTemplate and a pod network."""
    devices: dict = {"interfaces": [{"name": "default", "masquerade": {}}]}
    volumes = []
    spec: dict = {"runStrategy": run_strategy}
    if with_disk:
        devices["disks"] = [{"name": "root", "disk": {"bus": "virtio"}}]
        volumes = [{"name": "root", "dataVolume": {"name": f"{name}-root"}}]
        spec["dataVolumeTemplates"] = [{
            "metadata": {"name": f"{name}-root"},
            "spec": {"source": {"blank": {}}, "storage": {"resources": {"requests": {"storage": "1Gi"}}}},
        }]
    spec["template"] = {
        "metadata": {"labels": {"kubevirt.io/domain": name}},
        "spec": {"domain": {"devices": devices, "resources": {"requests": {"memory": "1Gi"}}},
                 "networks": [{"name": "default", "pod": {}}], "volumes": volumes},
    }
    spec.update(extra_spec)
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine",
            "metadata": {"name": name, "namespace": namespace,
                         "labels": {"app.kubernetes.io/managed-by": "ostokubevirt"}},
            "spec": spec}


def env_without_proxies() -> dict:
    """Subprocess environment that cannot route loopback traffic through a proxy."""
    env = dict(os.environ)
    for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(key, None)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env
