# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Live migration as KubeVirt v1.9.0 decides it (pkg/virt-handler/vm.go calculateLiveMigrationCondition)."""

from __future__ import annotations

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import migratability as m
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import OptionsError, TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant


def vm_of(translation, name):
    return next(o for o in translation.objects if o["kind"] == "VirtualMachine" and o["metadata"]["annotations"]["ostokubevirt.io/source-name"] == name)


def row_of(translation, name):
    return next(r for r in translation.plan["servers"] if r["name"] == name)


def _vm(interfaces=None, networks=None, volumes=None, features=None, devices=None, annotations=None):
    domain = {"devices": {"interfaces": interfaces or [], **(devices or {})}}
    if features:
        domain["features"] = features
    return {
        "metadata": {"annotations": annotations or {}},
        "spec": {"template": {"spec": {"domain": domain, "networks": networks or [], "volumes": volumes or []}}},
    }


def reasons(blockers):
    return [b.reason for b in blockers]


def test_rwx_masquerade_vm_is_migratable():
    vm = _vm(
        interfaces=[{"name": "default", "masquerade": {}}],
        networks=[{"name": "default", "pod": {}}],
        volumes=[{"name": "root", "dataVolume": {"name": "dv"}}, {"name": "eph", "emptyDisk": {"capacity": "1Gi"}}],
    )
    assert m.live_migration_blockers(vm, claim_access_modes={"dv": ["ReadWriteMany"]}, cluster_tsc_frequency=False) == []


def test_rwo_claim_blocks_with_disks_reason():
    vm = _vm(volumes=[{"name": "root", "dataVolume": {"name": "dv"}}])
    blockers = m.live_migration_blockers(vm, claim_access_modes={"dv": ["ReadWriteOnce"]}, cluster_tsc_frequency=False)
    assert reasons(blockers) == [m.DISKS_NOT_MIGRATABLE] and "dv" in blockers[0].message


def test_unknown_claim_counts_as_not_shared():
    vm = _vm(volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "elsewhere"}}])
    assert reasons(m.live_migration_blockers(vm, claim_access_modes={}, cluster_tsc_frequency=False)) == [m.DISKS_NOT_MIGRATABLE]


def test_bridge_on_pod_network_blocks_unless_annotated():
    kwargs = {"interfaces": [{"name": "default", "bridge": {}}], "networks": [{"name": "default", "pod": {}}]}
    assert reasons(m.live_migration_blockers(_vm(**kwargs), claim_access_modes={}, cluster_tsc_frequency=False)) == [m.INTERFACE_NOT_MIGRATABLE]
    annotated = _vm(**kwargs, annotations={m.POD_BRIDGE_MIGRATION_ANNOTATION: "true"})
    assert m.live_migration_blockers(annotated, claim_access_modes={}, cluster_tsc_frequency=False) == []


def test_bridge_and_sriov_on_multus_networks_migrate():
    # KubeVirt v1.9.0: SRIOVLiveMigration is GA; only the pod network's binding is checked.
    vm = _vm(
        interfaces=[{"name": "a", "bridge": {}}, {"name": "b", "sriov": {}}],
        networks=[{"name": "a", "multus": {"networkName": "x"}}, {"name": "b", "multus": {"networkName": "y"}}],
    )
    assert m.live_migration_blockers(vm, claim_access_modes={}, cluster_tsc_frequency=False) == []


def test_host_devices_and_gpus_block():
    for key in ("hostDevices", "gpus"):
        vm = _vm(devices={key: [{"name": "d", "deviceName": "x"}]})
        assert reasons(m.live_migration_blockers(vm, claim_access_modes={}, cluster_tsc_frequency=False)) == [m.HOST_DEVICE_NOT_MIGRATABLE]


def test_reenlightenment_needs_a_cluster_tsc_frequency():
    vm = _vm(features={"hyperv": {"reenlightenment": {}}})
    assert reasons(m.live_migration_blockers(vm, claim_access_modes={}, cluster_tsc_frequency=False)) == [m.NO_TSC_FREQUENCY]
    assert m.live_migration_blockers(vm, claim_access_modes={}, cluster_tsc_frequency=True) == []
    disabled = _vm(features={"hyperv": {"reenlightenment": {"enabled": False}}})
    assert m.live_migration_blockers(disabled, claim_access_modes={}, cluster_tsc_frequency=False) == []


