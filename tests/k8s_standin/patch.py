# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PATCH bodies other than server-side apply: JSON merge patch, strategic merge patch, JSON patch.

List identity (which lists merge item by item) is shared with server-side apply: see ``list_key``.
"""
from __future__ import annotations

import copy
from typing import Any

from . import errors

# Keys that identify items of associative lists.  The real server reads them from Go struct
# tags (core kinds) or x-kubernetes-list-map-keys (CRDs); these cover the lists our roles write
# (containers, volumes, disks, interfaces, networks, ports, conditions, env).
_KEY_CANDIDATES: tuple[tuple[str, ...], ...] = (
    ("name",),
    ("containerPort", "protocol"),
    ("port", "protocol"),
    ("type",),
)
_DEFAULTS = {"protocol": "TCP"}


def list_key(items: list) -> tuple[str, ...] | None:
    """The map keys of a list when it is associative, else None (atomic list)."""
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for candidate in _KEY_CANDIDATES:
        if all(candidate[0] in i for i in items):
            keys = [item_key(i, candidate) for i in items]
            if len(set(keys)) == len(keys):
                return candidate
    return None


def item_key(item: dict, key: tuple[str, ...]) -> tuple:
    return tuple((k, item.get(k, _DEFAULTS.get(k))) for k in key)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge, null deletes, everything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merge_patch(result.get(name), value)
    return result


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    """A subset of strategic merge patch: like merge patch, but associative lists merge by key,
    and list items with ``$patch: delete`` are removed."""
    if not isinstance(patch, dict):
        if isinstance(patch, list) and isinstance(target, list):
            return _strategic_list(target, patch)
        return _strip_directives(copy.deepcopy(patch))
    if patch.get("$patch") == "replace":
        return _strip_directives({k: v for k, v in patch.items() if k != "$patch"})
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if name.startswith("$"):
            continue
        if value is None:
            result.pop(name, None)
        else:
            result[name] = strategic_merge_patch(result.get(name), value)
    return result


def _strategic_list(target: list, patch: list) -> list:
    # The key comes from each list on its own: the patch may repeat a key the target has.
    key = list_key(target) or list_key([i for i in patch if isinstance(i, dict)])
    if key is None or not all(isinstance(i, dict) and key[0] in i for i in target + patch):
        return [_strip_directives(copy.deepcopy(i)) for i in patch if not (isinstance(i, dict) and "$patch" in i)]
    result = [copy.deepcopy(i) for i in target]
    for item in patch:
        ident = item_key(item, key)
        index = next((n for n, cur in enumerate(result) if item_key(cur, key) == ident), None)
        if item.get("$patch") == "delete":
            if index is not None:
                del result[index]
        elif index is None:
            result.append(_strip_directives(copy.deepcopy(item)))
        else:
            result[index] = strategic_merge_patch(result[index], item)
    return result


def _strip_directives(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_directives(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_strip_directives(v) for v in value]
    return value


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise errors.bad_request(f"json patch: invalid path {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str], path: str) -> Any:
    current = doc
    for part in parts[:-1]:
        try:
            current = current[int(part)] if isinstance(current, list) else current[part]
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise errors.StatusError(422, "Invalid", f"jsonpatch path {path!r}: missing value") from exc
    return current


def json_patch(doc: Any, operations: Any) -> Any:
    """RFC 6902 JSON patch (add, remove, replace, move, copy, test)."""
    if not isinstance(operations, list):
        raise errors.bad_request("json patch body must be a list of operations")
    doc = copy.deepcopy(doc)
    for operation in operations:
        op, path = operation.get("op"), operation.get("path", "")
        parts = _pointer(path)
        if op in ("move", "copy"):
            source = _get(doc, _pointer(operation.get("from", "")), operation.get("from", ""))
            if op == "move":
                doc = _remove(doc, _pointer(operation["from"]), operation["from"])
            doc = _add(doc, parts, copy.deepcopy(source), path)
        elif op == "add":
            doc = _add(doc, parts, copy.deepcopy(operation.get("value")), path)
        elif op == "remove":
            doc = _remove(doc, parts, path)
        elif op == "replace":
            doc = _remove(doc, parts, path)
            doc = _add(doc, parts, copy.deepcopy(operation.get("value")), path)
        elif op == "test":
            if _get(doc, parts, path) != operation.get("value"):
                raise errors.StatusError(422, "Invalid", f"the server rejected our request due to an error in "
                                         f"our request: testing value {path} failed")
        else:
            raise errors.bad_request(f"json patch: unknown op {op!r}")
    return doc


def _get(doc: Any, parts: list[str], path: str) -> Any:
    if not parts:
        return doc
    parent = _parent(doc, parts, path)
    try:
        return parent[int(parts[-1])] if isinstance(parent, list) else parent[parts[-1]]
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        raise errors.StatusError(422, "Invalid", f"jsonpatch path {path!r}: missing value") from exc


def _add(doc: Any, parts: list[str], value: Any, path: str) -> Any:
    if not parts:
        return value
    parent = _parent(doc, parts, path)
    if isinstance(parent, list):
        index = len(parent) if parts[-1] == "-" else int(parts[-1])
        parent.insert(index, value)
    elif isinstance(parent, dict):
        parent[parts[-1]] = value
    else:
        raise errors.StatusError(422, "Invalid", f"jsonpatch add operation does not apply: {path!r}")
    return doc


def _remove(doc: Any, parts: list[str], path: str) -> Any:
    _get(doc, parts, path)
    parent = _parent(doc, parts, path)
    if isinstance(parent, list):
        del parent[int(parts[-1])]
    else:
        del parent[parts[-1]]
    return doc
