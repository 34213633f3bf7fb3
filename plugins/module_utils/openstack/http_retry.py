# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""When and how long to wait before repeating a failed idempotent GET.

Only transient faults are retried: HTTP 500, 502, 503 and 504, and a connection that was
refused, dropped or reset. The wait doubles from ``BASE_DELAY`` and honours ``Retry-After``
(seconds or an HTTP date), but never exceeds ``MAX_WAIT``: a server that asks for a longer
pause fails the call at once instead of hanging the export. Pure functions, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parsedate_to_datetime

RETRY_STATUSES = (500, 502, 503, 504)


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 3  # repeats after the first attempt
    base_delay: float = 0.5  # seconds before the first repeat; doubles each time
    max_wait: float = 30.0  # longest single wait, Retry-After included


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """``Retry-After`` as seconds from ``now`` (epoch seconds), or None when absent or unreadable."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now)


def next_wait(policy: RetryPolicy, attempt: int, status: int | None, retry_after: str | None, now: float) -> tuple[float | None, str]:
    """(seconds to wait before attempt ``attempt + 1``, or None to give up; why).

    ``attempt`` counts from 1; ``status`` is None for a transport failure (no HTTP answer).
    """
    if status is not None and status not in RETRY_STATUSES:
        return None, f"HTTP {status} is not transient"
    if attempt > policy.retries:
        return None, f"gave up after {attempt} attempts"
    asked = retry_after_seconds(retry_after, now)
    if asked is not None and asked > policy.max_wait:
        return None, f"the server asked to retry after {asked:g} s, longer than the {policy.max_wait:g} s this waits"
    backoff = min(policy.base_delay * (2 ** (attempt - 1)), policy.max_wait)
    if asked is not None:
        return asked, f"Retry-After {asked:g} s"
    return backoff, f"backoff {backoff:g} s"
