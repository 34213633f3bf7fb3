# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Server-side apply and managedFields.

Fields are tracked as paths of fieldsV1 keys (``f:spec``, ``k:{"name":"root"}``), one set per
(manager, operation, subresource).  Rules, as on the real server:

* apply: the manager's set becomes exactly the fields in its configuration; a field another
  manager owns with a *different* value is a conflict (409) unless ``force=true``, which moves
  ownership; the same value makes ownership shared;
* fields the applier owned before, no longer sets, and nobody else owns are removed;
* other writes (create, update, patch) give the writer the fields they changed and take them
  from everybody else, without conflicts.

Lists whose items carry a key (see ``patch.list_key``) merge item by item; other lists are
atomic, as are scalars.
"""
from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

from . import errors
from .patch import item_key, list_key
from .store import now

Path = tuple[str, ...]
_IGNORED_METADATA = {"name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                     "managedFields", "deletionTimestamp", "selfLink"}


def field_paths(obj: dict, include_status: bool = True) -> set[Path]:
    """Leaf paths (and keyed list items) of an object, excluding identity fields."""
    paths: set[Path] = set()
    for name, value in obj.items():
        if name in ("apiVersion", "kind") or (name == "status" and not include_status):
            continue
        if name == "metadata" and isinstance(value, dict):
            meta = {k: v for k, v in value.items() if k not in _IGNORED_METADATA}
            if meta:
                _walk(meta, ("f:metadata",), paths)
        else:
            _walk(value, (f"f:{name}",), paths)
    return paths


def _walk(value: Any, prefix: Path, paths: set[Path]) -> None:
    if isinstance(value, dict) and value:
        for name, child in value.items():
            _walk(child, (*prefix, f"f:{name}"), paths)
    elif isinstance(value, list) and list_key(value):
        key = list_key(value)
        for item in value:
            item_path = (*prefix, _key_element(item, key))
            paths.add(item_path)
            for name, child in item.items():
                _walk(child, (*item_path, f"f:{name}"), paths)
    elif prefix:
        paths.add(prefix)


def _key_element(item: dict, key: tuple[str, ...]) -> str:
    return "k:" + json.dumps(dict(item_key(item, key)), separators=(",", ":"), sort_keys=True)


_MISSING = object()


def value_at(obj: Any, path: Path) -> Any:
    current = obj
    for element in path:
        if element.startswith("f:") and isinstance(current, dict):
            current = current.get(element[2:], _MISSING)
        elif element.startswith("k:") and isinstance(current, list):
            key = json.loads(element[2:])
            current = next((i for i in current if isinstance(i, dict)
                            and dict(item_key(i, tuple(key))) == key), _MISSING)
        else:
            return _MISSING
        if current is _MISSING:
            return _MISSING
    if isinstance(current, list) and list_key(current):
        return "<associative list>"
    return current


def _remove_path(obj: Any, path: Path) -> None:
    parent = obj
    for element in path[:-1]:
        parent = _child(parent, element)
        if parent is _MISSING:
            return
    last = path[-1]
    if last.startswith("f:") and isinstance(parent, dict):
        parent.pop(last[2:], None)
    elif last.startswith("k:") and isinstance(parent, list):
        key = json.loads(last[2:])
        parent[:] = [i for i in parent if not (isinstance(i, dict) and dict(item_key(i, tuple(key))) == key)]


def _child(value: Any, element: str) -> Any:
    if element.startswith("f:") and isinstance(value, dict):
        return value.get(element[2:], _MISSING)
    if element.startswith("k:") and isinstance(value, list):
        key = json.loads(element[2:])
        return next((i for i in value if isinstance(i, dict) and dict(item_key(i, tuple(key))) == key), _MISSING)
    return _MISSING


def _prune_empty(value: Any, template: Any) -> None:
    """Drop maps that became empty through removals (but keep ones the config set empty)."""
    if isinstance(value, dict):
        for name in list(value):
            child = value[name]
            _prune_empty(child, template.get(name) if isinstance(template, dict) else None)
            if isinstance(child, dict) and not child and not (isinstance(template, dict) and name in template):
                del value[name]


def merge_config(current: Any, config: Any) -> Any:
    """Merge an apply configuration into the live object."""
    if isinstance(current, dict) and isinstance(config, dict):
        result = copy.deepcopy(current)
        for name, value in config.items():
            result[name] = merge_config(current.get(name), value) if name in current else copy.deepcopy(value)
        return result
    if isinstance(current, list) and isinstance(config, list):
        key = list_key(config) if config else None
        if key and (not current or list_key(current) == key):
            result = [copy.deepcopy(i) for i in current]
            for item in config:
                index = next((n for n, cur in enumerate(result) if item_key(cur, key) == item_key(item, key)), None)
                if index is None:
                    result.append(copy.deepcopy(item))
                else:
                    result[index] = merge_config(result[index], item)
            return result
    return copy.deepcopy(config)


# -- managedFields <-> path sets ----------------------------------------------------------------
def to_fields_v1(paths: Iterable[Path]) -> dict:
    tree: dict = {}
    for path in sorted(paths):
        node = tree
        for element in path:
            node = node.setdefault(element, {})
        if path[-1].startswith("k:"):
            node["."] = {}
    return tree


def from_fields_v1(tree: dict, prefix: Path = ()) -> set[Path]:
    paths: set[Path] = set()
    for element, child in tree.items():
        if element == ".":
            paths.add(prefix)
            continue
        if child:
            paths |= from_fields_v1(child, (*prefix, element))
        else:
            paths.add((*prefix, element))
    return paths


class ManagedFields:
    """The managedFields of one object as editable path sets."""

    def __init__(self, entries: list[dict] | None):
        self.entries: list[dict] = []
        for entry in entries or []:
            self.entries.append({**{k: v for k, v in entry.items() if k != "fieldsV1"},
                                 "paths": from_fields_v1(entry.get("fieldsV1") or {})})

    def _entry(self, manager: str, operation: str, subresource: str, api_version: str) -> dict:
        for entry in self.entries:
            if (entry["manager"], entry["operation"], entry.get("subresource", "")) == (manager, operation, subresource):
                entry["apiVersion"] = api_version
                return entry
        entry = {"manager": manager, "operation": operation, "apiVersion": api_version, "time": now(),
                 "fieldsType": "FieldsV1", "paths": set()}
        if subresource:
            entry["subresource"] = subresource
        self.entries.append(entry)
        return entry

    def record_update(self, manager: str, api_version: str, before: dict | None, after: dict,
                      subresource: str = "") -> None:
        """A non-apply write: the writer owns what it changed; removed fields are owned by nobody."""
        new_paths = field_paths(after)
        old_paths = field_paths(before) if before else set()
        changed = {p for p in new_paths if before is None or value_at(before, p) != value_at(after, p)}
        removed = old_paths - new_paths
        if not changed and not removed:
            return
        for entry in self.entries:
            entry["paths"] -= changed | removed
        if changed:
            entry = self._entry(manager, "Update", subresource, api_version)
            entry["paths"] |= changed
            entry["time"] = now()
        self.entries = [e for e in self.entries if e["paths"]]

    def apply(self, manager: str, api_version: str, current: dict | None, config: dict, force: bool,
              rtype, subresource: str = "") -> dict:
        """Server-side apply ``config`` onto ``current``; returns the new object (managedFields not set)."""
        config_paths = field_paths(config)
        conflicts = []
        for entry in self.entries:
            if entry["manager"] == manager and entry["operation"] == "Apply":
                continue
            clashing = {p for p in config_paths & entry["paths"]
                        if current is None or value_at(current, p) != value_at(config, p)}
            if clashing and not force:
                conflicts.extend((entry["manager"], entry["apiVersion"], p) for p in sorted(clashing))
            entry["paths"] -= clashing if force else set()
        if conflicts:
            raise _conflict_error(rtype, config["metadata"]["name"], conflicts)
        mine = self._entry(manager, "Apply", subresource, api_version)
        others: set[Path] = set()
        for entry in self.entries:
            if entry is not mine:
                others |= entry["paths"]
        dropped = mine["paths"] - config_paths - others
        result = merge_config(current or {}, config)
        for path in sorted(dropped, key=len, reverse=True):
            _remove_path(result, path)
        _prune_empty(result, config)
        if mine["paths"] != config_paths:
            mine["time"] = now()
        mine["paths"] = config_paths
        self.entries = [e for e in self.entries if e["paths"]]
        return result

    def touch(self, manager: str, operation: str, subresource: str = "") -> None:
        """The object changed through this manager's write: its entry's time moves (and only then)."""
        for entry in self.entries:
            if (entry["manager"], entry["operation"], entry.get("subresource", "")) == (manager, operation, subresource):
                entry["time"] = now()

    def render(self) -> list[dict]:
        rendered = []
        for entry in self.entries:
            out = {k: v for k, v in entry.items() if k != "paths"}
            out["fieldsType"] = "FieldsV1"
            out["fieldsV1"] = to_fields_v1(entry["paths"])
            rendered.append(out)
        return rendered


def _display(path: Path) -> str:
    parts = []
    for element in path:
        if element.startswith("f:"):
            parts.append("." + element[2:])
        else:
            parts.append("[" + ",".join(f"{k}={json.dumps(v)}" for k, v in json.loads(element[2:]).items()) + "]")
    return "".join(parts)


def _conflict_error(rtype, name: str, conflicts: list[tuple[str, str, Path]]) -> errors.StatusError:
    causes = [{"reason": "FieldManagerConflict", "message": f'conflict with "{manager}" using {api_version}',
               "field": _display(path)} for manager, api_version, path in conflicts]
    lines = [f'conflict with "{manager}" using {api_version}: {_display(path)}' for manager, api_version, path
             in conflicts]
    plural = "conflict" if len(lines) == 1 else "conflicts"
    message = f"Apply failed with {len(lines)} {plural}: " + "\n".join(lines)
    details = {"name": name, "kind": rtype.plural, "causes": causes}
    if rtype.group:
        details["group"] = rtype.group
    return errors.StatusError(409, "Conflict", message, details)
