# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Glance image properties (and their flavor twins) -> KubeVirt firmware, features, machine, clock, devices.

Every property is either translated here, consumed by flavor.py, listed as informational
(no effect on the guest's virtual hardware) or reported as a warning. Glance's standard
image fields are not properties and never produce findings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import flavor as _flavor
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import FindingCollector, type_name
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.integers import int_field
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.prerequisites import BACKEND_STORAGE_CLASS_ORDER

IMG = "image"
ES = "flavor.extra_specs"

# Glance v2 image schema fields plus what Cinder copies into volume_image_metadata.
STANDARD_FIELDS = frozenset(
    {
        "id",
        "name",
        "status",
        "min_disk",
        "min_ram",
        "disk_format",
        "container_format",
        "size",
        "virtual_size",
        "checksum",
        "os_hash_algo",
        "os_hash_value",
        "visibility",
        "protected",
        "owner",
        "tags",
        "created_at",
        "updated_at",
        "file",
        "schema",
        "self",
        "direct_url",
        "locations",
        "os_hidden",
        "stores",
        "image_id",
        "image_name",
        "is_public",
        "deleted",
        "deleted_at",
        "properties",
    }
)

# Properties that describe the image or drive OpenStack-side tooling, not the guest's virtual hardware.
INFORMATIONAL = {
    "os_distro": "guest OS name (libosinfo id); informational",
    "os_version": "guest OS version; informational",
    "os_admin_user": "guest administrator account used by cloudbase-init; already set inside the guest",
    "os_require_quiesce": "Nova snapshot behaviour; KubeVirt snapshots freeze through the guest agent when present",
    "hw_qemu_guest_agent": "KubeVirt always provides the guest-agent channel",
    "hw_vm_mode": "checked: only hvm guests run under KubeVirt",
    "hypervisor_type": "checked: qemu/kvm images run unchanged under KubeVirt",
    "img_hv_type": "checked: qemu/kvm images run unchanged under KubeVirt",
    "hw_architecture": "checked: selects the node architecture",
    "architecture": "checked: selects the node architecture",
    "description": "free text",
    "image_type": "marks Nova snapshots",
    "image_location": "Nova snapshot bookkeeping",
    "image_state": "Nova snapshot bookkeeping",
    "instance_uuid": "Nova snapshot bookkeeping",
    "instance_type_id": "Nova snapshot bookkeeping",
    "base_image_ref": "Nova snapshot bookkeeping",
    "user_id": "Nova snapshot bookkeeping",
    "owner_id": "Nova snapshot bookkeeping",
    "owner_project_name": "Nova snapshot bookkeeping",
    "owner_user_name": "Nova snapshot bookkeeping",
    "boot_roles": "Nova snapshot bookkeeping",
    "bdm_v2": "Nova volume-snapshot block device mapping; disks are translated from the server",
    "block_device_mapping": "Nova volume-snapshot block device mapping; disks are translated from the server",
    "root_device_name": "Nova volume-snapshot block device mapping; disks are translated from the server",
    "hw_rescue_bus": "rescue mode does not exist in KubeVirt",
    "hw_rescue_device": "rescue mode does not exist in KubeVirt",
    "cinder_encryption_key_id": "Cinder volume encryption is handled with the volume",
    "cinder_encryption_key_deletion_policy": "Cinder volume encryption is handled with the volume",
    "signature_verified": "Cinder bookkeeping",
    "auto_disk_config": "Nova resize of the root partition; informational",
    "hw_firmware_stateless": "exact: KubeVirt EFI variables are stateless unless efi.persistent is set",
}
INFORMATIONAL_PREFIXES = ("owner_specified.", "img_signature", "os_glance_", "img_bss", "trait:")

# Both-sided properties with no KubeVirt equivalent: name -> (flavor key, image key, why).
_UNSUPPORTED = {
    "pmu": ("hw:pmu", "hw_pmu", "KubeVirt does not expose the vPMU switch"),
    "mem_encryption": ("hw:mem_encryption", "hw_mem_encryption", "AMD SEV needs spec.domain.launchSecurity and SEV nodes; configure it by hand"),
    "locked_memory": ("hw:locked_memory", "hw_locked_memory", "memory locking is not translated"),
    "virtio_packed_ring": ("hw:virtio_packed_ring", "hw_virtio_packed_ring", "KubeVirt has no packed-ring switch"),
    "pci_numa_affinity_policy": ("hw:pci_numa_affinity_policy", "hw_pci_numa_affinity_policy", "PCI NUMA affinity is decided by the kubelet topology manager"),
    "viommu_model": ("hw:viommu_model", "hw_viommu_model", "KubeVirt has no vIOMMU setting"),
    "maxphysaddr_mode": ("hw:maxphysaddr_mode", "hw_maxphysaddr_mode", "physical address bits are not configurable"),
    "maxphysaddr_bits": ("hw:maxphysaddr_bits", "hw_maxphysaddr_bits", "physical address bits are not configurable"),
    "sound_model": ("hw:sound_model", "hw_sound_model", "sound devices are not translated"),
    "usb_model": ("hw:usb_model", "hw_usb_model", "KubeVirt picks its USB controller itself"),
    "redirected_usb_ports": ("hw:redirected_usb_ports", "hw_redirected_usb_ports", "use devices.clientPassthrough for USB redirection"),
    "ipxe_boot": (None, "hw_ipxe_boot", "network boot is not translated"),
    "boot_menu": ("hw:boot_menu", "hw_boot_menu", "KubeVirt has no boot menu switch; use bootOrder on disks"),
    "ephemeral_encryption": (None, "hw_ephemeral_encryption", "ephemeral disk encryption is not translated"),
    "ephemeral_encryption_format": (None, "hw_ephemeral_encryption_format", "ephemeral disk encryption is not translated"),
    "kernel_id": (None, "kernel_id", "direct kernel boot (AKI/ARI) is not translated; the disk's own bootloader must boot"),
    "ramdisk_id": (None, "ramdisk_id", "direct kernel boot (AKI/ARI) is not translated; the disk's own bootloader must boot"),
    "os_command_line": (None, "os_command_line", "kernel command line of a direct kernel boot is not translated"),
}

# Nova disk buses -> KubeVirt (virtio, sata, scsi, usb); the rest are approximated.
_DISK_BUS = {"virtio": "virtio", "scsi": "scsi", "sata": "sata", "usb": "usb", "ide": "sata", "xen": "virtio", "fdc": "sata", "uml": "virtio", "lxc": "virtio"}
_CDROM_BUS = {"sata": "sata", "scsi": "scsi", "ide": "sata", "usb": "sata", "virtio": "sata", "xen": "sata"}
NIC_MODELS = ("virtio", "e1000", "e1000e", "igb", "ne2k_pci", "pcnet", "rtl8139")
_NIC_ALIASES = {"ne2k-pci": "ne2k_pci", "virtio-net": "virtio"}
_VIDEO_MODELS = {"virtio": "virtio", "vga": "vga", "bochs": "bochs"}
_WATCHDOG_ACTIONS = {"reset": "reset", "poweroff": "poweroff", "shutdown": "shutdown"}
_ARCH_X86 = ("x86_64", "amd64")
_ARCH_X86_32 = ("i386", "i486", "i586", "i686", "x86")
_ARCH_NODE = {"aarch64": "arm64", "arm64": "arm64", "s390x": "s390x"}
TPM_VERSIONS = ("1.2", "2.0")
TPM_MODELS = ("tpm-tis", "tpm-crb")
SECURE_BOOT = ("required", "disabled", "optional")
BACKEND_STORAGE = f"StorageClass: {BACKEND_STORAGE_CLASS_ORDER}; a ReadWriteOnce state volume still live-migrates"

# Hyper-V enlightenments KubeVirt's Windows templates enable (common-templates windows2k*).
WINDOWS_HYPERV = {
    "relaxed": {},
    "vapic": {},
    "spinlocks": {"spinlocks": 8191},
    "vpindex": {},
    "runtime": {},
    "synic": {},
    "synictimer": {"direct": {}},
    "reset": {},
    "frequencies": {},
    "reenlightenment": {},
    "tlbflush": {},
    "ipi": {},
}
# Nova's libvirt timers for Windows guests; the RTC offset (localtime) cannot be expressed, see docs.
WINDOWS_TIMERS = {"hpet": {"present": False}, "pit": {"tickPolicy": "delay"}, "rtc": {"tickPolicy": "catchup"}, "hyperv": {}}


@dataclasses.dataclass
class ImageDomain:
    firmware: dict = dataclasses.field(default_factory=dict)
    features: dict = dataclasses.field(default_factory=dict)
    machine: dict = dataclasses.field(default_factory=dict)
    clock: dict = dataclasses.field(default_factory=dict)
    devices: dict = dataclasses.field(default_factory=dict)
    node_selector: dict = dataclasses.field(default_factory=dict)
    disk_bus: str = "virtio"
    cdrom_bus: str = "sata"
    nic_model: str = "virtio"
    os_windows: bool = False


def _text(props: Mapping, key: str) -> str | None:
    value = props.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return str(value).strip()


def _unique(extra_specs: Mapping, props: Mapping, flavor_key: str, image_key: str, *, collector: FindingCollector) -> tuple[str | None, str]:
    """Value set on flavor and/or image; both set and different blocks, as Nova's FlavorImageConflict does."""
    flavor_value = _text(extra_specs, flavor_key)
    image_value = _text(props, image_key)
    if flavor_value is not None and image_value is not None and flavor_value != image_value:
        raise collector.fail(
            f"{IMG}.{image_key}", f"{image_value!r} conflicts with the flavor's {flavor_key}={flavor_value!r} (Nova refuses to boot: FlavorImageConflict)"
        )
    if flavor_value is not None:
        return flavor_value, f"{ES}.{flavor_key}"
    return image_value, f"{IMG}.{image_key}"


def is_windows(props: Mapping) -> bool:
    """Nova keys Windows behaviour (Hyper-V features, localtime RTC) on os_type only."""
    return any((_text(props, key) or "").lower() == "windows" for key in ("os_type", "hw_os_type"))


def is_handled(key: str) -> bool:
    """True for every key this module or flavor.py knows about (used to find unknown properties)."""
    return (
        key in STANDARD_FIELDS
        or key in INFORMATIONAL
        or key.startswith(INFORMATIONAL_PREFIXES)
        or key in _HANDLED
        or _flavor.is_image_prop(key)
        or any(spec[1] == key for spec in _UNSUPPORTED.values())
    )


_HANDLED = frozenset(
    {
        "hw_firmware_type",
        "os_secure_boot",
        "hw_machine_type",
        "hw_disk_bus",
        "hw_scsi_model",
        "hw_cdrom_bus",
        "hw_vif_model",
        "hw_video_model",
        "hw_video_ram",
        "hw_rng_model",
        "hw_tpm_version",
        "hw_tpm_model",
        "hw_pointer_model",
        "hw_input_bus",
        "os_type",
        "hw_os_type",
        "hw_watchdog_action",
        "hw_serial_port_count",
        "hw_vif_multiqueue_enabled",
        "img_hide_hypervisor_id",
        "hw_time_hpet",
        "img_config_drive",
        "hw_floppy_bus",
    }
)


def translate_image(image_props: Mapping | None, extra_specs: Mapping | None, *, collector: FindingCollector) -> ImageDomain:
    """Everything image-driven in spec.template.spec.domain, plus the buses/NIC model server.py applies to disks/NICs."""
    props = image_props or {}
    specs = extra_specs or {}
    if not isinstance(props, Mapping):
        raise collector.fail(IMG, f"expected image properties as a dict, got {type_name(props)}")
    out = ImageDomain()
    _architecture(props, out, collector)
    _firmware(props, specs, out, collector)
    _machine(props, out, collector)
    _buses(props, out, collector)
    _nic(props, specs, out, collector)
    _video(props, out, collector)
    _rng(props, specs, out, collector)
    _tpm(props, specs, out, collector)
    efi = out.firmware.get("bootloader", {}).get("efi")
    if efi is not None and not efi.get("persistent"):
        collector.warn(
            f"{IMG}.hw_firmware_type",
            "UEFI variables (boot entries) are not carried over: the guest must "
            "boot through the removable-media path (EFI/BOOT/BOOTX64.EFI) or "
            f"efi.persistent must be set (backend storage: {BACKEND_STORAGE})",
        )
    _input(props, out, collector)
    _windows(props, out, collector)
    _misc(props, specs, out, collector)
    _unsupported(props, specs, collector)
    for key in sorted(props):
        if not is_handled(key):
            collector.warn(f"{IMG}.{key}", "unrecognised image property; not translated")
    return out


def _architecture(props: Mapping, out: ImageDomain, collector: FindingCollector) -> None:
    key = "hw_architecture" if _text(props, "hw_architecture") else "architecture"
    arch = (_text(props, key) or "x86_64").lower()
    if arch in _ARCH_X86:
        pass
    elif arch in _ARCH_X86_32:
        collector.warn(f"{IMG}.{key}", f"{arch} guest will run on an x86_64 KubeVirt node (as on a 64-bit Nova host)")
    elif arch in _ARCH_NODE:
        out.node_selector["kubernetes.io/arch"] = _ARCH_NODE[arch]
        collector.warn(
            f"{IMG}.{key}",
            f"{arch} guest: scheduled on kubernetes.io/arch={_ARCH_NODE[arch]} nodes; check "
            "that the cluster has such nodes and set spec.template.spec.architecture",
        )
    else:
        raise collector.fail(f"{IMG}.{key}", f"architecture {arch!r} is not supported by KubeVirt (amd64, arm64, s390x)")
    mode = (_text(props, "hw_vm_mode") or "hvm").lower()
    if mode != "hvm":
        raise collector.fail(f"{IMG}.hw_vm_mode", f"vm mode {mode!r} cannot run under KubeVirt (full virtualization, hvm, only)")
    for hv_key in ("hypervisor_type", "img_hv_type"):
        hv = (_text(props, hv_key) or "qemu").lower()
        if hv not in ("qemu", "kvm"):
            collector.warn(f"{IMG}.{hv_key}", f"image was built for {hv!r}; KubeVirt runs it on QEMU/KVM, so guest drivers may be missing")


def _firmware(props: Mapping, specs: Mapping, out: ImageDomain, collector: FindingCollector) -> None:
    fw = (_text(props, "hw_firmware_type") or "bios").lower()
    if fw not in ("bios", "uefi"):
        collector.warn(f"{IMG}.hw_firmware_type", f"unknown firmware {fw!r}; BIOS is used")
        fw = "bios"
    policy, field = _unique(specs, props, "os:secure_boot", "os_secure_boot", collector=collector)
    policy = policy.lower() if policy else None
    if policy is not None and policy not in SECURE_BOOT:
        raise collector.fail(field, f"invalid secure boot policy {policy!r}; allowed: {', '.join(SECURE_BOOT)}")
    if fw == "bios":
        if policy == "required":
            raise collector.fail(field, "Secure Boot requires hw_firmware_type=uefi; Nova refuses to boot this combination")
        if policy == "optional":
            collector.warn(field, "'optional' Secure Boot has no effect with BIOS firmware (as in Nova)")
        return
    secure = policy in ("required", "optional")
    if policy == "optional":
        collector.warn(
            field,
            "'optional' Secure Boot is enabled, as Nova did on hosts that support it; set efi.secureBoot false if the source host lacked Secure Boot firmware",
        )
    # KubeVirt defaults efi.secureBoot to true, so plain UEFI must say false explicitly.
    out.firmware = {"bootloader": {"efi": {"secureBoot": secure}}}
    if secure:
        # KubeVirt rejects Secure Boot without SMM.
        out.features["smm"] = {"enabled": True}


def _machine(props: Mapping, out: ImageDomain, collector: FindingCollector) -> None:
    machine = _text(props, "hw_machine_type")
    if machine is None:
        return
    field = f"{IMG}.hw_machine_type"
    lowered = machine.lower()
    arch_node = out.node_selector.get("kubernetes.io/arch")
    if arch_node:
        out.machine = {"type": machine}
        return
    if lowered == "q35":
        out.machine = {"type": "q35"}
    elif "q35" in lowered:
        out.machine = {"type": "q35"}
        collector.warn(field, f"versioned machine type {machine!r} is replaced by KubeVirt's q35 alias: the virt-launcher QEMU ships its own pc-q35-* versions")
    elif lowered == "pc" or "i440fx" in lowered or lowered.startswith("pc-"):
        collector.warn(
            field,
            f"{machine!r} (i440fx) does not exist in KubeVirt on x86_64; the VM gets q35, so PCI "
            "addresses change (Windows may re-detect devices / ask for reactivation)",
        )
    else:
        collector.warn(field, f"unknown machine type {machine!r}; KubeVirt's default (q35) is used")


def _buses(props: Mapping, out: ImageDomain, collector: FindingCollector) -> None:
    bus = (_text(props, "hw_disk_bus") or "virtio").lower()
    out.disk_bus = _DISK_BUS.get(bus, "virtio")
    if bus not in _DISK_BUS:
        collector.warn(f"{IMG}.hw_disk_bus", f"unknown disk bus {bus!r}; virtio is used")
    elif out.disk_bus != bus:
        collector.warn(f"{IMG}.hw_disk_bus", f"KubeVirt has no {bus} disk bus; {out.disk_bus} is used (the guest needs a driver for it)")
    model = _text(props, "hw_scsi_model")
    if model is not None and model.lower() != "virtio-scsi":
        collector.warn(f"{IMG}.hw_scsi_model", f"KubeVirt's SCSI controller is virtio-scsi, not {model!r}; the guest needs the virtio-scsi driver")
    cdrom = _text(props, "hw_cdrom_bus")
    if cdrom is not None:
        cdrom = cdrom.lower()
        out.cdrom_bus = _CDROM_BUS.get(cdrom, "sata")
        if out.cdrom_bus != cdrom:
            collector.warn(f"{IMG}.hw_cdrom_bus", f"KubeVirt CD-ROMs use sata or scsi; {out.cdrom_bus} replaces {cdrom!r}")
    if _text(props, "hw_floppy_bus") is not None:
        collector.warn(f"{IMG}.hw_floppy_bus", "KubeVirt has no floppy devices")


def _nic(props: Mapping, specs: Mapping, out: ImageDomain, collector: FindingCollector) -> None:
    model = _text(props, "hw_vif_model")
    if model is not None:
        lowered = _NIC_ALIASES.get(model.lower(), model.lower())
        if lowered in NIC_MODELS:
            out.nic_model = lowered
        else:
            collector.warn(f"{IMG}.hw_vif_model", f"NIC model {model!r} does not exist in KubeVirt; virtio is used (the guest needs the virtio-net driver)")
    value, field = _unique(specs, props, "hw:vif_multiqueue_enabled", "hw_vif_multiqueue_enabled", collector=collector)
    if value is not None:
        enabled = _flavor.parse_bool(value)
        if enabled is None:
            collector.warn(field, f"expected a boolean, got {value!r}; multiqueue not enabled")
        elif enabled:
            out.devices["networkInterfaceMultiqueue"] = True


def _video(props: Mapping, out: ImageDomain, collector: FindingCollector) -> None:
    model = _text(props, "hw_video_model")
    if _text(props, "hw_video_ram") is not None:
        collector.warn(f"{IMG}.hw_video_ram", "KubeVirt does not size video RAM")
    if model is None:
        return
    lowered = model.lower()
    if lowered == "none":
        out.devices["autoattachGraphicsDevice"] = False
    elif lowered in _VIDEO_MODELS:
        wanted = _VIDEO_MODELS[lowered]
        # KubeVirt's own choice when devices.video is absent (amd64: VGA with BIOS, Bochs with EFI).
        if out.node_selector.get("kubernetes.io/arch"):
            default = "virtio"
        else:
            default = "bochs" if out.firmware.get("bootloader", {}).get("efi") is not None else "vga"
        if wanted != default:  # KubeVirt's own choice needs no devices.video
            out.devices["video"] = {"type": wanted}
    else:
        collector.warn(f"{IMG}.hw_video_model", f"video model {model!r} is not offered by KubeVirt (virtio, vga, bochs); KubeVirt's default display is used")


def _rng(props: Mapping, specs: Mapping, out: ImageDomain, collector: FindingCollector) -> None:
    model = _text(props, "hw_rng_model")
    allowed_raw = _text(specs, "hw_rng:allowed")
    # Nova adds the RNG only when the flavor allows it; current Nova defaults hw_rng:allowed to True.
    allowed = True if allowed_raw is None else _flavor.parse_bool(allowed_raw)
    if allowed is None:
        collector.warn(f"{ES}.hw_rng:allowed", f"expected a boolean, got {allowed_raw!r}; treated as allowed")
        allowed = True
    if model is None:
        return
    if model.lower() != "virtio":
        collector.warn(f"{IMG}.hw_rng_model", f"RNG model {model!r} does not exist in KubeVirt; virtio-rng is used")
    if not allowed:
        collector.warn(f"{IMG}.hw_rng_model", "not added: the flavor sets hw_rng:allowed=false (as in Nova)")
        return
    out.devices["rng"] = {}


def _tpm(props: Mapping, specs: Mapping, out: ImageDomain, collector: FindingCollector) -> None:
    version, vfield = _unique(specs, props, "hw:tpm_version", "hw_tpm_version", collector=collector)
    model, mfield = _unique(specs, props, "hw:tpm_model", "hw_tpm_model", collector=collector)
    if version is None:
        if model is not None:
            collector.warn(mfield, "TPM model without hw_tpm_version adds no TPM (as in Nova)")
        return
    if version not in TPM_VERSIONS:
        raise collector.fail(vfield, f"invalid TPM version {version!r}; allowed: {', '.join(TPM_VERSIONS)}")
    model_given = model is not None
    model = (model or "tpm-tis").lower()
    if model not in TPM_MODELS:
        raise collector.fail(mfield, f"invalid TPM model {model!r}; allowed: {', '.join(TPM_MODELS)}")
    if model == "tpm-crb" and version != "2.0":
        raise collector.fail(mfield, "TPM model tpm-crb is only valid with TPM version 2.0")
    if version == "1.2":
        collector.warn(vfield, "KubeVirt emulates TPM 2.0 only; the guest's TPM 1.2 state and measurements are lost")
    if model == "tpm-tis":
        collector.warn(
            mfield if model_given else vfield,
            "the guest had a tpm-tis TPM (Nova's default model); KubeVirt v1.9.0 always gives a persistent TPM the tpm-crb interface",
        )
    # Nova keeps vTPM state across reboots; KubeVirt does so only with persistent: true (backend storage).
    out.devices["tpm"] = {"persistent": True}
    collector.warn(
        vfield,
        f"the TPM contents (e.g. BitLocker keys) are not migrated, only a fresh TPM is provided; its state lives on a backend-storage PVC ({BACKEND_STORAGE})",
    )
    efi = out.firmware.get("bootloader", {}).get("efi")
    if efi is not None:
        # Same backend storage as the TPM, and BitLocker-style setups need both to survive reboots.
        efi["persistent"] = True


def _input(props: Mapping, out: ImageDomain, collector: FindingCollector) -> None:
    pointer = _text(props, "hw_pointer_model")
    bus = (_text(props, "hw_input_bus") or "").lower() or None
    if bus is not None and bus not in ("usb", "virtio"):
        collector.warn(f"{IMG}.hw_input_bus", f"input bus {bus!r} does not exist in KubeVirt (usb, virtio)")
        bus = None
    if pointer is None:
        return
    lowered = pointer.lower()
    if lowered == "usbtablet":
        out.devices["inputs"] = [{"name": "tablet", "type": "tablet", "bus": "usb"}]
    elif lowered == "virtiotablet":
        out.devices["inputs"] = [{"name": "tablet", "type": "tablet", "bus": "virtio"}]
    else:
        collector.warn(f"{IMG}.hw_pointer_model", f"pointer model {pointer!r} is not available in KubeVirt")
        return
    if bus is not None:
        out.devices["inputs"][0]["bus"] = bus


def _windows(props: Mapping, out: ImageDomain, collector: FindingCollector) -> None:
    out.os_windows = is_windows(props)
    if not out.os_windows:
        if "windows" in (_text(props, "os_distro") or "").lower():
            collector.warn(
                f"{IMG}.os_distro",
                "looks like Windows but os_type is not 'windows': Nova gave it no Hyper-V enlightenments and a UTC clock, and so does this translation",
            )
        return
    out.features.update({"acpi": {}, "apic": {}, "hyperv": {k: dict(v) for k, v in WINDOWS_HYPERV.items()}})
    out.clock = {"utc": {}, "timer": {k: dict(v) for k, v in WINDOWS_TIMERS.items()}}
    field = f"{IMG}.os_type" if _text(props, "os_type") else f"{IMG}.hw_os_type"
    collector.warn(
        field,
        "Nova set a Windows guest's RTC to the compute host's local time; KubeVirt cannot follow the "
        "node's zone, so the RTC is UTC (exact when the Nova hosts ran in UTC; otherwise set "
        "clock.timezone to their zone)",
    )


def _misc(props: Mapping, specs: Mapping, out: ImageDomain, collector: FindingCollector) -> None:
    action, field = _watchdog_action(props, specs)
    if action is not None:
        lowered = action.lower()
        if lowered in _WATCHDOG_ACTIONS:
            out.devices["watchdog"] = {"name": "watchdog", "i6300esb": {"action": _WATCHDOG_ACTIONS[lowered]}}
        elif lowered != "disabled":
            collector.warn(field, f"watchdog action {action!r} is not available in KubeVirt (poweroff, reset, shutdown); no watchdog added")
    count, cfield = _serial_ports(props, specs, collector)
    if count is not None and count > 1:
        collector.warn(cfield, f"{count} serial ports requested; KubeVirt attaches a single serial console")
    hidden, hfield = _hide_hypervisor(props, specs)
    if hidden is not None:
        value = _flavor.parse_bool(hidden)
        if value is None:
            collector.warn(hfield, f"expected a boolean, got {hidden!r}; hypervisor id not hidden")
        elif value:
            out.features["kvm"] = {"hidden": True}
    hpet = _text(props, "hw_time_hpet")
    if hpet is not None:
        value = _flavor.parse_bool(hpet)
        if value is None:
            collector.warn(f"{IMG}.hw_time_hpet", f"expected a boolean, got {hpet!r}")
        elif value:
            out.clock.setdefault("timer", {})["hpet"] = {"present": True}
            out.clock.setdefault("utc", {})
    config_drive = (_text(props, "img_config_drive") or "optional").lower()
    if config_drive == "mandatory":
        collector.warn(
            f"{IMG}.img_config_drive",
            "the image requires a config drive; attach a cloudInitConfigDrive volume (metadata is not served by an OpenStack metadata service)",
        )


def _watchdog_action(props: Mapping, specs: Mapping) -> tuple[str | None, str]:
    # Nova's libvirt driver lets the flavor override the image here.
    flavor_value = _text(specs, "hw:watchdog_action")
    if flavor_value is not None:
        return flavor_value, f"{ES}.hw:watchdog_action"
    return _text(props, "hw_watchdog_action"), f"{IMG}.hw_watchdog_action"


def _serial_ports(props: Mapping, specs: Mapping, collector: FindingCollector) -> tuple[int | None, str]:
    """Nova's get_number_of_serial_ports: the image may only lower the flavor's count."""
    flavor_raw = _text(specs, "hw:serial_port_count")
    image_raw = _text(props, "hw_serial_port_count")
    flavor_count = int_field(flavor_raw, collector=collector, field=f"{ES}.hw:serial_port_count") if flavor_raw else None
    image_count = int_field(image_raw, collector=collector, field=f"{IMG}.hw_serial_port_count") if image_raw else None
    if flavor_count is not None and image_count is not None:
        if image_count > flavor_count:
            raise collector.fail(
                f"{IMG}.hw_serial_port_count",
                f"{image_count} exceeds the flavor's hw:serial_port_count={flavor_count} (ImageSerialPortNumberExceedFlavorValue)",
            )
        return image_count, f"{IMG}.hw_serial_port_count"
    if flavor_count is not None:
        return flavor_count, f"{ES}.hw:serial_port_count"
    return image_count, f"{IMG}.hw_serial_port_count"


def _hide_hypervisor(props: Mapping, specs: Mapping) -> tuple[str | None, str]:
    for key in ("hw:hide_hypervisor_id", "hide_hypervisor_id"):
        value = _text(specs, key)
        if value is not None:
            return value, f"{ES}.{key}"
    return _text(props, "img_hide_hypervisor_id"), f"{IMG}.img_hide_hypervisor_id"


def _unsupported(props: Mapping, specs: Mapping, collector: FindingCollector) -> None:
    for flavor_key, image_key, why in _UNSUPPORTED.values():
        for source, key, prefix in ((specs, flavor_key, ES), (props, image_key, IMG)):
            if key is None:
                continue
            value = _text(source, key)
            if value is None:
                continue
            # An explicit "off" for a feature KubeVirt does not enable either is exact, not lossy.
            if _flavor.parse_bool(value) is False:
                continue
            collector.warn(f"{prefix}.{key}", f"not translated: {why}")


def describe_property(key: str) -> str:
    """How a property is treated, for docs and the plan: standard | informational | translated | unsupported | unknown."""
    if key in STANDARD_FIELDS:
        return "standard"
    if key in INFORMATIONAL or key.startswith(INFORMATIONAL_PREFIXES):
        return "informational"
    if key in _HANDLED or _flavor.is_image_prop(key):
        return "translated"
    if any(spec[1] == key for spec in _UNSUPPORTED.values()):
        return "unsupported"
    return "unknown"
