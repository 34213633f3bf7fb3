# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The proxy itself: TLS on loopback, every request checked against the fault rules, then passed upstream.

Bodies pass through untouched and are never logged (they may hold Secrets); the request log keeps the
method, path, query, resource, namespace, name and answer code. Streaming answers (watches) are relayed
chunk by chunk as they arrive. Control endpoints (no token; loopback only) live under ``/_okv/``:

    GET    /_okv/healthz
    GET    /_okv/faults            the rules, with how often each fired
    POST   /_okv/faults            add a rule, a list of rules, or {"rules": [...]}
    DELETE /_okv/faults            remove every rule
    GET    /_okv/requests?since=N  the request log after sequence number N
    POST   /_okv/reset             remove every rule and empty the log
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .requests import describe
from .rules import Faults, RuleError, status_body

LOG = logging.getLogger("fault_proxy")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length"}


class Upstream:
    """The API server: where requests go, and the discovery documents that turn a resource into a kind."""

    def __init__(self, url: str, context: ssl.SSLContext, token: str):
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port = parsed.hostname, parsed.port or 443
        self.context = context
        self._token = token
        self._kinds: dict[tuple[str, str], dict[str, str]] = {}
        self._lock = threading.Lock()

    def connect(self) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=600)

    def kind(self, group: str | None, version: str | None, plural: str | None) -> str | None:
        if group is None or not version or not plural:
            return None
        key = (group, version)
        with self._lock:
            known = self._kinds.get(key)
        if known is None or plural not in known:
            known = self._discover(group, version)
            with self._lock:
                self._kinds[key] = known
        return known.get(plural)

    def _discover(self, group: str, version: str) -> dict[str, str]:
        path = f"/api/{version}" if group == "" else f"/apis/{group}/{version}"
        connection = self.connect()
        try:
            connection.request("GET", path, headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json"})
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                return {}
            return {r["name"]: r["kind"] for r in json.loads(body).get("resources") or [] if "/" not in r["name"]}
        except (OSError, ValueError) as exc:
            LOG.warning("discovery of %s failed: %s", path, exc)
            return {}
        finally:
            connection.close()


class ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], upstream: Upstream, tls: ssl.SSLContext, user: str):
        super().__init__(address, ProxyHandler)
        self.upstream = upstream
        self.tls = tls
        self.faults = Faults()
        self.user = user

    def get_request(self):
        sock, address = super().get_request()
        # The handshake happens in the handler's thread, so one slow client cannot stall the accept loop.
        return self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ProxyServer

    def log_message(self, format, *args):
        LOG.debug(format, *args)

    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    # ------------------------------------------------------------------------------ dispatch
    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if self.path.startswith("/_okv/"):
            self._control(body)
            return
        info = describe(self.command, self.path)
        info["kind"] = self.server.upstream.kind(info["group"], info["version"], info["plural"])
        decision = self.server.faults.decide(info)
        entry = {k: info[k] for k in ("method", "path", "query", "kind", "group", "plural", "namespace", "name", "subresource")}
        entry["faults"] = decision.fired
        if decision.drop:
            entry["status"] = "dropped"
            self.server.faults.log(entry)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if decision.rule is not None:
            entry["status"] = decision.rule.status
            self.server.faults.log(entry)
            extra = {"Retry-After": str(int(decision.rule.retry_after))} if decision.rule.retry_after else {}
            self._json(decision.rule.status, decision.rule.answer(info, self.server.user), extra)
            return
        entry["status"] = self._forward(body)
        self.server.faults.log(entry)

    def _forward(self, body: bytes | None) -> int | str:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        if body is not None:
            headers["Content-Length"] = str(len(body))
        connection = self.server.upstream.connect()
        try:
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
        except OSError as exc:
            connection.close()
            self._json(503, status_body(503, f"fault proxy: the API server cannot be reached: {exc}"))
            return 503
        try:
            self.send_response(response.status, response.reason)
            for key, value in response.getheaders():
                if key.lower() not in HOP_BY_HOP:
                    self.send_header(key, value)
            if response.getheader("Content-Length") is not None or self.command == "HEAD" or response.status in (204, 304):
                data = response.read()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
            else:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                while chunk := response.read1(65536):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True  # the client went away mid-stream (a watch it stopped reading)
        finally:
            connection.close()
        return response.status

    # ------------------------------------------------------------------------------ control endpoints
    def _control(self, body: bytes | None) -> None:
        split = urllib.parse.urlsplit(self.path)
        faults = self.server.faults
        try:
            if split.path == "/_okv/healthz" and self.command == "GET":
                self._json(200, {"ok": True})
            elif split.path == "/_okv/faults" and self.command == "GET":
                self._json(200, {"rules": faults.rules()})
            elif split.path == "/_okv/faults" and self.command == "POST":
                self._json(201, {"rules": faults.add(json.loads(body or b"null"))})
            elif split.path == "/_okv/faults" and self.command == "DELETE":
                faults.clear()
                self._json(200, {"rules": []})
            elif split.path == "/_okv/requests" and self.command == "GET":
                since = int((urllib.parse.parse_qs(split.query).get("since") or ["0"])[0])
                self._json(200, {"requests": faults.requests(since)})
            elif split.path == "/_okv/reset" and self.command == "POST":
                faults.reset()
                self._json(200, {"ok": True})
            else:
                self._json(404, status_body(404, f"no control endpoint {self.command} {split.path}"))
        except (RuleError, ValueError) as exc:
            self._json(400, status_body(400, f"fault proxy: {exc}"))

    def _json(self, code: int, payload: dict, extra_headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (extra_headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
