# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Admission-time validation of written objects.

* Names, namespaces, label and annotation keys: the API server's own rules, always on.
* CRD kinds (KubeVirt, CDI, Calico): JSON Schemas from the shared schemas directory
  (``<group>/<version>/<kind>.json``), only when that directory is given.
* Core kinds: the schemas shipped with the ``kubernetes-validate`` package, when importable.

Schema violations give 422 Invalid.  Unknown fields follow the ``fieldValidation`` query
parameter: ``Strict`` -> 400 BadRequest "strict decoding error: unknown field ...",
``Warn`` -> field dropped plus a ``Warning`` header, ``Ignore`` -> field dropped silently.
"""
from __future__ import annotations

import json
import logging
import re
import threading
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

from . import errors
from .redact import REDACTED
from .resources import ResourceType

LOG = logging.getLogger("k8s_standin")

_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = rf"{_DNS1123_LABEL}(\.{_DNS1123_LABEL})*"
_DNS1035_LABEL = r"[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED_NAME = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE = r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"
_CALICO_GNP = rf"({_DNS1123_LABEL}\.)?{_DNS1123_LABEL}"
_CALICO_NP = rf"(({_DNS1123_LABEL})(\.{_DNS1123_LABEL})?|((?:knp|ossg)\.default\.({_DNS1123_SUBDOMAIN})))"

_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                  "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                  f"validation is '{_DNS1123_SUBDOMAIN}')")
_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
              f"and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
              f"'{_DNS1123_LABEL}')")
_DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
                f"character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
                f"validation is '{_DNS1035_LABEL}')")

# kind -> (regex, max length, message)
_NAME_RULES: dict[tuple[str, str], tuple[str | None, int, str]] = {
    ("", "Namespace"): (_DNS1123_LABEL, 63, _LABEL_MSG),
    ("", "Service"): (_DNS1035_LABEL, 63, _DNS1035_MSG),
    ("projectcalico.org", "Tier"): (_DNS1123_LABEL, 63, _LABEL_MSG),
    ("projectcalico.org", "GlobalNetworkPolicy"): (_CALICO_GNP, 253, "must be a valid Calico policy name"),
    ("projectcalico.org", "NetworkPolicy"): (_CALICO_NP, 253, "must be a valid Calico policy name"),
}
_PATH_SEGMENT_GROUPS = {"rbac.authorization.k8s.io"}


def _cause(field: str, message: str, reason: str = "FieldValueInvalid") -> dict:
    return {"reason": reason, "message": message, "field": field}


def _invalid_value(field: str, value: Any, detail: str) -> dict:
    return _cause(field, f"Invalid value: {json.dumps(value)}: {detail}")


def check_names(rtype: ResourceType, obj: dict) -> list[dict]:
    """The API server's name/label/annotation rules (apimachinery validation)."""
    causes: list[dict] = []
    meta = obj.get("metadata") or {}
    name = meta.get("name")
    if not name and not meta.get("generateName"):
        return [_cause("metadata.name", "Required value: name or generateName is required", "FieldValueRequired")]
    if name:
        if rtype.group in _PATH_SEGMENT_GROUPS:
            if name in (".", "..") or "/" in name or "%" in name:
                causes.append(_invalid_value("metadata.name", name, "may not contain '/' or '%' and may not be "
                                             "'.' or '..'"))
        else:
            default_rule = (_DNS1123_SUBDOMAIN, 253, _SUBDOMAIN_MSG)
            pattern, limit, message = _NAME_RULES.get((rtype.group, rtype.kind), default_rule)
            if len(name) > limit:
                causes.append(_invalid_value("metadata.name", name, f"must be no more than {limit} characters"))
            if pattern and not re.fullmatch(pattern, name):
                causes.append(_invalid_value("metadata.name", name, message))
    if rtype.namespaced and meta.get("namespace") and (
            not re.fullmatch(_DNS1123_LABEL, meta["namespace"]) or len(meta["namespace"]) > 63):
        causes.append(_invalid_value("metadata.namespace", meta["namespace"], _LABEL_MSG))
    causes.extend(_check_labels(meta.get("labels"), "metadata.labels"))
    causes.extend(_check_keys(meta.get("annotations"), "metadata.annotations"))
    return causes


def _key_problem(key: str) -> str | None:
    prefix, _sep, local = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not re.fullmatch(_DNS1123_SUBDOMAIN, prefix)):
        return "prefix part " + _SUBDOMAIN_MSG
    if not local or len(local) > 63 or not re.fullmatch(_QUALIFIED_NAME, local):
        return ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
                "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation "
                f"is '{_QUALIFIED_NAME}') and be no more than 63 characters")
    return None


