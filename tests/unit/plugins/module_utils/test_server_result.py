# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The typed results translation hands to render and apply: they carry what the plan only reports."""

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.apply_input import apply_input
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.layout import tenant_files
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant


def _results(translation):
    return {result.vm_name: result for result in translation.vms}


def test_server_result_carries_its_objects_by_role(demo_snapshot):
    translation = translate_tenant(demo_snapshot)
    for result in translation.vms:
        assert result.virtualmachine["kind"] == "VirtualMachine"
        assert result.virtualmachine["metadata"]["name"] == result.vm_name
        assert {o["kind"] for o in result.datavolumes} <= {"DataVolume"}
        assert {o["kind"] for o in result.secrets} == {"Secret"}
        assert result.objects == result.datavolumes + result.secrets + [result.virtualmachine]
        # The plan row reports the same facts the result carries.
        row = result.plan
        assert (row["flavor"], row["flavor_id"], row["image"], row["image_id"]) == (
            result.flavor_name,
            result.flavor_id,
            result.image_name,
            result.image_id,
        )
        assert (row["key_name"], row["boot_from_volume"], row["source_status"]) == (result.key_name, result.boot_from_volume, result.source_status)


def test_root_disk_size_and_boot_source(demo_snapshot):
    results = _results(translate_tenant(demo_snapshot))
    for result in results.values():
        root_rows = [d for d in result.plan["disks"] if d.get("kind") == "root-disk"]
        assert result.root_disk_gib == sum(d["size_gib"] for d in root_rows)
        assert result.boot_from_volume == (not root_rows)
    assert results["db-01"].boot_from_volume and results["db-01"].root_disk_gib == 0
    assert results["web-01"].root_disk_gib > 0


def test_pod_port_is_the_port_behind_the_masquerade_interface(demo_snapshot):
    translation = translate_tenant(demo_snapshot)
    ports = {p["id"]: p for p in demo_snapshot["ports"]}
    with_pod = [r for r in translation.vms if r.pod_port is not None]
    assert with_pod
    for result in with_pod:
        (row,) = [row for row in result.plan["interfaces"] if row["target"].startswith("pod")]
        assert result.pod_port == ports[row["port_id"]]
        first = result.plan["interfaces"][0]
        assert (result.primary_port is result.pod_port) == (first["port_id"] == row["port_id"])


def test_static_addresses_have_no_pod_port(demo_snapshot):
    translation = translate_tenant(demo_snapshot, options=TranslationOptions(address_mode="static"))
    assert all(result.pod_port is None and result.primary_port is None for result in translation.vms)


def test_blocked_servers_carry_no_objects_and_are_not_in_the_groups(demo_snapshot):
    translation = translate_tenant(demo_snapshot)
    blocked = [row for row in translation.plan["servers"] if row["status"] == "blocked"]
    assert blocked
    assert not {row["vm_name"] for row in blocked} & set(_results(translation))


def test_the_plan_is_not_where_the_groups_come_from(demo_snapshot):
    translation = translate_tenant(demo_snapshot)
    before = list(translation.objects)
    translation.plan.clear()
    for result in translation.vms:
        result.plan.clear()
    assert [obj for _path, objs in tenant_files(translation) for obj in objs] and translation.objects == before
    assert {vm["name"] for vm in apply_input(translation)["vms"]} == set(_results(translation))
