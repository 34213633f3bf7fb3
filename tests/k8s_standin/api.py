# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The verbs (get, list, create, update, patch, apply, delete) independent of HTTP.

Every write goes through ``_write``: identity checks, status-subresource rules, kind
defaults, validation, managedFields, then the store (which owns resourceVersion).
"""
from __future__ import annotations

import base64
import copy
import ipaddress
import json
import threading
from typing import Any

import yaml

from . import errors
from .apply import ManagedFields
from .patch import json_patch, merge_patch, strategic_merge_patch
from .resources import ResourceType
from .selectors import SelectorError, field_matcher, label_matcher
from .store import Store, now
from .validation import Validator, strip_nulls

FIELD_VALIDATION = ("Strict", "Warn", "Ignore")


class WriteOptions:
    """Query parameters shared by the write verbs."""

    def __init__(self, dry_run: bool = False, field_manager: str | None = None, field_validation: str = "Strict",
                 force: bool = False, user_agent: str = ""):
        self.dry_run = dry_run
        self.field_manager = field_manager
        if field_validation not in FIELD_VALIDATION:
            raise errors.bad_request(f'fieldValidation must be one of "Ignore", "Warn" or "Strict", '
                                     f'got "{field_validation}"')
        self.field_validation = field_validation
        self.force = force
        self.user_agent = user_agent

    @property
    def manager(self) -> str:
        """Managers of non-apply writes default to the User-Agent up to the first '/', as on a real server."""
        return self.field_manager or (self.user_agent.split("/")[0] if self.user_agent else "unknown")


class Api:
    def __init__(self, store: Store, validator: Validator):
        self.store = store
        self.validator = validator
        self._ip_lock = threading.Lock()
        self._next_ip = int(ipaddress.IPv4Address("10.96.0.10"))

    # -- reads -----------------------------------------------------------------------------------
    def get(self, rtype: ResourceType, namespace: str | None, name: str) -> dict:
        return self.store.get(rtype, namespace, name)

    def list(self, rtype: ResourceType, namespace: str | None, label_selector: str | None = None,
             field_selector: str | None = None, limit: int | None = None, continue_token: str | None = None) -> dict:
        try:
            by_label = label_matcher(label_selector)
            by_field = field_matcher(field_selector, rtype.kind)
        except SelectorError as exc:
            raise errors.bad_request(str(exc)) from exc
        items, revision = self.store.list(rtype, namespace, lambda o: by_label(o) and by_field(o))
        start = 0
        if continue_token:
            try:
                start = int(json.loads(base64.b64decode(continue_token))["start"])
            except (ValueError, KeyError, TypeError) as exc:
                raise errors.bad_request(f"invalid continue token: {exc}") from exc
        metadata: dict[str, Any] = {"resourceVersion": revision}
        if limit:
            end = start + limit
            if end < len(items):
                metadata["continue"] = base64.b64encode(json.dumps({"start": end}).encode()).decode()
                metadata["remainingItemCount"] = len(items) - end
            items = items[start:end]
        else:
            items = items[start:]
        return {"apiVersion": rtype.api_version, "kind": f"{rtype.kind}List", "metadata": metadata, "items": items}

    # -- writes ----------------------------------------------------------------------------------
    def create(self, rtype: ResourceType, namespace: str | None, body: Any, opts: WriteOptions) -> tuple[dict, list]:
        obj = self._identity(rtype, namespace, None, body)
        if rtype.status_subresource:
            obj.pop("status", None)
        return self._write(rtype, None, obj, opts, subresource="")

    def replace(self, rtype: ResourceType, namespace: str | None, name: str, body: Any, opts: WriteOptions,
                subresource: str = "") -> tuple[dict, list]:
        obj = self._identity(rtype, namespace, name, body)
        with self.store.lock:
            before = self.store.get(rtype, namespace, name)
            expected = obj["metadata"].get("resourceVersion")
            if not expected and rtype.crd:
                raise errors.invalid(rtype, name, [{
                    "reason": "FieldValueInvalid", "field": "metadata.resourceVersion",
                    "message": "Invalid value: 0x0: must be specified for an update"}])
            obj = self._subresource_view(rtype, before, obj, subresource)
            return self._write(rtype, before, obj, opts, subresource=subresource, expected_rv=expected)

    def patch(self, rtype: ResourceType, namespace: str | None, name: str, raw: bytes, content_type: str,
              opts: WriteOptions, subresource: str = "") -> tuple[dict, list]:
        media = content_type.split(";")[0].strip().lower()
        if media == "application/apply-patch+yaml":
            return self._apply(rtype, namespace, name, raw, opts, subresource)
        try:
            body = json.loads(raw or b"null")
        except ValueError as exc:
            raise errors.bad_request(f"error decoding patch: {exc}") from exc
        with self.store.lock:
            before = self.store.get(rtype, namespace, name)
            if media == "application/merge-patch+json":
                patched = merge_patch(before, body)
            elif media == "application/strategic-merge-patch+json":
                if rtype.crd:
                    raise errors.unsupported_media_type(media)
                patched = strategic_merge_patch(before, body)
            elif media == "application/json-patch+json":
                patched = json_patch(before, body)
            else:
                raise errors.unsupported_media_type(media)
            if not isinstance(patched, dict):
                raise errors.bad_request("patch did not produce an object")
            expected = None
            if isinstance(body, dict):
                expected = (body.get("metadata") or {}).get("resourceVersion")
            patched = self._identity(rtype, namespace, name, patched)
            patched = self._subresource_view(rtype, before, patched, subresource)
            return self._write(rtype, before, patched, opts, subresource=subresource, expected_rv=expected)

    def _apply(self, rtype: ResourceType, namespace: str | None, name: str, raw: bytes, opts: WriteOptions,
               subresource: str) -> tuple[dict, list]:
        if not opts.field_manager:
            raise errors.StatusError(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: '
                                     "Required value: is required for apply patch",
                                     {"group": "meta.k8s.io", "kind": "PatchOptions", "causes": [{
                                         "reason": "FieldValueRequired", "message": "Required value: is required "
                                         "for apply patch", "field": "fieldManager"}]})
        try:
            config = yaml.safe_load(raw or b"")
        except yaml.YAMLError as exc:
            raise errors.bad_request(f"error decoding YAML: {exc}") from exc
        if not isinstance(config, dict):
            raise errors.bad_request("apply patch must be an object")
        for field in ("apiVersion", "kind"):
            if not config.get(field):
                raise errors.bad_request(f"{field} must be set in an apply configuration")
        config.setdefault("metadata", {}).setdefault("name", name)
        config = self._identity(rtype, namespace, name, config)
        config["metadata"].pop("managedFields", None)
        expected = config["metadata"].pop("resourceVersion", None)
        if rtype.status_subresource and subresource != "status":
            config.pop("status", None)
        with self.store.lock:
            before = self.store.find(rtype, namespace, name)
            if before is None and subresource:
                raise errors.not_found(rtype, name)
            if before is not None and expected and expected != before["metadata"]["resourceVersion"]:
                raise errors.conflict(rtype, name)
            managed = ManagedFields(before["metadata"].get("managedFields") if before else None)
            current = _without_managed(before) if before else None
            if subresource == "status":
                config = {k: v for k, v in config.items() if k in ("apiVersion", "kind", "metadata", "status")}
                config["metadata"] = {k: v for k, v in config["metadata"].items() if k in ("name", "namespace")}
            result = managed.apply(opts.field_manager, rtype.api_version, current, config, opts.force, rtype,
                                   subresource)
            if rtype.status_subresource and subresource != "status":
                if before is not None and "status" in before:
                    result["status"] = copy.deepcopy(before["status"])
                else:
                    result.pop("status", None)
            # Compare what would be stored (defaults applied, write-only fields such as stringData folded
            # in), so that re-applying the same configuration is a no-op that keeps managedFields' time.
            normalized = strip_nulls(result) if rtype.crd else copy.deepcopy(result)
            self._defaults(rtype, before, normalized)
            if current is None or normalized != current:
                managed.touch(opts.field_manager, "Apply", subresource)
            result["metadata"]["managedFields"] = managed.render()
            return self._write(rtype, before, result, opts, subresource=subresource, managed_done=True)

    def delete(self, rtype: ResourceType, namespace: str | None, name: str, options: dict | None,
               dry_run: bool) -> dict:
        options = options or {}
        preconditions = options.get("preconditions") or {}
        gone = self.store.delete(rtype, namespace, name, dry_run=dry_run,
                                 precondition_uid=preconditions.get("uid"),
                                 precondition_rv=preconditions.get("resourceVersion"))
        if rtype.kind == "Namespace" and not rtype.group:
            gone["metadata"].setdefault("deletionTimestamp", now())
            gone.setdefault("status", {})["phase"] = "Terminating"
        return gone

    def delete_collection(self, rtype: ResourceType, namespace: str | None, label_selector: str | None,
                          field_selector: str | None, dry_run: bool) -> dict:
        listed = self.list(rtype, namespace, label_selector, field_selector)
        for item in listed["items"]:
            try:
                self.store.delete(rtype, item["metadata"].get("namespace"), item["metadata"]["name"], dry_run)
            except errors.StatusError:
                continue
        return listed

    def write_status(self, rtype: ResourceType, namespace: str | None, name: str, status: dict,
                     manager: str) -> dict | None:
        """Used by the controllers: replace the status of an object if it changed."""
        with self.store.lock:
            before = self.store.find(rtype, namespace, name)
            if before is None or before.get("status") == status:
                return before
            after = copy.deepcopy(before)
            after["status"] = copy.deepcopy(status)
            opts = WriteOptions(field_manager=manager, field_validation="Ignore")
            return self._write(rtype, before, after, opts, subresource="status", validate=False)[0]

    # -- pipeline --------------------------------------------------------------------------------
    def _identity(self, rtype: ResourceType, namespace: str | None, name: str | None, body: Any) -> dict:
        if not isinstance(body, dict):
            raise errors.bad_request(f"Object '{rtype.kind}' is not a JSON object")
        obj = copy.deepcopy(body)
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if (api_version and api_version != rtype.api_version) or (kind and kind != rtype.kind):
            raise errors.bad_request(f"the API version in the data ({api_version}) does not match the expected API "
                                     f"version ({rtype.api_version})" if api_version != rtype.api_version else
                                     f"the kind in the data ({kind}) does not match the expected kind ({rtype.kind})")
        obj["apiVersion"], obj["kind"] = rtype.api_version, rtype.kind
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise errors.bad_request("metadata must be an object")
        if name is not None:
            if meta.get("name") and meta["name"] != name:
                raise errors.bad_request(f"the name of the object ({meta['name']}) does not match the name on the "
                                         f"URL ({name})")
            meta["name"] = name
        if rtype.namespaced:
            if meta.get("namespace") and namespace and meta["namespace"] != namespace:
                raise errors.bad_request("the namespace of the provided object does not match the namespace sent "
                                         "on the request")
            if namespace:
                meta["namespace"] = namespace
            if not meta.get("namespace"):
                raise errors.bad_request("the namespace of the object is not set")
        else:
            meta.pop("namespace", None)
        return obj

    @staticmethod
    def _subresource_view(rtype: ResourceType, before: dict, obj: dict, subresource: str) -> dict:
        """Status-subresource rules: the main resource keeps the old status; /status changes only status."""
        if subresource == "status":
            result = copy.deepcopy(before)
            if "status" in obj:
                result["status"] = obj["status"]
            else:
                result.pop("status", None)
            if obj["metadata"].get("resourceVersion"):
                result["metadata"]["resourceVersion"] = obj["metadata"]["resourceVersion"]
            return result
        if rtype.status_subresource:
            obj = dict(obj)
            if "status" in before:
                obj["status"] = copy.deepcopy(before["status"])
            else:
                obj.pop("status", None)
        return obj

    def _write(self, rtype: ResourceType, before: dict | None, obj: dict, opts: WriteOptions, subresource: str,
               expected_rv: str | None = None, managed_done: bool = False, validate: bool = True
               ) -> tuple[dict, list]:
        if rtype.crd:
            # The server prunes nulls from custom resources, whoever writes them (controllers too).
            obj = strip_nulls(obj)
        self._defaults(rtype, before, obj)
        warnings: list[str] = []
        if validate:
            checked = _without_managed(obj)
            warnings = self.validator.validate(rtype, checked, opts.field_validation)
            checked["metadata"]["managedFields"] = obj["metadata"].get("managedFields")
            obj = checked
        with self.store.lock:
            if not managed_done:
                managed = ManagedFields(before["metadata"].get("managedFields") if before else None)
                managed.record_update(opts.manager, rtype.api_version,
                                      _without_managed(before) if before else None, _without_managed(obj),
                                      subresource=subresource)
                obj["metadata"]["managedFields"] = managed.render()
            if not obj["metadata"].get("managedFields"):
                obj["metadata"].pop("managedFields", None)
            if before is None:
                obj["metadata"].pop("resourceVersion", None)
                return self.store.create(rtype, obj, dry_run=opts.dry_run), warnings
            obj["metadata"].pop("resourceVersion", None)
            return self.store.put(rtype, obj, expected_rv=expected_rv, dry_run=opts.dry_run), warnings

    def _defaults(self, rtype: ResourceType, before: dict | None, obj: dict) -> None:
        """The few defaults the real API server (not a controller) fills in."""
        if rtype.group:
            return
        if rtype.kind == "Namespace":
            labels = obj["metadata"].setdefault("labels", {})
            labels["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
            obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
            obj.setdefault("status", {}).setdefault("phase", "Active")
        elif rtype.kind == "Secret":
            string_data = obj.pop("stringData", None) or {}
            data = obj.setdefault("data", {}) if string_data or "data" in obj else None
            for key, value in string_data.items():
                data[key] = base64.b64encode(str(value).encode()).decode()
            obj.setdefault("type", "Opaque")
        elif rtype.kind == "Service":
            spec = obj.setdefault("spec", {})
            spec.setdefault("type", "ClusterIP")
            old_spec = (before or {}).get("spec") or {}
            if spec["type"] != "ExternalName":
                if not spec.get("clusterIP"):
                    spec["clusterIP"] = old_spec.get("clusterIP") or self._allocate_ip()
                spec.setdefault("clusterIPs", [spec["clusterIP"]])
                spec.setdefault("ipFamilies", ["IPv4"])
                spec.setdefault("ipFamilyPolicy", "SingleStack")
                spec.setdefault("internalTrafficPolicy", "Cluster")
            spec.setdefault("sessionAffinity", "None")
            for port in spec.get("ports") or []:
                if isinstance(port, dict):
                    port.setdefault("protocol", "TCP")
                    if "port" in port:
                        port.setdefault("targetPort", port["port"])
            if spec["type"] == "LoadBalancer":
                obj.setdefault("status", {}).setdefault("loadBalancer", {})
        elif rtype.kind == "PersistentVolumeClaim":
            obj.setdefault("status", {}).setdefault("phase", "Pending")

    def _allocate_ip(self) -> str:
        with self._ip_lock:
            self._next_ip += 1
            return str(ipaddress.IPv4Address(self._next_ip))


def _without_managed(obj: dict) -> dict:
    result = copy.deepcopy(obj)
    result.get("metadata", {}).pop("managedFields", None)
    return result