def _check_keys(mapping: Any, field: str) -> list[dict]:
    causes = []
    for key in (mapping or {}):
        problem = _key_problem(key)
        if problem:
            causes.append(_invalid_value(field, key, problem))
    return causes


def _check_labels(labels: Any, field: str) -> list[dict]:
    causes = _check_keys(labels, field)
    for value in (labels or {}).values():
        if not isinstance(value, str) or len(value) > 63 or not re.fullmatch(_LABEL_VALUE, value):
            causes.append(_invalid_value(f"{field}", value, "a valid label must be an empty string or consist of "
                                         "alphanumeric characters, '-', '_' or '.', and must start and end with an "
                                         f"alphanumeric character (regex used for validation is '{_LABEL_VALUE}')"))
    return causes


def _dotted(path: Any) -> str:
    text = ""
    for element in path:
        text += f"[{element}]" if isinstance(element, int) else (f".{element}" if text else str(element))
    return text


class Validator:
    """Schema lookup and checks; thread-safe (schemas are loaded once and cached)."""

    def __init__(self, schemas_dir: str | Path | None, kubernetes_version: str = "1.37"):
        self.schemas_dir = Path(schemas_dir) if schemas_dir and Path(schemas_dir).is_dir() else None
        self.kubernetes_version = kubernetes_version
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[Any, Any, Any] | None] = {}
        self._core_dir: Path | None = None
        self._core_registry: Registry | None = None
        try:
            import kubernetes_validate
            base = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
            candidates = sorted(base.glob("v*-local"), key=lambda p: [int(x) for x in re.findall(r"\d+", p.name)])
            wanted = [p for p in candidates if p.name.startswith(f"v{kubernetes_version}.")]
            self._core_dir = (wanted or candidates)[-1] if candidates else None
        except ImportError:
            self._core_dir = None

    def describe(self) -> str:
        crd = f"CRD schemas from {self.schemas_dir}" if self.schemas_dir else \
            "no schema validation for CRD kinds (schemas directory not given or missing)"
        core = f"core kinds from kubernetes-validate ({self._core_dir.name})" if self._core_dir else \
            "no schema validation for core kinds (kubernetes-validate not installed)"
        return f"validation: {crd}; {core}; names/labels always"

    # -- schema loading --------------------------------------------------------------------------
    def _schema(self, rtype: ResourceType) -> tuple[Any, Any, Any] | None:
        cache_key = (rtype.api_version, rtype.kind)
        with self._lock:
            if cache_key not in self._cache:
                self._cache[cache_key] = self._load(rtype)
            return self._cache[cache_key]

    def _load(self, rtype: ResourceType) -> tuple[Any, Any, Any] | None:
        if rtype.crd:
            if self.schemas_dir is None:
                return None
            path = self.schemas_dir / rtype.group / rtype.version / f"{rtype.kind.lower()}.json"
            if not path.is_file():
                LOG.info("no schema for %s/%s at %s: not validated", rtype.api_version, rtype.kind, path)
                return None
            schema = json.loads(path.read_text(encoding="utf-8"))
            # CRD schemas are self-contained ("#/$defs/..."): the document is its own root.
            return schema, Registry().resolver_with_root(Resource.from_contents(schema)), Registry()
        if self._core_dir is None:
            return None
        group = rtype.group.split(".")[0]
        suffix = f"{group}-{rtype.version}" if group else rtype.version
        path = self._core_dir / f"{rtype.kind.lower()}-{suffix}.json"
        if not path.is_file():
            return None
        if self._core_registry is None:
            definitions = json.loads((self._core_dir / "_definitions.json").read_text(encoding="utf-8"))
            self._core_registry = Registry().with_resource(definitions["$id"], Resource.from_contents(definitions))
        schema = json.loads(path.read_text(encoding="utf-8"))
        return schema, self._core_registry.resolver_with_root(Resource.from_contents(schema)), self._core_registry

    # -- checks ----------------------------------------------------------------------------------
    def validate(self, rtype: ResourceType, obj: dict, field_validation: str) -> list[str]:
        """Check ``obj`` in place; unknown fields are pruned unless Strict.  Returns warnings."""
        name = (obj.get("metadata") or {}).get("name") or (obj.get("metadata") or {}).get("generateName", "")
        causes = check_names(rtype, obj)
        warnings: list[str] = []
        loaded = self._schema(rtype)
        if loaded is not None:
            schema, resolver, registry = loaded
            if rtype.crd:
                # The server prunes nulls from custom resources before validating them.
                stripped = strip_nulls(obj)
                obj.clear()
                obj.update(stripped)
            unknown = sorted(set(self._unknown_fields(obj, schema, resolver, ())))
            if unknown and field_validation == "Strict":
                listed = ", ".join(f'unknown field "{_dotted(p)}"' for p in unknown)
                raise errors.bad_request(f"{rtype.kind} in version \"{rtype.version}\" cannot be handled as a "
                                         f"{rtype.kind}: strict decoding error: {listed}")
            for path in sorted(unknown, key=len, reverse=True):
                _delete(obj, path)
                if field_validation == "Warn":
                    warnings.append(f'unknown field "{_dotted(path)}"')
            validator = jsonschema.Draft202012Validator(schema, registry=registry)
            secret = rtype.kind == "Secret" and not rtype.group
            for error in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path))):
                causes.append(_schema_cause(error, hide_value=secret and _dotted(error.absolute_path)
                                            .startswith(("data", "stringData"))))
        if causes:
            raise errors.invalid(rtype, name, causes)
        return warnings

    def _unknown_fields(self, value: Any, schema: Any, resolver, path: tuple) -> list[tuple]:
        found: list[tuple] = []
        branches = self._object_branches(schema, resolver)
        if isinstance(value, dict) and branches:
            properties: dict[str, tuple[Any, Any]] = {}
            additional = None
            open_object = False
            for branch, branch_resolver in branches:
                for prop, sub in (branch.get("properties") or {}).items():
                    properties.setdefault(prop, (sub, branch_resolver))
                extra = branch.get("additionalProperties")
                if isinstance(extra, dict):
                    additional = (extra, branch_resolver)
                if extra is True or branch.get("x-kubernetes-preserve-unknown-fields") or \
                        (not branch.get("properties") and extra is None):
                    open_object = True
            embedded_metadata = len(path) > 0 and path[-1] == "metadata"
            for key, child in value.items():
                if key in properties:
                    sub, sub_resolver = properties[key]
                    found.extend(self._unknown_fields(child, sub, sub_resolver, (*path, key)))
                elif additional is not None:
                    found.extend(self._unknown_fields(child, additional[0], additional[1], (*path, key)))
                elif not open_object and not embedded_metadata:
                    found.append((*path, key))
        elif isinstance(value, list):
            for branch, branch_resolver in self._all_branches(schema, resolver):
                items = branch.get("items")
                if isinstance(items, dict):
                    for index, item in enumerate(value):
                        found.extend(self._unknown_fields(item, items, branch_resolver, (*path, index)))
                    break
        return found

    def _all_branches(self, schema: Any, resolver) -> list[tuple[dict, Any]]:
        if not isinstance(schema, dict):
            return []
        if "$ref" in schema:
            resolved = resolver.lookup(schema["$ref"])
            return self._all_branches(resolved.contents, resolved.resolver)
        result = [(schema, resolver)]
        for combinator in ("allOf", "anyOf", "oneOf"):
            for sub in schema.get(combinator) or []:
                result.extend(self._all_branches(sub, resolver))
        return result

    def _object_branches(self, schema: Any, resolver) -> list[tuple[dict, Any]]:
        return [(b, r) for b, r in self._all_branches(schema, resolver)
                if "properties" in b or "additionalProperties" in b or b.get("x-kubernetes-preserve-unknown-fields")
                or b.get("type") == "object" or (isinstance(b.get("type"), list) and "object" in b["type"])]


