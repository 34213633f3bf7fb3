# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import vm_domain as dm
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import FindingCollector, TranslationError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(FIXTURES.glob("domain_*.yml"))
REPO_ROOT = Path(__file__).resolve().parents[4]
VALIDATOR = REPO_ROOT.parent / "shared" / "tools" / "validate_manifests.py"


def build(flavor, image_props=None, **options):
    return dm.build_domain(flavor, image_props, collector=FindingCollector("server", "vm1 (id1)"), options=TranslationOptions(**options))


def load(path):
    return yaml.safe_load(path.read_text())


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_fixture(path):
    case = load(path)
    result = build(case["flavor"], case["image_props"])
    expected = case["expected"]
    for key, value in expected["domain"].items():
        assert result.domain[key] == value, key
    assert result.node_selector == expected["node_selector"]
    assert result.disk_bus == expected["disk_bus"]
    assert result.nic_model == expected["nic_model"]
    assert result.os_windows is expected["os_windows"]
    assert sorted({f.field for f in result.findings}) == sorted(expected["warning_fields"])
    assert all(f.severity == "warning" for f in result.findings)


def test_findings_only_cover_this_call():
    subject = FindingCollector("server", "vm1 (id1)")
    subject.warn("networks", "from another translation")
    result = dm.build_domain({"vcpus": 1, "ram": 512, "extra_specs": {"x": "y"}}, {}, collector=subject, options=TranslationOptions())
    assert [f.field for f in result.findings] == ["flavor.extra_specs.x"]
    assert len(subject.findings) == 2


def test_domain_never_contains_disks_interfaces_or_uuid():
    case = load(FIXTURES / "domain_windows_uefi_dedicated.yml")
    result = build(case["flavor"], case["image_props"])
    assert "disks" not in result.domain["devices"] and "interfaces" not in result.domain["devices"]
    assert "uuid" not in result.domain.get("firmware", {})


@pytest.mark.parametrize(
    "flavor,image,field",
    [
        ("nope", {}, "flavor"),
        ({"vcpus": 1, "ram": 512}, ["x"], "image"),
        ({"vcpus": 1, "ram": 512, "extra_specs": "a=b"}, {}, "flavor.extra_specs"),
        ({"vcpus": 4, "ram": 512, "extra_specs": {"hw:cpu_max_sockets": "1"}}, {"hw_cpu_sockets": "2"}, "image.hw_cpu_sockets"),
    ],
)
def test_blockers_name_server_and_field(flavor, image, field):
    with pytest.raises(TranslationError) as exc:
        build(flavor, image)
    assert exc.value.finding.field == field
    assert exc.value.finding.subject == "vm1 (id1)"
    assert exc.value.finding.severity == "blocker"


def test_node_selector_map_option_is_used():
    result = build(
        {"vcpus": 1, "ram": 512, "extra_specs": {"trait:CUSTOM_GPU": "required"}}, {}, node_selector_map={"trait:CUSTOM_GPU=required": {"gpu": "true"}}
    )
    assert result.node_selector == {"gpu": "true"}
    assert result.findings == []


def test_image_architecture_overrides_conflicting_flavor_label():
    result = build({"vcpus": 1, "ram": 512, "extra_specs": {"aggregate_instance_extra_specs:kubernetes.io/arch": "amd64"}}, {"hw_architecture": "aarch64"})
    assert result.node_selector == {"kubernetes.io/arch": "arm64"}
    assert any("conflicts" in f.message for f in result.findings)


def _vm(domain_spec: dm.DomainSpec) -> dict:
    domain = json.loads(json.dumps(domain_spec.domain))
    domain["devices"]["disks"] = [{"name": "root", "disk": {"bus": domain_spec.disk_bus}}]
    domain["devices"]["interfaces"] = [{"name": "default", "masquerade": {}, "model": domain_spec.nic_model}]
    template_spec = {
        "domain": domain,
        "networks": [{"name": "default", "pod": {}}],
        "volumes": [{"name": "root", "persistentVolumeClaim": {"claimName": "root"}}],
    }
    if domain_spec.node_selector:
        template_spec["nodeSelector"] = domain_spec.node_selector
    return {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachine",
        "metadata": {"name": "vm1", "namespace": "ns"},
        "spec": {"runStrategy": "Halted", "template": {"spec": template_spec}},
    }


