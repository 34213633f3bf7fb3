# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Server-side apply and prune of one object group over one kubernetes.core client.

One list call per kind and namespace tells which objects exist and what they look like, so a re-run that changes
nothing costs one apply request per object and no per-object read. The client is kubernetes.core's K8SClient: in
check mode it sends every write as the server's dry run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube import apply as plan
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.api_failure import ApiFailure

APPLY_PATCH = "application/apply-patch+yaml"


def _as_dict(answer) -> dict:
    if hasattr(answer, "to_dict"):
        return answer.to_dict()
    return dict(answer) if isinstance(answer, Mapping) else {}


class Applier:
    """Applies and prunes for one module call; find_resource is K8sService.find_resource (None when unknown)."""

    def __init__(self, client, find_resource, *, field_manager: str, force_conflicts: bool) -> None:
        self.client = client
        self.find_resource = find_resource
        self.field_manager = field_manager
        self.force_conflicts = force_conflicts
        self._live: dict = {}
        self.diffs: list[dict] = []

    def _resource(self, api_version: str, kind: str):
        resource = self.find_resource(kind, api_version)
        if resource is None:
            raise LookupError(f"the API server does not serve {api_version} {kind}")
        return resource

    def namespace_exists(self, namespace: str) -> bool:
        try:
            self.client.get(self._resource("v1", "Namespace"), name=namespace)
        except Exception as exc:  # the dynamic client raises NotFoundError, a subclass carrying status 404
            if getattr(exc, "status", None) == 404:
                return False
            raise
        return True

    def live(self, api_version: str, kind: str, namespace: str) -> dict:
        """The objects of a kind in the namespace by name, read once per call; {} when the kind is not served."""
        key = (api_version, kind, namespace)
        if key not in self._live:
            resource = self.find_resource(kind, api_version)
            items = _as_dict(self.client.get(resource, namespace=namespace)).get("items") or [] if resource else []
            self._live[key] = {item["metadata"]["name"]: {"apiVersion": api_version, "kind": kind, **item} for item in items}
        return self._live[key]

    def _existing(self, resource, obj: Mapping) -> dict | None:
        meta = obj["metadata"]
        if meta.get("namespace"):
            return self.live(obj["apiVersion"], obj["kind"], meta["namespace"]).get(meta["name"])
        try:
            return _as_dict(self.client.get(resource, name=meta["name"]))
        except Exception as exc:
            if getattr(exc, "status", None) == 404:
                return None
            raise

    def _apply_params(self, obj: Mapping) -> dict:
        # A server-side apply request of its own: kubernetes.core's apply() first reads the object, which doubles the
        # requests of a call. The body goes as JSON text (valid YAML), which every kubernetes client version sends.
        return {
            "name": obj["metadata"]["name"],
            "namespace": obj["metadata"].get("namespace"),
            "content_type": APPLY_PATCH,
            "field_manager": self.field_manager,
            "force_conflicts": self.force_conflicts,
        }

    def apply_one(self, obj: Mapping) -> dict:
        try:
            resource = self._resource(obj["apiVersion"], obj["kind"])
            before = self._existing(resource, obj)
            after = _as_dict(self.client.patch(resource, json.dumps(obj), **self._apply_params(obj)))
        except Exception as exc:
            return plan.entry(obj, "failed", ApiFailure.from_exception(exc))
        changed, diff = plan.change(before, after)
        if changed:
            self.diffs.append(plan.diff_entry(obj, diff))
        return plan.entry(obj, "unchanged" if not changed else ("updated" if before else "created"))

    def prune(self, group: plan.Group, namespace: str, wanted: list) -> list[dict]:
        results = []
        for api_version, kind in group.kinds:
            live = list(self.live(api_version, kind, namespace).values())
            for obj in plan.stale(live, wanted, group):
                try:
                    self.client.delete(self._resource(api_version, kind), name=obj["metadata"]["name"], namespace=namespace)
                except Exception as exc:
                    if getattr(exc, "status", None) != 404:  # gone meanwhile: what prune wanted
                        results.append(plan.entry(obj, "failed", ApiFailure.from_exception(exc)))
                    continue
                results.append(plan.entry(obj, "deleted"))
                self.diffs.append(plan.diff_entry(obj, {"before": {"metadata": {"name": obj["metadata"]["name"]}}, "after": {}}))
        return results
