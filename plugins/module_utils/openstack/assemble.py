# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The snapshot as written: provenance, a stable order, and what two exports of one cloud may differ in."""

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import TokenInfo

EXPORTER = "ostokubevirt.migrate 0.1.0"
SNAPSHOT_KEY_ORDER = (
    "format",
    "source",
    "domain",
    "project",
    "users",
    "groups",
    "group_members",
    "role_assignments",
    "flavors",
    "images",
    "servers",
    "volumes",
    "networks",
    "subnets",
    "ports",
    "security_groups",
    "floating_ips",
    "keypairs",
    "quotas",
)


def source_block(token: TokenInfo, project: dict, microversions: dict, unreadable: list[dict], taken_at: str, extra: dict | None = None) -> dict:
    """``source``: where, when, with which API versions and which credential, and what could not be read."""
    return {
        **(extra or {}),
        "taken_at": taken_at,
        "exporter": EXPORTER,
        "api_versions": {"identity": "3", "compute": microversions.get("compute"), "image": "2", "volume": microversions.get("volume"), "network": "2.0"},
        "credential": {
            "user_id": token.user_id,
            "project_id": token.project_id,
            "roles": sorted(token.roles),
            "auth_method": token.auth_method,
            "scoped_to_exported_project": token.project_id == project["id"],
        },
        "unreadable": unreadable,
    }


def finish(snap: dict) -> dict:
    """The snapshot in the form it is written: rules sorted, keys in documentation order."""
    sort_embedded_rules(snap)
    return order_snapshot(snap)


def order_snapshot(snap: dict) -> dict:
    """Keys in documentation order, so files diff well between exports."""
    ordered = {key: snap[key] for key in SNAPSHOT_KEY_ORDER if key in snap}
    ordered.update({k: v for k, v in snap.items() if k not in ordered})
    return ordered


def canonical(value):
    """``value`` with every list of objects that carry an ``id`` sorted by id.

    APIs return some collections in no stable order (Neutron's embedded security group rules
    change order between two identical calls), so two exports of an unchanged cloud are only
    comparable once such lists are put in one order. Lists without ids keep their order.
    """
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [canonical(v) for v in value]
        if items and all(isinstance(i, dict) and i.get("id") is not None for i in items):
            return sorted(items, key=lambda i: str(i["id"]))
        return items
    return value


def comparable(snap: dict) -> dict:
    """The snapshot minus what differs between two exports of an unchanged cloud."""
    source = dict(snap.get("source") or {})
    source.pop("taken_at", None)
    return canonical({**snap, "source": source})


def sort_embedded_rules(snap: dict) -> None:
    """Security group rules sorted by id in the file: Neutron's order is arbitrary, diffs stay small."""
    for group in snap.get("security_groups") or []:
        rules = group.get("security_group_rules") if isinstance(group, dict) else None
        if isinstance(rules, list) and all(isinstance(r, dict) for r in rules):
            group["security_group_rules"] = sorted(rules, key=lambda r: str(r.get("id")))
