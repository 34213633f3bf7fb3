# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Render one tenant from a snapshot file to a directory: the body of the tenant_render module."""

from __future__ import annotations

import os

from ansible_collections.ostokubevirt.migrate.plugins.module_utils._yaml import load_data
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.manifest_writer import PLAN_FILE, render_texts, sync_tree
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.options import OptionsError, TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.plan import summary_lines
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.snapshot import SnapshotError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.tenant import translate_tenant


class RenderError(Exception):
    """Anything that stops the whole render, phrased for the user."""


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


def render_tenant(snapshot_path: str, *, tenant: str | None, output_dir: str, raw_options: dict | None,
                  prune: bool = True, check_mode: bool = False) -> dict:
    try:
        options = TranslationOptions.from_dict(raw_options)
    except (OptionsError, TypeError) as exc:
        raise RenderError(f"invalid options: {exc}") from exc
    raw = load_snapshot(snapshot_path)
    try:
        translation = translate_tenant(raw, tenant=tenant, options=options)
    except SnapshotError as exc:
        raise RenderError(f"{snapshot_path}: {exc}") from exc
    texts = render_texts(translation)
    tenant_dir = os.path.join(output_dir, translation.namespace)
    try:
        files = sync_tree(tenant_dir, texts, prune=prune, check_mode=check_mode)
    except OSError as exc:
        raise RenderError(f"cannot write to {tenant_dir}: {exc}") from exc
    plan = translation.plan
    blocked = [{"name": row["name"], "id": row["id"],
                "reasons": [f"{f['field']}: {f['message']}" for f in row["findings"] if f["severity"] == "blocker"]}
               for row in plan["servers"] if row["status"] == "blocked"]
    return {
        "namespace": translation.namespace,
        "tenant_dir": tenant_dir,
        "plan_path": os.path.join(tenant_dir, PLAN_FILE),
        "summary": plan["summary"],
        "summary_lines": summary_lines(plan, output_dir=tenant_dir),
        "blocked": blocked,
        "files": files,
    }
