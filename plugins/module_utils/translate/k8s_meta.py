# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Metadata every generated object carries: provenance annotations and our managed-by label."""

from __future__ import annotations

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "ostokubevirt"
# The label selector that lists what this collection manages.
MANAGED_BY_SELECTOR = f"{MANAGED_BY_LABEL}={MANAGED_BY_VALUE}"
SOURCE_ID_ANNOTATION = "ostokubevirt.io/source-id"
SOURCE_TYPE_ANNOTATION = "ostokubevirt.io/source-type"
SOURCE_NAME_ANNOTATION = "ostokubevirt.io/source-name"
PROJECT_ID_LABEL = "ostokubevirt.io/project-id"
SERVER_ID_LABEL = "ostokubevirt.io/server-id"


def object_meta(
    name: str,
    namespace: str | None,
    *,
    source_type: str,
    source_id: str,
    source_name: str | None = None,
    labels: dict | None = None,
    annotations: dict | None = None,
) -> dict:
    """metadata for a generated object; namespace None for cluster-scoped kinds.

    source_type names the OpenStack resource ("nova.server", "neutron.security_group", ...).
    """
    meta: dict = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    meta["labels"] = {MANAGED_BY_LABEL: MANAGED_BY_VALUE, **(labels or {})}
    meta["annotations"] = {
        SOURCE_ID_ANNOTATION: str(source_id),
        SOURCE_TYPE_ANNOTATION: source_type,
        **({SOURCE_NAME_ANNOTATION: str(source_name)} if source_name else {}),
        **(annotations or {}),
    }
    return meta


def k8s_object(api_version: str, kind: str, metadata: dict, **body) -> dict:
    """A complete object with apiVersion, kind and metadata first (stable YAML key order)."""
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, **body}


def annotations_size(annotations: dict) -> int:
    """Bytes Kubernetes counts against its annotation limit: every key and value, UTF-8 encoded."""
    return sum(len(str(key).encode("utf-8")) + len(str(value).encode("utf-8")) for key, value in annotations.items())
