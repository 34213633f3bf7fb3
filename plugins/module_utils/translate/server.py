# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One Nova server -> VirtualMachine, DataVolumes and Secrets, plus its plan entry.

Everything that can go wrong with one server is turned into findings on that server; a
blocked server yields no objects and never affects the other servers of the tenant.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import json

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import addressing as _addressing
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import disk_plan as _disk_plan
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import disks as _disks
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import guest as _guest
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import migratability as _migratability
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import (
    BLOCKER,
    WARNING,
    Finding,
    FindingCollector,
    TranslationError,
    describe,
)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import (
    SERVER_ID_LABEL,
    SOURCE_NAME_ANNOTATION,
    k8s_object,
    object_meta,
)
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.network import server_networking
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import DISK_GLANCE, DISK_MANUAL, DISK_TVO, TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.prerequisites import vm_prerequisites
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.secgroup import port_isolation_labels
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.snapshot import TenantSnapshot
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.snapshot_checks import annotations_over_limit, fill_flavor_disk
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.vm_domain import build_domain

READY, WARN, BLOCKED = "ready", "warning", "blocked"
# The server field each free-form annotation is copied from, for findings that name the field.
_ANNOTATION_SOURCES = {_guest.METADATA_ANNOTATION: "metadata", _guest.TAGS_ANNOTATION: "tags", SOURCE_NAME_ANNOTATION: "name"}
ROOT_DEVICES = ("/dev/vda", "/dev/sda", "/dev/xvda", "/dev/hda")
# The Nova status a server has after os-stop (apply mode's stop of the source).
STOPPED_STATUS = "SHUTOFF"
_NOTE_SCRATCH = (
    "the emptyDisks ({gib} GiB, requested as ephemeral-storage) are copied to the target node on every "
    "live migration, which makes each migration move that much more data"
)
_NOTE_POD_ADDRESS = (
    "the pod-network interface gets a cluster-assigned address (masquerade); the OpenStack fixed IP is "
    "not kept there: reach the VM through its floating IP or the DNS names under 'addresses'"
)


@dataclasses.dataclass
class ServerResult:
    """One server's translation: its objects by role, what its VM mounts, and its plan row (a report only)."""

    server_id: str
    name: str
    vm_name: str
    status: str
    findings: list[Finding]
    plan: dict
    # Nova status at export time (ACTIVE, SHUTOFF, ...).
    source_status: str = ""
    virtualmachine: dict | None = None
    # The DataVolumes this server creates; a volume shared by several servers is created by one of them only.
    datavolumes: list[dict] = dataclasses.field(default_factory=list)
    # The server's own Secrets (cloud-init user data).
    secrets: list[dict] = dataclasses.field(default_factory=list)
    # Every DataVolume the VM mounts, in volume order, including a shared one another server creates.
    datavolume_names: list[str] = dataclasses.field(default_factory=list)
    # Every Secret the VM mounts, sorted, including the tenant's keypair Secret.
    secret_names: list[str] = dataclasses.field(default_factory=list)
    # The Neutron port behind the VM's pod-network (masquerade) interface, if it has one.
    pod_port: dict | None = None
    # The pod port when it is also the VM's first interface: the port a floating IP's Service selects the VM through.
    primary_port: dict | None = None
    boot_from_volume: bool = False
    # Size of the root DataVolume of an image-booted server (the quota counts it); 0 when it boots from a volume.
    root_disk_gib: int = 0
    # The key pair whose public key the VM's accessCredentials inject, if any.
    key_name: str | None = None
    # What the VM was made from: instancetypes and preferences are named after them.
    flavor_name: str = ""
    flavor_id: str = ""
    image_name: str = ""
    image_id: str = ""
    # How the disks of the DataVolumes this server creates get their data: source_id, datavolume, kind and the
    # plan's transfer entry (method, source, size_bytes, checksum_verified, ...), in volume order.
    disk_transfers: list[dict] = dataclasses.field(default_factory=list)

    @property
    def objects(self) -> list[dict]:
        return self.datavolumes + self.secrets + ([self.virtualmachine] if self.virtualmachine is not None else [])


