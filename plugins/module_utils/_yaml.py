# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""YAML in and out through libyaml when available: emission dominates render time at scale."""

from __future__ import annotations

import json

try:
    import yaml

    HAS_YAML = True
    _DUMPER = getattr(yaml, "CSafeDumper", None) or yaml.SafeDumper
    _LOADER = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    HAS_YAML = False
    yaml = None


class AliasError(ValueError):
    """The text reuses a node through a YAML alias."""


if HAS_YAML:

    class _NoAliasLoader(_LOADER):  # type: ignore[misc,valid-type]
        """The safe loader, refusing aliases: 0.1 MB of nested aliases expand to gigabytes (a "billion laughs").

        An OpenStack API dump never contains aliases, so refusing them costs a real snapshot nothing.
        """

        def construct_object(self, node, deep=False):
            if node in self.constructed_objects or node in self.recursive_objects:
                mark = node.start_mark
                raise AliasError(
                    f"the node anchored at line {mark.line + 1} is repeated through a YAML alias; aliases are not accepted in a snapshot (write the value out)"
                )
            return super().construct_object(node, deep=deep)


def dump_documents(documents: list[dict]) -> str:
    return yaml.dump_all(documents, Dumper=_DUMPER, sort_keys=False, default_flow_style=False, explicit_start=True, width=120, allow_unicode=True)


def parse_error(exc: Exception) -> str:
    """What the YAML parser found wrong and where, without a quote of the text.

    The pure-Python parser's message quotes the offending line, and a snapshot's line may hold user data.
    """
    if not isinstance(exc, yaml.MarkedYAMLError):
        return type(exc).__name__

    def at(mark) -> str:
        return f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""

    found = [f"{text}{at(mark)}" for text, mark in ((exc.context, exc.context_mark), (exc.problem, exc.problem_mark)) if text]
    return "; ".join(found) or f"a syntax error{at(exc.problem_mark or exc.context_mark)}"


def load_data(text: str, *, source: str, multi: bool = False):
    """JSON or YAML text -> data; JSON first because a snapshot is often a raw API dump.

    multi: the text is a YAML stream; the result is the list of its documents.
    """
    stripped = text.lstrip()
    if multi:
        try:
            return list(yaml.load_all(text, Loader=_NoAliasLoader))
        except (AliasError, yaml.YAMLError) as exc:
            raise ValueError(f"{source}: not a YAML stream without aliases: {exc if isinstance(exc, AliasError) else parse_error(exc)}") from exc
    if stripped.startswith("{") or stripped.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            pass
    try:
        return yaml.load(text, Loader=_NoAliasLoader)
    except AliasError as exc:
        raise ValueError(f"{source}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"{source}: not valid YAML or JSON: {parse_error(exc)}") from exc
