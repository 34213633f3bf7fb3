# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Keeps Secret values out of the stand-in's log, whatever code path logs them.

The server never logs request or object bodies on purpose; this filter is the safety net for
messages and tracebacks that might quote one (a controller error, an internal error).
"""
from __future__ import annotations

import base64
import binascii
import logging
import traceback

from .resources import by_kind

SECRET = by_kind("v1", "Secret")
REDACTED = "<redacted>"
_MIN_LENGTH = 3  # shorter values ("1", "no") would blank out unrelated words


def secret_values(store) -> set[str]:
    """Every Secret data value in the store, base64 as stored and decoded."""
    values: set[str] = set()
    for secret in store.list(SECRET)[0]:
        for encoded in (secret.get("data") or {}).values():
            if not isinstance(encoded, str):
                continue
            values.add(encoded)
            try:
                values.add(base64.b64decode(encoded, validate=True).decode("utf-8"))
            except (binascii.Error, UnicodeDecodeError, ValueError):
                pass
    return {v for v in values if len(v) >= _MIN_LENGTH}


class SecretRedactor(logging.Filter):
    """A logging filter that replaces stored Secret values in the final message and traceback."""

    def __init__(self, store):
        super().__init__()
        self.store = store

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
            record.exc_info = None
            record.exc_text = None
        for value in sorted(secret_values(self.store), key=len, reverse=True):
            message = message.replace(value, REDACTED)
        record.msg, record.args = message, ()
        return True