@dataclasses.dataclass
class _VmDisks:
    """The VM's disks and volumes as they are built, with the DataVolumes and plan rows behind them."""

    bus: str
    datavolumes: list[dict] = dataclasses.field(default_factory=list)
    disks: list[dict] = dataclasses.field(default_factory=list)
    volumes: list[dict] = dataclasses.field(default_factory=list)
    rows: list[dict] = dataclasses.field(default_factory=list)

    def add(self, volume: dict, *, boot: bool = False, shareable: bool = False) -> None:
        disk = {"name": volume["name"], "disk": {"bus": self.bus}}
        if boot:
            disk["bootOrder"] = 1
        if shareable:
            disk["shareable"] = True
        self.disks.append(disk)
        self.volumes.append(volume)

    def boot_disk_first(self) -> None:
        """The boot disk first, as the guest's /dev/vda."""
        order = sorted(range(len(self.disks)), key=lambda i: self.disks[i]["name"] != "root")
        self.disks[:] = [self.disks[i] for i in order]
        self.volumes[:] = [self.volumes[i] for i in order]


def _flavor(server: dict, snapshot: TenantSnapshot, collector: FindingCollector) -> dict:
    """The embedded flavor (microversion >= 2.47); else the flavor list entry still referenced by id."""
    flavor = server.get("flavor")
    if not isinstance(flavor, dict):
        raise collector.fail("flavor", "server has no flavor object")
    if "vcpus" in flavor and "ram" in flavor:
        embedded = dict(flavor)
        embedded.setdefault("extra_specs", {})
        return embedded
    listed = snapshot.flavors_by_id.get(str(flavor.get("id")))
    if listed is None:
        raise collector.fail(
            "flavor",
            f"flavor {flavor.get('id')!r} is neither embedded in the server (export with "
            "compute microversion >= 2.47) nor in the snapshot's flavors; its size is unknown",
        )
    merged = dict(listed)
    merged.setdefault("ephemeral", listed.get("OS-FLV-EXT-DATA:ephemeral", 0))
    merged["original_name"] = listed.get("name")
    merged.setdefault("extra_specs", {})
    return merged


def _attached_volumes(server: dict, snapshot: TenantSnapshot, collector: FindingCollector) -> list[tuple[dict, str]]:
    """(volume, device) for every attached volume, in device order."""
    attached = []
    for entry in server.get("os-extended-volumes:volumes_attached") or []:
        volume_id = str(entry.get("id"))
        volume = snapshot.volumes_by_id.get(volume_id)
        if volume is None:
            raise collector.fail(
                f"os-extended-volumes:volumes_attached[{volume_id}]", "attached volume is not in the snapshot's volumes; its data would be lost"
            )
        device = ""
        for attachment in volume.get("attachments") or []:
            if str(attachment.get("server_id")) == str(server.get("id")):
                device = str(attachment.get("device") or "")
        attached.append((volume, device))
    return sorted(attached, key=lambda pair: _disks.device_sort_key(pair[1]))


def _root_volume(server: dict, attached: list[tuple[dict, str]], collector: FindingCollector) -> dict:
    root_device = server.get("OS-EXT-SRV-ATTR:root_device_name")
    for volume, device in attached:
        if device and (device == root_device or (not root_device and device in ROOT_DEVICES)):
            return volume
    bootable = [v for v, _device in attached if str(v.get("bootable")).lower() == "true"]
    if bootable:
        return bootable[0]
    raise collector.fail("image", "server boots from volume (image is empty) but no attached volume is its root disk")


def _image_props(server: dict, snapshot: TenantSnapshot, root_volume: dict | None, collector: FindingCollector) -> dict:
    if root_volume is not None:
        metadata = root_volume.get("volume_image_metadata")
        if not metadata:
            collector.warn(
                f"volumes[{root_volume.get('id')}].volume_image_metadata",
                "boot volume carries no image metadata; defaults assumed (BIOS firmware, virtio disk and NIC)",
            )
        return dict(metadata or {})
    image_ref = server.get("image")
    image_id = str(image_ref.get("id")) if isinstance(image_ref, dict) else str(image_ref or "")
    image = snapshot.images_by_id.get(image_id)
    if image is None:
        raise collector.fail(
            "image.id",
            f"image {image_id} is not in the snapshot (deleted from Glance?): its "
            "properties (firmware, buses, OS type) and the root disk size cannot be known. Restore the "
            "image or add its properties to the snapshot",
        )
    return dict(image)


