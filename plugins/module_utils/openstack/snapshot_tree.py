# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The tenants of a snapshot tree as ``export_cloud.yml`` writes it (``DIR/<domain>/<project>.yaml``).

The offline twin of :func:`tenants.list_tenants`: the same filters (domain and project regular
expressions searched in the names, ``exclude`` by project or ``domain/project`` name) and the same order
(domain, then project), so a fleet run reads a snapshot tree and the live cloud alike.

Names come from the path, not the file content: reading every snapshot only to list it would cost a
YAML parse per tenant before any work starts. A name the export had to make safe for the file system
(``team/a`` -> ``team_a``) is matched in that safe form.
"""

from __future__ import annotations

import os

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.tenants import compile_pattern

SUFFIXES = (".yaml", ".yml")


class SnapshotTreeError(ValueError):
    """The tree cannot be listed; the message names the path and why."""


def _entries(path: str) -> list[os.DirEntry]:
    try:
        with os.scandir(path) as it:
            return list(it)
    except FileNotFoundError as exc:
        raise SnapshotTreeError(f"snapshot directory {path}: does not exist") from exc
    except NotADirectoryError as exc:
        raise SnapshotTreeError(f"snapshot directory {path}: not a directory") from exc
    except OSError as exc:
        raise SnapshotTreeError(f"snapshot directory {path}: cannot be read ({exc.strerror or exc})") from exc


def _project_name(filename: str) -> str | None:
    for suffix in SUFFIXES:
        if filename.endswith(suffix) and len(filename) > len(suffix):
            return filename[: -len(suffix)]
    return None


def list_snapshot_tree(
    snapshot_dir: str, domain_pattern: str | None = None, project_pattern: str | None = None, exclude: list[str] | None = None
) -> list[dict]:
    """``[{domain, project, path}]`` of every snapshot under ``snapshot_dir`` that the filters select.

    Sorted by domain, then project. Hidden entries (the stage files of an atomic write, ``.git``) and files
    that are not ``.yaml``/``.yml`` are not tenants and are passed over; so are files directly in
    ``snapshot_dir``, which belong to no domain. A snapshot file that cannot be read is still listed: that is
    one tenant's failure, reported when it is rendered, not a reason to skip the fleet.
    """
    domain_re = compile_pattern("domain_pattern", domain_pattern)
    project_re = compile_pattern("project_pattern", project_pattern)
    skip = set(exclude or [])
    root = os.path.abspath(os.path.expanduser(str(snapshot_dir or "")))
    if not str(snapshot_dir or "").strip():
        raise SnapshotTreeError("snapshot directory: empty path; give the directory export_cloud.yml wrote (export_dir)")
    found = []
    for domain_entry in _entries(root):
        if domain_entry.name.startswith(".") or not domain_entry.is_dir():
            continue
        domain = domain_entry.name
        if not domain_re.search(domain):
            continue
        for file_entry in _entries(domain_entry.path):
            project = _project_name(file_entry.name)
            if project is None or file_entry.name.startswith(".") or not file_entry.is_file():
                continue
            if not project_re.search(project) or project in skip or f"{domain}/{project}" in skip:
                continue
            found.append({"domain": domain, "project": project, "path": file_entry.path})
    return sorted(found, key=lambda t: (t["domain"], t["project"], t["path"]))
