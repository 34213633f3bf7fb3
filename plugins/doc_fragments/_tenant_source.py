# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Private doc fragment: the snapshot, tenant and translation options of the modules that translate a tenant.

Matches TENANT_SOURCE_ARGS in plugins/module_utils/render/job.py. Not public API (leading underscore).
"""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  snapshot:
    description: Path of the tenant snapshot (format C(ostokubevirt.io/tenant-snapshot/v1)), YAML or JSON.
    type: path
    required: true
  tenant:
    description:
      - Project name or id the user asked for. The module fails if the snapshot holds another project.
    type: str
  options:
    description:
      - Translation options, see the collection's C(docs/mapping.md). Keys are C(storage_map), C(network_map),
        C(role_map), C(user_subject_prefix), C(group_subject_prefix), C(node_selector_map), C(lb_ip_annotation_style),
        C(disk_access_mode), C(disk_volume_mode), C(service_port_range_limit), C(namespace), C(disk_sources),
        C(quota_vm_overhead_memory_mib), C(allow_unread_security_groups), C(eviction_strategy),
        C(cluster_tsc_frequency), C(address_mode), C(static_bridge_map), C(ipv6_network_data), C(instancetypes),
        C(instancetype_scope), C(disk_method), C(disk_method_by_server), C(bandwidth_mbps), C(verify_disk_checksums),
        C(glance_interface), C(disk_ca_configmap), C(stop_source), C(source_status_before_stop).
      - C(allow_unread_security_groups=true) translates a snapshot whose security groups or ports were not read
        (C(source.unreadable)); the VMs then get no NetworkPolicy, and the summary says so. Without it such a
        snapshot is refused.
      - C(disk_sources) maps a volume id, or a server id for an image-booted root disk, to a CDI DataVolume source.
        Such an entry always wins for its disk, whatever the disk method (the plan reports it as C(manual)).
      - C(disk_method) (C(glance) by default, C(tvo) or C(manual)) says how disk data reaches CDI at apply time;
        C(disk_method_by_server) maps a server id or name to a method for that server's disks. A key that names no
        server of the snapshot, or a name that several servers share, is an error naming it.
      - C(bandwidth_mbps) (megabits per second, default 1000) only sizes the plan's transfer-time estimates.
        C(verify_disk_checksums=false) (for CDI older than 1.65) imports without a checksum check, and the plan warns
        for every such disk. C(glance_interface) (C(public), C(internal) or C(admin)) picks the Glance endpoint CDI
        downloads from; C(disk_ca_configmap) names the ConfigMap with its CA when privately signed (keys C(ca.pem) and C(tls.crt)).
      - C(stop_source=true) tells the plan that each running server is stopped before its export (a cold copy);
        without it a Glance export of a running server is crash-consistent and the plan warns, naming the VM.
      - C(source_status_before_stop) maps a server id to its Nova status before apply mode stopped it (apply mode
        sets it from the progress record's stop records). A server the snapshot shows C(SHUTOFF) is then translated
        with that status (its C(runStrategy) and object hash as the first run applied them), and its plan row names
        the record in C(source_status_from). Any other server is translated as the snapshot shows it.
    type: dict
    default: {}
"""