def _warn_renamed_devices(server: dict, attached: list[tuple[dict, str]], bus: str, collector: FindingCollector) -> None:
    metadata = server.get("metadata")
    texts = {"user data": _guest.readable_user_data(server), "metadata": json.dumps(metadata) if isinstance(metadata, dict) else ""}
    devices = [(str(volume.get("id")), device) for volume, device in attached]
    for volume_id, device, source in _disks.renamed_device_mentions(devices, bus, texts):
        prefix = _disks.guest_device_prefix(bus)
        collector.warn(
            f"volumes[{volume_id}].attachments.device",
            f"recorded device {device} is named in the server's {source}, but on the {bus} disk bus the "
            f"guest calls its disks /dev/{prefix}X: an fstab entry or script using {device} may find no "
            "disk and the guest may not boot; refer to the filesystem by UUID= or LABEL=",
        )


def _pod_ipv6(networking, ci_volume: dict, secrets: list[dict], options: TranslationOptions, collector: FindingCollector) -> None:
    """Masquerade gives the guest IPv6 only at KubeVirt's fixed address, which the guest must configure itself."""
    pod_row = next((row for row in networking.plan_rows if row["target"].startswith("pod")), None)
    addresses = _addressing.ipv6_addresses(pod_row["fixed_ips"]) if pod_row else []
    if not addresses:
        return
    field = f"ports[{pod_row['port_id']}].fixed_ips"
    lost = ", ".join(addresses)
    source = ci_volume.get("cloudInitNoCloud")
    if not options.ipv6_network_data:
        collector.warn(
            field,
            f"IPv6 address {lost} is not kept: on masquerade the guest reaches IPv6 only through "
            f"{_addressing.MASQUERADE_GUEST_IPV6}, which it must configure itself (set "
            "ipv6_network_data: true to give it cloud-init networkData); until then its IPv6 "
            "security-group rules have nothing to apply to",
        )
    elif source is None or not pod_row.get("mac"):
        collector.warn(
            field,
            f"IPv6 address {lost} is not kept, and no networkData is emitted for a config drive "
            f"guest (cloudbase-init): configure {_addressing.MASQUERADE_GUEST_IPV6} via "
            f"{_addressing.MASQUERADE_GATEWAY_IPV6} in the guest",
        )
    else:
        secret = next(s for s in secrets if s["metadata"]["name"] == source["secretRef"]["name"])
        network_data = _addressing.masquerade_ipv6_network_data(pod_row["mac"])
        secret["data"]["networkdata"] = base64.b64encode(network_data.encode()).decode()
        source["networkDataSecretRef"] = {"name": secret["metadata"]["name"]}
        collector.warn(
            field,
            f"IPv6 address {lost} becomes {_addressing.MASQUERADE_GUEST_IPV6} (masquerade) through "
            "cloud-init networkData, which replaces the guest's fallback network configuration; "
            "the IPv6 security-group rules apply again",
        )


def _live_migration(vm: dict, vm_volumes: list[dict], options: TranslationOptions, collector: FindingCollector) -> dict:
    """Sets the VM's evictionStrategy from KubeVirt's LiveMigratable rules; returns the plan fields."""
    claim_modes = {v["dataVolume"]["name"]: [options.disk_access_mode] for v in vm_volumes if "dataVolume" in v}
    blockers = _migratability.live_migration_blockers(vm, claim_access_modes=claim_modes, cluster_tsc_frequency=options.cluster_tsc_frequency)
    caveats = _migratability.migration_caveats(vm)
    strategy = _migratability.eviction_strategy(options.eviction_strategy, blockers, caveats)
    if strategy is not None:
        vm["spec"]["template"]["spec"]["evictionStrategy"] = strategy
    for blocker in blockers:
        if blocker.reason == _migratability.NO_TSC_FREQUENCY:
            collector.warn(
                "image.os_type",
                f"Windows guests keep Hyper-V re-enlightenment, which KubeVirt "
                f"{_migratability.KUBEVIRT_VERSION} migrates only when the cluster exposes a "
                "TSC frequency; until then a drain "
                + ("shuts this VM down" if strategy == "LiveMigrateIfPossible" else "cannot migrate it")
                + " (set cluster_tsc_frequency: true once the nodes carry a TSC frequency label)",
            )
    return _migratability.plan_entry(blockers, strategy, caveats)


