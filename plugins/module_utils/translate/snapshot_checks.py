# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shape checks on snapshot entries, run before translation so a wrong type becomes a finding naming its field.

A snapshot is a file a user may have edited by hand. Translation code may then assume each field
it reads has the type the OpenStack API gives it: this module drops (with a warning) optional fields
of the wrong type, and blocks a server when dropping the field would make its VM wrong.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import (
    WARNING,
    Finding,
    FindingCollector,
    TranslationError,
    describe,
    type_name,
)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import annotations_size

# Nova's API reference for "create server": "The provided user data must be base64 encoded and is
# restricted to 65535 bytes" (the encoded text, as the snapshot holds it).
USER_DATA_MAX_BYTES = 65535
# Kubernetes rejects an object whose annotations (keys plus values) exceed 256 KiB (TotalAnnotationSizeLimitB).
ANNOTATIONS_MAX_BYTES = 256 * 1024
USER_DATA_KEY = "OS-EXT-SRV-ATTR:user_data"
VOLUMES_KEY = "os-extended-volumes:volumes_attached"
_SCALARS = (str, int, float)


class SnapshotShapeError(ValueError):
    """The snapshot cannot be translated at all: it names the list and field at fault."""


def _is_scalar(value) -> bool:
    return isinstance(value, _SCALARS) and not isinstance(value, bool)


def check_server_ids(servers: list[Mapping]) -> None:
    """Every server needs an id of its own: ports, volumes and floating IPs reach their server through it."""
    seen: dict[str, Mapping] = {}
    for index, server in enumerate(servers):
        server_id = server.get("id")
        if not _is_scalar(server_id) or str(server_id) == "":
            raise SnapshotShapeError(
                f"servers[{index}].id: server {describe(server, 'server')} has no usable id (got {type_name(server_id)}); every server needs its Nova UUID"
            )
        first = seen.setdefault(str(server_id), server)
        if first is not server:
            raise SnapshotShapeError(
                f"servers[].id: servers {str(first.get('name'))!r} and {str(server.get('name'))!r} share the id "
                f"{server_id}; a snapshot holds each server once (re-export the tenant)"
            )


def name_index(items: list[Mapping], kind: str, findings: list[Finding]) -> dict[str, Mapping]:
    """name -> entry for entries whose name is a string; the others are reported and left out of the index."""
    index: dict[str, Mapping] = {}
    for position, item in enumerate(items):
        name = item.get("name")
        if isinstance(name, str):
            if name:
                index.setdefault(name, item)
        elif name is not None:
            findings.append(
                Finding(
                    WARNING,
                    "snapshot",
                    kind,
                    f"{kind}[{position}].name",
                    f"expected a string, got {type_name(name)}; {describe(item, kind)} cannot be found by name and is ignored",
                )
            )
    return index


def _optional(server: dict, key: str, wanted: type, expected: str, consequence: str, collector: FindingCollector):
    """server[key] when it is absent or of the wanted type; else the field is dropped with a warning (None)."""
    value = server.get(key)
    if value is None or isinstance(value, wanted):
        return value
    collector.warn(key, f"expected {expected}, got {type_name(value)}; {consequence}")
    del server[key]
    return None


def _clean_addresses(server: dict, collector: FindingCollector) -> None:
    addresses = _optional(
        server, "addresses", Mapping, "a mapping of network name to address list", "addresses ignored (NIC order then follows port creation time)", collector
    )
    if addresses is None:
        return
    kept: dict = {}
    for network, entries in addresses.items():
        if not isinstance(entries, list) or not all(isinstance(entry, Mapping) for entry in entries):
            collector.warn(f"addresses.{network}", f"expected a list of address objects, got {type_name(entries)}; this network's addresses are ignored")
            continue
        kept[str(network)] = entries
    server["addresses"] = kept


def _clean_metadata(server: dict, collector: FindingCollector) -> None:
    metadata = _optional(server, "metadata", Mapping, "a mapping of key to value", "the server's metadata is not carried over", collector)
    if metadata is None:
        return
    kept: dict[str, str] = {}
    for key, value in metadata.items():
        if not _is_scalar(key) or not (_is_scalar(value) or value is None or isinstance(value, bool)):
            collector.warn(f"metadata.{key}", f"expected a string value, got {type_name(value)}; entry not carried over")
            continue
        kept[str(key)] = "" if value is None else str(value)
    server["metadata"] = kept


