# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the exporter could not read (``source.unreadable``): refuse or warn before translating.

A snapshot lists a resource it could not read as empty or leaves it out. Translated as is,
"the security groups could not be read" would become "the project has no security groups",
and the VMs would get no NetworkPolicy: unrestricted traffic. So translation refuses a
snapshot whose security groups or ports were not read unless the user says so with the
option ``allow_unread_security_groups``, and warns about every other resource not read.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import WARNING, Finding
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.plan import NOT_READ_FIELD
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.snapshot import SnapshotError

# Without them no NetworkPolicy can be derived: security groups hold the rules, ports say which VM has which group.
POLICY_SOURCES = ("security_groups", "ports")
ALLOW_OPTION = "allow_unread_security_groups"


def unread_entries(source: Mapping) -> list[tuple[str, str]]:
    """(resource, reason) of every ``source.unreadable`` entry, whatever its shape."""
    entries = source.get("unreadable") if isinstance(source, Mapping) else None
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, Mapping):
            found.append((str(entry.get("resource", "")), str(entry.get("reason", ""))))
        else:
            found.append((str(entry), ""))
    return found


def _resource_kind(resource: str) -> str:
    return resource.split(" (", 1)[0].split("/", 1)[0].split("[", 1)[0].split(".", 1)[0]


def not_read_findings(source: Mapping, *, project_label: str, allow_unread_security_groups: bool) -> list[Finding]:
    """One warning per resource not read; SnapshotError when the network policy sources were not read."""
    entries = unread_entries(source)
    policy_gaps = [(resource, reason) for resource, reason in entries if _resource_kind(resource) in POLICY_SOURCES]
    if policy_gaps and not allow_unread_security_groups:
        named = "; ".join(f"{resource} ({reason})" if reason else resource for resource, reason in policy_gaps)
        raise SnapshotError(
            f"the snapshot of project {project_label} says its {' and '.join(r for r, _reason in policy_gaps)} were not "
            f"read from the cloud: {named}. Translating it would give the VMs no NetworkPolicy, leaving their "
            f"traffic unrestricted. Export again with a credential that may read them, or set the option "
            f"{ALLOW_OPTION}: true to translate without security groups"
        )
    findings = []
    for resource, reason in entries:
        if _resource_kind(resource) in POLICY_SOURCES:
            message = (
                f"NOT READ from the cloud and translated anyway (option {ALLOW_OPTION}): no NetworkPolicy restricts these VMs' traffic. {reason}"
            ).strip()
        else:
            message = f"NOT READ from the cloud; what depends on it is missing from the migration. {reason}".strip()
        findings.append(Finding(WARNING, "snapshot", project_label, f"{NOT_READ_FIELD}: {resource}", message))
    return findings