def translate_server(
    server: dict,
    *,
    vm_name: str,
    namespace: str,
    snapshot: TenantSnapshot,
    dv_names: dict[str, str],
    options: TranslationOptions,
    disk_method: str | None = None,
) -> ServerResult:
    """dv_names: DataVolume name per disk key ("<server id>:root" or a volume id), allocated tenant-wide.

    disk_method: how this server's disks are exported (translate_tenant resolves disk_method_by_server).
    """
    server_id = str(server.get("id"))
    if disk_method is None:
        disk_method = options.disk_method_for_server(server_id, server.get("name") if isinstance(server.get("name"), str) else None)
    collector = FindingCollector("server", describe(server, "server"))
    collector.findings.extend(snapshot.server_findings.get(server_id, []))
    server, recorded = _status_before_stop(server, server_id, options)
    plan: dict = {"id": server_id, "name": server.get("name"), "vm_name": vm_name, "source_status": server.get("status")}
    if recorded:
        plan["source_status_from"] = recorded
    result = ServerResult(
        server_id, str(server.get("name") or server_id), vm_name, READY, collector.findings, plan, source_status=str(server.get("status") or "")
    )
    try:
        # A server whose own fields already block it is not translated further: more findings would only repeat it.
        if not collector.blocked:
            _build(server, result, namespace=namespace, snapshot=snapshot, dv_names=dv_names, options=options, collector=collector, disk_method=disk_method)
    except TranslationError as exc:
        collector.findings.append(exc.finding)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError):
        # Malformed input we did not anticipate must still only block this server. The exception text names
        # Python internals, not a field the user knows, so it stays out of the plan.
        collector.block(
            "server",
            "a field of this server (or of its flavor, image, volumes or ports) has a value of a "
            "type the OpenStack API never returns; compare them with the API reference",
        )
    findings = collector.findings
    if any(f.severity == BLOCKER for f in findings):
        result = ServerResult(server_id, result.name, vm_name, BLOCKED, findings, plan, source_status=result.source_status)
    elif any(f.severity == WARNING for f in findings):
        result.status = WARN
    plan["status"] = result.status
    plan["findings"] = [f.as_dict() for f in findings]
    return result


def _status_before_stop(server: dict, server_id: str, options: TranslationOptions) -> tuple[dict, dict | None]:
    """The server as it was before apply mode stopped it, and what the plan says about where its status came from.

    Only a server the cloud shows SHUTOFF (what our stop leaves) takes the recorded status: a record of a stop that
    never happened, or a server that has since changed otherwise (started again, ERROR, deleted), changes nothing.
    """
    before = options.source_status_before_stop.get(server_id)
    now = str(server.get("status") or "")
    if not before or now.upper() != STOPPED_STATUS or before.upper() == STOPPED_STATUS:
        return server, None
    note = {
        "record": f"stopped.{server_id}",
        "cloud_status": now,
        "reason": f"apply mode stopped this server (status {before} before); the VM is translated as it was before the stop",
    }
    return {**server, "status": before}, note


