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
        C(instancetype_scope).
      - C(allow_unread_security_groups=true) translates a snapshot whose security groups or ports were not read
        (C(source.unreadable)); the VMs then get no NetworkPolicy, and the summary says so. Without it such a
        snapshot is refused.
      - C(disk_sources) maps a volume id, or a server id for an image-booted root disk, to a CDI DataVolume source.
    type: dict
    default: {}
"""
