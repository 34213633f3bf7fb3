# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Hostile snapshots (issue 10): every wrong field becomes a finding naming it, and one bad server blocks only itself."""

from __future__ import annotations

import base64
import copy

import pytest
import yaml

from ansible_collections.ostokubevirt.migrate.plugins.module_utils._yaml import load_data, parse_error
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import BLOCKER, WARNING
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.snapshot import SnapshotError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.snapshot_checks import (
    ANNOTATIONS_MAX_BYTES,
    USER_DATA_MAX_BYTES,
)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant

PYTHON_WORDS = ("Error", "unhashable", "object has no attribute", "Traceback", "NoneType")


def _second_server(snapshot, name="app-02", server_id="33333333-3333-4333-8333-333333333333"):
    twin = copy.deepcopy(snapshot["servers"][0])
    twin.update(name=name, id=server_id)
    snapshot["servers"].append(twin)
    return twin


def _row(translation, name):
    return next(row for row in translation.plan["servers"] if row["name"] == name)


def _findings(row, severity=None):
    return [f for f in row["findings"] if severity is None or f["severity"] == severity]


def _assert_no_python_text(translation):
    for row in translation.plan["servers"]:
        for finding in row["findings"]:
            assert not any(word in finding["message"] for word in PYTHON_WORDS), finding
    for finding in translation.plan["tenant_findings"]:
        assert not any(word in finding["message"] for word in PYTHON_WORDS), finding


# Defect 5
def test_duplicate_server_ids_are_an_error_naming_both_servers(minimal_snapshot):
    _second_server(minimal_snapshot, server_id=minimal_snapshot["servers"][0]["id"])
    with pytest.raises(SnapshotError, match=r"servers\[\]\.id: servers 'app-01' and 'app-02' share the id"):
        translate_tenant(minimal_snapshot)


def test_a_server_without_id_is_an_error_naming_its_position(minimal_snapshot):
    del _second_server(minimal_snapshot)["id"]
    with pytest.raises(SnapshotError, match=r"servers\[1\]\.id: server app-02 has no usable id"):
        translate_tenant(minimal_snapshot)


# Defect 6
def test_yaml_aliases_are_refused():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b]\n"
    with pytest.raises(ValueError, match=r"snap\.yaml: the node anchored at line 1 is repeated through a YAML alias"):
        load_data(bomb, source="snap.yaml")
    assert load_data("a: &anchor-only 1\n", source="x") == {"a": 1}


