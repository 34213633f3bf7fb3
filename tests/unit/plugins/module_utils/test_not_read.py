# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.job import RenderError, render_tenant
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import OptionsError, TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.plan import summary_lines
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.snapshot import SnapshotError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant

SG_403 = {"resource": "security_groups", "reason": "GET http://neutron/v2.0/security-groups: HTTP 403"}
PORTS_401 = {"resource": "ports", "reason": "GET http://neutron/v2.0/ports: HTTP 401"}
ROLES_403 = {"resource": "role_assignments", "reason": "GET http://keystone/v3/role_assignments: HTTP 403"}


def with_unreadable(snapshot, *entries):
    snapshot.setdefault("source", {})["unreadable"] = list(entries)
    snapshot["security_groups"] = []
    return snapshot


@pytest.mark.parametrize("entry", [SG_403, PORTS_401, "security_groups"])
def test_security_groups_not_read_refuse_translation(demo_snapshot, entry):
    with pytest.raises(SnapshotError) as raised:
        translate_tenant(with_unreadable(demo_snapshot, entry), tenant="web-shop")
    message = str(raised.value)
    assert "web-shop" in message and "not read" in message and "allow_unread_security_groups" in message
    assert "unrestricted" in message


def test_the_option_translates_with_a_loud_warning(demo_snapshot):
    options = TranslationOptions.from_dict({"allow_unread_security_groups": True})
    translation = translate_tenant(with_unreadable(demo_snapshot, SG_403), tenant="web-shop", options=options)
    from_groups = [
        o
        for o in translation.objects
        if o["kind"] == "NetworkPolicy" and o["metadata"]["annotations"].get("ostokubevirt.io/source-type") == "neutron.security_group"
    ]
    assert from_groups == []
    lines = summary_lines(translation.plan)
    loud = [line for line in lines if "source.unreadable: security_groups" in line]
    assert loud and "no NetworkPolicy restricts" in loud[0] and "HTTP 403" in loud[0]


def test_every_other_resource_not_read_is_a_summary_warning(demo_snapshot):
    demo_snapshot.setdefault("source", {})["unreadable"] = [ROLES_403, {"resource": "quotas.compute", "reason": "x"}]
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    lines = [line for line in summary_lines(translation.plan) if line.startswith("WARNING source.unreadable")]
    assert [line.split(":")[1].strip() for line in lines] == ["role_assignments", "quotas.compute"]
    assert translation.plan["summary"]["warnings"] >= 2


def test_a_complete_snapshot_has_no_not_read_warning(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    assert not [line for line in summary_lines(translation.plan) if "source.unreadable" in line]


def test_render_names_the_snapshot_file(demo_snapshot, tmp_path):
    import yaml

    path = tmp_path / "snap.yaml"
    path.write_text(yaml.safe_dump(with_unreadable(demo_snapshot, SG_403)))
    with pytest.raises(RenderError, match=f"{path}: the snapshot of project .*security_groups"):
        render_tenant(str(path), tenant="web-shop", output_dir=str(tmp_path / "out"), raw_options={})
    assert not (tmp_path / "out").exists()


def test_the_option_must_be_a_boolean():
    with pytest.raises(OptionsError, match="allow_unread_security_groups"):
        TranslationOptions.from_dict({"allow_unread_security_groups": "yes"})
