# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Write a tenant's rendered files into its directory, losing nothing that is not ours.

The new tree is built in a sibling directory and swapped in with two renames, so a failure leaves
the previous tree complete. Files we did not write (a kustomization.yaml, a SealedSecret) are moved
into the new tree and reported, never overwritten or pruned. Nothing is written or removed through a
symbolic link, and only regular files are read or replaced.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import stat
import tempfile

from ansible_collections.ostokubevirt.migrate.plugins.module_utils._atomic_file import fsync_dir, fsync_dirs, write_new
from ansible_collections.ostokubevirt.migrate.plugins.module_utils._yaml import dump_documents, load_data
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.ownership import is_ours
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.layout import (
    MANIFESTS_DIR,
    SECRETS_DIR,
    plan_report,
    tenant_files,
)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import PROJECT_ID_LABEL
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.plan import PLAN_FORMAT
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import TenantTranslation

PLAN_FILE = "plan.json"
OWNED_DIRS = (MANIFESTS_DIR, SECRETS_DIR)
STAGE_MARK = ".ostokubevirt-stage-"
RETIRED_MARK = ".ostokubevirt-old-"
PRIVATE_DIR_MODE, PRIVATE_FILE_MODE = 0o700, 0o600
PUBLIC_DIR_MODE, PUBLIC_FILE_MODE = 0o755, 0o644
_PROJECT_LABEL_BYTES = PROJECT_ID_LABEL.encode()


class WriteRefused(Exception):
    """Something in the tenant directory that must not be written through or over; the message names it."""


@dataclasses.dataclass
class TreeScan:
    """What the tenant directory holds before a render (paths relative to it, "/"-separated)."""

    root: str
    exists: bool = False
    mode: int = PUBLIC_DIR_MODE
    ours: dict[str, bytes] = dataclasses.field(default_factory=dict)
    modes: dict[str, int] = dataclasses.field(default_factory=dict)
    # Files and other entries under manifests/ and secrets/ that we did not write: kept and reported.
    foreign: list[str] = dataclasses.field(default_factory=list)
    # Entries beside manifests/, secrets/ and plan.json: always kept, moved over whole.
    others: list[str] = dataclasses.field(default_factory=list)
    previous_plan: dict | None = None
    # The project-id labels our manifests there carry: ownership without plan.json.
    project_labels: set[str] = dataclasses.field(default_factory=set)


def render_texts(translation: TenantTranslation) -> dict[str, str]:
    """Relative path -> file content for everything render mode writes."""
    files = tenant_files(translation)
    texts = {path: dump_documents(objs) for path, objs in files}
    texts[PLAN_FILE] = json.dumps(plan_report(translation, files), indent=2, sort_keys=False) + "\n"
    return texts


def _is_private(relpath: str) -> bool:
    return relpath.split("/", 1)[0] == SECRETS_DIR


def _file_mode(relpath: str) -> int:
    return PRIVATE_FILE_MODE if _is_private(relpath) else PUBLIC_FILE_MODE


def _dir_mode(relpath: str) -> int:
    return PRIVATE_DIR_MODE if _is_private(relpath) else PUBLIC_DIR_MODE


