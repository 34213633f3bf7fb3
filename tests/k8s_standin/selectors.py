# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Label and field selectors, parsed the way the API server reads ``labelSelector`` / ``fieldSelector``.

Label selector grammar (comma-separated requirements, all must hold):
``key``, ``!key``, ``key=value``, ``key==value``, ``key!=value``,
``key in (a,b)``, ``key notin (a,b)``.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping

_KEY = r"([A-Za-z0-9][-A-Za-z0-9_.]*/)?([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)"
_VALUE = r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"
_KEY_RE = re.compile(_KEY)
_VALUE_RE = re.compile(_VALUE)


class SelectorError(ValueError):
    """The selector text cannot be parsed (the server answers 400 BadRequest)."""


@dataclasses.dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # "=", "!=", "in", "notin", "exists", "!"
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.operator == "exists":
            return present
        if self.operator == "!":
            return not present
        if self.operator in ("=", "in"):
            return present and value in self.values
        # "!=" and "notin" also match objects without the label, as on the real server.
        return not present or value not in self.values


def _split_requirements(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise SelectorError(f"unable to parse requirement: unexpected ')' in {text!r}")
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if depth:
        raise SelectorError(f"unable to parse requirement: unclosed '(' in {text!r}")
    parts.append("".join(current))
    return [p.strip() for p in parts]


def _check_key(key: str) -> str:
    if not _KEY_RE.fullmatch(key) or len(key.split("/")[-1]) > 63:
        raise SelectorError(f"unable to parse requirement: invalid label key {key!r}")
    return key


def _check_value(value: str) -> str:
    if not _VALUE_RE.fullmatch(value) or len(value) > 63:
        raise SelectorError(f"unable to parse requirement: invalid label value {value!r}")
    return value


_SET_RE = re.compile(r"^(?P<key>\S+)\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)$")
_EQ_RE = re.compile(r"^(?P<key>[^=!\s]+)\s*(?P<op>==|=|!=)\s*(?P<value>\S*)$")


def parse_label_selector(text: str | None) -> list[Requirement]:
    """Parse a ``labelSelector`` query value; an empty string selects everything."""
    if text is None or not text.strip():
        return []
    requirements = []
    for part in _split_requirements(text):
        if not part:
            raise SelectorError(f"unable to parse requirement: empty requirement in {text!r}")
        match = _SET_RE.match(part)
        if match:
            if match["values"].strip() == "":
                raise SelectorError(f"unable to parse requirement: {part!r}: for 'in', 'notin' operators, "
                                    "values set can't be empty")
            values = tuple(_check_value(v.strip()) for v in match["values"].split(","))
            requirements.append(Requirement(_check_key(match["key"]), match["op"], values))
            continue
        match = _EQ_RE.match(part)
        if match:
            operator = "!=" if match["op"] == "!=" else "="
            requirements.append(Requirement(_check_key(match["key"]), operator, (_check_value(match["value"]),)))
            continue
        if part.startswith("!"):
            requirements.append(Requirement(_check_key(part[1:].strip()), "!"))
            continue
        requirements.append(Requirement(_check_key(part), "exists"))
    return requirements


def label_matcher(text: str | None) -> Callable[[Mapping], bool]:
    """A predicate over whole objects for a ``labelSelector`` value."""
    requirements = parse_label_selector(text)

    def matches(obj: Mapping) -> bool:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return all(r.matches(labels) for r in requirements)

    return matches


# Field selectors: every kind supports metadata.name and metadata.namespace; a few
# kinds add their own fields (as the real server's per-kind field label conversion does).
_EXTRA_FIELDS = {
    "Secret": {"type"},
    "Pod": {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
            "status.phase", "status.podIP", "status.nominatedNodeName"},
    "Namespace": {"status.phase"},
    "Event": {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
              "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
              "reason", "reportingComponent", "source", "type"},
}


def _field_value(obj: Mapping, path: str) -> str:
    current = obj
    for part in path.split("."):
        if not isinstance(current, Mapping):
            return ""
        current = current.get(part)
        if current is None:
            return ""
    return str(current)


def field_matcher(text: str | None, kind: str) -> Callable[[Mapping], bool]:
    """A predicate for a ``fieldSelector`` value; unknown fields raise like the server does."""
    if text is None or not text.strip():
        return lambda obj: True
    allowed = {"metadata.name", "metadata.namespace"} | _EXTRA_FIELDS.get(kind, set())
    checks = []
    for part in _split_requirements(text):
        match = re.match(r"^([^=!]+)(==|=|!=)(.*)$", part)
        if not match:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{part}'")
        field, operator, value = match.group(1).strip(), match.group(2), match.group(3).strip()
        if field not in allowed:
            raise SelectorError(f'field label not supported: {field}')
        checks.append((field, operator != "!=", value))

    def matches(obj: Mapping) -> bool:
        return all((_field_value(obj, f) == v) == equal for f, equal, v in checks)

    return matches
