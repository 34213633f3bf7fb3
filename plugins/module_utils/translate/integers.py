# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one integer parser of the translation, for every number the OpenStack APIs return.

Nova and Neutron return ints, but Cinder's volume_image_metadata and Glance properties carry numbers as
strings, and extra specs are always strings. Accepted: an int, a float with no fraction (JSON has no int
type of its own), and a string of decimal digits with an optional sign and surrounding blanks. Anything
else, "2.5" or 2.5 included, is an error: truncating would silently change a size or a count.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import FindingCollector

_INTEGER_TEXT = re.compile(r"\s*[+-]?\d+\s*")
_REQUIRED = object()


class NotAnInteger(ValueError):
    """The value is set but is not an integer; the message says what was found."""


def parse_int(value: Any) -> int | None:
    """The integer value; None when unset (None or a blank string). Raises NotAnInteger."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise NotAnInteger(f"expected an integer, got boolean {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value):
        return int(value)
    raise NotAnInteger(f"expected an integer, got {value!r}")


def int_field(value: Any, *, collector: FindingCollector, field: str, minimum: int = 0, default: Any = _REQUIRED) -> Any:
    """parse_int for a field whose bad value blocks the subject: raises collector.fail naming the field.

    An unset value gives default, or is itself an error when no default is given.
    """
    try:
        number = parse_int(value)
    except NotAnInteger as exc:
        raise collector.fail(field, str(exc)) from None
    if number is None:
        if default is _REQUIRED:
            raise collector.fail(field, f"expected an integer, got {value!r}")
        return default
    if number < minimum:
        raise collector.fail(field, f"must be >= {minimum}, got {number}")
    return number
