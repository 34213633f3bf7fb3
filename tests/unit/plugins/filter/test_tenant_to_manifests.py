# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.filter.project_to_namespace import project_to_namespace
from ansible_collections.ostokubevirt.migrate.plugins.filter.tenant_to_manifests import tenant_to_manifests

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


def demo():
    with open(os.path.join(REPO, "examples", "snapshots", "demo.yaml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_tenant_to_manifests_returns_objects_files_and_plan():
    result = tenant_to_manifests(demo(), tenant="web-shop", options={"storage_map": {"default": "rbd"}})
    assert result["namespace"] == "acme-web-shop"
    assert result["objects"][0]["kind"] == "Namespace"
    assert sum(len(f["objects"]) for f in result["files"]) == len(result["objects"])
    assert result["plan"]["summary"]["blocked"] == 1


@pytest.mark.parametrize(
    "value, kwargs, fragment",
    [
        ("text", {}, "expected a snapshot dict"),
        ({"format": "x"}, {}, "format"),
        (None, {}, "expected a snapshot dict"),
    ],
)
def test_tenant_to_manifests_errors(value, kwargs, fragment):
    with pytest.raises(AnsibleFilterError, match=fragment):
        tenant_to_manifests(value, **kwargs)


def test_bad_options_are_filter_errors():
    with pytest.raises(AnsibleFilterError, match="unknown translation option"):
        tenant_to_manifests(demo(), options={"nope": 1})


def test_project_to_namespace():
    assert project_to_namespace({"name": "Web_Shop", "id": "x"}, "ACME") == "acme-web-shop"
    assert project_to_namespace({"name": "web"}, {"name": "Default"}) == "default-web"
    with pytest.raises(AnsibleFilterError):
        project_to_namespace({}, "d")
    with pytest.raises(AnsibleFilterError):
        project_to_namespace({"name": "p"}, "")