def _clean_tags(server: dict, collector: FindingCollector) -> None:
    tags = _optional(server, "tags", list, "a list of strings", "the server's tags are not carried over", collector)
    if tags is None:
        return
    kept = [str(tag) for tag in tags if _is_scalar(tag)]
    if len(kept) != len(tags):
        collector.warn("tags", "tags that are not strings are not carried over")
    server["tags"] = kept


def _check_user_data(server: dict, collector: FindingCollector) -> None:
    user_data = server.get(USER_DATA_KEY)
    if user_data in (None, ""):
        return
    if not isinstance(user_data, str):
        raise collector.fail(USER_DATA_KEY, f"expected base64 text, got {type_name(user_data)}")
    if len(user_data) > USER_DATA_MAX_BYTES:
        raise collector.fail(
            USER_DATA_KEY,
            f"user data is {len(user_data)} bytes; Nova accepts at most {USER_DATA_MAX_BYTES} bytes (base64), so this cannot be the server's real user data",
        )


def _check_volumes(server: dict, collector: FindingCollector) -> None:
    attached = server.get(VOLUMES_KEY)
    if attached is None:
        return
    # Dropping a volume would lose its data on the new VM: block instead. The blocked server keeps no
    # volumes, so the tenant-wide DataVolume naming never reads the bad entries.
    if not isinstance(attached, list):
        server[VOLUMES_KEY] = []
        raise collector.fail(VOLUMES_KEY, f"expected a list of {{id: ...}} entries, got {type_name(attached)}")
    for position, entry in enumerate(attached):
        if not isinstance(entry, Mapping) or not _is_scalar(entry.get("id")):
            server[VOLUMES_KEY] = []
            raise collector.fail(f"{VOLUMES_KEY}[{position}]", "expected an object with the volume's id")


def clean_server(server: Mapping) -> tuple[dict, list[Finding]]:
    """A copy of server with wrongly typed optional fields dropped, and the findings that say so.

    A blocker among the findings means the server cannot be translated faithfully.
    """
    collector = FindingCollector("server", describe(server, "server"))
    cleaned = dict(server)
    try:
        name = cleaned.get("name")
        if name is not None and not _is_scalar(name):
            raise collector.fail("name", f"expected a string, got {type_name(name)}")
        if not isinstance(cleaned.get("image"), (Mapping, str, type(None))):
            raise collector.fail("image", f"expected the image object or its id, got {type_name(cleaned['image'])}")
        _check_user_data(cleaned, collector)
        _check_volumes(cleaned, collector)
    except TranslationError as exc:
        collector.findings.append(exc.finding)
    _clean_addresses(cleaned, collector)
    _clean_metadata(cleaned, collector)
    _clean_tags(cleaned, collector)
    _optional(cleaned, "key_name", str, "a string", "no SSH key is re-injected", collector)
    _optional(cleaned, "security_groups", list, "a list", "ignored", collector)
    return cleaned, collector.findings


def fill_flavor_disk(flavor: dict, flavors_by_name: Mapping[str, Mapping], collector: FindingCollector) -> None:
    """A flavor disk of null is "unknown", not 0 ("size from the image"): take it from the listed flavor or block."""
    if flavor.get("disk") is not None:
        return
    name = flavor.get("original_name") or flavor.get("name")
    listed = flavors_by_name.get(name) if isinstance(name, str) else None
    listed_disk = listed.get("disk") if listed is not None else None
    if not _is_scalar(listed_disk):
        raise collector.fail(
            "flavor.disk",
            "the flavor's root disk size is null, and no flavor of that name in the "
            "snapshot gives it; sizing the root disk from the image could make it smaller than on "
            "OpenStack. Add the flavor's disk to the snapshot",
        )
    collector.warn("flavor.disk", f"the server's flavor disk is null; the size {listed_disk} GiB of flavor {name!r} from the snapshot's flavors is used")
    flavor["disk"] = listed_disk


def annotations_over_limit(obj: Mapping) -> tuple[str, str] | None:
    """(largest annotation, why) when obj's annotations exceed Kubernetes' limit, else None."""
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    size = annotations_size(annotations)
    if size <= ANNOTATIONS_MAX_BYTES:
        return None
    largest = max(annotations, key=lambda key: len(str(key)) + len(str(annotations[key])))
    return str(largest), (
        f"{obj.get('kind')} {obj['metadata'].get('name')}: its annotations would be {size} bytes, "
        f"over Kubernetes' limit of {ANNOTATIONS_MAX_BYTES} bytes (largest: {largest})"
    )
