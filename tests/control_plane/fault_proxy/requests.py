# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What an API request is about, read from its URL: group, version, resource, namespace, name, subresource."""

from __future__ import annotations

import urllib.parse


def describe(method: str, raw_path: str) -> dict:
    """``{"method", "path", "query", "group", "version", "plural", "namespace", "name", "subresource"}``.

    Non-resource paths (/version, /openapi/v2, discovery documents) have no plural.
    """
    split = urllib.parse.urlsplit(raw_path)
    query = {k: v[-1] for k, v in urllib.parse.parse_qs(split.query, keep_blank_values=True).items()}
    info: dict = {
        "method": method.upper(),
        "path": split.path,
        "query": query,
        "group": None,
        "version": None,
        "plural": None,
        "namespace": None,
        "name": None,
        "subresource": None,
    }
    parts = [urllib.parse.unquote(p) for p in split.path.strip("/").split("/") if p]
    if parts[:1] == ["api"] and len(parts) >= 2:
        info.update(group="", version=parts[1])
        rest = parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        info.update(group=parts[1], version=parts[2])
        rest = parts[3:]
    else:
        return info
    if not rest:
        return info
    if rest[0] == "namespaces" and len(rest) >= 3:
        info["namespace"] = rest[1]
        rest = rest[2:]
    info["plural"] = rest[0]
    if len(rest) >= 2:
        info["name"] = rest[1]
    if len(rest) >= 3:
        info["subresource"] = "/".join(rest[2:])
    if info["plural"] == "namespaces" and info["name"]:
        info["namespace"] = info["name"]
    return info


def verb(info: dict) -> str:
    """The RBAC verb of a request, as the API server's authorizer names it."""
    method = info["method"]
    if method == "GET":
        if info["query"].get("watch") in ("true", "1"):
            return "watch"
        return "get" if info.get("name") else "list"
    if method == "DELETE" and not info.get("name"):
        return "deletecollection"
    return {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(method, method.lower())