def _build(
    server: dict,
    result: ServerResult,
    *,
    namespace: str,
    snapshot: TenantSnapshot,
    dv_names: dict[str, str],
    options: TranslationOptions,
    collector: FindingCollector,
    disk_method: str,
) -> None:
    """Fills result with the server's objects and its plan row; raises TranslationError on a blocker."""
    vm_name = result.vm_name
    strategy = _guest.run_strategy(server, collector)
    flavor = _flavor(server, snapshot, collector)
    attached = _attached_volumes(server, snapshot, collector)
    boot_from_volume = not server.get("image")
    root_volume = _root_volume(server, attached, collector) if boot_from_volume else None
    image_props = _image_props(server, snapshot, root_volume, collector)
    spec = build_domain(flavor, image_props, collector=collector, options=options)
    for finding in spec.findings:
        if finding not in collector.findings:
            collector.findings.append(finding)

    disks, scratch = _vm_disks(server, result, spec.disk_bus, flavor, image_props, attached, root_volume, namespace, snapshot, dv_names, options, collector)

    keypair = snapshot.keypairs_by_name.get(server.get("key_name") or "")
    ci_volume, secrets, access, datasource = _guest.cloud_init(
        server, vm_name=vm_name, namespace=namespace, keypair=keypair, windows=spec.os_windows, collector=collector
    )
    disks.add(ci_volume)

    networking = server_networking(
        server,
        snapshot.server_ports(result.server_id),
        networks_by_id=snapshot.networks_by_id,
        namespace=namespace,
        nic_model=spec.nic_model,
        options=options,
        collector=collector,
        vm_name=vm_name,
        subnets_by_id=snapshot.subnets_by_id,
    )
    _pod_ipv6(networking, ci_volume, secrets, options, collector)
    scratch_gib = _disks.scratch_request_gib(scratch)
    template = _template(server, result, spec, disks, networking, access, scratch_gib, options)
    annotations = {"ostokubevirt.io/flavor": _flavor_name(flavor), "ostokubevirt.io/cloud-init-datasource": datasource}
    vm = _virtual_machine(server, result, namespace, strategy, template, annotations, boot_from_volume)
    for obj in disks.datavolumes + secrets + [vm]:
        oversized = annotations_over_limit(obj)
        if oversized:
            largest, reason = oversized
            raise collector.fail(_ANNOTATION_SOURCES.get(largest, largest), reason)

    # Last before the record: a blocked server exports nothing, so it gets no transfer warnings either.
    if not collector.blocked:
        _plan_transfers(result, server, flavor, disks, attached, dv_names, disk_method, options, collector)
    _record(result, server, snapshot, vm, disks, secrets, access, networking, flavor=flavor, image_props=image_props, boot_from_volume=boot_from_volume)
    _plan_row(result, server, disks, networking, options, collector, flavor=flavor, strategy=strategy, datasource=datasource, scratch_gib=scratch_gib)


def _vm_disks(
    server: dict,
    result: ServerResult,
    bus: str,
    flavor: dict,
    image_props: dict,
    attached: list[tuple[dict, str]],
    root_volume: dict | None,
    namespace: str,
    snapshot: TenantSnapshot,
    dv_names: dict[str, str],
    options: TranslationOptions,
    collector: FindingCollector,
) -> tuple[_VmDisks, list[dict]]:
    """The root disk (or root volume), the other volumes and the scratch disks, in the order the guest sees them."""
    disks = _VmDisks(bus)
    if root_volume is None:
        result.root_disk_gib = _add_root_disk(disks, server, flavor, image_props, namespace, snapshot, dv_names, options, collector)
    _add_volume_disks(disks, server, attached, root_volume, namespace, dv_names, options, collector)
    if root_volume is not None:
        disks.boot_disk_first()
    scratch = _disks.scratch_disks(flavor, collector)
    _add_scratch_disks(disks, scratch)
    _warn_renamed_devices(server, attached, bus, collector)
    return disks, scratch


