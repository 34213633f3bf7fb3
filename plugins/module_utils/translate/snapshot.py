# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The tenant snapshot (format v1): validation and lookup indexes.

A snapshot holds raw OpenStack API objects. This module checks the envelope, drops (and
reports) list entries that are not objects, and builds the indexes translation needs, so
no translation step ever scans a whole list per server.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import WARNING, Finding, type_name
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.snapshot_checks import (
    SnapshotShapeError,
    check_server_ids,
    clean_server,
    name_index,
)

SNAPSHOT_FORMAT = "ostokubevirt.io/tenant-snapshot/v1"
RESOURCE_LISTS = (
    "users",
    "groups",
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
)


class SnapshotError(ValueError):
    """The snapshot as a whole is unusable (wrong format, no project, wrong tenant)."""


def _by_id(items: list[dict]) -> dict[str, dict]:
    return {str(item["id"]): item for item in items if item.get("id")}


class TenantSnapshot:
    """Validated snapshot plus the lookups translation uses."""

    def __init__(self, raw: Mapping) -> None:
        if not isinstance(raw, Mapping):
            raise SnapshotError(f"snapshot must be a mapping at the top level, got {type_name(raw)}")
        fmt = raw.get("format")
        if fmt != SNAPSHOT_FORMAT:
            raise SnapshotError(f"snapshot field 'format' must be {SNAPSHOT_FORMAT!r}, got {fmt!r}")
        project = raw.get("project")
        if not isinstance(project, Mapping) or not project.get("id") or not project.get("name"):
            raise SnapshotError("snapshot field 'project' must be a Keystone project with 'id' and 'name'")
        domain = raw.get("domain")
        if domain is None:
            domain = {"id": project.get("domain_id", ""), "name": project.get("domain_id") or "default"}
        if not isinstance(domain, Mapping) or not domain.get("name"):
            raise SnapshotError("snapshot field 'domain' must be a Keystone domain with a 'name'")
        self.raw = raw
        self.project: dict = dict(project)
        self.domain: dict = dict(domain)
        self.findings: list[Finding] = []
        source = raw.get("source") or {}
        self.source: dict = dict(source) if isinstance(source, Mapping) else {}
        if not isinstance(source, Mapping):
            self._drop("source", "source", f"expected a mapping, got {type_name(source)}; source ignored")
        self.lists: dict[str, list[dict]] = {name: self._list(name) for name in RESOURCE_LISTS}
        try:
            check_server_ids(self.lists["servers"])
        except SnapshotShapeError as exc:
            raise SnapshotError(str(exc)) from exc
        cleaned = [clean_server(server) for server in self.lists["servers"]]
        self.lists["servers"] = [server for server, _findings in cleaned]
        # Findings about a server's own fields, reported with the server's other findings.
        self.server_findings: dict[str, list[Finding]] = {str(server["id"]): found for server, found in cleaned}
        quotas = raw.get("quotas") or {}
        self.quotas: dict = dict(quotas) if isinstance(quotas, Mapping) else {}
        if not isinstance(quotas, Mapping):
            self._drop("quotas", "quotas", f"expected a mapping, got {type_name(quotas)}; quotas ignored")

        self.flavors_by_id = _by_id(self.lists["flavors"])
        self.flavors_by_name = name_index(self.lists["flavors"], "flavors", self.findings)
        self.images_by_id = _by_id(self.lists["images"])
        self.volumes_by_id = _by_id(self.lists["volumes"])
        self.networks_by_id = _by_id(self.lists["networks"])
        self.subnets_by_id = _by_id(self.lists["subnets"])
        self.security_groups_by_id = _by_id(self.lists["security_groups"])
        self.keypairs_by_name = name_index(self.lists["keypairs"], "keypairs", self.findings)
        self.ports_by_id = _by_id(self.lists["ports"])
        self.ports_by_device: dict[str, list[dict]] = {}
        for port in self.lists["ports"]:
            if port.get("device_id"):
                self.ports_by_device.setdefault(str(port["device_id"]), []).append(port)
        self.tenant_security_groups = [
            sg for sg in self.lists["security_groups"] if sg.get("project_id", sg.get("tenant_id", self.project["id"])) == self.project["id"]
        ]

    @property
    def servers(self) -> list[dict]:
        return self.lists["servers"]

    def _drop(self, kind: str, field: str, message: str) -> None:
        self.findings.append(Finding(WARNING, "snapshot", kind, field, message))

    def _list(self, name: str) -> list[dict]:
        value = self.raw.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self._drop(name, name, f"expected a list, got {type_name(value)}; {name} ignored")
            return []
        kept = []
        for index, item in enumerate(value):
            if isinstance(item, Mapping):
                kept.append(item)
            else:
                self._drop(name, f"{name}[{index}]", f"expected an object, got {type_name(item)}; entry ignored")
        return kept

    def matches_tenant(self, tenant: str) -> bool:
        return tenant in (self.project.get("name"), self.project.get("id"))

    def require_tenant(self, tenant: str | None) -> None:
        """Refuse to translate a snapshot of another project than the one the user named."""
        if tenant and not self.matches_tenant(tenant):
            raise SnapshotError(
                f"tenant {tenant!r} does not match the snapshot's project "
                f"{self.project.get('name')!r} ({self.project.get('id')}) in domain {self.domain.get('name')!r}"
            )

    def server_ports(self, server_id: str) -> list[dict]:
        return [p for p in self.ports_by_device.get(server_id, []) if str(p.get("device_owner", "compute:")).startswith("compute:")]
