# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every ``migration_*`` variable the documentation names is read by a playbook (or handed on by one, set_stats).

The playbooks map the user's ``migration_*`` extra vars to role-prefixed variables (playbooks/vars/); a variable
the docs name but no playbook reads is silently ignored, and the run does something else than the user asked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
# a whole name: not a prefix such as migration_tvo_* (the regex cannot end on the underscore before the star)
VARIABLE = re.compile(r"\bmigration_[a-z0-9_]*[a-z0-9]\b")
EXPRESSION = re.compile(r"{{(.*?)}}", re.S)
HANDED_ON = re.compile(r"^\s+(migration_\w+):", re.M)  # set_stats data for the next AWX workflow node


def _read_by_playbooks() -> set[str]:
    read: set[str] = set()
    for path in sorted((REPO / "playbooks").rglob("*.yml")):
        text = path.read_text(encoding="utf-8")
        if path.parent.name != "vars":  # the vars files' keys are role variables, not variables handed on
            read.update(HANDED_ON.findall(text))
        for expression in EXPRESSION.findall(text):
            read.update(VARIABLE.findall(expression))
    return read


def _documented() -> dict[str, list[str]]:
    named: dict[str, list[str]] = {}
    for path in DOCUMENTS:
        for name in set(VARIABLE.findall(path.read_text(encoding="utf-8"))):
            named.setdefault(name, []).append(path.relative_to(REPO).as_posix())
    return named


READ = _read_by_playbooks()
DOCUMENTED = _documented()


def test_the_documents_name_variables():
    assert len(DOCUMENTED) > 20  # the regex finds the names the docs use (guards against a regex gone wrong)


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_a_documented_variable_is_read_or_handed_on_by_a_playbook(name):
    assert name in READ, f"{name} (named in {', '.join(DOCUMENTED[name])}) is read by no playbook"