@pytest.mark.skipif(not VALIDATOR.exists(), reason="../shared (schemas and validator) not present")
def test_domains_validate_against_kubevirt_schema(tmp_path):
    domains = [build(**{k: load(p)[k] for k in ("flavor", "image_props")}) for p in CASES]
    # Maximal fragments: every device and feature this module can emit.
    domains.append(
        build(
            {
                "vcpus": 4,
                "ram": 4096,
                "extra_specs": {
                    "hw:cpu_policy": "dedicated",
                    "hw:mem_page_size": "2MB",
                    "hw:cpu_realtime": "yes",
                    "hw:cpu_realtime_mask": "^0",
                    "hw:watchdog_action": "poweroff",
                    "hw:vif_multiqueue_enabled": "true",
                },
            },
            {
                "hw_video_model": "virtio",
                "img_hide_hypervisor_id": "true",
                "hw_time_hpet": "true",
                "os_type": "windows",
                "hw_firmware_type": "uefi",
                "os_secure_boot": "required",
                "hw_tpm_version": "2.0",
                "hw_rng_model": "virtio",
                "hw_pointer_model": "usbtablet",
                "hw_machine_type": "pc-q35-8.2",
            },
        )
    )
    domains.append(build({"vcpus": 1, "ram": 512}, {"hw_video_model": "none"}))
    files = []
    for index, spec in enumerate(domains):
        path = tmp_path / f"vm{index}.json"
        path.write_text(json.dumps(_vm(spec)))
        files.append(str(path))
    proc = subprocess.run([sys.executable, str(VALIDATOR), "--strict", *files], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ----------------------------------------------------------------- boot from volume (through the tenant translation)

BFV_SERVER = "4743d170-a609-5a29-a3ee-e108fbc4c137"  # db-01 in the demo: image "" and a bootable /dev/vda
BFV_ROOT = "d3695281-143a-58a0-9dbe-6e0c9b83c3c8"


def _vm_of(translation, server_id):
    from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import SOURCE_ID_ANNOTATION

    (vm,) = [o for o in translation.objects if o["kind"] == "VirtualMachine" and o["metadata"]["annotations"][SOURCE_ID_ANNOTATION] == server_id]
    return vm


def test_boot_from_volume_uses_root_volume_image_metadata(demo_snapshot):
    from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant

    root = next(v for v in demo_snapshot["volumes"] if v["id"] == BFV_ROOT)
    root["volume_image_metadata"].update({"hw_firmware_type": "uefi", "hw_disk_bus": "sata", "hw_vif_model": "e1000e"})
    image_id = root["volume_image_metadata"]["image_id"]
    # The Glance image says otherwise (or is gone): Nova booted from the volume's copy, and so must we.
    for image in demo_snapshot["images"]:
        if image["id"] == image_id:
            image.update({"hw_firmware_type": "bios", "hw_disk_bus": "virtio", "hw_vif_model": "virtio"})
    domain = _vm_of(translate_tenant(demo_snapshot), BFV_SERVER)["spec"]["template"]["spec"]["domain"]
    assert domain["firmware"]["bootloader"] == {"efi": {"secureBoot": False}}
    assert {d["disk"]["bus"] for d in domain["devices"]["disks"]} == {"sata"}
    assert {i["model"] for i in domain["devices"]["interfaces"]} == {"e1000e"}

    demo_snapshot["images"] = [i for i in demo_snapshot["images"] if i["id"] != image_id]
    domain = _vm_of(translate_tenant(demo_snapshot), BFV_SERVER)["spec"]["template"]["spec"]["domain"]
    assert domain["firmware"]["bootloader"] == {"efi": {"secureBoot": False}}
