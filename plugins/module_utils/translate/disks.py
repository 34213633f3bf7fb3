# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A server's disks -> CDI DataVolumes plus the VM's disks/volumes, in device order.

Root disk of an image-booted server: its data lives on the compute node (the Glance image
is only where it started), so the DataVolume is sourced from the server itself. Cinder
volumes map one-to-one. Ephemeral and swap disks become emptyDisks.
"""

from __future__ import annotations

import dataclasses
import math
import re

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import FindingCollector
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.integers import int_field
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import k8s_object, object_meta
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions

GIB = 1024**3
DISK_SOURCE_ANNOTATION = "ostokubevirt.io/disk-source"
DISK_SOURCE_KIND_ANNOTATION = "ostokubevirt.io/disk-source-kind"
PENDING_SOURCE = {"upload": {}}
_DEVICE_RE = re.compile(r"^/dev/(?:[a-z]+?)([a-z]+)$")
_RECORDED_PREFIX_RE = re.compile(r"^/dev/(xvd|vd|sd|hd)[a-z]+$")
# The device names Linux gives a disk on each KubeVirt bus (virtio-blk: vdX; SCSI, SATA and USB: sdX).
_GUEST_PREFIX = {"virtio": "vd", "scsi": "sd", "sata": "sd", "usb": "sd"}
DEFAULT_STORAGE_KEY = "default"


@dataclasses.dataclass
class DiskSpec:
    """One disk of the VM as the plan reports it."""

    volume_name: str
    size_gib: int
    kind: str  # root-disk | cinder-volume | ephemeral | swap
    source_id: str
    device: str = ""
    datavolume: str | None = None
    storage_class: str | None = None
    boot: bool = False
    shared: bool = False

    def plan_row(self) -> dict:
        return {k: v for k, v in dataclasses.asdict(self).items() if v not in (None, "", False)}


def device_sort_key(device: str) -> tuple:
    """/dev/vda < /dev/vdb < ... < /dev/vdz < /dev/vdaa, independent of bus letter prefix."""
    match = _DEVICE_RE.match(device or "")
    if not match:
        return (1, 0, device or "")
    letters = match.group(1)
    return (0, len(letters), letters)


def storage_class_for(volume_type: str | None, options: TranslationOptions) -> str | None:
    if volume_type and volume_type in options.storage_map:
        return options.storage_map[volume_type]
    return options.storage_map.get(DEFAULT_STORAGE_KEY)


def datavolume(
    name: str,
    namespace: str,
    *,
    size_gib: int,
    storage_class: str | None,
    options: TranslationOptions,
    source_kind: str,
    source_id: str,
    source_name: str | None,
    source_type: str,
) -> dict:
    """A DataVolume whose source comes from options.disk_sources, else the documented pending upload source."""
    source = options.disk_sources.get(source_id)
    annotations = {DISK_SOURCE_KIND_ANNOTATION: source_kind}
    if source is None:
        source = PENDING_SOURCE
        annotations[DISK_SOURCE_ANNOTATION] = "pending"
        # An upload target must bind before a consumer exists, even on WaitForFirstConsumer classes.
        annotations["cdi.kubevirt.io/storage.bind.immediate.requested"] = "true"
    else:
        annotations[DISK_SOURCE_ANNOTATION] = "mapped"
    storage: dict = {
        "accessModes": [options.disk_access_mode],
        "volumeMode": options.disk_volume_mode,
        "resources": {"requests": {"storage": f"{size_gib}Gi"}},
    }
    if storage_class:
        storage["storageClassName"] = storage_class
    meta = object_meta(name, namespace, source_type=source_type, source_id=source_id, source_name=source_name, annotations=annotations)
    return k8s_object("cdi.kubevirt.io/v1beta1", "DataVolume", meta, spec={"source": dict(source), "storage": storage})


def root_disk_size_gib(flavor: dict, image_props: dict, collector: FindingCollector) -> int:
    """max(flavor disk, image min_disk, image virtual size): what Nova would have allocated."""
    flavor_disk = int_field(flavor.get("disk"), field="flavor.disk", collector=collector, default=0)
    min_disk = int_field(image_props.get("min_disk"), field="image.min_disk", collector=collector, default=0)
    virtual = int_field(image_props.get("virtual_size"), field="image.virtual_size", collector=collector, default=0)
    size = int_field(image_props.get("size"), field="image.size", collector=collector, default=0)
    candidates = [flavor_disk, min_disk, math.ceil(virtual / GIB) if virtual else 0]
    if not any(candidates) and size:
        candidates.append(math.ceil(size / GIB))
    best = max(candidates)
    if best <= 0:
        raise collector.fail("flavor.disk", "root disk size unknown: flavor disk is 0 and the image has no min_disk, virtual_size or size")
    return best


def cinder_volume_disk(volume: dict, attachment_device: str, collector: FindingCollector, index: int) -> DiskSpec:
    size = int_field(volume.get("size"), field=f"volumes[{volume.get('id')}].size", collector=collector, default=None)
    if not size:
        raise collector.fail(f"volumes[{volume.get('id')}].size", "volume has no size")
    return DiskSpec(
        volume_name=f"disk{index}",
        size_gib=size,
        kind="cinder-volume",
        source_id=str(volume["id"]),
        device=attachment_device,
        shared=bool(volume.get("multiattach")),
    )


def scratch_disks(flavor: dict, collector: FindingCollector) -> list[dict]:
    """Ephemeral and swap disks as emptyDisk volumes (name, capacity) with the warnings users must see."""
    disks = []
    ephemeral = int_field(flavor.get("ephemeral", flavor.get("OS-FLV-EXT-DATA:ephemeral")), field="flavor.ephemeral", collector=collector, default=0)
    if ephemeral:
        disks.append({"name": "ephemeral0", "capacity": f"{ephemeral}Gi", "kind": "ephemeral", "size_gib": ephemeral})
        collector.warn(
            "flavor.ephemeral",
            f"{ephemeral}Gi ephemeral disk becomes an emptyDisk: its contents are not "
            "copied, and it is blank and unformatted at every VM start (fstab entries for it may fail)",
        )
    swap_mib = int_field(flavor.get("swap"), field="flavor.swap", collector=collector, default=0)
    if swap_mib:
        swap_gib = math.ceil(swap_mib / 1024)
        disks.append({"name": "swap0", "capacity": f"{swap_gib}Gi", "kind": "swap", "size_gib": swap_gib})
        collector.warn(
            "flavor.swap",
            f"{swap_mib}MiB swap disk becomes a blank {swap_gib}Gi emptyDisk; the guest must "
            "run mkswap on it at boot (Nova formatted it), or drop swap from /etc/fstab",
        )
    return disks


def scratch_request_gib(scratch: list[dict]) -> int:
    """Node ephemeral storage the emptyDisks take: they are sparse files in the virt-launcher pod's storage."""
    return sum(int(disk["size_gib"]) for disk in scratch)


