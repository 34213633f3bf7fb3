# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which live cluster objects this collection created: the test behind prune (sync) and rollback.

An object is ours only when it carries both our managed-by label and our provenance annotation; the
label alone can be copied by anyone, and deleting on a label match alone would remove objects a user
or another tool made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import (
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    SOURCE_ID_ANNOTATION,
    SOURCE_TYPE_ANNOTATION,
)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.naming import dns_label


def identity(obj: Mapping) -> tuple[str, str, str, str]:
    meta = obj.get("metadata") or {}
    return (str(obj.get("apiVersion")), str(obj.get("kind")), str(meta.get("namespace") or ""), str(meta.get("name")))


def is_ours(obj: Mapping, source_types: Iterable[str] | None = None) -> bool:
    meta = obj.get("metadata") or {}
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    if labels.get(MANAGED_BY_LABEL) != MANAGED_BY_VALUE or not annotations.get(SOURCE_ID_ANNOTATION):
        return False
    if source_types is not None:
        return annotations.get(SOURCE_TYPE_ANNOTATION) in set(source_types)
    return True


def owned_objects(live: Iterable[Mapping], exclude: Iterable[Mapping] = (), source_types: Iterable[str] | None = None, invert: bool = False) -> list[dict]:
    """Live objects that are ours (optionally of the given source types) and not among exclude.

    invert returns the complement instead: the live objects that are not ours (exclude and source_types
    then play no part).

    exclude holds the objects the current snapshot still produces; a namespace-less entry there
    matches the same name in any namespace, as generated objects may omit it for cluster-scoped kinds.
    """
    keep = {identity(o) for o in exclude}
    keep_any_ns = {(a, k, n) for a, k, ns, n in keep if not ns}
    source_types = list(source_types) if source_types is not None else None
    if invert:
        return [dict(obj) for obj in live if isinstance(obj, Mapping) and not is_ours(obj)]
    result = []
    for obj in live:
        if not isinstance(obj, Mapping) or not is_ours(obj, source_types):
            continue
        api, kind, _ns, name = key = identity(obj)
        if key in keep or (api, kind, name) in keep_any_ns:
            continue
        result.append(dict(obj))
    return result


def namespace_conflict(namespace: str, project_id: str, holders: Iterable[str], *, made_by_us: bool = True) -> str | None:
    """Why project_id may not use namespace, or None: the one rule render (directory) and apply (cluster) share.

    A tenant's namespace is its cleaned domain and project name, or the namespace option; it never moves
    elsewhere on its own. When it already holds another project (holders: the project ids or project-id
    labels found there), or was not made by us, the run stops and names the holder, so two runs of the same
    tenant always pick the same namespace and two tenants are never merged into one.
    """
    mine = dns_label(str(project_id))
    others = sorted({str(holder) for holder in holders if holder and dns_label(str(holder)) != mine})
    if others:
        reason = f"belongs to project {', '.join(others)}"
    elif not made_by_us:
        reason = "was not created by ostokubevirt"
    else:
        return None
    return (
        f"namespace {namespace} already exists and {reason}, so it is not project {project_id}'s; choose another "
        "name for this project with the translation option namespace"
    )
