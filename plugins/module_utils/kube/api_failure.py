# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the API server said when a request failed, taken from the client's exception.

The kubernetes client raises ApiException (and the dynamic client its DynamicApiError subclasses) with the HTTP
status, the reason phrase and the response body, which for API errors is a Status object. A report needs the code,
the Status reason and its message; nothing of the request is repeated, which matters for Secrets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

MAX_MESSAGE = 600


def _truncate(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def _status_body(body) -> dict:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return {}
    return body if isinstance(body, dict) else {}


@dataclass(frozen=True)
class ApiFailure:
    """HTTP status (None when no answer came), Status reason and message of one failed request."""

    status: int | None
    reason: str
    message: str

    @classmethod
    def from_exception(cls, exc: BaseException) -> ApiFailure:
        status = getattr(exc, "status", None)
        if not isinstance(status, int):
            # No HTTP answer at all: connection refused, TLS, timeout. The exception text names the cause.
            return cls(None, type(exc).__name__, _truncate(str(exc)))
        body = _status_body(getattr(exc, "body", None))
        reason = str(body.get("reason") or getattr(exc, "reason", "") or "")
        message = str(body.get("message") or "")
        return cls(status, reason, _truncate(message))

    def summary(self, with_message: bool = True) -> str:
        """'HTTP <code> <reason>: <message>'; with_message=False for requests whose body must not be echoed."""
        if self.status is None:
            text = f"no answer from the API server ({self.reason})"
        else:
            text = f"HTTP {self.status}" + (f" {self.reason}" if self.reason else "")
        return f"{text}: {self.message}" if with_message and self.message else text

    def __str__(self) -> str:
        return self.summary()
