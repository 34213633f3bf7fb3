# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every domain -> project of a cloud, filtered by name patterns: the outer loops of a cloud export."""

from __future__ import annotations

import re

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError, ExportError

# The options of the modules that list tenants (doc fragment ostokubevirt.migrate._tenant_selection).
TENANT_SELECTION_ARG_SPEC = {
    "domain_pattern": {"type": "str", "default": ""},
    "project_pattern": {"type": "str", "default": ""},
    "exclude": {"type": "list", "elements": "str", "default": ["service"]},
    "include_disabled": {"type": "bool", "default": False},
}


def compile_pattern(option: str, pattern: str | None):
    try:
        return re.compile(pattern or "")
    except re.error as exc:
        raise ExportError(f"{option}: not a valid regular expression ({exc}): {pattern!r}") from exc


def list_tenants(
    api, domain_pattern: str | None = None, project_pattern: str | None = None, exclude: list[str] | None = None, include_disabled: bool = False
) -> list[dict]:
    """``[{id, name, domain_id, domain_name, enabled}]`` sorted by domain and project name.

    Patterns are regular expressions searched in the name (anchor them with ``^...$``).
    ``exclude`` holds project names or ``domain/project`` names to leave out (e.g. ``service``).
    """
    domain_re = compile_pattern("domain_pattern", domain_pattern)
    project_re = compile_pattern("project_pattern", project_pattern)
    skip = set(exclude or [])
    try:
        domains = api.get("identity", "/domains")["domains"]
        projects = api.get("identity", "/projects", params={"is_domain": "false"})["projects"]
    except ApiError as exc:
        if exc.status == 403:
            raise ExportError(f"listing every domain and project needs an admin or reader role on the cloud: {exc}") from exc
        raise
    names = {d["id"]: d.get("name") for d in domains}
    tenants = []
    for project in projects:
        domain_name = names.get(project.get("domain_id"), project.get("domain_id"))
        name = project.get("name")
        if not domain_re.search(str(domain_name)) or not project_re.search(str(name)):
            continue
        if name in skip or f"{domain_name}/{name}" in skip:
            continue
        if not project.get("enabled", True) and not include_disabled:
            continue
        tenants.append(
            {"id": project["id"], "name": name, "domain_id": project.get("domain_id"), "domain_name": domain_name, "enabled": project.get("enabled", True)}
        )
    return sorted(tenants, key=lambda t: (str(t["domain_name"]), str(t["name"])))
