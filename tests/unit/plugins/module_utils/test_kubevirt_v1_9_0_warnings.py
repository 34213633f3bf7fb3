# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Warnings and prerequisites as they hold for KubeVirt v1.9.0 (and CDI of the same release train).

Each test names the behaviour of that version it describes; when a later KubeVirt changes it,
the test says which statement to revisit.
"""

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import flavor as fl
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import image_props as ip
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import FindingCollector
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.network import server_networking
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant


def image(props, specs=None):
    s = FindingCollector("server", "vm1 (id1)")
    return ip.translate_image(props, specs or {}, collector=s), s


def messages(s):
    return " | ".join(f.message for f in s.findings)


def row_of(translation, name):
    return next(r for r in translation.plan["servers"] if r["name"] == name)


def test_v1_9_0_video_config_is_ga_so_devices_video_needs_no_feature_gate():
    out, s = image({"hw_video_model": "virtio"})
    assert out.devices["video"] == {"type": "virtio"}
    assert s.findings == []


def test_v1_9_0_numa_is_ga_so_no_feature_gate_is_mentioned():
    s = FindingCollector("server", "vm1 (id1)")
    out = fl.translate_flavor(
        {"vcpus": 4, "ram": 4096, "extra_specs": {"hw:cpu_policy": "dedicated", "hw:mem_page_size": "1GB", "hw:numa_nodes": "1"}}, {}, collector=s
    )
    assert out.cpu["numa"] == {"guestMappingPassthrough": {}}
    assert "feature gate" not in messages(s)


def test_v1_9_0_persistent_tpm_is_always_crb():
    _out, s = image({"hw_tpm_version": "2.0", "hw_tpm_model": "tpm-crb"})
    assert "hw_tpm_model" not in " ".join(f.field for f in s.findings)  # exactly what the guest had
    for props in ({"hw_tpm_version": "2.0", "hw_tpm_model": "tpm-tis"}, {"hw_tpm_version": "2.0"}):
        _out, s = image(props)
        tis = [f for f in s.findings if "tpm-crb" in f.message]
        assert tis and "tpm-tis" in tis[0].message  # Nova's default model is TIS; the guest now sees CRB


def test_v1_9_0_backend_storage_falls_back_to_the_default_virt_class():
    _out, s = image({"hw_tpm_version": "2.0", "hw_firmware_type": "uefi"})
    text = messages(s)
    assert "storageclass.kubevirt.io/is-default-virt-class" in text and "vmStateStorageClass" in text
    assert "ReadWriteOnce" in text  # an RWO state volume still migrates
    assert "needs vmStateStorageClass" not in text


def test_v1_9_0_cdi_prefers_the_default_virt_class_for_unmapped_volume_types(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    unmapped = [f for f in translation.plan["tenant_findings"] if f["field"] == "storage_map"]
    assert unmapped
    assert all("storageclass.kubevirt.io/is-default-virt-class" in f["message"] for f in unmapped)


def test_v1_9_0_sriov_interfaces_migrate_but_the_nic_drops():
    server = {"id": "s1", "addresses": {}}
    ports = [
        {"id": "p1", "network_id": "n1", "mac_address": "fa:16:3e:00:00:01", "fixed_ips": []},
        {"id": "p2", "network_id": "n2", "mac_address": "fa:16:3e:00:00:02", "fixed_ips": [], "binding:vnic_type": "direct"},
    ]
    s = FindingCollector("server", "vm1 (id1)")
    server_networking(
        server, ports, networks_by_id={}, namespace="ns", nic_model="virtio", options=TranslationOptions(network_map={"n2": "infra/sriov"}), collector=s
    )
    sriov = [f.message for f in s.findings if f.field.endswith("binding:vnic_type")]
    assert sriov and "prevents live migration" not in sriov[0]
    assert "unplugged" in sriov[0] and "free VF" in sriov[0]


def test_v1_9_0_dedicated_cpus_need_the_cpumanager_label(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    prerequisites = " ".join(row_of(translation, "nfv-fw-01")["prerequisites"])
    assert "kubevirt.io/cpumanager=true" in prerequisites and "CPUManager" in prerequisites
    assert "static" in prerequisites
    assert not any("cpumanager" in p for p in row_of(translation, "web-01")["prerequisites"])
    assert any("cpumanager" in line for line in translation.plan["summary"]["prerequisites"])
