# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One readable line from the error text kubernetes.core puts in a failed task's C(msg).

A failed request's message embeds the API server's Status object as JSON after some prose; a report
needs its code, reason and message, not the raw body. Nothing else of the request is repeated, which
matters for Secrets: their failure messages must not echo what was sent.
"""

from __future__ import annotations

import json
import re

_CODE = re.compile(r'"code":\s?([0-9]{3})')
_REASON = re.compile(r'"reason":\s?"([A-Za-z]+)"')
_MESSAGE = re.compile(r'"message":\s?"((?:[^"\\]|\\.)*)"')
MAX_TEXT = 600
_MAX_CANDIDATES = 20


def _unrepr(text: str) -> str:
    """Undo the escaping of a bytes repr (kubernetes.core formats the raw response body, b'...', into msg)."""
    try:
        return text.encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1").decode("utf-8")
    except (UnicodeError, ValueError):
        return text


def status_object(text: str) -> dict | None:
    """The first JSON object in text that looks like an API Status (has a numeric code)."""
    decoder = json.JSONDecoder()
    for candidate in (text, _unrepr(text)):
        start = candidate.find("{")
        for dummy in range(_MAX_CANDIDATES):
            if start < 0:
                break
            try:
                obj, dummy_end = decoder.raw_decode(candidate, start)
            except ValueError:
                obj = None
            if isinstance(obj, dict) and isinstance(obj.get("code"), int):
                return obj
            start = candidate.find("{", start + 1)
    return None


def _truncate(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 3] + "..."


def api_error_summary(message, with_text: bool = True) -> str:
    """'HTTP <code> <reason>: <message>' when the text holds an API Status, else the text, truncated.

    with_text=False keeps only the code and reason (for requests whose body must not be echoed).
    """
    text = str(message or "").strip()
    status = status_object(text)
    if status is not None:
        code, reason, status_message = status["code"], status.get("reason"), status.get("message")
    else:
        found = _CODE.search(text)
        if not found:
            return _truncate(text) if with_text else "request failed without an HTTP answer"
        code = found.group(1)
        reason = (_REASON.search(text) or [None, None])[1]
        status_message = (_MESSAGE.search(text) or [None, None])[1]
    summary = f"HTTP {code}" + (f" {reason}" if reason else "")
    if with_text and status_message:
        summary += f": {_truncate(str(status_message))}"
    return summary


def _first_failure(result: dict) -> dict:
    for item in result.get("results") or []:
        if isinstance(item, dict) and item.get("failed"):
            return item
    return result


def _loop_item(result: dict):
    return result.get(result.get("ansible_loop_var") or "item")


def _object_name(item) -> str:
    if isinstance(item, dict) and item.get("kind"):
        return f"{item['kind']}/{(item.get('metadata') or {}).get('name', '?')}"
    return ""


def task_failure_summary(result, task_name: str = "") -> str:
    """'<task> <Kind/name>: HTTP <code> <reason>: <message>' for a failed task result (looped or not)."""
    result = result if isinstance(result, dict) else {"msg": str(result)}
    first = _first_failure(result)
    where = " ".join(part for part in (str(task_name or "").strip(), _object_name(_loop_item(first))) if part)
    summary = api_error_summary(first.get("msg") or result.get("msg") or "failed")
    return f"{where}: {summary}" if where else summary


def secret_failures_summary(results) -> str:
    """Code and reason per failed Secret apply, keyed by the Secret's name; never the request or the answer's text."""
    lines = []
    for item in results or []:
        if not isinstance(item, dict) or "result" in item:
            continue
        name = _loop_item(item) if isinstance(_loop_item(item), str) else "?"
        lines.append(f"Secret {name}: {api_error_summary(item.get('msg'), with_text=False)}")
    return "; ".join(lines)
