# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Render one tenant from a snapshot file to a directory: the body of the tenant_render module.

translate_snapshot() is the snapshot file -> translation step that apply mode (tenant_objects) shares.
"""

from __future__ import annotations

import dataclasses
import json
import os

from ansible_collections.ostokubevirt.migrate.plugins.module_utils._yaml import load_data
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.findings import WARNING, Finding
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.manifest_writer import PLAN_FILE, render_texts, sync_tree
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.naming import with_hash_suffix
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.options import OptionsError, TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.plan import blocked_servers, summary_lines
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.snapshot import SnapshotError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.tenant import translate_tenant


# The arguments of every module that translates a tenant (documented by the _tenant_source doc fragment).
TENANT_SOURCE_ARGS = {
    "snapshot": {"type": "path", "required": True},
    "tenant": {"type": "str"},
    "options": {"type": "dict", "default": {}},
}


class RenderError(Exception):
    """Anything that stops the whole render, phrased for the user."""


def _translate(raw, snapshot_path: str, tenant: str | None, options: TranslationOptions):
    try:
        return translate_tenant(raw, tenant=tenant, options=options)
    except SnapshotError as exc:
        raise RenderError(f"{snapshot_path}: {exc}") from exc


def _rendered_project_id(tenant_dir: str) -> str | None:
    """The project an earlier render wrote to tenant_dir, if any (unreadable plans are overwritten)."""
    try:
        with open(os.path.join(tenant_dir, PLAN_FILE), encoding="utf-8") as handle:
            return str(json.load(handle)["tenant"]["project_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


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
    return _translate(load_snapshot(snapshot_path), snapshot_path, tenant, options)


def render_tenant(snapshot_path: str, *, tenant: str | None, output_dir: str, raw_options: dict | None,
                  prune: bool = True, check_mode: bool = False) -> dict:
    options = parse_options(raw_options)
    raw = load_snapshot(snapshot_path)
    translation = _translate(raw, snapshot_path, tenant, options)
    tenant_dir = os.path.join(output_dir, translation.namespace)
    owner = _rendered_project_id(tenant_dir)
    project = translation.plan["tenant"]
    if owner and owner != project["project_id"]:
        # Two tenants whose names clean to the same label ("a-b"/"c" and "a"/"b-c"): the first one
        # rendered keeps the plain name, this one gets a stable hash of its identity.
        if options.namespace:
            raise RenderError(f"namespace {options.namespace!r} (option namespace) already holds project {owner} in "
                              f"{tenant_dir}; choose another namespace for project {project['project_id']}")
        taken = translation.namespace
        suffixed = with_hash_suffix(taken, f"{project['domain']}/{project['project']}/{project['project_id']}")
        translation = _translate(raw, snapshot_path, tenant, dataclasses.replace(options, namespace=suffixed))
        translation.plan["tenant_findings"].append(Finding(
            severity=WARNING, subject_kind="project", subject=f"{project['project']} ({project['project_id']})",
            field="name", message=f"namespace {taken!r} already belongs to project {owner}; this project uses "
                                  f"{suffixed!r} (set option namespace to choose another name)").as_dict())
        translation.plan["summary"]["warnings"] += 1
        tenant_dir = os.path.join(output_dir, translation.namespace)
    texts = render_texts(translation)
    try:
        files = sync_tree(tenant_dir, texts, prune=prune, check_mode=check_mode)
    except OSError as exc:
        raise RenderError(f"cannot write to {tenant_dir}: {exc}") from exc
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
