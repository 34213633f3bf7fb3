# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test-side handle on a control plane started by up.sh: REST calls, fault rules, request log, timings.

    plane = ControlPlane.from_environment(tmp_dir)   # $OKV_CONTROL_PLANE_DIR, else starts one in tmp_dir
    plane.get("/api/v1/namespaces/default")
    plane.add_fault({"action": "status", "status": 500, "kind": "VirtualMachine", "method": "PATCH"})
    plane.delete_namespace("acme-web-shop")          # and wait until the namespace controller finished
    plane.imported_disks("acme-web-shop")            # {datavolume: sha256 of its raw disk}
    plane.stop()                                     # only stops what from_environment started

Standard library only, so any Python that runs the tests can use it.
"""

from __future__ import annotations

import hashlib
import json
import os
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent


def imported_disk_digests(directory: Path, namespace: str) -> dict[str, str]:
    """The sha256 of every disk the importer double wrote for ``namespace``: {datavolume name: hex digest}.

    The files are raw (DIR/volumes/<namespace>/<datavolume>.img, the disk's virtual size), so each digest
    compares directly with the sha256 of the source disk's raw bytes.
    """
    digests = {}
    for image in sorted((Path(directory) / "volumes" / namespace).glob("*.img")):
        hasher = hashlib.sha256()
        with image.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                hasher.update(chunk)
        digests[image.name[: -len(".img")]] = hasher.hexdigest()
    return digests


def _read_env(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, separator, value = line.partition("=")
        if separator:
            values[key] = value
    return values


class ControlPlane:
    def __init__(self, directory: Path, owned: bool = False):
        self.dir = Path(directory)
        env = _read_env(self.dir / "env")
        self.url = env["OKV_FAULT_PROXY"]
        self.direct_url = env["OKV_API_SERVER"]
        self.kubeconfig = self.dir / "kubeconfig"
        self.token = self.user_token("okv-admin")
        self._tls = ssl.create_default_context(cafile=str(self.dir / "pki" / "ca.crt"))
        self._owned = owned

    # ------------------------------------------------------------------------------ lifecycle
    @classmethod
    def from_environment(cls, scratch: Path) -> ControlPlane:
        """The step's control plane ($OKV_CONTROL_PLANE_DIR), else a new one in ``scratch`` (stopped by stop())."""
        shared = os.environ.get("OKV_CONTROL_PLANE_DIR")
        if shared:
            return cls(Path(shared))
        return cls.start(scratch)

    @classmethod
    def start(cls, directory: Path) -> ControlPlane:
        subprocess.run([str(HERE / "up.sh"), str(directory)], check=True)
        return cls(directory, owned=True)

    def stop(self) -> None:
        if self._owned:
            subprocess.run([str(HERE / "down.sh"), str(self.dir)], check=False)

    def user_token(self, user: str) -> str:
        for line in (self.dir / "tokens.csv").read_text(encoding="utf-8").splitlines():
            fields = line.split(",")
            if len(fields) > 1 and fields[1] == user:
                return fields[0]
        raise KeyError(f"no token for user {user!r} in {self.dir / 'tokens.csv'}")

    # ------------------------------------------------------------------------------ API
    def request(self, method: str, path: str, body=None, *, content_type: str = "application/json", direct: bool = False):
        """The decoded answer; None for 404. Other errors raise urllib.error.HTTPError."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            (self.direct_url if direct else self.url) + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": content_type, "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30, context=self._tls) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise
        return json.loads(text) if text else None

    def get(self, path: str):
        return self.request("GET", path, direct=True)

    def items(self, path: str) -> list[dict]:
        listed = self.get(path)
        return listed["items"] if listed else []

    def delete_namespace(self, name: str, timeout: float = 180) -> None:
        """Delete a namespace and wait until the namespace controller has removed it and everything in it."""
        self.request("DELETE", f"/api/v1/namespaces/{name}", direct=True)
        deadline = time.monotonic() + timeout
        while self.get(f"/api/v1/namespaces/{name}") is not None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"namespace {name} still terminating after {timeout:.0f} s")
            time.sleep(0.3)

    # ------------------------------------------------------------------------------ fault proxy
    def _control(self, method: str, path: str, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + "/_okv/" + path, data=data, method=method, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30, context=self._tls) as response:
            return json.loads(response.read().decode() or "null")

    def add_fault(self, rule: dict) -> list[dict]:
        return self._control("POST", "faults", rule)["rules"]

    def clear_faults(self) -> None:
        self._control("DELETE", "faults")

    def requests(self, since: int = 0) -> list[dict]:
        return self._control("GET", f"requests?since={since}")["requests"]

    def reset_proxy(self) -> None:
        """No fault rules, an empty request log."""
        self._control("POST", "reset")

    # ------------------------------------------------------------------------------ doubles
    def imported_disks(self, namespace: str) -> dict[str, str]:
        """{datavolume: sha256} of the raw disks the importer double wrote for ``namespace``."""
        return imported_disk_digests(self.dir, namespace)

    def set_timings(self, **timings) -> None:
        """Settings of the controller doubles (import_seconds, start_seconds, fetch_http, retry_seconds,
        namespaces={ns: {...}}; see doubles/settings.py); no arguments restores the defaults."""
        target = self.dir / "doubles.json"
        partial = target.with_suffix(".json.partial")
        partial.write_text(json.dumps(timings), encoding="utf-8")
        partial.replace(target)
        time.sleep(0.5)  # one pass of the doubles, so the next object they see already gets the new timings
