# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Where an exported snapshot goes, and writing it atomically and only when its content changed."""

from __future__ import annotations

import os
import re
import tempfile

from ansible_collections.ostokubevirt.migrate.plugins.module_utils import _yaml
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack_export import comparable


def safe_component(name: str) -> str:
    """A domain or project name as one path component (OpenStack names may contain '/')."""
    text = re.sub(r"[/\\\x00]", "_", str(name)).strip()
    if text in ("", ".", ".."):
        raise ValueError(f"name {name!r} cannot be used as a file name")
    return text


def snapshot_path(export_dir: str, domain_name: str, project_name: str) -> str:
    return os.path.join(export_dir, safe_component(domain_name), safe_component(project_name) + ".yaml")


def dump(snapshot: dict) -> str:
    return _yaml.yaml.dump(snapshot, Dumper=_yaml._DUMPER, sort_keys=False, default_flow_style=False,
                           allow_unicode=True, width=120)


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


def write_atomic(path: str, text: str, mode: int = 0o600) -> None:
    """Temp file in the same directory, fsync, rename: readers see the old or the new file, never half.

    Mode 0600 by default: a snapshot holds user data and public keys of the tenant.
    """
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def counts(snapshot: dict | None) -> dict:
    """Objects per top-level list: the diff and the result summary show these."""
    if not snapshot:
        return {}
    return {key: len(value) for key, value in snapshot.items() if isinstance(value, list)}
