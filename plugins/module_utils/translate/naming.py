# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Kubernetes-safe names derived from OpenStack names (RFC 1123 / RFC 1035)."""

from __future__ import annotations

import hashlib
import re

DNS_LABEL_MAX = 63
DNS_SUBDOMAIN_MAX = 253
LABEL_VALUE_MAX = 63
_HASH_LEN = 5

_INVALID_LABEL_CHARS = re.compile(r"[^a-z0-9-]+")
_DASH_RUNS = re.compile(r"-{2,}")
_LABEL_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_QUALIFIED_NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def short_hash(*parts: str, length: int = _HASH_LEN) -> str:
    """Stable lowercase-hex digest of the parts (used to keep truncated names unique)."""
    digest = hashlib.sha256("\x00".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return digest[:length]


def _slug(value: str) -> str:
    slug = _INVALID_LABEL_CHARS.sub("-", str(value).lower().replace("_", "-"))
    return _DASH_RUNS.sub("-", slug).strip("-")


def dns_label(value: str, *, max_length: int = DNS_LABEL_MAX, prefix: str = "", must_start_alpha: bool = False, identity: str | None = None) -> str:
    """Turn any string into a valid RFC 1123 label (RFC 1035 with must_start_alpha).

    Lowercases, maps "_" and every other invalid character to "-", collapses dashes.
    When the result had to be truncated, or is empty, a hash of identity (default: the
    original value) is appended so two long names that share a prefix stay distinct.
    """
    original = str(value)
    slug = _slug(f"{prefix}{original}" if prefix else original)
    if must_start_alpha and slug and not slug[0].isalpha():
        slug = f"x-{slug}"
    if slug and len(slug) <= max_length:
        return slug
    suffix = short_hash(identity if identity is not None else original)
    head = slug[: max_length - len(suffix) - 1].rstrip("-")
    if not head:
        head = "x" if must_start_alpha or not slug else slug[:1]
    return f"{head}-{suffix}"


def with_hash_suffix(name: str, identity: str, *, max_length: int = DNS_LABEL_MAX) -> str:
    """Append a hash of identity to an already valid label, truncating to stay within max_length."""
    suffix = short_hash(identity)
    head = name[: max_length - len(suffix) - 1].rstrip("-") or "x"
    return f"{head}-{suffix}"


class NameAllocator:
    """Hands out unique DNS labels within one scope (e.g. VM names in one namespace).

    Collisions (two OpenStack objects whose names slug to the same label) get a hash suffix
    derived from the object's id, so the result is independent of iteration order for the
    object that keeps the plain name only when it is the sole claimant.
    """

    def __init__(self, *, max_length: int = DNS_LABEL_MAX, must_start_alpha: bool = False) -> None:
        self.max_length = max_length
        self.must_start_alpha = must_start_alpha
        self._claims: dict[str, list[str]] = {}

    def claim(self, name: str, identity: str) -> None:
        base = dns_label(name or identity, max_length=self.max_length, must_start_alpha=self.must_start_alpha, identity=identity)
        self._claims.setdefault(base, []).append(identity)

    def assign(self) -> dict[str, str]:
        """Return identity -> unique name for every claim."""
        assigned: dict[str, str] = {}
        taken = {base for base, ids in self._claims.items() if len(set(ids)) == 1}
        for base, identities in self._claims.items():
            unique = sorted(set(identities))
            if len(unique) == 1:
                assigned[unique[0]] = base
                continue
            for identity in unique:
                candidate = with_hash_suffix(base, identity, max_length=self.max_length)
                while candidate in taken:
                    candidate = with_hash_suffix(candidate, identity, max_length=self.max_length)
                taken.add(candidate)
                assigned[identity] = candidate
        return assigned


def namespace_name(domain: str, project: str, project_id: str = "") -> str:
    """The design's "domain_tenant" as a valid Namespace name (RFC 1123 label)."""
    return dns_label(f"{domain}-{project}", identity=f"{domain}/{project}/{project_id}")


def is_dns_label(value) -> bool:
    """An RFC 1123 label as Kubernetes requires for a Namespace name: no "/", "." or "..", at most 63."""
    return isinstance(value, str) and len(value) <= DNS_LABEL_MAX and bool(_DNS_LABEL_RE.match(value))


def is_dns_subdomain(value) -> bool:
    """An RFC 1123 subdomain as Kubernetes requires for most object names (ConfigMap, Secret): at most 253."""
    return isinstance(value, str) and len(value) <= DNS_SUBDOMAIN_MAX and bool(_DNS_SUBDOMAIN_RE.match(value))


def is_label_value(value: str) -> bool:
    return isinstance(value, str) and len(value) <= LABEL_VALUE_MAX and bool(_LABEL_VALUE_RE.match(value))


def is_qualified_key(key: str) -> bool:
    """A label/annotation key: optional DNS-subdomain prefix "/" name (<= 63)."""
    if not isinstance(key, str) or not key:
        return False
    prefix, _slash, name = key.rpartition("/")
    if prefix and (len(prefix) > DNS_SUBDOMAIN_MAX or not _DNS_SUBDOMAIN_RE.match(prefix)):
        return False
    return len(name) <= 63 and bool(_QUALIFIED_NAME_RE.match(name))
