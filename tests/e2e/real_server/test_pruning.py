# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""No field we send is silently dropped: the server prunes what a CRD's structural schema does not know (and a
built-in type's decoder drops unknown fields), so a field missing from the stored object is a mapping bug."""

from __future__ import annotations

import base64
import re
from fractions import Fraction

import pytest
from kubernetes.client.exceptions import ApiException

FIELD_MANAGER = "ostokubevirt"
KINDS = [
    ("v1", "Namespace"),
    ("v1", "ResourceQuota"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("projectcalico.org/v3", "NetworkPolicy"),
    ("v1", "Service"),
    ("cdi.kubevirt.io/v1beta1", "DataVolume"),
    ("kubevirt.io/v1", "VirtualMachine"),
    ("v1", "Secret"),
]
# Built-in types are Go structs: an empty list or map is left out of what the server returns (omitempty),
# which says nothing about pruning. Custom resources are stored as sent, minus what the schema prunes.
BUILT_IN = {"v1", "rbac.authorization.k8s.io/v1", "networking.k8s.io/v1"}
_QUANTITY = re.compile(r"^([+-]?[0-9.]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$")
_SUFFIX = {
    None: 1,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "E": 10**18,
}


def quantity(value) -> Fraction | None:
    """A Kubernetes quantity's value; the server stores built-in quantities in canonical form (262144Mi -> 256Gi)."""
    found = _QUANTITY.match(str(value))
    if not found:
        return None
    number, suffix = found.groups()
    if suffix and suffix[0] in "eE" and len(suffix) > 1:
        return Fraction(number) * Fraction(10) ** int(suffix[1:])
    return Fraction(number) * _SUFFIX[suffix]


def lost_fields(sent, stored, path: str, built_in: bool) -> list[str]:
    """Where `stored` lacks or changed what `sent` holds (extra fields in `stored` are the server's own)."""
    if isinstance(sent, dict):
        if not isinstance(stored, dict):
            return [f"{path} (stored {stored!r})"]
        lost = []
        for key, value in sent.items():
            if key not in stored:
                if not (built_in and value in ({}, [])):
                    lost.append(f"{path}.{key}")
                continue
            lost += lost_fields(value, stored[key], f"{path}.{key}", built_in)
        return lost
    if isinstance(sent, list):
        if not isinstance(stored, list) or len(stored) != len(sent):
            return [f"{path} (sent {len(sent)} items, stored {stored!r})"]
        return [lost for index, item in enumerate(sent) for lost in lost_fields(item, stored[index], f"{path}[{index}]", built_in)]
    if sent == stored or (isinstance(sent, str) and quantity(sent) is not None and quantity(sent) == quantity(stored)):
        return []
    return [f"{path} (sent {sent!r}, stored {stored!r})"]


def as_stored(obj: dict) -> dict:
    """A Secret's stringData is write-only: the server keeps it base64-encoded in data."""
    if obj["kind"] != "Secret" or not obj.get("stringData"):
        return obj
    data = {**(obj.get("data") or {}), **{k: base64.b64encode(v.encode()).decode() for k, v in obj["stringData"].items()}}
    return {**{k: v for k, v in obj.items() if k != "stringData"}, "data": data}


def sent_of_kind(demo, api_version: str, kind: str) -> list[dict]:
    objects = [o for o in demo.sent() if (o["apiVersion"], o["kind"]) == (api_version, kind)]
    assert objects, f"the demo tenant sends no {api_version} {kind}: this check would prove nothing"
    return objects


@pytest.mark.parametrize(("api_version", "kind"), KINDS, ids=[f"{v.split('/')[0]}-{k}" for v, k in KINDS])
def test_the_server_stores_every_field_we_send(kube_admin, demo, api_version, kind):
    dropped = {}
    for obj in sent_of_kind(demo, api_version, kind):
        stored = kube_admin.get(api_version, kind, obj["metadata"]["name"], obj["metadata"].get("namespace"))
        assert stored is not None, f"{kind}/{obj['metadata']['name']} is not on the server"
        lost = lost_fields(as_stored(obj), stored, "", api_version in BUILT_IN)
        if lost:
            dropped[obj["metadata"]["name"]] = lost
    assert not dropped, f"{kind}: fields we send that the server does not keep: {dropped}"


@pytest.mark.parametrize(("api_version", "kind"), KINDS, ids=[f"{v.split('/')[0]}-{k}" for v, k in KINDS])
def test_strict_field_validation_knows_every_field_we_send(kube_admin, demo, api_version, kind):
    """A server-side dry run with fieldValidation=Strict: the server names each field it would drop."""
    unknown = {}
    for obj in sent_of_kind(demo, api_version, kind):
        try:
            kube_admin.apply_as(FIELD_MANAGER, obj, force=True, dry_run=True, strict=True)
        except ApiException as exc:
            unknown[obj["metadata"]["name"]] = f"HTTP {exc.status}: {exc.body}"
    assert not unknown, f"{kind}: the server refuses fields we send: {unknown}"


def test_the_apply_run_got_no_unknown_field_warning(demo):
    """The server warns about the fields it drops; kubernetes.core passes such warnings on."""
    assert "unknown field" not in demo.apply_output, [line for line in demo.apply_output.splitlines() if "unknown field" in line]


@pytest.mark.parametrize(
    ("sent", "stored", "lost"),
    [
        ({"spec": {"hard": {"requests.memory": "262144Mi"}}}, {"spec": {"hard": {"requests.memory": "256Gi"}}}, []),
        ({"spec": {"a": 1, "b": {"c": "x"}}}, {"spec": {"a": 1}}, [".spec.b"]),
        ({"spec": {"ports": [{"port": 22}]}}, {"spec": {"ports": [{"port": 22, "protocol": "TCP"}]}}, []),
        ({"spec": {"ingress": []}}, {"spec": {}}, []),
    ],
)
def test_lost_fields_tolerates_only_server_normalisation(sent, stored, lost):
    assert lost_fields(sent, stored, "", built_in=True) == lost
