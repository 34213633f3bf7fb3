# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault rules and the request log of the fault proxy.

A rule (JSON object) matches requests by any of ``method``, ``path`` (regex, searched in the URL path),
``kind``, ``group`` ("" for the core group), ``name``, ``namespace``; then applies ``action``:

* ``latency`` -- sleep ``latency_ms`` and go on (later rules may still match);
* ``status`` -- answer ``status`` (4xx/5xx) with a ``kind: Status`` body worded like the real server's;
  optional ``message`` and ``retry_after`` (seconds, sent as Retry-After);
* ``drop_connection`` -- close the socket without an answer.

``count`` limits how often a rule fires (default: unlimited); ``probability`` (0..1, default 1) with
``seed`` makes it fire at random but reproducibly.
"""

from __future__ import annotations

import itertools
import random
import re
import threading
import time
from typing import Any

from .requests import verb

ACTIONS = ("latency", "status", "drop_connection")
REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Expired",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}
LOG_LIMIT = 20000


class RuleError(ValueError):
    """A rule the proxy cannot apply; the control endpoint answers 400 with this message."""


def status_body(code: int, message: str, details: dict | None = None) -> dict:
    reason = REASONS.get(code, "InternalError" if code >= 500 else "BadRequest")
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason, "code": code}
    if details:
        body["details"] = details
    return body


class Rule:
    def __init__(self, rule_id: int, spec: dict[str, Any]):
        if not isinstance(spec, dict):
            raise RuleError("a fault rule must be a JSON object")
        action = spec.get("action")
        if action not in ACTIONS:
            raise RuleError(f"fault action must be one of {', '.join(ACTIONS)}, got {action!r}")
        unknown = set(spec) - {
            "action",
            "method",
            "path",
            "kind",
            "group",
            "name",
            "namespace",
            "latency_ms",
            "status",
            "message",
            "retry_after",
            "count",
            "probability",
            "seed",
        }
        if unknown:
            raise RuleError(f"unknown fault rule field(s): {', '.join(sorted(unknown))}")
        self.id = rule_id
        self.spec = dict(spec)
        self.action = action
        self.method = (spec.get("method") or "").upper() or None
        try:
            self.path = re.compile(spec["path"]) if spec.get("path") else None
        except re.error as exc:
            raise RuleError(f"fault path is not a valid regex: {exc}") from exc
        self.match_fields = {f: spec[f] for f in ("kind", "group", "name", "namespace") if spec.get(f) is not None}
        self.latency_ms = int(spec.get("latency_ms", 0))
        self.status = int(spec.get("status", 500))
        if action == "status" and not 400 <= self.status <= 599:
            raise RuleError(f"fault status must be 4xx or 5xx, got {self.status}")
        self.message = spec.get("message")
        self.retry_after = spec.get("retry_after")
        self.remaining = spec.get("count")
        self.probability = float(spec.get("probability", 1.0))
        self._random = random.Random(spec.get("seed"))
        self.fired = 0

    def matches(self, request: dict) -> bool:
        if self.method and request["method"] != self.method:
            return False
        if self.path and not self.path.search(request["path"]):
            return False
        if any(request.get(field) != wanted for field, wanted in self.match_fields.items()):
            return False
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.probability < 1.0 and self._random.random() >= self.probability:
            return False
        if self.remaining is not None:
            self.remaining -= 1
        self.fired += 1
        return True

    def answer(self, request: dict, user: str) -> dict:
        details: dict[str, Any] = {"causes": [{"reason": "InjectedFault", "message": f"fault proxy rule {self.id}"}]}
        if request.get("name"):
            details["name"] = request["name"]
        if request.get("plural"):
            details["kind"] = request["plural"]
            if request.get("group"):
                details["group"] = request["group"]
        if self.retry_after is not None:
            details["retryAfterSeconds"] = int(self.retry_after)
        return status_body(self.status, self.message or default_message(self.status, request, user), details)

    def describe(self) -> dict:
        return {**self.spec, "id": self.id, "fired": self.fired, "remaining": self.remaining}


def default_message(status: int, request: dict, user: str) -> str:
    """The wording a real API server uses for the same status, so clients see familiar errors."""
    plural, group, name = request.get("plural") or "", request.get("group") or "", request.get("name")
    resource = f"{plural}.{group}" if group else plural
    if status == 403:
        where = f' in the namespace "{request["namespace"]}"' if request.get("namespace") else ""
        # Authorization runs before the body is read: a create is refused without the object's name.
        target = f'{resource} "{name}"' if name and request.get("method") != "POST" else resource
        return f'{target} is forbidden: User "{user}" cannot {verb(request)} resource "{plural}" in API group "{group}"{where}'
    if status == 409:
        return (
            f'Operation cannot be fulfilled on {resource} "{name or ""}": the object has been modified; '
            "please apply your changes to the latest version and try again"
        )
    if status == 429:
        return "Too many requests, please try again later."
    if status == 503:
        return "the server is currently unable to handle the request"
    if status == 504:
        return "the server was unable to return a response in the time allotted, but may still be processing the request"
    return "Internal error occurred: injected fault" if status >= 500 else f"injected fault: HTTP {status}"


class Decision:
    """What to do with one request: pass it on, answer with a Status, or drop the connection."""

    def __init__(self, rule: Rule | None = None, fired: list[int] | None = None):
        self.rule = rule
        self.fired = fired or []

    @property
    def drop(self) -> bool:
        return self.rule is not None and self.rule.action == "drop_connection"


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self._ids = itertools.count(1)
        self._log: list[dict] = []
        self._seq = itertools.count(1)

    def add(self, body: Any) -> list[dict]:
        specs = body.get("rules") if isinstance(body, dict) and "rules" in body else body
        if isinstance(specs, dict):
            specs = [specs]
        if not isinstance(specs, list):
            raise RuleError('expected a rule object, a list of rules, or {"rules": [...]}')
        with self._lock:
            rules = [Rule(next(self._ids), spec) for spec in specs]
            self._rules.extend(rules)
            return [r.describe() for r in rules]

    def rules(self) -> list[dict]:
        with self._lock:
            return [r.describe() for r in self._rules]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def decide(self, request: dict) -> Decision:
        """Evaluate the rules in order; latency rules sleep (outside the lock) and do not end the search."""
        delays, fired, chosen = [], [], None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(request):
                    continue
                fired.append(rule.id)
                if rule.action == "latency":
                    delays.append(rule.latency_ms)
                    continue
                chosen = rule
                break
        for delay in delays:
            time.sleep(delay / 1000.0)
        return Decision(chosen, fired)

    def log(self, entry: dict) -> None:
        with self._lock:
            entry["seq"] = next(self._seq)
            self._log.append(entry)
            del self._log[:-LOG_LIMIT]

    def requests(self, since: int = 0) -> list[dict]:
        with self._lock:
            return [dict(e) for e in self._log if e["seq"] > since]

    def reset(self) -> None:
        with self._lock:
            self._rules.clear()
            self._log.clear()