def test_annotations_over_the_kubernetes_limit_block_the_server_naming_the_field(minimal_snapshot):
    _second_server(minimal_snapshot)
    minimal_snapshot["servers"][0]["tags"] = [f"tag-{i:06d}-" + "x" * 90 for i in range(ANNOTATIONS_MAX_BYTES // 90)]
    translation = translate_tenant(minimal_snapshot)
    blockers = _findings(_row(translation, "app-01"), BLOCKER)
    assert blockers[0]["field"] == "tags" and f"limit of {ANNOTATIONS_MAX_BYTES} bytes" in blockers[0]["message"]
    assert _row(translation, "app-02")["status"] != "blocked"


def test_tenant_level_annotations_over_the_limit_are_an_error_naming_the_object(minimal_snapshot):
    minimal_snapshot["project"]["description"] = "d" * (ANNOTATIONS_MAX_BYTES + 1)
    with pytest.raises(SnapshotError, match=r"Namespace example-demo-min: its annotations would be \d+ bytes"):
        translate_tenant(minimal_snapshot)


# Defect 7
@pytest.mark.parametrize("kind", ["keypairs", "flavors"])
def test_a_list_as_keypair_or_flavor_name_is_a_finding(minimal_snapshot, kind):
    minimal_snapshot[kind] = [{"id": "k1", "name": ["a", "b"], "public_key": "ssh-ed25519 AAAA", "vcpus": 1, "ram": 1}]
    translation = translate_tenant(minimal_snapshot)
    finding = next(f for f in translation.plan["tenant_findings"] if f["field"] == f"{kind}[0].name")
    assert "expected a string, got list" in finding["message"]
    _assert_no_python_text(translation)


def test_addresses_as_a_string_is_a_finding_naming_addresses(minimal_snapshot):
    minimal_snapshot["servers"][0]["addresses"] = "x"
    translation = translate_tenant(minimal_snapshot)
    row = _row(translation, "app-01")
    assert row["status"] == "warning"
    assert any(f["field"] == "addresses" and "expected a mapping" in f["message"] for f in _findings(row))
    _assert_no_python_text(translation)


# Defect 8
def test_a_server_without_ports_or_addresses_is_not_ready(minimal_snapshot):
    minimal_snapshot["ports"] = []
    minimal_snapshot["servers"][0]["addresses"] = {}
    row = _row(translate_tenant(minimal_snapshot), "app-01")
    assert row["status"] == "warning" and row["interfaces"] == []
    assert any(f["field"] == "addresses" and "no Neutron port and no address" in f["message"] for f in _findings(row))


# Defect 9
def test_a_null_flavor_disk_uses_the_listed_flavor_not_the_image(minimal_snapshot):
    server = minimal_snapshot["servers"][0]
    server["flavor"]["disk"] = None
    minimal_snapshot["images"][0].update(min_disk=10)
    minimal_snapshot["flavors"] = [{"id": "f1", "name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 40}]
    translation = translate_tenant(minimal_snapshot)
    row = _row(translation, "app-01")
    assert next(d for d in row["disks"] if d["kind"] == "root-disk")["size_gib"] == 40
    assert any(f["field"] == "flavor.disk" and f["severity"] == WARNING for f in row["findings"])


def test_a_null_flavor_disk_without_a_listed_flavor_blocks(minimal_snapshot):
    minimal_snapshot["servers"][0]["flavor"]["disk"] = None
    row = _row(translate_tenant(minimal_snapshot), "app-01")
    assert row["status"] == "blocked" and _findings(row, BLOCKER)[0]["field"] == "flavor.disk"


def test_absurd_vcpus_block_the_server(minimal_snapshot):
    minimal_snapshot["servers"][0]["flavor"]["vcpus"] = 1_000_000_000
    row = _row(translate_tenant(minimal_snapshot), "app-01")
    assert row["status"] == "blocked"
    blocker = _findings(row, BLOCKER)[0]
    assert blocker["field"] == "flavor.vcpus" and "1000000000 vCPUs" in blocker["message"] and "1024" in blocker["message"]


@pytest.mark.parametrize("field, value", [("metadata", ["a", "b"]), ("tags", "web"), ("key_name", ["k"]), ("security_groups", 7)])
def test_wrongly_typed_optional_fields_are_dropped_with_a_finding(minimal_snapshot, field, value):
    minimal_snapshot["servers"][0][field] = value
    translation = translate_tenant(minimal_snapshot)
    row = _row(translation, "app-01")
    assert row["status"] == "warning"
    assert any(f["field"] == field and "expected" in f["message"] for f in _findings(row, WARNING))
    _assert_no_python_text(translation)


def test_metadata_entries_that_are_not_strings_are_dropped_with_a_finding(minimal_snapshot):
    minimal_snapshot["servers"][0]["metadata"] = {"ok": "1", 2: 3, "nested": {"a": 1}}
    translation = translate_tenant(minimal_snapshot)
    row = _row(translation, "app-01")
    assert [f["field"] for f in _findings(row, WARNING) if f["field"].startswith("metadata")] == ["metadata.nested"]
    vm = next(o for o in translation.objects if o["kind"] == "VirtualMachine")
    assert vm["metadata"]["annotations"]["ostokubevirt.io/nova-metadata"] == '{"2": "3", "ok": "1"}'


@pytest.mark.parametrize(
    "field, value", [("name", ["a"]), ("image", 5), ("os-extended-volumes:volumes_attached", "v"), ("os-extended-volumes:volumes_attached", [None])]
)
def test_wrongly_typed_essential_fields_block_only_that_server(minimal_snapshot, field, value):
    _second_server(minimal_snapshot)
    minimal_snapshot["servers"][0][field] = value
    translation = translate_tenant(minimal_snapshot)
    blocked = [row for row in translation.plan["servers"] if row["status"] == "blocked"]
    assert len(blocked) == 1 and _findings(blocked[0], BLOCKER)[0]["field"].startswith(field)
    assert _row(translation, "app-02")["status"] != "blocked"
    _assert_no_python_text(translation)


# Defect 10
def test_user_data_over_novas_limit_blocks_the_server_naming_size_and_limit(minimal_snapshot):
    huge = base64.b64encode(b"#!/bin/sh\n" + b"x" * 60000).decode()
    _second_server(minimal_snapshot)
    minimal_snapshot["servers"][0]["OS-EXT-SRV-ATTR:user_data"] = huge
    translation = translate_tenant(minimal_snapshot)
    blocker = _findings(_row(translation, "app-01"), BLOCKER)[0]
    assert blocker["field"] == "OS-EXT-SRV-ATTR:user_data"
    assert f"{len(huge)} bytes" in blocker["message"] and f"at most {USER_DATA_MAX_BYTES} bytes" in blocker["message"]
    assert not any(o["kind"] == "Secret" and "app-01" in o["metadata"]["name"] for o in translation.objects)
    assert _row(translation, "app-02")["status"] != "blocked"


def test_user_data_at_novas_limit_is_accepted(minimal_snapshot):
    data = "A" * (USER_DATA_MAX_BYTES - USER_DATA_MAX_BYTES % 4)
    minimal_snapshot["servers"][0]["OS-EXT-SRV-ATTR:user_data"] = data
    assert _row(translate_tenant(minimal_snapshot), "app-01")["status"] != "blocked"


def test_a_non_mapping_source_is_a_finding(minimal_snapshot):
    minimal_snapshot["source"] = ["x"]
    translation = translate_tenant(minimal_snapshot)
    assert any(f["field"] == "source" for f in translation.plan["tenant_findings"])


BROKEN_WITH_USER_DATA = 'servers:\n- name: web\n  user_data: "cGFzc3dvcmQ9aHVudGVyMg==\n  status: ACTIVE\n  x: [1\n'


def test_a_parse_error_says_where_without_quoting_the_text():
    with pytest.raises(ValueError) as raised:
        load_data(BROKEN_WITH_USER_DATA, source="snap.yaml")
    message = str(raised.value)
    assert message.startswith("snap.yaml: not valid YAML or JSON: while scanning a quoted scalar at line 3, column 14")
    assert "cGFzc3dvcmQ9aHVudGVyMg" not in message
    # the pure-Python parser (no libyaml) quotes the line in its own message: that quote must not come through
    with pytest.raises(yaml.YAMLError) as pure:
        yaml.load(BROKEN_WITH_USER_DATA, Loader=yaml.SafeLoader)
    assert "cGFzc3dvcmQ9aHVudGVyMg" in str(pure.value)
    assert "cGFzc3dvcmQ9aHVudGVyMg" not in parse_error(pure.value) and "line 3, column 14" in parse_error(pure.value)
