# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import image_props as ip
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import FindingCollector, TranslationError


def translate(props, specs=None):
    s = FindingCollector("server", "vm1 (id1)")
    return ip.translate_image(props, specs or {}, collector=s), s


def fields(s):
    return [f.field for f in s.findings]


GLANCE_IMAGE = {
    "id": "b7c8",
    "name": "cirros",
    "status": "active",
    "min_disk": 1,
    "min_ram": 0,
    "disk_format": "qcow2",
    "container_format": "bare",
    "size": 21430272,
    "virtual_size": 117440512,
    "checksum": "abc",
    "os_hash_algo": "sha512",
    "os_hash_value": "def",
    "visibility": "public",
    "protected": False,
    "owner": "p1",
    "tags": [],
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
    "file": "/v2/x/file",
    "schema": "/v2/schemas/image",
    "self": "/v2/images/b7c8",
    "direct_url": "rbd://x",
    "locations": [],
    "os_hidden": False,
    "stores": "ceph",
}
VOLUME_IMAGE_METADATA = {
    "image_id": "b7c8",
    "image_name": "cirros",
    "checksum": "abc",
    "container_format": "bare",
    "disk_format": "qcow2",
    "min_disk": "1",
    "min_ram": "0",
    "size": "21430272",
}


@pytest.mark.parametrize("props", [GLANCE_IMAGE, VOLUME_IMAGE_METADATA, {}, None])
def test_standard_fields_never_warn(props):
    out, s = translate(props)
    assert s.findings == []
    assert (out.disk_bus, out.nic_model, out.os_windows) == ("virtio", "virtio", False)
    assert out.firmware == {} and out.devices == {} and out.features == {}


def test_unknown_property_warns():
    _unused, s = translate({"my_custom_prop": "1"})
    assert fields(s) == ["image.my_custom_prop"]


def test_informational_properties_are_silent():
    _unused, s = translate(
        {
            "os_distro": "ubuntu",
            "os_version": "24.04",
            "os_admin_user": "root",
            "hw_qemu_guest_agent": "yes",
            "owner_specified.openstack.md5": "x",
            "img_signature": "x",
            "hw_vm_mode": "hvm",
            "hypervisor_type": "qemu",
            "architecture": "x86_64",
            "hw_firmware_stateless": "true",
        }
    )
    assert s.findings == []


# ----------------------------------------------------------------- firmware


def test_uefi_disables_kubevirt_default_secure_boot():
    out, s = translate({"hw_firmware_type": "uefi"})
    assert out.firmware == {"bootloader": {"efi": {"secureBoot": False}}}
    assert "smm" not in out.features
    assert fields(s) == ["image.hw_firmware_type"]  # NVRAM not carried over


def test_secure_boot_required_enables_smm():
    out, _unused = translate({"hw_firmware_type": "uefi", "os_secure_boot": "required"})
    assert out.firmware["bootloader"]["efi"]["secureBoot"] is True
    assert out.features["smm"] == {"enabled": True}


def test_secure_boot_optional_enabled_with_warning_and_disabled_off():
    out, s = translate({"hw_firmware_type": "uefi", "os_secure_boot": "optional"})
    assert out.firmware["bootloader"]["efi"]["secureBoot"] is True
    assert "image.os_secure_boot" in fields(s)
    out, _unused = translate({"hw_firmware_type": "uefi", "os_secure_boot": "disabled"})
    assert out.firmware["bootloader"]["efi"]["secureBoot"] is False


def test_secure_boot_without_uefi_blocks():
    with pytest.raises(TranslationError) as exc:
        translate({"os_secure_boot": "required"})
    assert exc.value.finding.field == "image.os_secure_boot"


def test_flavor_secure_boot_and_conflict():
    out, _unused = translate({"hw_firmware_type": "uefi"}, {"os:secure_boot": "required"})
    assert out.firmware["bootloader"]["efi"]["secureBoot"] is True
    with pytest.raises(TranslationError):
        translate({"hw_firmware_type": "uefi", "os_secure_boot": "disabled"}, {"os:secure_boot": "required"})


# ----------------------------------------------------------------- machine type, buses, NIC


@pytest.mark.parametrize(
    "value,machine,warned",
    [
        ("q35", {"type": "q35"}, False),
        ("pc-q35-6.2", {"type": "q35"}, True),
        ("pc", {}, True),
        ("pc-i440fx-2.11", {}, True),
        ("weird", {}, True),
    ],
)
def test_machine_type(value, machine, warned):
    out, s = translate({"hw_machine_type": value})
    assert out.machine == machine
    assert bool(s.findings) is warned


