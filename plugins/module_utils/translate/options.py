# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""User-tunable translation settings, validated once per run.

The same options drive render and apply; every field has a safe default so a plain
render of a snapshot needs no configuration at all.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import type_name
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.migratability import EVICTION_CHOICES
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.naming import is_dns_label, is_dns_subdomain

DEFAULT_ROLE_MAP = {
    "admin": "admin",
    "member": "edit",
    "_member_": "edit",
    "reader": "view",
}
LB_IP_ANNOTATION_STYLES = {
    # style -> (annotation key or None, put the address in spec.loadBalancerIP)
    "metallb": ("metallb.io/loadBalancerIPs", False),
    "metallb-legacy": ("metallb.universe.tf/loadBalancerIPs", False),
    "kube-vip": ("kube-vip.io/loadbalancerIPs", False),
    "cilium": ("lbipam.cilium.io/ips", False),
    "spec": (None, True),
}
ACCESS_MODES = ("ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")
VOLUME_MODES = ("Block", "Filesystem")
POD_NETWORK = "pod"
ADDRESS_POD, ADDRESS_STATIC = "pod", "static"
ADDRESS_MODES = (ADDRESS_POD, ADDRESS_STATIC)
INSTANCETYPE_SCOPES = ("cluster", "namespaced")
FORBIDDEN_CLUSTER_ROLES = ("cluster-admin",)
DISK_GLANCE, DISK_TVO, DISK_MANUAL = "glance", "tvo", "manual"
DISK_METHODS = (DISK_GLANCE, DISK_TVO, DISK_MANUAL)
GLANCE_INTERFACES = ("public", "internal", "admin")


class OptionsError(ValueError):
    """Bad user configuration: names the option and what is wrong with it."""


