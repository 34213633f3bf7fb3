# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Durable, all-or-nothing file writes: the one primitive the snapshot file and the rendered tree share.

A rename is atomic, but not durable by itself: after a crash the directory may still name the old
file, or the new name may point at a file whose data never reached the disk (an empty snapshot).
So the data is fsynced before the rename, and the directory that holds the new name after it.
Private (leading underscore): not public API of the collection.
"""

from __future__ import annotations

import os
import tempfile


def fsync_dir(path: str) -> None:
    """Make the entries of directory ``path`` (names created, renamed or removed there) durable."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dirs(root: str) -> None:
    """``fsync_dir`` for ``root`` and every directory below it, deepest first; links are not followed."""
    for directory, _dirs, _files in os.walk(root, topdown=False):
        fsync_dir(directory)


def _write_fd(fd: int, text: str, mode: int) -> None:
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        # the mode first: a secret must never be readable more widely, not even while it is written
        os.fchmod(handle.fileno(), mode)
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def write_new(path: str, text: str, mode: int) -> None:
    """Create ``path`` with ``text``, durably; fails if anything (a file, a link) is already there."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
    _write_fd(fd, text, mode)


def replace(source: str, target: str) -> None:
    """Rename ``source`` over ``target`` and make the new name durable."""
    os.replace(source, target)
    fsync_dir(os.path.dirname(os.path.abspath(target)))


def write_atomic(path: str, text: str, mode: int = 0o600) -> None:
    """Readers see the old or the new ``path``, never half a file; after return the new one survives a crash.

    A temporary file in the same directory (a rename across file systems is not atomic) is written,
    fsynced and renamed over ``path``. Mode 0600 by default: most of what we write holds secrets.
    """
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        _write_fd(fd, text, mode)
        replace(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