@pytest.mark.parametrize(
    "bus,expected,warned",
    [
        ("virtio", "virtio", False),
        ("scsi", "scsi", False),
        ("sata", "sata", False),
        ("usb", "usb", False),
        ("ide", "sata", True),
        ("xen", "virtio", True),
        ("floppy-ish", "virtio", True),
    ],
)
def test_disk_bus(bus, expected, warned):
    out, s = translate({"hw_disk_bus": bus})
    assert out.disk_bus == expected
    assert bool(s.findings) is warned


def test_scsi_model_and_cdrom_bus():
    _unused, s = translate({"hw_disk_bus": "scsi", "hw_scsi_model": "virtio-scsi"})
    assert s.findings == []
    _unused, s = translate({"hw_disk_bus": "scsi", "hw_scsi_model": "lsilogic"})
    assert fields(s) == ["image.hw_scsi_model"]
    out, s = translate({"hw_cdrom_bus": "ide"})
    assert out.cdrom_bus == "sata" and fields(s) == ["image.hw_cdrom_bus"]


@pytest.mark.parametrize(
    "model,expected,warned",
    [
        ("virtio", "virtio", False),
        ("e1000", "e1000", False),
        ("e1000e", "e1000e", False),
        ("rtl8139", "rtl8139", False),
        ("pcnet", "pcnet", False),
        ("ne2k_pci", "ne2k_pci", False),
        ("igb", "igb", False),
        ("vmxnet3", "virtio", True),
    ],
)
def test_nic_model(model, expected, warned):
    out, s = translate({"hw_vif_model": model})
    assert out.nic_model == expected
    assert bool(s.findings) is warned


def test_multiqueue():
    out, _unused = translate({"hw_vif_multiqueue_enabled": "true"})
    assert out.devices["networkInterfaceMultiqueue"] is True
    out, _unused = translate({}, {"hw:vif_multiqueue_enabled": "false"})
    assert "networkInterfaceMultiqueue" not in out.devices


# ----------------------------------------------------------------- devices


def test_video():
    out, s = translate({"hw_video_model": "virtio"})
    assert out.devices["video"] == {"type": "virtio"}
    assert s.findings == []  # VideoConfig is GA in KubeVirt v1.9.0
    out, s = translate({"hw_video_model": "qxl"})
    assert "video" not in out.devices and fields(s) == ["image.hw_video_model"]
    out, _unused = translate({"hw_video_model": "none"})
    assert out.devices["autoattachGraphicsDevice"] is False


@pytest.mark.parametrize(
    "props", [{"hw_video_model": "vga"}, {"hw_video_model": "bochs", "hw_firmware_type": "uefi"}, {"hw_video_model": "virtio", "hw_architecture": "aarch64"}]
)
def test_video_model_equal_to_kubevirt_default_needs_no_device(props):
    out, s = translate(props)
    assert "video" not in out.devices
    assert "image.hw_video_model" not in fields(s)


def test_video_model_differing_from_firmware_default_is_set():
    out, _unused = translate({"hw_video_model": "vga", "hw_firmware_type": "uefi"})
    assert out.devices["video"] == {"type": "vga"}


def test_rng_needs_flavor_permission():
    out, s = translate({"hw_rng_model": "virtio"})
    assert out.devices["rng"] == {} and s.findings == []
    out, s = translate({"hw_rng_model": "virtio"}, {"hw_rng:allowed": "False"})
    assert "rng" not in out.devices and fields(s) == ["image.hw_rng_model"]


def test_tpm():
    out, s = translate({"hw_tpm_version": "2.0", "hw_tpm_model": "tpm-tis"})
    assert out.devices["tpm"] == {"persistent": True}
    assert fields(s) == ["image.hw_tpm_model", "image.hw_tpm_version"]  # TIS becomes CRB (KubeVirt v1.9.0)
    out, _unused = translate({"hw_tpm_version": "2.0", "hw_firmware_type": "uefi"})
    assert out.firmware["bootloader"]["efi"]["persistent"] is True
    out, s = translate({"hw_tpm_version": "1.2"})
    assert out.devices["tpm"] == {"persistent": True} and len(s.findings) == 3
    with pytest.raises(TranslationError):
        translate({"hw_tpm_version": "1.2", "hw_tpm_model": "tpm-crb"})
    with pytest.raises(TranslationError):
        translate({"hw_tpm_version": "3.0"})
    with pytest.raises(TranslationError):
        translate({"hw_tpm_version": "2.0"}, {"hw:tpm_version": "1.2"})


