# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A disk-image server on loopback for import tests: plain HTTP or HTTPS under a private CA made for it.

    with DiskServer(files={"disk.qcow2": path}, tls_dir=tmp) as server:   # tls_dir: HTTPS, CA in server.ca_pem
        url = server.url("disk.qcow2")
        server.require_header("X-Auth-Token", "secret")   # 401 without it
        server.flip_byte("disk.qcow2", offset=4096)       # one byte changed in transit
        server.throttle("disk.qcow2", 1 << 20)            # bytes per second, so progress can be watched
        server.requests                                    # [{"method", "path", "headers"}] as received

Standard library and the ``openssl`` command only, so the tests and benchmarks of any suite can use it.
"""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import threading
import time
from pathlib import Path

CHUNK = 1 << 20


def make_private_ca(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for ``host`` signed by it: (ca.pem, server.crt, server.key)."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_pem = directory / "ca.key", directory / "ca.pem"
    key, csr, crt, ext = directory / "server.key", directory / "server.csr", directory / "server.crt", directory / "server.ext"

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca_pem), "-days", "2", "-subj", "/CN=okv disk test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", f"/CN={host}")
    san = f"IP:{host}" if host.replace(".", "").isdigit() or ":" in host else f"DNS:{host}"
    ext.write_text(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", str(csr), "-CA", str(ca_pem), "-CAkey", str(ca_key), "-CAcreateserial", "-out", str(crt), "-days", "2", "-extfile", str(ext))
    return ca_pem, crt, key


class DiskServer:
    def __init__(self, files: dict[str, Path] | None = None, tls_dir: Path | None = None, host: str = "127.0.0.1"):
        self.files: dict[str, Path] = dict(files or {})
        self.requests: list[dict] = []
        self.status_rules: dict[str, int] = {}
        self.required_headers: dict[str, str] = {}
        self.flips: dict[str, int] = {}
        self.redirects: dict[str, str] = {}
        self.rates: dict[str, int] = {}
        self.ca_pem: Path | None = None
        self._lock = threading.Lock()
        self._server = http.server.ThreadingHTTPServer((host, 0), self._handler())
        self._server.daemon_threads = True
        self.scheme = "http"
        if tls_dir is not None:
            self.ca_pem, crt, key = make_private_ca(Path(tls_dir), host)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(crt), str(key))
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # ------------------------------------------------------------------------------ lifecycle
    def __enter__(self) -> DiskServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, name: str) -> str:
        return f"{self.scheme}://{self.host}:{self.port}/{name}"

    # ------------------------------------------------------------------------------ behaviour
    def require_header(self, name: str, value: str) -> None:
        """Answer 401 to any request that lacks ``name: value`` (as Glance does without a valid X-Auth-Token)."""
        self.required_headers[name] = value

    def answer(self, name: str, status: int) -> None:
        self.status_rules[name] = status

    def flip_byte(self, name: str, offset: int) -> None:
        """Serve ``name`` with the byte at ``offset`` inverted: a transfer corrupted on the way."""
        self.flips[name] = offset

    def throttle(self, name: str, bytes_per_second: int) -> None:
        self.rates[name] = bytes_per_second

    def redirect(self, name: str, to: str) -> None:
        self.redirects[name] = to

    def gets(self, name: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == "GET" and r["path"] == f"/{name}"]

    def _handler(self):
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # the tests read server.requests instead
                pass

            def do_HEAD(self) -> None:
                self._serve(body=False)

            def do_GET(self) -> None:
                self._serve(body=True)

            def _serve(self, body: bool) -> None:
                name = self.path.lstrip("/").split("?", 1)[0]
                with server._lock:
                    server.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers.items())})
                if name in server.redirects:
                    self._reply(302, {"Location": server.redirects[name]})
                    return
                for header, value in server.required_headers.items():
                    if self.headers.get(header) != value:
                        self._reply(401, {}, b'{"error": {"code": 401, "title": "Unauthorized"}}')
                        return
                status = server.status_rules.get(name)
                if status:
                    self._reply(status, {}, b"no")
                    return
                path = server.files.get(name)
                if path is None:
                    self._reply(404, {}, b"not found")
                    return
                size = path.stat().st_size
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(size))
                self.send_header("Accept-Ranges", "bytes")
                self.end_headers()
                if body:
                    self._stream(path, server.flips.get(name), server.rates.get(name))

            def _stream(self, path: Path, flip: int | None, rate: int | None) -> None:
                with path.open("rb") as handle:
                    if flip is None and rate is None:
                        shutil.copyfileobj(handle, self.wfile, CHUNK)
                        return
                    sent = 0
                    size = max(rate // 10, 1) if rate else CHUNK
                    while chunk := handle.read(size):
                        if rate:
                            time.sleep(len(chunk) / rate)
                        if flip is not None and sent <= flip < sent + len(chunk):
                            changed = bytearray(chunk)
                            changed[flip - sent] ^= 0xFF
                            chunk = bytes(changed)
                        self.wfile.write(chunk)
                        sent += len(chunk)

            def _reply(self, status: int, headers: dict, content: bytes = b"") -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(content)

        return Handler
