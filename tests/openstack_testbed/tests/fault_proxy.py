# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A loopback HTTP proxy in front of one real OpenStack service that injects faults, per method and path.

The live tests put it between openstacksdk and a testbed service through the cloud config's
``<service>_endpoint_override`` (see ``FaultProxy.override``): the SDK then does version
discovery, microversion negotiation and every list call through the proxy, which is the code
path a real cloud behind a flaky load balancer exercises, while the token still comes from
the real Keystone. Nothing in the testbed's catalog changes, so other tests never see it.

Every request is forwarded unchanged, Host header included, so the service builds its
pagination links with the proxy's address and later pages pass through the proxy too. A rule
matches a method and a regular expression searched in the path (query included) and fires
``times`` times (None: always), then lets requests through:

* ``status``: answer with that HTTP status (and ``Retry-After`` when given), no upstream call;
* ``drop``: close the connection without an answer (what a reset connection looks like);
* ``delay``: wait ``delay`` seconds, then forward;
* ``repeat_next``: forward, then make the page's next link point at the first next link this
  rule saw (a server whose marker repeats);
* ``endless_next``: forward, then add a next link that is new every time (a server that never
  says "last page"); the proxy strips its own ``okv_page`` parameter before forwarding.

Run by hand: ``python fault_proxy.py UPSTREAM_URL [RULES_JSON]`` prints the proxy URL and serves.
"""

from __future__ import annotations

import http.client
import itertools
import json
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers", "transfer-encoding", "upgrade", "content-length"}
LOOP_PARAM = "okv_page"


@dataclass
class Rule:
    method: str
    path: str
    action: str
    status: int = 503
    retry_after: str | None = None
    delay: float = 0.0
    times: int | None = 1
    fired: int = 0
    first_next: str | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        return self.method in ("*", method) and re.search(self.path, path) is not None


@dataclass
class Seen:
    method: str
    path: str
    outcome: str
    at: float = field(default_factory=time.monotonic)


class FaultProxy:
    """``with FaultProxy('http://127.0.0.1:9696') as proxy: proxy.add(...)``; ``proxy.seen`` lists every request."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host, self.upstream_port = parts.hostname, parts.port or 80
        self.rules: list[Rule] = []
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def override(self, suffix: str = "") -> str:
        """The value for ``<service>_endpoint_override``: the proxy plus the catalog endpoint's path."""
        return self.url + suffix

    def add(self, method: str, path: str, action: str, **kwargs) -> Rule:
        rule = Rule(method, path, action, **kwargs)
        with self._lock:
            self.rules.append(rule)
        return rule

    def requests(self, method: str = "*", path: str = "") -> list[Seen]:
        return [s for s in self.seen if method in ("*", s.method) and re.search(path, s.path)]

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- request handling -------------------------------------------------------------------------
    def _rule_for(self, method: str, path: str) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.matches(method, path):
                    rule.fired += 1
                    return rule
        return None

    def _record(self, method: str, path: str, outcome: str) -> None:
        with self._lock:
            self.seen.append(Seen(method, path, outcome))

    def _forward(self, handler: BaseHTTPRequestHandler, path: str, body: bytes | None):
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=120)
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP_BY_HOP}
        conn.request(handler.command, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP], data

    def _rewrite_next(self, rule: Rule, path: str, data: bytes) -> bytes:
        try:
            body = json.loads(data)
        except ValueError:
            return data
        if not isinstance(body, dict):
            return data
        link_keys = [k for k in body if k.endswith("_links")]
        current = None
        for key in link_keys:
            for link in body[key] or []:
                if link.get("rel") == "next":
                    current = link["href"]
        if rule.action == "repeat_next":
            if current is None:
                return data
            rule.first_next = rule.first_next or current
            new = rule.first_next
        else:  # endless_next: the same path again, with a page number the service never sees
            parts = urlsplit(path)
            query = [(k, v) for k, v in parse_qsl(parts.query) if k != LOOP_PARAM]
            query.append((LOOP_PARAM, str(next(self._counter))))
            new = self.url + urlunsplit(("", "", parts.path, urlencode(query), ""))
        if "next" in body and not link_keys:  # Glance
            body["next"] = new
        else:
            key = link_keys[0] if link_keys else next((k for k in body if isinstance(body[k], list)), "items") + "_links"
            body[key] = [link for link in body.get(key) or [] if link.get("rel") != "next"] + [{"rel": "next", "href": new}]
        return json.dumps(body).encode()

    def _handler_class(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet: the test reads proxy.seen
                return

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                parts = urlsplit(self.path)
                clean = urlunsplit(("", "", parts.path, urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != LOOP_PARAM]), ""))
                rule = proxy._rule_for(self.command, self.path)
                action = rule.action if rule else "forward"
                proxy._record(self.command, self.path, action if not rule or action != "status" else str(rule.status))
                if action == "drop":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if action == "status":
                    payload = json.dumps({"error": {"code": rule.status, "message": f"injected by fault_proxy ({rule.method} {rule.path})"}}).encode()
                    self.send_response(rule.status)
                    if rule.retry_after is not None:
                        self.send_header("Retry-After", rule.retry_after)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                if action == "delay":
                    time.sleep(rule.delay)
                status, headers, data = proxy._forward(self, clean, body)
                if action in ("repeat_next", "endless_next") and status == 200:
                    data = proxy._rewrite_next(rule, self.path, data)
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle_quietly(self) -> None:
                try:
                    self._handle()
                except (BrokenPipeError, ConnectionResetError):
                    # the client gave up first (a delay beyond its timeout): what the test wants to see
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle_quietly

        return Handler


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    proxy = FaultProxy(argv[1])
    for rule in json.loads(argv[2]) if len(argv) > 2 else []:
        proxy.add(**rule)
    with proxy:
        print(proxy.url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
