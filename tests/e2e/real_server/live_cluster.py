# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Admin access to the real control plane, for the tests' own reads and for what a foreign actor would do.

Everything here goes through the unmodified `kubernetes` client against the kube-apiserver that
tests/control_plane/up.sh started; nothing imitates the server.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from kubernetes import client, config
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import NotFoundError

# Every kind the apply roles create in a tenant namespace (plus the progress ConfigMap), as (apiVersion, kind).
TENANT_KINDS = (
    ("v1", "ResourceQuota"),
    ("v1", "Secret"),
    ("v1", "ConfigMap"),
    ("v1", "Service"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("projectcalico.org/v3", "NetworkPolicy"),
    ("cdi.kubevirt.io/v1beta1", "DataVolume"),
    ("kubevirt.io/v1", "VirtualMachine"),
)
OUR_ANNOTATION_PREFIX = "ostokubevirt.io/"


class Cluster:
    """The admin's view of the real API server (kubeconfig written by tests/control_plane/up.sh)."""

    def __init__(self, kubeconfig: Path) -> None:
        self.kubeconfig = kubeconfig
        self.api_client = config.new_client_from_config(config_file=str(kubeconfig))
        self.dynamic = DynamicClient(self.api_client)

    def resource(self, api_version: str, kind: str):
        return self.dynamic.resources.get(api_version=api_version, kind=kind)

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> dict | None:
        try:
            return self.resource(api_version, kind).get(name=name, namespace=namespace).to_dict()
        except NotFoundError:
            return None

    def items(self, api_version: str, kind: str, namespace: str) -> list[dict]:
        return [item.to_dict() for item in self.resource(api_version, kind).get(namespace=namespace).items]

    def delete(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> None:
        self.resource(api_version, kind).delete(name=name, namespace=namespace)

    def apply_as(self, field_manager: str, obj: dict, *, force: bool = False, dry_run: bool = False, strict: bool = False) -> dict:
        """Server-side apply under another field manager (a colleague, a GitOps tool, ...)."""
        params: dict = {"field_manager": field_manager, "force_conflicts": force}
        if dry_run:
            params["dry_run"] = "All"
        if strict:  # the server then names every field it would otherwise drop, instead of pruning silently
            params["query_params"] = [("fieldValidation", "Strict")]
        resource = self.resource(obj["apiVersion"], obj["kind"])
        return self.dynamic.server_side_apply(resource, body=obj, namespace=obj["metadata"].get("namespace"), **params).to_dict()

    def allowed(self, *, user: str, groups: list[str], verb: str, group: str, resource: str, namespace: str, subresource: str = "") -> bool:
        """The server's RBAC decision for one request, asked as admin with a SubjectAccessReview."""
        review = client.V1SubjectAccessReview(
            spec=client.V1SubjectAccessReviewSpec(
                user=user,
                groups=groups,
                resource_attributes=client.V1ResourceAttributes(
                    namespace=namespace, verb=verb, group=group, resource=resource, subresource=subresource or None
                ),
            )
        )
        answer = client.AuthorizationV1Api(self.api_client).create_subject_access_review(review)
        return bool(answer.status.allowed)

    def impersonating(self, user: str, group: str | None = None) -> client.ApiClient:
        """An API client whose requests the server authorizes as `user` (and `group`): real requests, not reviews."""
        impersonated = config.new_client_from_config(config_file=str(self.kubeconfig))
        impersonated.set_default_header("Impersonate-User", user)
        if group:
            impersonated.set_default_header("Impersonate-Group", group)
        return impersonated

    def namespace_state(self, namespace: str) -> dict[str, tuple[str, str]]:
        """Every tenant object in the namespace: kind/name -> (uid, digest of its content). Equal states mean
        nothing was deleted, re-created or changed. The content leaves out what controllers write on their
        own (status, server-maintained metadata, annotations other than ours)."""
        state = {}
        for api_version, kind in TENANT_KINDS:
            for item in self.items(api_version, kind, namespace):
                meta = item["metadata"]
                content = {key: value for key, value in item.items() if key not in ("status", "metadata")}
                content["labels"] = meta.get("labels") or {}
                content["annotations"] = {key: value for key, value in (meta.get("annotations") or {}).items() if key.startswith(OUR_ANNOTATION_PREFIX)}
                digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
                state[f"{api_version} {kind}/{meta['name']}"] = (meta["uid"], digest)
        return state

    def wait_gone(self, api_version: str, kind: str, name: str, timeout: float = 120) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.get(api_version, kind, name) is None:
                return True
            time.sleep(1)
        return False