def _plan_transfers(
    result: ServerResult,
    server: dict,
    flavor: dict,
    disks: _VmDisks,
    attached: list[tuple[dict, str]],
    dv_names: dict[str, str],
    method: str,
    options: TranslationOptions,
    collector: FindingCollector,
) -> None:
    """Each DataVolume's transfer entry on its plan row and on result.disk_transfers, and the warnings they call for."""
    volumes = {str(volume.get("id")): volume for volume, _device in attached}
    for row in disks.rows:
        kind = row.get("kind")
        if kind not in ("root-disk", "cinder-volume"):
            continue
        source_id = row["source_id"]
        owner = dv_names.get(f"owner:{source_id}") if kind == "cinder-volume" else result.server_id
        if owner != result.server_id:
            # A multi-attach volume is exported once, with the server that creates its DataVolume.
            row["transfer"] = {"exported_with_server": owner}
            continue
        transfer = _disk_plan.disk_transfer(
            kind=kind,
            source_id=source_id,
            dv_name=row["datavolume"],
            size_gib=int(row["size_gib"]),
            method=method,
            server=server,
            options=options,
            volume=volumes.get(source_id),
        )
        row["transfer"] = transfer
        # A copy: the apply side records progress on these entries, which must not change the plan's report.
        result.disk_transfers.append({"source_id": source_id, "datavolume": row["datavolume"], "kind": kind, **copy.deepcopy(transfer)})
    _warn_transfers(result, server, flavor, options, collector)


def _warn_transfers(result: ServerResult, server: dict, flavor: dict, options: TranslationOptions, collector: FindingCollector) -> None:
    exported = [t for t in result.disk_transfers if t["method"] != DISK_MANUAL]
    status = str(server.get("status") or "")
    for transfer in exported:
        if not transfer["checksum_verified"]:
            collector.warn(
                "verify_disk_checksums",
                f"disk {transfer['datavolume']} ({transfer['source_id']}) is imported without a checksum check "
                "(verify_disk_checksums: false, for CDI older than 1.65): a disk damaged in transit is not detected",
            )
        if transfer["kind"] == "root-disk" and status not in _disk_plan.EXPORTABLE_STATUSES:
            collector.warn(
                "status",
                f"server status {status or 'unknown'}: its root disk cannot be exported ({transfer['method']}) unless the "
                f"server is {', '.join(_disk_plan.EXPORTABLE_STATUSES)} (a shelved-offloaded server has no disk on any host); "
                "the export of this VM will fail",
            )
        if transfer["method"] == DISK_TVO and transfer["kind"] == "root-disk":
            reason = _disk_plan.tvo_unmappable_reason(server, flavor)
            if reason:
                collector.warn(_disk_plan.ROOT_DEVICE_FIELD, f"disk_method tvo: {reason}")
    if any(t["method"] == DISK_GLANCE and t["consistency"] == _disk_plan.CRASH_CONSISTENT for t in exported):
        collector.warn(
            "status",
            f"VM {result.vm_name}: its disks are exported while the server runs (status {status or 'unknown'}), so the "
            "copy is crash-consistent, like after a power cut; set migration_stop_source: true (option stop_source) "
            "to stop it first for a cold copy",
        )


def _virtual_machine(server: dict, result: ServerResult, namespace: str, strategy: str, template: dict, annotations: dict, boot_from_volume: bool) -> dict:
    """The VirtualMachine; its annotations keep what Kubernetes labels cannot hold (metadata, tags, the image id)."""
    meta_labels, meta_annotations = _guest.metadata_labels_and_annotations(server)
    annotations = {**annotations, **meta_annotations}
    if not boot_from_volume:
        image_ref = server.get("image") or {}
        annotations["ostokubevirt.io/image-id"] = str(image_ref.get("id") if isinstance(image_ref, dict) else image_ref)
    vm_meta = object_meta(
        result.vm_name,
        namespace,
        source_type="nova.server",
        source_id=result.server_id,
        source_name=server.get("name"),
        labels={SERVER_ID_LABEL: result.server_id, **meta_labels},
        annotations=annotations,
    )
    return k8s_object("kubevirt.io/v1", "VirtualMachine", vm_meta, spec={"runStrategy": strategy, "template": template})


