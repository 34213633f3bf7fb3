# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Warnings and blockers that translation reports per OpenStack object.

Every translation function returns (or raises) these instead of printing, so the
plan can tell the user exactly which object and which field caused a problem.
"""

from __future__ import annotations

import dataclasses

WARNING = "warning"
BLOCKER = "blocker"
_SEVERITIES = (WARNING, BLOCKER)


@dataclasses.dataclass(frozen=True)
class Finding:
    """One thing the user must know about one source object.

    subject_kind: OpenStack resource type ("server", "security_group", ...).
    subject: a human label for the object, "name (id)".
    field: dotted path of the offending attribute, e.g. "flavor.extra_specs.hw:cpu_realtime".
    """

    severity: str
    subject_kind: str
    subject: str
    field: str
    message: str

    def __post_init__(self) -> None:
        if self.severity not in _SEVERITIES:
            raise ValueError(f"severity must be one of {_SEVERITIES}, got {self.severity!r}")

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        return f"{self.subject_kind} {self.subject}: {self.field}: {self.message}"


class TranslationError(ValueError):
    """Raised when one object cannot be translated at all (it becomes 'blocked')."""

    def __init__(self, subject_kind: str, subject: str, field: str, message: str) -> None:
        self.finding = Finding(BLOCKER, subject_kind, subject, field, message)
        super().__init__(str(self.finding))


def type_name(value) -> str:
    """The JSON/YAML type a user wrote, for messages: "null" rather than Python's "NoneType"."""
    return "null" if value is None else type(value).__name__


def describe(obj: dict, fallback_kind: str = "object") -> str:
    """Human label "name (id)" for an OpenStack API object."""
    if not isinstance(obj, dict):
        return f"<invalid {fallback_kind}>"
    name = obj.get("name") or ""
    ident = obj.get("id") or ""
    if name and ident:
        return f"{name} ({ident})"
    return str(name or ident or f"<unnamed {fallback_kind}>")


class FindingCollector:
    """Accumulates findings for one subject so helpers need not repeat its label."""

    def __init__(self, subject_kind: str, subject: str) -> None:
        self.subject_kind = subject_kind
        self.subject = subject
        self.findings: list[Finding] = []

    def warn(self, field: str, message: str) -> None:
        self.findings.append(Finding(WARNING, self.subject_kind, self.subject, field, message))

    def block(self, field: str, message: str) -> None:
        self.findings.append(Finding(BLOCKER, self.subject_kind, self.subject, field, message))

    def fail(self, field: str, message: str) -> TranslationError:
        """Return (for the caller to raise) an error that blocks the whole subject."""
        return TranslationError(self.subject_kind, self.subject, field, message)

    @property
    def blocked(self) -> bool:
        return any(f.severity == BLOCKER for f in self.findings)