def test_pointer():
    out, _unused = translate({"hw_pointer_model": "usbtablet"})
    assert out.devices["inputs"] == [{"name": "tablet", "type": "tablet", "bus": "usb"}]
    out, _unused = translate({"hw_pointer_model": "usbtablet", "hw_input_bus": "virtio"})
    assert out.devices["inputs"][0]["bus"] == "virtio"
    out, s = translate({"hw_pointer_model": "ps2mouse"})
    assert "inputs" not in out.devices and fields(s) == ["image.hw_pointer_model"]


def test_watchdog():
    out, _unused = translate({"hw_watchdog_action": "reset"})
    assert out.devices["watchdog"] == {"name": "watchdog", "i6300esb": {"action": "reset"}}
    out, _unused = translate({"hw_watchdog_action": "reset"}, {"hw:watchdog_action": "poweroff"})
    assert out.devices["watchdog"]["i6300esb"]["action"] == "poweroff"
    out, s = translate({"hw_watchdog_action": "pause"})
    assert "watchdog" not in out.devices and fields(s) == ["image.hw_watchdog_action"]
    out, s = translate({"hw_watchdog_action": "disabled"})
    assert "watchdog" not in out.devices and s.findings == []


def test_serial_ports():
    _unused, s = translate({"hw_serial_port_count": "2"})
    assert fields(s) == ["image.hw_serial_port_count"]
    with pytest.raises(TranslationError):
        translate({"hw_serial_port_count": "4"}, {"hw:serial_port_count": "2"})


@pytest.mark.parametrize("props", [{"os_type": "windows"}, {"os_type": "Windows"}, {"hw_os_type": "WINDOWS"}])
def test_windows_enlightenments_and_clock(props):
    out, s = translate(props)
    assert out.os_windows
    hyperv = out.features["hyperv"]
    assert hyperv["spinlocks"] == {"spinlocks": 8191}
    assert {"relaxed", "vapic", "vpindex", "synic", "synictimer"} <= set(hyperv)
    assert out.clock["utc"] == {} and out.clock["timer"]["hpet"] == {"present": False}
    assert len(s.findings) == 1 and "local time" in s.findings[0].message


def test_windows_distro_without_os_type_is_not_windows():
    out, s = translate({"os_distro": "windows"})
    assert not out.os_windows and fields(s) == ["image.os_distro"]


def test_hide_hypervisor_and_hpet():
    out, _unused = translate({"img_hide_hypervisor_id": "true", "hw_time_hpet": "true"})
    assert out.features["kvm"] == {"hidden": True}
    assert out.clock["timer"]["hpet"] == {"present": True}


@pytest.mark.parametrize("props,node_arch", [({"hw_architecture": "aarch64"}, "arm64"), ({"architecture": "s390x"}, "s390x")])
def test_non_x86_arch_selects_nodes(props, node_arch):
    out, s = translate(props)
    assert out.node_selector == {"kubernetes.io/arch": node_arch}
    assert s.findings


@pytest.mark.parametrize("props", [{"hw_architecture": "ppc64le"}, {"hw_vm_mode": "xen"}])
def test_unrunnable_guests_block(props):
    with pytest.raises(TranslationError):
        translate(props)


@pytest.mark.parametrize("key", ["hw_pmu", "hw_boot_menu", "hw_mem_encryption", "kernel_id", "hw_sound_model"])
def test_unsupported_properties_warn_but_false_is_silent(key):
    _unused, s = translate({key: "true"})
    assert fields(s) == [f"image.{key}"]
    if key != "kernel_id":
        _unused, s = translate({key: "false"})
        assert s.findings == []


def test_mandatory_config_drive_warns():
    _unused, s = translate({"img_config_drive": "mandatory"})
    assert fields(s) == ["image.img_config_drive"]


def test_describe_property():
    assert ip.describe_property("name") == "standard"
    assert ip.describe_property("os_distro") == "informational"
    assert ip.describe_property("hw_firmware_type") == "translated"
    assert ip.describe_property("hw_cpu_sockets") == "translated"
    assert ip.describe_property("hw_pmu") == "unsupported"
    assert ip.describe_property("zzz") == "unknown"