def _record(
    result: ServerResult,
    server: dict,
    snapshot: TenantSnapshot,
    vm: dict,
    disks: _VmDisks,
    secrets: list[dict],
    access: dict | None,
    networking,
    *,
    flavor: dict,
    image_props: dict,
    boot_from_volume: bool,
) -> None:
    """The server's objects, and what they mount and were made from, on its result."""
    result.virtualmachine = vm
    result.boot_from_volume = boot_from_volume
    result.key_name = server.get("key_name") if access else None
    result.flavor_name, result.flavor_id = _flavor_name(flavor), str(flavor.get("id") or "")
    result.image_name = str(image_props.get("name") or image_props.get("image_name") or "")
    result.image_id = str(image_props.get("id") or image_props.get("image_id") or "")
    result.datavolumes = disks.datavolumes
    result.secrets = secrets
    result.datavolume_names = [v["dataVolume"]["name"] for v in disks.volumes if "dataVolume" in v]
    keypair_secrets = {access["sshPublicKey"]["source"]["secret"]["secretName"]} if access else set()
    result.secret_names = sorted({s["metadata"]["name"] for s in secrets} | keypair_secrets)
    pod_rows = [index for index, row in enumerate(networking.plan_rows) if row["target"].startswith("pod")]
    if pod_rows:
        result.pod_port = snapshot.ports_by_id.get(str(networking.plan_rows[pod_rows[0]]["port_id"]))
        result.primary_port = result.pod_port if pod_rows[0] == 0 else None


def _add_root_disk(
    disks: _VmDisks,
    server: dict,
    flavor: dict,
    image_props: dict,
    namespace: str,
    snapshot: TenantSnapshot,
    dv_names: dict[str, str],
    options: TranslationOptions,
    collector: FindingCollector,
) -> int:
    """An image-booted server's root disk: a DataVolume sourced from the server itself."""
    server_id = str(server["id"])
    fill_flavor_disk(flavor, snapshot.flavors_by_name, collector)
    size = _disks.root_disk_size_gib(flavor, image_props, collector)
    dv_name = dv_names[f"{server_id}:root"]
    storage_class = _disks.storage_class_for(None, options)
    disks.datavolumes.append(
        _disks.datavolume(
            dv_name,
            namespace,
            size_gib=size,
            storage_class=storage_class,
            options=options,
            source_kind="nova-root-disk",
            source_id=server_id,
            source_name=server.get("name"),
            source_type="nova.server.root_disk",
        )
    )
    disks.add({"name": "root", "dataVolume": {"name": dv_name}}, boot=True)
    disks.rows.append(_disks.DiskSpec("root", size, "root-disk", server_id, "", dv_name, storage_class, True).plan_row())
    return size


def _add_volume_disks(
    disks: _VmDisks,
    server: dict,
    attached: list[tuple[dict, str]],
    root_volume: dict | None,
    namespace: str,
    dv_names: dict[str, str],
    options: TranslationOptions,
    collector: FindingCollector,
) -> None:
    """Cinder volumes, one DataVolume each; a shared volume's DataVolume comes from the server allocated to own it."""
    for index, (volume, device) in enumerate(attached):
        disk = _disks.cinder_volume_disk(volume, device, collector, index)
        is_root = volume is root_volume
        disk.volume_name = "root" if is_root else f"disk{index}"
        disk.boot = is_root
        disk.datavolume = dv_names[str(volume["id"])]
        disk.storage_class = _disks.storage_class_for(volume.get("volume_type"), options)
        if disk.shared:
            collector.warn(
                f"volumes[{volume['id']}].multiattach",
                "multi-attach volume becomes one shareable DataVolume; the guests must coordinate access as they did on OpenStack",
            )
        if dv_names.get(f"owner:{volume['id']}") == str(server["id"]):
            disks.datavolumes.append(
                _disks.datavolume(
                    disk.datavolume,
                    namespace,
                    size_gib=disk.size_gib,
                    storage_class=disk.storage_class,
                    options=options,
                    source_kind="cinder-volume",
                    source_id=str(volume["id"]),
                    source_name=volume.get("name"),
                    source_type="cinder.volume",
                )
            )
        disks.add({"name": disk.volume_name, "dataVolume": {"name": disk.datavolume}}, boot=is_root, shareable=disk.shared)
        disks.rows.append(disk.plan_row())


def _add_scratch_disks(disks: _VmDisks, scratch: list[dict]) -> None:
    """Flavor ephemeral and swap disks: emptyDisks, which live migration copies."""
    for disk in scratch:
        disks.add({"name": disk["name"], "emptyDisk": {"capacity": disk["capacity"]}})
        disks.rows.append({"volume_name": disk["name"], "size_gib": disk["size_gib"], "kind": disk["kind"], "copied_on_live_migration": True})


