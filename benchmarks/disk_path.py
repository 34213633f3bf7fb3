# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Disk path benchmark: where the disk bytes flow, and how fast, against the OpenStack testbed and the control plane.

    python benchmarks/disk_path.py            # 256 MiB image; glance export of disks-img and disks-vol (1 GiB volume)
    python benchmarks/disk_path.py --quick    # 128 MiB image; glance export of disks-img only (CI, a few minutes)

Needs the running OpenStack testbed (tests/openstack_testbed: $OSTK_OPENSTACK_CLOUDS and $OSTK_TESTBED_SUMMARY, as
ci.sh sets them; hold `flock /tmp/okv-testbed.lock` around the run), a Python with ansible-playbook and openstacksdk
next to it (the testbed's venv), the collection on ANSIBLE_COLLECTIONS_PATH, curl and qemu-img, and a control plane
($OKV_CONTROL_PLANE_DIR, or one it starts with tests/control_plane/up.sh: OKV_CONTROL_PLANE_PYTHON must then have
the kubernetes client). Printed, never asserted (timing depends on the machine's load):

(a) the bytes that pass through the Ansible controller, per method. ansible-playbook runs the module
    (disk_export for glance, tvo_backup against the TVO API stand-in for tvo) with HTTP_PROXY pointing at a
    counting proxy of this script, so every HTTP request of the controller and its module processes to any
    OpenStack service goes through it; the disk bytes are then pulled by the importer double straight from Glance
    (or would be from the TVO HTTP server), not through the proxy. Printed: the controller's HTTP bytes (API calls,
    JSON) against the disk bytes, and the part of them that is disk content: 0 unless a response body as large as
    a disk went through. With tvo and checksum on, the controller additionally reads each backup file once from the
    mounted backup target (a local read, not a transfer), which the output says.
(b) the importer double's throughput downloading one raw image from the testbed's Glance (GET with the token
    header, sha256 checked, qemu-img info, written as the volume file) against `curl` of the same URL with the
    same header, in the same run, best of 5 each; ratio, target >= 0.9. The image is large enough (128 MiB, 256 MiB
    without --quick) that the fixed costs of a run (connection, token header, qemu-img probe) do not decide it.
(c) the wall time of 8 DataVolume imports of that image through the control plane (the importer double fetching
    from Glance) with 4 in flight (a sliding window: the next one starts as soon as one succeeds) against one at a
    time; ratio serial / 4 in flight.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import yaml
from bench_common import LOAD_NOTE, print_table, target_line, testbed, use_control_plane

use_control_plane("control_plane/doubles", "tvo_standin")
from control_plane import ControlPlane
from importer import HttpSource, Transfer

THROUGHPUT_TARGET = 0.9
DISKS, IN_FLIGHT = 8, 4
DISK_CLOUD = "demo-disks"
TVO_CLOUD = "demo-member"
TVO_SERVICE = "ostokubevirt-tvo-bench"
TVO_NODE_MOUNT = "/var/triliovault-mounts/bench"
LABELS = {"app.kubernetes.io/managed-by": "ostokubevirt"}
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"}
MIB = 1024 * 1024


# ----------------------------------------------------------------------------- the counting proxy
class CountingProxy:
    """A plain-HTTP forward proxy on loopback that counts the bytes of every request and answer it relays,
    and remembers the largest single answer body (a disk passing through would show there)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent = self.received = self.requests = self.largest_body = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _relay(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                target = urllib.parse.urlsplit(self.path)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                path = (target.path or "/") + (f"?{target.query}" if target.query else "")
                connection = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=300)
                try:
                    connection.request(self.command, path, body=body or None, headers=headers)
                    answer = connection.getresponse()
                    data = answer.read()
                finally:
                    connection.close()
                self.send_response(answer.status, answer.reason)
                out_headers = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"]
                for name, value in out_headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                head_in = len(self.requestline) + 2 + sum(len(k) + len(v) + 4 for k, v in self.headers.items()) + 2
                head_out = 64 + sum(len(k) + len(v) + 4 for k, v in out_headers)
                with proxy.lock:
                    proxy.requests += 1
                    proxy.received += head_in + len(body)
                    proxy.sent += head_out + len(data)
                    proxy.largest_body = max(proxy.largest_body, len(data), len(body))

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _relay

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def reset(self) -> None:
        with self.lock:
            self.sent = self.received = self.requests = self.largest_body = 0

    def stop(self) -> None:
        self.server.shutdown()


# ----------------------------------------------------------------------------- OpenStack over plain HTTP
class Cloud:
    """A Keystone token of one clouds.yaml entry and its catalog, for the few calls the benchmark makes itself."""

    def __init__(self, entry: dict):
        auth = entry["auth"]
        self.auth_url = auth["auth_url"].rstrip("/")
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {"name": auth["username"], "password": auth["password"], "domain": {"name": auth.get("user_domain_name", "Default")}}},
                },
                "scope": {"project": {"name": auth["project_name"], "domain": {"name": auth.get("project_domain_name", "Default")}}},
            }
        }
        request = urllib.request.Request(f"{self.auth_url}/auth/tokens", json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=60) as answer:
            self.token = answer.headers["X-Subject-Token"]
            self.catalog = json.load(answer)["token"]["catalog"]

    def endpoint(self, service_type: str) -> str:
        for service in self.catalog:
            if service["type"] == service_type:
                return next(e["url"] for e in service["endpoints"] if e["interface"] == "public").rstrip("/")
        raise SystemExit(f"no {service_type} endpoint in the testbed's catalog")

    def call(self, method: str, url: str, body=None, content_type: str = "application/json"):
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data, {"X-Auth-Token": self.token, "Content-Type": content_type}, method=method)
        with urllib.request.urlopen(request, timeout=600) as answer:
            text = answer.read()
        return json.loads(text) if text.strip().startswith(b"{") else None


def upload_image(cloud: Cloud, name: str, size: int) -> tuple[str, str, str]:
    """A raw image of random bytes (nothing to compress or skip): (id, file URL, sha256)."""
    glance = cloud.endpoint("image")
    data = os.urandom(size)
    image = cloud.call("POST", f"{glance}/v2/images", {"name": name, "disk_format": "raw", "container_format": "bare", "visibility": "private"})
    cloud.call("PUT", f"{glance}/v2/images/{image['id']}/file", data, content_type="application/octet-stream")
    return image["id"], f"{glance}/v2/images/{image['id']}/file", hashlib.sha256(data).hexdigest()


# ----------------------------------------------------------------------------- (a) controller bytes
def run_module(workdir: Path, name: str, args: dict, proxy: CountingProxy, clouds: str) -> dict:
    """One module run through ansible-playbook with every HTTP request of the controller sent through the proxy."""
    out = workdir / f"{name.rsplit('.', 1)[-1]}.json"
    play = [
        {
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "tasks": [
                {"name": "run", name: args, "register": "r", "ignore_errors": True},
                {"name": "save", "ansible.builtin.copy": {"content": "{{ r | to_json }}", "dest": str(out), "mode": "0600"}},
            ],
        }
    ]
    path = workdir / "play.yml"
    path.write_text(yaml.safe_dump(play), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "http_proxy", "https_proxy", "all_proxy")}
    env.update(
        OS_CLIENT_CONFIG_FILE=clouds,
        HTTP_PROXY=proxy.url,
        http_proxy=proxy.url,
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        PYTHONWARNINGS="ignore",
    )
    argv = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", str(path), "-e", f"ansible_python_interpreter={sys.executable}"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=3600, check=False)
    try:
        result = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise SystemExit(f"{name} gave no result:\n{(done.stdout + done.stderr)[-3000:]}") from None
    out.unlink()
    if result.get("failed"):
        raise SystemExit(f"{name} failed: {result.get('msg')}")
    return result


def controller_bytes_glance(workdir: Path, proxy: CountingProxy, clouds: str, entries: dict, summary: dict, quick: bool) -> dict:
    disks = summary["disks"]["disks"]
    names = ["disks-img/root"] if quick else ["disks-img/root", "disks-vol/root", "disks-vol/disks-data"]
    servers = sorted({disks[n]["server_id"] for n in names})
    proxy.reset()
    exported = run_module(workdir, "ostokubevirt.migrate.disk_export", {"cloud": DISK_CLOUD, "servers": servers, "run_id": "disk-path-bench"}, proxy, clouds)
    export_http = proxy.sent + proxy.received
    largest = proxy.largest_body
    records = exported["records"]
    # The disk bytes: the importer double pulls every record's URL from Glance itself, not through the proxy.
    cloud = Cloud(entries[DISK_CLOUD])
    pulled = 0
    for record in records:
        scratch = workdir / f"pull-{record['source_id']}"
        transfer = Transfer(
            HttpSource(record["url"], [f"X-Auth-Token: {cloud.token}"], checksum=record["checksum"] or ""), scratch.with_suffix(".img"), scratch, 1 << 40
        )
        transfer.run()
        if transfer.error:
            raise SystemExit(f"importing {record['source_id']}: {transfer.error}")
        pulled += transfer.downloaded
        scratch.with_suffix(".img").unlink()
    proxy.reset()
    cleaned = run_module(
        workdir, "ostokubevirt.migrate.disk_export", {"cloud": DISK_CLOUD, "servers": servers, "state": "absent", "records": records}, proxy, clouds
    )
    return {
        "method": "glance",
        "disks": len(records),
        "disk_bytes": sum(int(r["size"]) for r in records),
        "pulled": pulled,
        "controller_http": export_http,
        "cleanup_http": proxy.sent + proxy.received,
        "largest_body": max(largest, proxy.largest_body),
        "deleted": len(cleaned.get("deleted") or []),
        "note": "",
    }


def tvo_content(server_id: str, label: str, generation: int) -> bytes:
    block = hashlib.sha256(f"bench/{server_id}/{label}/{generation}".encode()).digest()
    return block * 65536  # 2 MiB of known bytes per disk


def controller_bytes_tvo(workdir: Path, proxy: CountingProxy, clouds: str, entries: dict) -> dict:
    from standin import StandIn  # pylint: disable=import-outside-toplevel

    admin = Cloud(entries["admin"])
    keystone = admin.auth_url.removesuffix("/v3")
    target = workdir / "tvo-target"
    target.mkdir()
    standin = StandIn(keystone, str(target), TVO_NODE_MOUNT, tvo_content).start()
    identity = admin.endpoint("identity")
    if not identity.endswith("/v3"):
        identity += "/v3"

    def unregister():
        for service in admin.call("GET", f"{identity}/services?name={TVO_SERVICE}")["services"]:
            for endpoint in admin.call("GET", f"{identity}/endpoints?service_id={service['id']}")["endpoints"]:
                admin.call("DELETE", f"{identity}/endpoints/{endpoint['id']}")
            admin.call("DELETE", f"{identity}/services/{service['id']}")

    unregister()
    try:
        service = admin.call("POST", f"{identity}/services", {"service": {"name": TVO_SERVICE, "type": "workloads", "enabled": True}})["service"]
        endpoint = {"service_id": service["id"], "interface": "public", "url": f"{standin.url}/v1/$(project_id)s", "region_id": "RegionOne"}
        admin.call("POST", f"{identity}/endpoints", {"endpoint": endpoint})
        member = Cloud(entries[TVO_CLOUD])
        compute = member.endpoint("compute")
        servers = [s["id"] for s in member.call("GET", f"{compute}/servers")["servers"] if s["name"] == "web-1"]
        proxy.reset()
        args = {
            "cloud": TVO_CLOUD,
            "servers": servers,
            "mount_path": str(target),
            "http_base_url": "http://ostokubevirt-tvo-http.migration.svc:8080",
            "poll_interval": 1,
        }
        result = run_module(workdir, "ostokubevirt.migrate.tvo_backup", args, proxy, clouds)
    finally:
        unregister()
        standin.stop()
    records = result["records"]
    return {
        "method": "tvo",
        "disks": len(records),
        "disk_bytes": sum(int(r["size"]) for r in records),
        "pulled": None,
        "controller_http": proxy.sent + proxy.received,
        "cleanup_http": 0,
        "largest_body": proxy.largest_body,
        "deleted": 0,
        "note": "plus one local read of each backup file from the mounted target for its sha256 (checksum: true)",
    }


# ----------------------------------------------------------------------------- (b) importer double vs curl
def importer_vs_curl(workdir: Path, url: str, token: str, digest: str, size: int, rounds: int = 5) -> tuple[float, float]:
    header_file = workdir / "curl-headers"
    header_file.write_text(f"X-Auth-Token: {token}\n", encoding="utf-8")
    header_file.chmod(0o600)
    curl_s, importer_s = [], []
    for index in range(rounds):
        out = workdir / f"curl-{index}"
        start = time.monotonic()
        subprocess.run(["curl", "-sSf", "-H", f"@{header_file}", "-o", str(out), url], check=True)
        curl_s.append(time.monotonic() - start)
        if out.stat().st_size != size:
            raise SystemExit(f"curl got {out.stat().st_size} bytes, expected {size}")
        out.unlink()
        scratch = workdir / f"importer-{index}"
        transfer = Transfer(HttpSource(url, [f"X-Auth-Token: {token}"], checksum=f"sha256:{digest}"), scratch.with_suffix(".img"), scratch, size)
        start = time.monotonic()
        transfer.run()
        importer_s.append(time.monotonic() - start)
        if transfer.error:
            raise SystemExit(f"importer double: {transfer.error}")
        scratch.with_suffix(".img").unlink()
    header_file.unlink()
    return size / min(importer_s) / MIB, size / min(curl_s) / MIB


# ----------------------------------------------------------------------------- (c) 8 imports, window vs serial
def imports_through_control_plane(plane: ControlPlane, namespace: str, url: str, token: str, digest: str, size: int, in_flight: int) -> float:
    plane.delete_namespace(namespace)
    plane.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}, direct=True)
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "bench-disk-token", "labels": dict(LABELS)},
        "type": "Opaque",
        "data": {"token": base64.b64encode(f"X-Auth-Token: {token}".encode()).decode()},
    }
    plane.request("POST", f"/api/v1/namespaces/{namespace}/secrets", secret, direct=True)
    dvs = f"/apis/cdi.kubevirt.io/v1beta1/namespaces/{namespace}/datavolumes"
    storage = f"{max(size // MIB * 2, 64)}Mi"
    waiting = [f"disk-{index}" for index in range(DISKS)]
    running: set[str] = set()
    start = time.monotonic()
    while waiting or running:
        while waiting and len(running) < in_flight:
            name = waiting.pop(0)
            source = {"http": {"url": url, "secretExtraHeaders": ["bench-disk-token"], "checksum": f"sha256:{digest}"}}
            body = {"apiVersion": "cdi.kubevirt.io/v1beta1", "kind": "DataVolume", "metadata": {"name": name, "labels": dict(LABELS)}}
            body["spec"] = {"source": source, "storage": {"resources": {"requests": {"storage": storage}}}}
            plane.request("POST", dvs, body, direct=True)
            running.add(name)
        time.sleep(0.1)
        for dv in plane.items(dvs):
            name = dv["metadata"]["name"]
            if name in running and (dv.get("status") or {}).get("phase") == "Succeeded":
                running.discard(name)
            restarts = (dv.get("status") or {}).get("restartCount") or 0
            if name in running and restarts:
                raise SystemExit(f"import of {name} failed: {json.dumps(dv.get('status'))[:1000]}")
    elapsed = time.monotonic() - start
    digests = plane.imported_disks(namespace)
    if sorted(digests) != sorted(f"disk-{i}" for i in range(DISKS)) or set(digests.values()) != {digest}:
        raise SystemExit(f"the imported disks are not the image's bytes: {digests}")
    plane.delete_namespace(namespace)
    return elapsed


# ----------------------------------------------------------------------------- main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 128 MiB image and only the small glance export (CI)")
    args = parser.parse_args()
    clouds, entries, summary = testbed("disk_path.py")
    size = (128 if args.quick else 256) * MIB
    with tempfile.TemporaryDirectory(prefix="okv-disk-bench-") as scratch:
        workdir = Path(scratch)
        proxy = CountingProxy()
        try:
            rows = [controller_bytes_glance(workdir, proxy, clouds, entries, summary, args.quick), controller_bytes_tvo(workdir, proxy, clouds, entries)]
        finally:
            proxy.stop()
        cloud = Cloud(entries[DISK_CLOUD])
        image_id, url, digest = upload_image(cloud, "ostokubevirt-bench-disk-path", size)
        glance = cloud.endpoint("image")
        plane = None
        try:
            importer_mibs, curl_mibs = importer_vs_curl(workdir, url, cloud.token, digest, size)
            plane = ControlPlane.from_environment(workdir / "control-plane")
            namespace = "okv-bench-disk-path"
            plane.set_timings(namespaces={namespace: {"fetch_http": True, "import_seconds": 0}})
            serial = imports_through_control_plane(plane, namespace, url, cloud.token, digest, size, 1)
            window = imports_through_control_plane(plane, namespace, url, cloud.token, digest, size, IN_FLIGHT)
        finally:
            if plane is not None:
                plane.set_timings()
                plane.stop()
            cloud.call("DELETE", f"{glance}/v2/images/{image_id}")
    print("(a) bytes through the Ansible controller (every HTTP request of ansible-playbook and its modules, counted by a proxy)")
    table = []
    for r in rows:
        disk_content = 0 if r["largest_body"] < min(r["disk_bytes"] // max(r["disks"], 1), MIB) else r["largest_body"]
        pulled = "-" if r["pulled"] is None else f"{r['pulled']:,}"
        table.append([r["method"], str(r["disks"]), f"{r['disk_bytes']:,}", f"{r['controller_http'] + r['cleanup_http']:,}", f"{disk_content:,}"])
        table[-1] += [f"{r['largest_body']:,}", pulled]
    columns = [("method", 7), ("disks", 5), ("disk bytes", 12), ("controller HTTP", 16), ("of it disk content", 19), ("largest body", 13)]
    print_table([*columns, ("pulled by importer", 19)], table)
    for r in rows:
        if r["note"]:
            print(f"        {r['method']}: {r['note']}")
    print("        manual: the operator's own source (migration_disk_sources); nothing is exported, nothing measured")
    print(f"(b) download of a {size // MIB} MiB raw image from Glance, best of 5: importer double {importer_mibs:.0f} MiB/s, curl {curl_mibs:.0f} MiB/s")
    print(target_line("    ratio importer/curl (throughput)", importer_mibs / curl_mibs, THROUGHPUT_TARGET, higher_is_better=True))
    print(
        f"(c) {DISKS} imports of that image through the control plane: serial {serial:.1f} s, {IN_FLIGHT} in flight {window:.1f} s; "
        f"ratio serial/window {serial / window:.2f} (ideal {IN_FLIGHT:.0f} on {os.cpu_count()} cores)"
    )
    print(LOAD_NOTE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
