# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Render one tenant from a snapshot file to a directory: the body of the tenant_render module.

translate_snapshot() is the snapshot file -> translation step that apply mode (tenant_objects) shares.
"""

from __future__ import annotations

import os

from ansible_collections.ostokubevirt.migrate.plugins.module_utils._yaml import load_data
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.ownership import namespace_conflict
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.manifest_writer import (
    PLAN_FILE,
    TreeScan,
    WriteRefused,
    render_texts,
    scan_tree,
    sync_tree,
)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import OptionsError, TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.plan import blocked_servers, summary_lines
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.snapshot import SnapshotError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant

# The arguments of every module that translates a tenant (documented by the _tenant_source doc fragment).
TENANT_SOURCE_ARGS = {
    "snapshot": {"type": "path", "required": True},
    "tenant": {"type": "str"},
    "options": {"type": "dict", "default": {}},
}


class RenderError(Exception):
    """Anything that stops the whole render, phrased for the user."""


def translate_raw(raw, snapshot_path: str, tenant: str | None, options: TranslationOptions):
    """The TenantTranslation of a loaded snapshot; every user error is a RenderError naming its cause."""
    try:
        return translate_tenant(raw, tenant=tenant, options=options)
    except SnapshotError as exc:
        raise RenderError(f"{snapshot_path}: {exc}") from exc
    except OptionsError as exc:
        # Options that only the snapshot can check (a disk_method_by_server key naming no server).
        raise RenderError(f"invalid options: {exc}") from exc
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError, RecursionError) as exc:
        # Servers contain their own bad data (they are blocked); this is tenant-level data of a shape the
        # OpenStack API never returns. Python's text would name no field the user knows.
        raise RenderError(
            f"{snapshot_path}: a tenant-level list (security groups, ports, floating IPs, networks, "
            "subnets, volumes, role assignments or quotas) holds a value of a type the OpenStack API "
            "never returns; compare the snapshot with docs/snapshot-format.md"
        ) from exc


def load_snapshot(path: str):
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise RenderError(f"cannot read snapshot {path}: {exc.strerror}") from exc
    try:
        return load_data(text, source=path)
    except ValueError as exc:
        raise RenderError(str(exc)) from exc


def parse_options(raw_options: dict | None) -> TranslationOptions:
    try:
        return TranslationOptions.from_dict(raw_options)
    except (OptionsError, TypeError) as exc:
        raise RenderError(f"invalid options: {exc}") from exc


def translate_snapshot(snapshot_path: str, *, tenant: str | None, raw_options: dict | None):
    """The TenantTranslation of one snapshot file; every user error is a RenderError naming its cause."""
    options = parse_options(raw_options)
    return translate_raw(load_snapshot(snapshot_path), snapshot_path, tenant, options)


def _previous_owners(scan: TreeScan) -> list[str]:
    """The projects an earlier render left in the directory: its plan, and the project-id labels of its manifests."""
    tenant = (scan.previous_plan or {}).get("tenant")
    recorded = [str(tenant.get("project_id"))] if isinstance(tenant, dict) and tenant.get("project_id") else []
    return recorded + sorted(scan.project_labels)


def render_tenant(snapshot_path: str, *, tenant: str | None, output_dir: str, raw_options: dict | None, prune: bool = True, check_mode: bool = False) -> dict:
    if not output_dir or not str(output_dir).strip():
        # os.path.join("", ns) is relative: the tree would land wherever the run happens to start.
        raise RenderError("output_dir is empty; give the directory the tenant's files go to")
    options = parse_options(raw_options)
    translation = translate_raw(load_snapshot(snapshot_path), snapshot_path, tenant, options)
    tenant_dir = os.path.join(output_dir, translation.namespace)
    texts = render_texts(translation)
    try:
        scan = scan_tree(tenant_dir, texts)
        conflict = namespace_conflict(translation.namespace, str(translation.plan["tenant"]["project_id"]), _previous_owners(scan))
        if conflict:
            raise RenderError(f"{conflict} (its files are in {tenant_dir})")
        files = sync_tree(tenant_dir, texts, prune=prune, check_mode=check_mode, scan=scan)
    except WriteRefused as exc:
        raise RenderError(f"refusing to write the tenant's files: {exc}") from exc
    except OSError as exc:
        raise RenderError(f"cannot write to {tenant_dir}: {exc.strerror or exc}{f' ({exc.filename})' if exc.filename else ''}") from exc
    plan = translation.plan
    return {
        "namespace": translation.namespace,
        "tenant_dir": tenant_dir,
        "plan_path": os.path.join(tenant_dir, PLAN_FILE),
        "summary": plan["summary"],
        "summary_lines": summary_lines(plan, output_dir=tenant_dir),
        "blocked": blocked_servers(plan),
        "files": files,
    }
