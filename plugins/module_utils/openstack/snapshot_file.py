# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Where an exported snapshot goes, and writing it atomically and only when its content changed."""

from __future__ import annotations

import os
import re

from ansible_collections.ostokubevirt.migrate.plugins.module_utils import _yaml
from ansible_collections.ostokubevirt.migrate.plugins.module_utils._atomic_file import write_atomic
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.assemble import comparable
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.snapshot import SNAPSHOT_FORMAT


class SnapshotFileError(ValueError):
    """The snapshot must not be written where it would go; the message says why and what to do."""


def safe_component(name: str) -> str:
    """A domain or project name as one path component (OpenStack names may contain '/' and control characters)."""
    text = re.sub(r"[/\\\x00-\x1f\x7f]", "_", str(name)).strip()
    if text in ("", ".", ".."):
        # A project may really be called "..": the file then takes a name that cannot climb out.
        text = "_" + text
    return text


def snapshot_path(export_dir: str, domain_name: str, project_name: str) -> str:
    return os.path.join(export_dir, safe_component(domain_name), safe_component(project_name) + ".yaml")


def project_id_suffixed(path: str, project_id: str) -> str:
    """``<name>-<first 8 of the project id>.yaml``: where a project goes whose plain file name another one took."""
    stem = path[: -len(".yaml")] if path.endswith(".yaml") else path
    return f"{stem}-{safe_component(str(project_id))[:8]}.yaml"


def owner_of(path: str) -> tuple[bool, str | None]:
    """(a file exists at ``path``, the project id when it is a tenant snapshot)."""
    if not os.path.lexists(path):
        return False, None
    existing = read_existing(path)
    if not existing or existing.get("format") != SNAPSHOT_FORMAT or not isinstance(existing.get("project"), dict):
        return True, None
    return True, str(existing["project"].get("id") or "") or None


def choose_path(export_dir: str, domain_name: str, project_name: str, project_id: str) -> tuple[str, str | None]:
    """Where this project's snapshot goes, and a note when that is not the plain name.

    Two projects whose names clean to the same file name (``team/a`` and ``team_a``) must not
    overwrite each other: the one that finds the plain name taken by another project's snapshot
    gets its id appended. A file that is not a tenant snapshot is never replaced.
    """
    plain = snapshot_path(export_dir, domain_name, project_name)
    for candidate in (plain, project_id_suffixed(plain, project_id)):
        exists, owner = owner_of(candidate)
        if exists and owner is None:
            raise SnapshotFileError(f"{candidate} exists and is not a tenant snapshot; it is left alone. Move it away or choose another export_dir")
        if not exists or owner == str(project_id):
            note = (
                None
                if candidate == plain
                else (
                    f"{plain} holds the snapshot of another project whose name gives the same file name; "
                    f"project {project_id} is written to {os.path.basename(candidate)}"
                )
            )
            return candidate, note
    raise SnapshotFileError(f"{plain} and {candidate} both hold snapshots of other projects; choose another export_dir")


def _not_read_resources(snapshot: dict | None) -> set[str]:
    """What an export could not read, as kinds: a deleted image is a fact of the cloud, not a gap."""
    kinds = set()
    for entry in ((snapshot or {}).get("source") or {}).get("unreadable") or []:
        resource = str(entry.get("resource", "")) if isinstance(entry, dict) else str(entry)
        if resource.startswith("images/"):
            continue
        kinds.add(resource.split(" (", 1)[0])
    return kinds


def newly_not_read(existing: dict | None, new: dict) -> list[str]:
    """What the existing snapshot has read and the new one could not: replacing it would lose that."""
    if not existing:
        return []
    return sorted(_not_read_resources(new) - _not_read_resources(existing))


def dump(snapshot: dict) -> str:
    return _yaml.yaml.dump(snapshot, Dumper=_yaml._DUMPER, sort_keys=False, default_flow_style=False, allow_unicode=True, width=120)


def read_existing(path: str) -> dict | None:
    """The snapshot already at ``path``, or None when there is none (or it is unreadable)."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = _yaml.load_data(handle.read(), source=path)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def unchanged(existing: dict | None, new: dict) -> bool:
    return existing is not None and comparable(existing) == comparable(new)


def write(path: str, snapshot: dict) -> None:
    """The snapshot at ``path``, atomically and durably; mode 0600: it holds user data and the tenant's public keys."""
    write_atomic(path, dump(snapshot), mode=0o600)


def counts(snapshot: dict | None) -> dict:
    """Objects per top-level list: the diff and the result summary show these."""
    if not snapshot:
        return {}
    return {key: len(value) for key, value in snapshot.items() if isinstance(value, list)}


def location_in_words(path: str, snapshot: dict) -> str:
    """Where ``path`` is, named by ids: Ansible masks no_log values (often the project and domain names) in paths."""
    project, domain = snapshot["project"], snapshot["domain"]
    suffixed = os.path.basename(path) != safe_component(project["name"]) + ".yaml"
    return (
        f"export_dir, directory named after domain {domain.get('id')}, file named after project {project['id']}"
        f"{' with its id appended (another project has its name)' if suffixed else ''}"
    )
