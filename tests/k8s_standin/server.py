# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HTTP front end: routing, query parameters, Status bodies, watch streams, admin endpoints."""
from __future__ import annotations

import json
import logging
import secrets
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import errors, resources
from .api import Api, WriteOptions
from .controllers import Controllers
from .faults import Faults
from .redact import SecretRedactor
from .selectors import field_matcher, label_matcher
from .store import Store
from .validation import Validator

LOG = logging.getLogger("k8s_standin")

KUBERNETES_VERSION = ("1", "37", "v1.37.0-standin")
ADMIN_PREFIX = "/_standin/"


class Route:
    """A parsed resource URL."""

    def __init__(self, rtype: resources.ResourceType, namespace: str | None, name: str | None,
                 subresource: str = ""):
        self.rtype = rtype
        self.namespace = namespace
        self.name = name
        self.subresource = subresource


def parse_route(path: str) -> Route | None:
    """Map ``/api/v1/...`` and ``/apis/<group>/<version>/...`` paths to a resource; None if not a resource path."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 3 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 4 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        candidate = resources.find(group, version, rest[2])
        if candidate is not None and candidate.namespaced:
            namespace, rest = rest[1], rest[2:]
    rtype = resources.find(group, version, rest[0])
    if rtype is None or len(rest) > 3:
        raise errors.not_found_path(path)
    if rtype.namespaced and namespace is None and len(rest) > 1:
        raise errors.not_found_path(path)
    name = rest[1] if len(rest) > 1 else None
    subresource = rest[2] if len(rest) > 2 else ""
    if subresource and (subresource != "status" or not rtype.status_subresource):
        raise errors.not_found_path(path)
    return Route(rtype, namespace, name, subresource)


class StandinHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, api: Api, faults: Faults, token: str | None, default_field_validation: str):
        super().__init__(address, Handler)
        self.api = api
        self.faults = faults
        self.token = token
        self.default_field_validation = default_field_validation
        self.stopping = threading.Event()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: StandinHTTPServer
    server_version = "k8s-standin"

    def log_message(self, format: str, *args: Any) -> None:
        LOG.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # -- plumbing --------------------------------------------------------------------------------
    def _handle(self, method: str) -> None:
        started = time.monotonic()
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._send(400, errors.bad_request("invalid Content-Length").to_status())
            return
        raw = self.rfile.read(length) if length else b""
        if url.path.startswith(ADMIN_PREFIX):
            self._admin(method, url.path, raw, query)
            return
        entry: dict[str, Any] = {"time": time.time(), "method": method, "path": url.path, "query": query,
                                 "content_type": self.headers.get("Content-Type", ""),
                                 "user_agent": self.headers.get("User-Agent", ""),
                                 "kind": None, "group": None, "plural": None, "name": None, "namespace": None,
                                 "subresource": "",
                                 "faults": []}
        self._warnings: list[str] = []
        try:
            route = parse_route(url.path)
        except errors.StatusError as exc:
            route = None
            routing_error: errors.StatusError | None = exc
        else:
            routing_error = None
        if route is not None:
            entry.update(kind=route.rtype.kind, name=route.name, namespace=route.namespace,
                         subresource=route.subresource, group=route.rtype.group, plural=route.rtype.plural)
            if route.name is None and method == "POST" and raw:
                try:
                    entry["name"] = (json.loads(raw).get("metadata") or {}).get("name")
                except (ValueError, AttributeError):
                    pass
        decision = self.server.faults.decide(entry)
        entry["faults"] = decision.rule_ids
        if decision.drop:
            entry["status"] = "dropped"
            self.server.faults.log(entry)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        try:
            if decision.error is not None:
                headers = {"Retry-After": str(decision.retry_after)} if decision.retry_after is not None else {}
                raise _WithHeaders(decision.error, headers)
            if not self._authorized():
                raise errors.StatusError(401, "Unauthorized", "Unauthorized")
            if routing_error is not None:
                raise routing_error
            if route is None:
                code, body = self._non_resource(method, url.path)
            elif method == "GET" and route.name is None and query.get("watch") in ("true", "1"):
                entry["status"] = 200
                self.server.faults.log(entry)
                self._watch(route, query)
                return
            else:
                code, body = self._resource(method, route, raw, query)
        except _WithHeaders as wrapped:
            code, body = wrapped.error.code, wrapped.error.to_status()
            self._extra_headers = wrapped.headers
        except errors.StatusError as exc:
            code, body = exc.code, exc.to_status()
        except Exception as exc:  # report server bugs as a 500 Status, never as a hung connection
            LOG.exception("internal error on %s %s", method, url.path)
            detail = f"{type(exc).__name__}: {str(exc)[:300]}"
            code, body = 500, errors.StatusError(500, "InternalError", f"Internal error occurred: {detail}").to_status()
        entry["status"] = code
        entry["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
        self.server.faults.log(entry)
        self._send(code, body)

    def _authorized(self) -> bool:
        if not self.server.token:
            return True
        return self.headers.get("Authorization", "") == f"Bearer {self.server.token}"

    def _send(self, code: int, body: Any, content_type: str = "application/json") -> None:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Audit-Id", str(uuid.uuid4()))
        self.send_header("Cache-Control", "no-cache, private")
        for warning in getattr(self, "_warnings", []):
            self.send_header("Warning", '299 - "' + warning.replace("\\", "\\\\").replace('"', '\\"') + '"')
        for name, value in getattr(self, "_extra_headers", {}).items():
            self.send_header(name, value)
        self._extra_headers = {}
        self.end_headers()
        self.wfile.write(payload)

    # -- non-resource paths ----------------------------------------------------------------------
    def _non_resource(self, method: str, path: str) -> tuple[int, Any]:
        if method != "GET":
            raise errors.method_not_allowed(f"the server does not allow this method on the requested resource "
                                            f"({method} {path})")
        path = path.rstrip("/") or "/"
        host, port = self.server.server_address[:2]
        if path == "/version":
            major, minor, git = KUBERNETES_VERSION
            return 200, {"major": major, "minor": minor, "gitVersion": git, "gitCommit": "standin",
                         "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.25",
                         "compiler": "gc", "platform": "linux/amd64"}
        if path in ("/healthz", "/livez", "/readyz"):
            return 200, b"ok"
        if path == "/api":
            return 200, resources.api_versions(f"{host}:{port}")
        if path == "/apis":
            return 200, resources.api_group_list()
        parts = path.strip("/").split("/")
        if parts[0] == "api" and len(parts) == 2:
            found = resources.api_resource_list("", parts[1])
        elif parts[0] == "apis" and len(parts) == 2:
            found = resources.api_group(parts[1])
        elif parts[0] == "apis" and len(parts) == 3:
            found = resources.api_resource_list(parts[1], parts[2])
        else:
            found = None
        if found is None:
            raise errors.not_found_path(path)
        return 200, found

    # -- resources -------------------------------------------------------------------------------
    def _options(self, query: dict) -> WriteOptions:
        dry_run = query.get("dryRun")
        if dry_run not in (None, "All"):
            raise errors.bad_request(f'unsupported dry run option "{dry_run}": only "All" is supported')
        force = query.get("force", "false").lower()
        return WriteOptions(dry_run=dry_run == "All", field_manager=query.get("fieldManager") or None,
                            field_validation=query.get("fieldValidation") or self.server.default_field_validation,
                            force=force in ("true", "1"), user_agent=self.headers.get("User-Agent", ""))

    def _resource(self, method: str, route: Route, raw: bytes, query: dict) -> tuple[int, Any]:
        api, rtype = self.server.api, route.rtype
        if rtype.namespaced is False and route.namespace:
            raise errors.not_found_path(self.path)
        if method != "GET" and rtype.read_only:
            raise errors.method_not_allowed(f"{rtype.group_resource} is read-only in the k8s stand-in")
        if method == "GET":
            if route.name is None:
                limit = int(query["limit"]) if query.get("limit", "").isdigit() else None
                return 200, api.list(rtype, route.namespace, query.get("labelSelector"), query.get("fieldSelector"),
                                     limit, query.get("continue") or None)
            return 200, api.get(rtype, route.namespace, route.name)
        if method == "POST":
            if route.name is not None:
                raise errors.method_not_allowed("POST is only allowed on collections")
            if rtype.namespaced and route.namespace is None:
                raise errors.not_found_path(self.path)
            created, self._warnings = api.create(rtype, route.namespace, _json_body(raw), self._options(query))
            return 201, created
        if method == "DELETE":
            options = _json_body(raw) if raw.strip() else {}
            if not isinstance(options, dict):
                raise errors.bad_request("DeleteOptions must be a JSON object")
            dry_run = self._options(query).dry_run or "All" in ((options or {}).get("dryRun") or [])
            if route.name is None:
                return 200, api.delete_collection(rtype, route.namespace, query.get("labelSelector"),
                                                  query.get("fieldSelector"), dry_run)
            return 200, api.delete(rtype, route.namespace, route.name, options, dry_run)
        if route.name is None:
            raise errors.method_not_allowed(f"{method} is not allowed on collections")
        if method == "PUT":
            updated, self._warnings = api.replace(rtype, route.namespace, route.name, _json_body(raw),
                                                  self._options(query), route.subresource)
            return 200, updated
        if method == "PATCH":
            content_type = self.headers.get("Content-Type", "application/json")
            with api.store.lock:
                existed = api.store.find(rtype, route.namespace, route.name) is not None
                patched, self._warnings = api.patch(rtype, route.namespace, route.name, raw, content_type,
                                                    self._options(query), route.subresource)
            return (200 if existed else 201), patched
        raise errors.method_not_allowed(f"method {method} is not supported")

    def _watch(self, route: Route, query: dict) -> None:
        """Stream watch events (chunked JSON lines) until timeoutSeconds or shutdown."""
        api, rtype, store = self.server.api, route.rtype, self.server.api.store
        try:
            timeout = float(query.get("timeoutSeconds") or 300)
        except ValueError as exc:
            raise errors.bad_request(f"invalid timeoutSeconds: {query.get('timeoutSeconds')!r}") from exc
        deadline = time.monotonic() + timeout
        listed = api.list(rtype, route.namespace, query.get("labelSelector"), query.get("fieldSelector"))
        by_label, by_field = label_matcher(query.get("labelSelector")), field_matcher(query.get("fieldSelector"),
                                                                                      rtype.kind)
        start_rv = query.get("resourceVersion")
        revision = int(start_rv) if start_rv and start_rv.isdigit() and start_rv != "0" else \
            int(listed["metadata"]["resourceVersion"])
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            if start_rv and start_rv != "0" and revision < store.compacted:
                expired = errors.StatusError(410, "Expired", f"too old resource version: {revision} "
                                             f"({store.compacted})")
                self._chunk({"type": "ERROR", "object": expired.to_status()})
                self.wfile.write(b"0\r\n\r\n")
                self.close_connection = True
                return
            if not start_rv or start_rv == "0":
                for item in listed["items"]:
                    self._chunk({"type": "ADDED", "object": item})
            while time.monotonic() < deadline and not self.server.stopping.is_set():
                with store.changed:
                    pending = store.events_since(revision)
                    if not pending:
                        store.changed.wait(timeout=0.2)
                        continue
                for event_rv, event_type, event_rtype, obj in pending:
                    revision = max(revision, event_rv)
                    if event_rtype != rtype:
                        continue
                    if route.namespace and obj["metadata"].get("namespace") != route.namespace:
                        continue
                    if by_label(obj) and by_field(obj):
                        self._chunk({"type": event_type, "object": obj})
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def _chunk(self, event: dict) -> None:
        data = json.dumps(event).encode() + b"\n"
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    # -- admin -----------------------------------------------------------------------------------
    def _admin(self, method: str, path: str, raw: bytes, query: dict) -> None:
        faults = self.server.faults
        try:
            if path == "/_standin/faults" and method == "POST":
                self._send(201, {"rules": faults.add(_json_body(raw))})
            elif path == "/_standin/faults" and method == "GET":
                self._send(200, {"rules": faults.rules()})
            elif path == "/_standin/faults" and method == "DELETE":
                faults.clear()
                self._send(200, {"rules": []})
            elif path == "/_standin/requests" and method == "GET":
                since = int(query.get("since", "0") or 0)
                self._send(200, {"requests": faults.requests(since)})
            elif path == "/_standin/reset" and method == "POST":
                keep = (_json_body(raw) if raw.strip() else {}) or {}
                faults.reset()
                if not keep.get("keep_objects"):
                    self.server.api.store.reset()
                self._send(200, {"reset": True})
            else:
                raise errors.not_found_path(path)
        except errors.StatusError as exc:
            self._send(exc.code, exc.to_status())
        except (AttributeError, TypeError, ValueError) as exc:
            self._send(400, errors.bad_request(f"malformed admin request: {type(exc).__name__}: {exc}").to_status())


class _WithHeaders(Exception):
    def __init__(self, error: errors.StatusError, headers: dict[str, str]):
        super().__init__(error.message)
        self.error = error
        self.headers = headers


def _json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError as exc:
        raise errors.bad_request(f"couldn't get version/kind; json parse error: {exc}") from exc


def kubeconfig(url: str, token: str | None, namespace: str = "default") -> dict:
    user: dict[str, Any] = {"token": token} if token else {}
    return {
        "apiVersion": "v1", "kind": "Config", "preferences": {},
        "clusters": [{"name": "k8s-standin", "cluster": {"server": url}}],
        "users": [{"name": "k8s-standin", "user": user}],
        "contexts": [{"name": "k8s-standin", "context": {"cluster": "k8s-standin", "user": "k8s-standin",
                                                         "namespace": namespace}}],
        "current-context": "k8s-standin",
    }


class StandinServer:
    """The running stand-in: HTTP server thread plus controller thread.  Use as a context manager."""

    def __init__(self, port: int = 0, schemas_dir: str | Path | None = None, kubeconfig_out: str | Path | None = None,
                 token: str | None = "generate", import_seconds: float = 3.0, start_seconds: float = 0.5,
                 field_validation: str = "Strict", controllers: bool = True, namespace_grace: float = 0.0):
        self.token = secrets.token_hex(16) if token == "generate" else token
        self.validator = Validator(schemas_dir)
        self.store = Store(namespace_grace=namespace_grace)
        self.api = Api(self.store, self.validator)
        self.faults = Faults()
        self.httpd = StandinHTTPServer(("127.0.0.1", port), self.api, self.faults, self.token, field_validation)
        self.controllers = Controllers(self.api, import_seconds=import_seconds, start_seconds=start_seconds) \
            if controllers else None
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.kubeconfig_path = Path(kubeconfig_out) if kubeconfig_out else None
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="k8s-standin-http", daemon=True)
        self._redactor = SecretRedactor(self.store)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def start(self) -> StandinServer:
        if self.kubeconfig_path:
            self.kubeconfig_path.parent.mkdir(parents=True, exist_ok=True)
            self.kubeconfig_path.write_text(json.dumps(kubeconfig(self.url, self.token), indent=2) + "\n")
            self.kubeconfig_path.chmod(0o600)
        LOG.addFilter(self._redactor)
        self._thread.start()
        if self.controllers:
            self.controllers.start()
        LOG.info("k8s stand-in (tests only, not a cluster) serving %s", self.url)
        LOG.info(self.validator.describe())
        return self

    def stop(self) -> None:
        self.httpd.stopping.set()
        if self.controllers:
            self.controllers.stop()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)
        LOG.removeFilter(self._redactor)

    def __enter__(self) -> StandinServer:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()


def start_server(**kwargs: Any) -> StandinServer:
    return StandinServer(**kwargs).start()
