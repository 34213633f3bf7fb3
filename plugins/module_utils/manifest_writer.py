# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Write a tenant's rendered files: atomic, only when content changes, pruning what we no longer produce."""

from __future__ import annotations

import json
import os
import tempfile

from ansible_collections.ostokubevirt.migrate.plugins.module_utils._yaml import dump_documents
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.tenant import MANIFESTS_DIR, SECRETS_DIR, TenantTranslation

PLAN_FILE = "plan.json"
OWNED_DIRS = (MANIFESTS_DIR, SECRETS_DIR)
_PRIVATE_DIRS = (SECRETS_DIR,)


def render_texts(translation: TenantTranslation) -> dict[str, str]:
    """Relative path -> file content for everything render mode writes."""
    texts = {path: dump_documents(objs) for path, objs in translation.files}
    texts[PLAN_FILE] = json.dumps(translation.plan, indent=2, sort_keys=False) + "\n"
    return texts


def _is_private(relpath: str) -> bool:
    return relpath.split("/", 1)[0] in _PRIVATE_DIRS


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def _write_atomic(path: str, text: str, private: bool) -> None:
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700 if private else 0o755, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o600 if private else 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _existing_owned_files(root: str) -> set[str]:
    found = set()
    for owned in OWNED_DIRS:
        base = os.path.join(root, owned)
        for dirpath, _dirnames, filenames in os.walk(base):
            for filename in filenames:
                if filename.endswith((".yaml", ".yml")):
                    found.add(os.path.relpath(os.path.join(dirpath, filename), root).replace(os.sep, "/"))
    return found


def sync_tree(root: str, texts: dict[str, str], *, prune: bool = True, check_mode: bool = False) -> dict[str, list[str]]:
    """Make root hold exactly texts (within the directories we own); report what changed."""
    report: dict[str, list[str]] = {"created": [], "updated": [], "removed": [], "unchanged": []}
    for relpath in sorted(texts):
        path = os.path.join(root, relpath)
        current = _read(path)
        if current == texts[relpath]:
            report["unchanged"].append(relpath)
            continue
        report["created" if current is None else "updated"].append(relpath)
        if not check_mode:
            _write_atomic(path, texts[relpath], _is_private(relpath))
    if prune:
        for relpath in sorted(_existing_owned_files(root) - set(texts)):
            report["removed"].append(relpath)
            if not check_mode:
                os.unlink(os.path.join(root, relpath))
    return report