def _read_regular(path: str) -> bytes:
    """A regular file's bytes; O_NOFOLLOW and O_NONBLOCK so a link or a FIFO swapped in meanwhile cannot trap us."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise WriteRefused(f"{path} is not a regular file")
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


def _written_by_us(content: bytes) -> bool:
    """Every document carries our managed-by label and provenance annotation (the test prune applies on a cluster)."""
    try:
        documents = [doc for doc in load_data(content.decode("utf-8"), source="", multi=True) if doc is not None]
    except (ValueError, UnicodeDecodeError):
        return False
    return bool(documents) and all(isinstance(doc, dict) and is_ours(doc) for doc in documents)


def _project_labels(content: bytes) -> set[str]:
    if _PROJECT_LABEL_BYTES not in content:
        return set()
    try:
        documents = load_data(content.decode("utf-8"), source="", multi=True)
    except (ValueError, UnicodeDecodeError):
        return set()
    return {
        str(doc["metadata"]["labels"][PROJECT_ID_LABEL])
        for doc in documents
        if isinstance(doc, dict) and is_ours(doc) and PROJECT_ID_LABEL in ((doc.get("metadata") or {}).get("labels") or {})
    }


def _load_plan(path: str, content: bytes) -> dict:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise WriteRefused(f"{path} is not a plan written by ostokubevirt (not UTF-8 text); move it away and render again") from None
    try:
        plan = json.loads(text)
    except ValueError:
        raise WriteRefused(f"{path} is not a plan written by ostokubevirt (not JSON); move it away and render again") from None
    if not isinstance(plan, dict) or plan.get("format") != PLAN_FORMAT:
        raise WriteRefused(f"{path} is not a plan written by ostokubevirt (no format {PLAN_FORMAT!r}); move it away")
    return plan


def _needed_dirs(texts: dict[str, str]) -> set[str]:
    dirs = set()
    for relpath in texts:
        parts = relpath.split("/")[:-1]
        dirs.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return dirs


def _walk(scan: TreeScan, relpath: str, wanted: set[str], wanted_dirs: set[str], candidates: dict[str, bytes]) -> None:
    """Record what is under relpath (a real directory), refusing links and special files where we must write."""
    with os.scandir(os.path.join(scan.root, relpath)) as entries:
        listing = sorted(entries, key=lambda entry: entry.name)
    if not listing and relpath not in wanted_dirs:
        scan.foreign.append(relpath)  # an empty directory of the user's moves over as it is
    for entry in listing:
        child = f"{relpath}/{entry.name}"
        if entry.is_symlink():
            if child in wanted:
                raise WriteRefused(
                    f"{entry.path} is a symbolic link (to {os.readlink(entry.path)}); render writes "
                    "there and never writes or deletes through a link: replace it with a directory"
                )
            scan.foreign.append(child)
        elif entry.is_dir(follow_symlinks=False):
            scan.modes[child] = stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode)
            _walk(scan, child, wanted, wanted_dirs, candidates)
        elif entry.is_file(follow_symlinks=False):
            if child in wanted_dirs:
                raise WriteRefused(f"{entry.path} is a file where render needs a directory")
            scan.modes[child] = stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode)
            candidates[child] = _read_regular(entry.path)
        elif child in wanted:
            raise WriteRefused(f"{entry.path} is not a regular file (a FIFO, socket or device); render writes only regular files: remove it")
        else:
            scan.foreign.append(child)


def scan_tree(root: str, texts: dict[str, str]) -> TreeScan:
    """Look at the tenant directory without following any link; refuse what render must not write through."""
    scan = TreeScan(root=root)
    if not os.path.lexists(root):
        return scan
    if os.path.islink(root):
        raise WriteRefused(
            f"{root} is a symbolic link (to {os.readlink(root)}); the tenant directory must be a real directory, render never writes through a link"
        )
    if not os.path.isdir(root):
        raise WriteRefused(f"{root} exists and is not a directory")
    scan.exists = True
    scan.mode = stat.S_IMODE(os.lstat(root).st_mode)
    wanted_dirs = _needed_dirs(texts) | set(OWNED_DIRS)
    wanted = set(texts) | wanted_dirs
    candidates: dict[str, bytes] = {}
    with os.scandir(root) as entries:
        listing = sorted(entries, key=lambda entry: entry.name)
    for entry in listing:
        name = entry.name
        if name not in OWNED_DIRS and name != PLAN_FILE:
            scan.others.append(name)
        elif entry.is_symlink():
            raise WriteRefused(
                f"{entry.path} is a symbolic link (to {os.readlink(entry.path)}); render never writes "
                "or deletes through a link: replace it with a real "
                f"{'file' if name == PLAN_FILE else 'directory'}"
            )
        elif name == PLAN_FILE:
            if not entry.is_file(follow_symlinks=False):
                raise WriteRefused(f"{entry.path} is not a regular file; remove it")
            content = _read_regular(entry.path)
            scan.previous_plan = _load_plan(entry.path, content)
            scan.ours[PLAN_FILE] = content
            scan.modes[PLAN_FILE] = stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode)
        elif not entry.is_dir(follow_symlinks=False):
            raise WriteRefused(f"{entry.path} is not a directory; render keeps its {name}/ there")
        else:
            scan.modes[name] = stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode)
            _walk(scan, name, wanted, wanted_dirs, candidates)
    recorded = (scan.previous_plan or {}).get("files")
    recorded = {str(path) for path in recorded} if isinstance(recorded, list) else set()
    for relpath, content in candidates.items():
        if relpath in recorded or (relpath.endswith((".yaml", ".yml")) and _written_by_us(content)):
            scan.ours[relpath] = content
            if relpath.startswith(f"{MANIFESTS_DIR}/"):
                scan.project_labels |= _project_labels(content)
        elif relpath in texts:
            raise WriteRefused(
                f"{os.path.join(root, relpath)} was not written by ostokubevirt (no record in plan.json, "
                "no ostokubevirt label); render would replace it: move it away"
            )
        else:
            scan.foreign.append(relpath)
    scan.foreign.sort()
    return scan


def _report(scan: TreeScan, texts: dict[str, str], prune: bool) -> dict[str, list[str]]:
    report: dict[str, list[str]] = {"created": [], "updated": [], "removed": [], "unchanged": [], "repaired": [], "kept": list(scan.foreign)}
    for relpath in sorted(texts):
        current = scan.ours.get(relpath)
        if current is None:
            report["created"].append(relpath)
        elif current != texts[relpath].encode("utf-8"):
            report["updated"].append(relpath)
        else:
            report["unchanged"].append(relpath)
            if _is_private(relpath) and scan.modes.get(relpath) != PRIVATE_FILE_MODE:
                report["repaired"].append(relpath)
    if scan.exists and SECRETS_DIR in scan.modes and scan.modes[SECRETS_DIR] != PRIVATE_DIR_MODE and any(_is_private(relpath) for relpath in texts):
        report["repaired"].insert(0, f"{SECRETS_DIR}/")
    stale = sorted(set(scan.ours) - set(texts))
    report["removed" if prune else "kept"].extend(stale)
    return report


def _makedirs(stage: str, relpath: str, modes: dict[str, int]) -> None:
    parts = relpath.split("/")
    for depth in range(1, len(parts) + 1):
        sub = "/".join(parts[:depth])
        path = os.path.join(stage, sub)
        if not os.path.isdir(path):
            os.mkdir(path)
            os.chmod(path, modes.get(sub, _dir_mode(sub)))


def _write_new(stage: str, path: str, text: str, mode: int) -> None:
    """One file of the staged tree (the shared writer fsyncs it); tests replace this to fail a single write."""
    write_new(path, text, mode)


def _remove_tree(path: str) -> None:
    """Remove a retired tree of ours; rmtree never follows links. A directory left read-only is made writable first."""

    def retry(function, failed, _exc_info):
        os.chmod(os.path.dirname(failed), PRIVATE_DIR_MODE)
        function(failed)

    shutil.rmtree(path, onerror=retry)


def _swap_in(scan: TreeScan, texts: dict[str, str], carried: list[str]) -> None:
    root = scan.root
    parent, name = os.path.split(os.path.normpath(root))
    os.makedirs(parent, exist_ok=True)
    stage = tempfile.mkdtemp(prefix=f".{name}{STAGE_MARK}", dir=parent)
    moved: list[tuple[str, str]] = []
    try:
        os.chmod(stage, scan.mode)
        for relpath in sorted(texts):
            directory = relpath.rpartition("/")[0]
            if directory:
                _makedirs(stage, directory, {})
            _write_new(stage, os.path.join(stage, relpath), texts[relpath], _file_mode(relpath))
        # The user's files move with the tree (renames keep links as links and special files as they are).
        for relpath in carried:
            directory = relpath.rpartition("/")[0]
            if directory:
                _makedirs(stage, directory, {**scan.modes, MANIFESTS_DIR: PUBLIC_DIR_MODE, SECRETS_DIR: PRIVATE_DIR_MODE})
            source, target = os.path.join(root, relpath), os.path.join(stage, relpath)
            os.rename(source, target)
            moved.append((target, source))
        # Durable before it is swapped in: after a crash the tenant directory holds the old tree or a complete new one.
        fsync_dirs(stage)
        if scan.exists:
            retired = tempfile.mkdtemp(prefix=f".{name}{RETIRED_MARK}", dir=parent)
            os.rename(root, retired)  # replaces the empty directory mkdtemp made
            try:
                os.rename(stage, root)
            except OSError:
                os.rename(retired, root)
                raise
            moved.clear()
            fsync_dir(parent)
            _remove_tree(retired)
        else:
            os.rename(stage, root)
            fsync_dir(parent)
    except BaseException:
        for target, source in reversed(moved):
            os.rename(target, source)
        if os.path.isdir(stage):
            _remove_tree(stage)
        raise


def sync_tree(root: str, texts: dict[str, str], *, prune: bool = True, check_mode: bool = False, scan: TreeScan | None = None) -> dict[str, list[str]]:
    """Make root hold exactly texts plus the files that are not ours; report what changed.

    The report lists created, updated, removed (our files no longer produced), unchanged, repaired (secrets whose
    mode was wider than 0700/0600) and kept (files there that we did not write). Raises WriteRefused or OSError.
    """
    scan = scan if scan is not None else scan_tree(root, texts)
    report = _report(scan, texts, prune)
    if check_mode or not (report["created"] or report["updated"] or report["removed"] or report["repaired"]):
        return report
    carried = scan.others + scan.foreign + ([] if prune else sorted(set(scan.ours) - set(texts)))
    _swap_in(scan, texts, carried)
    return report
