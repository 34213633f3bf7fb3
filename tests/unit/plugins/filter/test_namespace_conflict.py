# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.filter.namespace_conflict import namespace_conflict

RENDERED = {"metadata": {"name": "a-b-c", "labels": {"ostokubevirt.io/project-id": "p2"}}}


def _live(labels):
    return {"metadata": {"name": "a-b-c", "labels": labels}}


def test_a_missing_namespace_or_our_own_is_no_conflict():
    assert namespace_conflict(None, RENDERED) == ""
    assert namespace_conflict({}, RENDERED) == ""
    assert namespace_conflict(_live({"ostokubevirt.io/project-id": "p2"}), RENDERED) == ""


def test_another_projects_namespace_is_named_as_render_names_it():
    message = namespace_conflict(_live({"ostokubevirt.io/project-id": "p1"}), RENDERED)
    assert message == (
        "namespace a-b-c already exists and belongs to project p1, so it is not project p2's; choose "
        "another name for this project with the translation option namespace"
    )


def test_a_namespace_made_by_somebody_else_is_refused():
    assert "a-b-c already exists and was not created by ostokubevirt" in namespace_conflict(_live(None), RENDERED)


def test_bad_input():
    with pytest.raises(AnsibleFilterError, match="live Namespace"):
        namespace_conflict("a-b-c", RENDERED)
    with pytest.raises(AnsibleFilterError, match="rendered must be"):
        namespace_conflict(_live({}), {})