@pytest.mark.parametrize(
    "choice, blocked, expected",
    [
        ("auto", False, "LiveMigrate"),
        ("auto", True, "LiveMigrateIfPossible"),
        ("cluster", False, None),
        ("None", False, "None"),
        ("LiveMigrate", True, "LiveMigrate"),
    ],
)
def test_eviction_strategy_choice(choice, blocked, expected):
    blockers = [m.Blocker(m.DISKS_NOT_MIGRATABLE, "x")] if blocked else []
    assert m.eviction_strategy(choice, blockers) == expected


def test_eviction_strategy_option_is_validated():
    with pytest.raises(OptionsError, match="eviction_strategy"):
        TranslationOptions(eviction_strategy="Migrate")
    with pytest.raises(OptionsError, match="cluster_tsc_frequency"):
        TranslationOptions(cluster_tsc_frequency="yes")


def test_demo_vms_live_migrate_on_drain(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    for row in translation.plan["servers"]:
        if row["status"] == "blocked":
            assert "live_migratable" not in row
            continue
        spec = vm_of(translation, row["name"])["spec"]["template"]["spec"]
        assert row["live_migratable"] in ("yes", "no")
        certain = row["live_migratable"] == "yes" and not row.get("live_migration_caveats")
        assert spec["evictionStrategy"] == ("LiveMigrate" if certain else "LiveMigrateIfPossible")
        assert row["eviction_strategy"] == spec["evictionStrategy"]
    assert row_of(translation, "web-01")["live_migratable"] == "yes"
    nfv = row_of(translation, "nfv-fw-01")
    assert nfv["live_migratable"] == "yes"  # SR-IOV migrates in v1.9.0
    # dedicated CPUs need a cpumanager target with free CPUs: a drain must not wait for one forever
    assert any("cpumanager" in caveat for caveat in nfv["live_migration_caveats"])
    assert vm_of(translation, "nfv-fw-01")["spec"]["template"]["spec"]["evictionStrategy"] == "LiveMigrateIfPossible"


def test_windows_reenlightenment_is_reported_unless_cluster_exposes_tsc(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    row = row_of(translation, "win-erp-01")
    assert row["live_migratable"] == "no"
    assert [b["reason"] for b in row["live_migration_blockers"]] == [m.NO_TSC_FREQUENCY]
    assert any("re-enlightenment" in f["message"] and "v1.9.0" in f["message"] for f in row["findings"])
    features = vm_of(translation, "win-erp-01")["spec"]["template"]["spec"]["domain"]["features"]
    assert "reenlightenment" in features["hyperv"]  # kept: the guest's timers rely on it

    exposed = translate_tenant(demo_snapshot, tenant="web-shop", options=TranslationOptions(cluster_tsc_frequency=True))
    row = row_of(exposed, "win-erp-01")
    assert row["live_migratable"] == "yes"
    assert not any("re-enlightenment" in f["message"] for f in row["findings"])


def test_rwo_disks_make_every_vm_not_migratable(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop", options=TranslationOptions(disk_access_mode="ReadWriteOnce"))
    row = row_of(translation, "web-01")
    assert row["live_migratable"] == "no"
    assert {b["reason"] for b in row["live_migration_blockers"]} == {m.DISKS_NOT_MIGRATABLE}
    assert vm_of(translation, "web-01")["spec"]["template"]["spec"]["evictionStrategy"] == "LiveMigrateIfPossible"


def test_cluster_option_leaves_eviction_strategy_out(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop", options=TranslationOptions(eviction_strategy="cluster"))
    vms = [o for o in translation.objects if o["kind"] == "VirtualMachine"]
    assert vms and not any("evictionStrategy" in vm["spec"]["template"]["spec"] for vm in vms)
    assert row_of(translation, "web-01")["eviction_strategy"] == "cluster default"