def guest_device_prefix(bus: str) -> str:
    return _GUEST_PREFIX.get(bus, "vd")


def recorded_device_prefix(device: str) -> str | None:
    match = _RECORDED_PREFIX_RE.match(device or "")
    return match.group(1) if match else None


def mentions_device(text: str, device: str) -> bool:
    """True when text names the device ("/dev/vdb", "vdb" or a partition "vdb1"), not a longer name ("xvdb")."""
    name = re.escape(device.rsplit("/", 1)[-1])
    return re.search(rf"(?<![A-Za-z0-9]){name}(?![a-z])", text) is not None


def renamed_device_mentions(devices: list[tuple[str, str]], bus: str, texts: dict[str, str]) -> list[tuple[str, str, str]]:
    """(subject id, recorded device, where it is mentioned) for devices the new bus renames in the guest.

    Nova records the device name it asked for, which the guest ignores when the image's bus
    differs; guest configuration written against the recorded name then points at nothing.
    """
    prefix = guest_device_prefix(bus)
    found = []
    for subject_id, device in devices:
        recorded = recorded_device_prefix(device)
        if recorded is None or recorded == prefix:
            continue
        source = next((name for name, text in texts.items() if text and mentions_device(text, device)), None)
        if source is not None:
            found.append((subject_id, device, source))
    return found