def _domain(spec, disks: _VmDisks, networking, server_id: str, scratch_gib: int) -> dict:
    """spec.domain from the flavor and image, completed with the server's disks, NICs and firmware UUID."""
    domain = dict(spec.domain)
    if scratch_gib:
        resources = {key: dict(value) for key, value in (domain.get("resources") or {}).items()}
        resources.setdefault("requests", {})["ephemeral-storage"] = f"{scratch_gib}Gi"
        domain["resources"] = resources
    domain["firmware"] = {**domain.get("firmware", {}), "uuid": server_id}
    devices = dict(domain.get("devices") or {})
    devices["disks"] = disks.disks
    devices["interfaces"] = networking.interfaces
    if not networking.interfaces:
        devices["autoattachPodInterface"] = False
    domain["devices"] = devices
    return domain


def _template(
    server: dict, result: ServerResult, spec, disks: _VmDisks, networking, access: dict | None, scratch_gib: int, options: TranslationOptions
) -> dict:
    """The VM's spec.template: pod labels and the VMI spec."""
    labels = {SERVER_ID_LABEL: result.server_id, "kubevirt.io/domain": result.vm_name}
    if networking.primary_port is not None:
        labels.update(port_isolation_labels(networking.primary_port))
    template_spec: dict = {
        "hostname": _guest.hostname(server),
        "domain": _domain(spec, disks, networking, result.server_id, scratch_gib),
        "volumes": disks.volumes,
    }
    if networking.networks:
        template_spec["networks"] = networking.networks
    if options.address_mode == _addressing.POD and networking.primary_port is not None:
        template_spec["subdomain"] = _addressing.HOSTNAMES_SERVICE
        labels[_addressing.SUBDOMAIN_LABEL] = _addressing.HOSTNAMES_SERVICE
    if access:
        template_spec["accessCredentials"] = [access]
    if spec.node_selector:
        template_spec["nodeSelector"] = dict(spec.node_selector)
    return {"metadata": {"labels": labels}, "spec": template_spec}


def _flavor_name(flavor: dict) -> str:
    return str(flavor.get("original_name") or flavor.get("name") or "")


def _plan_row(
    result: ServerResult,
    server: dict,
    disks: _VmDisks,
    networking,
    options: TranslationOptions,
    collector: FindingCollector,
    *,
    flavor: dict,
    strategy: str,
    datasource: str,
    scratch_gib: int,
) -> None:
    """The server's plan row: what it becomes, its prerequisites and the notes a person should read."""
    plan, vm = result.plan, result.virtualmachine
    plan.update(_live_migration(vm, disks.volumes, options, collector))
    plan["prerequisites"] = vm_prerequisites(vm)
    if networking.static_attachments:
        plan["addresses"] = {"mode": "static", "network_attachments": networking.static_attachments}
        plan["prerequisites"] += [_addressing.nad_prerequisite(a) for a in networking.static_attachments]
    plan.update(
        {
            "run_strategy": strategy,
            "flavor": result.flavor_name,
            "flavor_id": result.flavor_id,
            "image": result.image_name,
            "image_id": result.image_id,
            "vcpus": int(flavor.get("vcpus") or 0),
            "ram_mib": int(flavor.get("ram") or 0),
            "disk_gib": sum(int(row.get("size_gib") or 0) for row in disks.rows),
            "boot_from_volume": result.boot_from_volume,
            "cloud_init_datasource": datasource,
            "key_name": result.key_name,
            "disks": disks.rows,
            "interfaces": networking.plan_rows,
            "fixed_ips": [ip for row in networking.plan_rows for ip in row["fixed_ips"]],
            "security_groups": sorted({str(sg.get("name")) for sg in server.get("security_groups") or [] if isinstance(sg, dict)}),
        }
    )
    if scratch_gib:
        plan.setdefault("notes", []).append(_NOTE_SCRATCH.format(gib=scratch_gib))
    if any(row["fixed_ips"] for row in networking.plan_rows if row["target"].startswith("pod")):
        plan.setdefault("notes", []).append(_NOTE_POD_ADDRESS)