@dataclasses.dataclass(frozen=True)
class TranslationOptions:
    # Cinder volume type (name or id) -> StorageClass; "default" key used for untyped volumes and root disks.
    storage_map: Mapping = dataclasses.field(default_factory=dict)
    # Neutron network (name or id) -> Multus NetworkAttachmentDefinition "ns/name", or "pod".
    network_map: Mapping = dataclasses.field(default_factory=dict)
    # Keystone role name -> ClusterRole name; roles absent from the map are reported, not bound.
    role_map: Mapping = dataclasses.field(default_factory=lambda: dict(DEFAULT_ROLE_MAP))
    user_subject_prefix: str = ""
    group_subject_prefix: str = ""
    # "key=value" (as in aggregate_instance_extra_specs:key=value or a raw extra spec) -> nodeSelector labels.
    node_selector_map: Mapping = dataclasses.field(default_factory=dict)
    lb_ip_annotation_style: str = "metallb"
    disk_access_mode: str = "ReadWriteMany"
    disk_volume_mode: str = "Block"
    # Ports in one security-group rule range beyond which a floating-IP Service does not enumerate them.
    service_port_range_limit: int = 64
    namespace: str | None = None
    # OpenStack image/volume/server id -> CDI DataVolume source (e.g. {"http": {"url": ..., "checksum"?...}}).
    disk_sources: Mapping = dataclasses.field(default_factory=dict)
    # Per-VM allowance for virt-launcher memory overhead added to the memory quota.
    quota_vm_overhead_memory_mib: int = 256
    # Translate a snapshot whose security groups or ports were not read (source.unreadable): no NetworkPolicy.
    allow_unread_security_groups: bool = False
    # spec.template.spec.evictionStrategy: "auto" (LiveMigrate, or LiveMigrateIfPossible where the VM cannot
    # migrate), "cluster" (left to the KubeVirt CR's default) or one of KubeVirt's values.
    eviction_strategy: str = "auto"
    # The cluster exposes a TSC frequency (nodes labelled by virt-handler), so Hyper-V re-enlightenment migrates.
    cluster_tsc_frequency: bool = False
    # "pod": hostname + subdomain and Services give VMs stable DNS names; "static": keep the fixed IPs on a bridge.
    address_mode: str = "pod"
    # address_mode static: Neutron network (name or id) -> Linux bridge on the nodes carrying its segment.
    static_bridge_map: Mapping = dataclasses.field(default_factory=dict)
    # Give NoCloud guests cloud-init networkData for the masquerade IPv6 address (pod interface).
    ipv6_network_data: bool = False
    # Flavors -> instancetypes and image properties -> preferences, referenced by the VMs.
    instancetypes: bool = False
    instancetype_scope: str = "cluster"
    # How disk data reaches CDI: "glance" (Nova/Cinder export to Glance images CDI downloads), "tvo"
    # (TrilioVault full backups served from its NFS target) or "manual" (disk_sources, else an upload).
    disk_method: str = DISK_GLANCE
    # Server id or name -> disk method for that server's disks; a disk_sources entry still wins per disk.
    disk_method_by_server: Mapping = dataclasses.field(default_factory=dict)
    # Throughput assumed for the plan's transfer-time estimates, in megabits (10^6 bits) per second.
    bandwidth_mbps: float = 1000
    # CDI checks each exported disk's checksum (CDI >= 1.65); false for older CDI, and the plan warns per disk.
    verify_disk_checksums: bool = True
    # Keystone catalog interface of the Glance endpoint CDI downloads from.
    glance_interface: str = "public"
    # ConfigMap with the CA of a privately signed Glance endpoint (ca.pem, and tls.crt for CDI's nbdkit path): certConfigMap.
    disk_ca_configmap: str | None = None
    # The source server is stopped before its disks are exported (the role's stop_source): a cold copy.
    stop_source: bool = False
    # Server id -> Nova status before apply mode stopped it (the progress record's stopped.<server id> entries). A
    # resumed run reads the tenant again, where our own stop shows SHUTOFF: the status before the stop wins, so the
    # VM keeps the runStrategy (and hash) the first run applied.
    source_status_before_stop: Mapping = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in (
            "storage_map",
            "network_map",
            "role_map",
            "node_selector_map",
            "disk_sources",
            "static_bridge_map",
            "disk_method_by_server",
            "source_status_before_stop",
        ):
            value = getattr(self, name)
            if not isinstance(value, Mapping):
                raise OptionsError(f"option {name} must be a mapping, got {type_name(value)}")
        choices = {
            "lb_ip_annotation_style": sorted(LB_IP_ANNOTATION_STYLES),
            "disk_access_mode": list(ACCESS_MODES),
            "disk_volume_mode": list(VOLUME_MODES),
            "eviction_strategy": list(EVICTION_CHOICES),
            "address_mode": list(ADDRESS_MODES),
            "instancetype_scope": list(INSTANCETYPE_SCOPES),
            "disk_method": list(DISK_METHODS),
            "glance_interface": list(GLANCE_INTERFACES),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise OptionsError(f"option {name} must be one of {allowed}, got {getattr(self, name)!r}")
        if not isinstance(self.service_port_range_limit, int) or self.service_port_range_limit < 1:
            raise OptionsError("option service_port_range_limit must be a positive integer")
        if not isinstance(self.quota_vm_overhead_memory_mib, int) or self.quota_vm_overhead_memory_mib < 0:
            raise OptionsError("option quota_vm_overhead_memory_mib must be a non-negative integer")
        for name in ("allow_unread_security_groups", "cluster_tsc_frequency", "ipv6_network_data", "instancetypes", "verify_disk_checksums", "stop_source"):
            if not isinstance(getattr(self, name), bool):
                raise OptionsError(f"option {name} must be true or false")
        if self.namespace is not None and not is_dns_label(self.namespace):
            # The namespace is also the tenant's directory name in render mode: "/x" or "../x" would leave it.
            raise OptionsError(
                f"option namespace must be an RFC 1123 label (lowercase letters, digits and '-', "
                f"starting and ending with a letter or digit, at most 63 characters), got {self.namespace!r}"
            )
        for role, cluster_role in self.role_map.items():
            if cluster_role in FORBIDDEN_CLUSTER_ROLES:
                raise OptionsError(
                    f"option role_map maps {role!r} to {cluster_role!r}, which grants every verb on every "
                    "resource; map it to admin, edit, view or a narrower ClusterRole"
                )
        self._check_disk_transfer()
        for key, source in self.disk_sources.items():
            if not isinstance(source, Mapping) or len(source) != 1:
                raise OptionsError(f"option disk_sources[{key!r}] must be one CDI DataVolume source such as {{'http': {{'url': ...}}}}")

    def _check_disk_transfer(self) -> None:
        for key, status in self.source_status_before_stop.items():
            if not isinstance(key, str) or not key or not isinstance(status, str) or not status:
                raise OptionsError(f"option source_status_before_stop maps server ids to Nova statuses (such as ACTIVE), got {key!r}: {status!r}")
        for key, method in self.disk_method_by_server.items():
            if not isinstance(key, str) or not key:
                raise OptionsError(f"option disk_method_by_server has key {key!r}: keys are server ids or names")
            if method not in DISK_METHODS:
                raise OptionsError(f"option disk_method_by_server[{key!r}] must be one of {list(DISK_METHODS)}, got {method!r}")
        bandwidth = self.bandwidth_mbps
        # bool is an int to Python, but "bandwidth_mbps: true" is a typo, not 1 Mbit/s.
        if isinstance(bandwidth, bool) or not isinstance(bandwidth, (int, float)) or not math.isfinite(bandwidth) or bandwidth <= 0:
            raise OptionsError(f"option bandwidth_mbps must be a positive number of megabits per second, got {bandwidth!r}")
        if self.disk_ca_configmap is not None and not is_dns_subdomain(self.disk_ca_configmap):
            raise OptionsError(
                f"option disk_ca_configmap must name a ConfigMap (a DNS subdomain: lowercase letters, digits, '-' and '.', "
                f"at most 253 characters), got {self.disk_ca_configmap!r}"
            )

    def disk_method_for_server(self, server_id: str, server_name: str | None) -> str:
        """The server's disk method: its id, then its name in disk_method_by_server, else disk_method."""
        by_server = self.disk_method_by_server
        if server_id in by_server:
            return by_server[server_id]
        if server_name and server_name in by_server:
            return by_server[server_name]
        return self.disk_method

    @classmethod
    def from_dict(cls, raw: Mapping | None) -> TranslationOptions:
        """Build from user input (Ansible vars); unknown keys are an error, not silently ignored."""
        raw = dict(raw or {})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise OptionsError(f"unknown translation option(s) {unknown}; valid options are {sorted(known)}")
        cleaned = {k: v for k, v in raw.items() if v is not None}
        return cls(**cleaned)
