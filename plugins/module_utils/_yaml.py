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


def dump_documents(documents: list[dict]) -> str:
    return yaml.dump_all(documents, Dumper=_DUMPER, sort_keys=False, default_flow_style=False, explicit_start=True,
                         width=120, allow_unicode=True)


def load_data(text: str, *, source: str):
    """JSON or YAML text -> data; JSON first because a snapshot is often a raw API dump."""
    stripped = text.lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            pass
    try:
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        raise ValueError(f"{source}: not valid YAML or JSON: {exc}") from exc