def strip_nulls(value: Any) -> Any:
    """A copy without null-valued fields (how custom resources are stored)."""
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value]
    return value


def _delete(obj: Any, path: tuple) -> None:
    parent = obj
    for element in path[:-1]:
        parent = parent[element]
    del parent[path[-1]]


def _schema_cause(error: jsonschema.ValidationError, hide_value: bool = False) -> dict:
    field = _dotted(error.absolute_path)
    if hide_value:
        # Secret data: the answer names the field and the rule, never the value.
        return _cause(field, f'Invalid value: "{REDACTED}": fails the "{error.validator}" rule of the schema')
    if error.validator == "required":
        missing = re.match(r"'([^']+)' is a required property", error.message)
        sub = missing.group(1) if missing else ""
        return _cause(f"{field}.{sub}" if field else sub, "Required value", "FieldValueRequired")
    if error.validator == "enum":
        allowed = ", ".join(json.dumps(v) for v in error.validator_value)
        return _cause(field, f"Unsupported value: {json.dumps(error.instance)}: supported values: {allowed}",
                      "FieldValueNotSupported")
    if error.validator == "type":
        expected = error.validator_value
        return _invalid_value(field, error.instance, f"{field} in body must be of type {expected}: "
                              f"{json.dumps(error.instance)}")
    return _invalid_value(field, error.instance if not isinstance(error.instance, (dict, list)) else "object",
                          error.message)
