# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Classify every flavor extra spec: consumed by flavor.py / image_props.py, a nodeSelector, or a warning.

Nothing is dropped silently: a key that no translator consumes and that the user did not map
through options.node_selector_map becomes a warning naming the key.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import flavor as _flavor
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import naming
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import FindingCollector, type_name
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions

ES = "flavor.extra_specs"
AGGREGATE_PREFIX = "aggregate_instance_extra_specs:"

CONSUMED = "consumed"
NODE_SELECTOR = "node_selector"
WARNED = "warned"

# Flavor extra specs that image_props.py reads alongside the matching image property.
IMAGE_SIDE_SPECS = frozenset(
    {
        "hw:boot_menu",
        "hw:tpm_version",
        "hw:tpm_model",
        "hw:watchdog_action",
        "hw:serial_port_count",
        "os:secure_boot",
        "hw_rng:allowed",
        "hw:vif_multiqueue_enabled",
        "hw:hide_hypervisor_id",
        "hide_hypervisor_id",
        "hw:pmu",
        "hw:mem_encryption",
        "hw:locked_memory",
        "hw:virtio_packed_ring",
        "hw:pci_numa_affinity_policy",
        "hw:viommu_model",
        "hw:maxphysaddr_mode",
        "hw:maxphysaddr_bits",
        "hw:sound_model",
        "hw:usb_model",
        "hw:redirected_usb_ports",
    }
)

# Known specs with no KubeVirt equivalent: (pattern, why) -> warning with that explanation.
_KNOWN_UNSUPPORTED: tuple[tuple[re.Pattern, str], ...] = (
    (
        re.compile(r"^quota:(cpu_shares|cpu_period|cpu_quota|cpu_limit|cpu_reservation)$"),
        "libvirt CPU tuning has no KubeVirt field; the VM's CPU share follows the cluster's cpuAllocationRatio",
    ),
    (re.compile(r"^quota:(disk|vif)_"), "per-VM disk/network I/O limits have no KubeVirt field; use StorageClass QoS or a bandwidth CNI plugin"),
    (re.compile(r"^quota:"), "libvirt resource quota has no KubeVirt equivalent"),
    (re.compile(r"^hw_rng:(rate_bytes|rate_period)$"), "KubeVirt's virtio-rng has no rate limit"),
    (re.compile(r"^hw_video:ram_max_mb$"), "KubeVirt does not size video RAM"),
    (re.compile(r"^pci_passthrough:alias$"), "PCI passthrough needs devices.hostDevices/gpus with a permittedHostDevices entry on the cluster; add it by hand"),
    (re.compile(r"^accel:"), "Cyborg accelerators have no KubeVirt equivalent"),
    (re.compile(r"^resources\d*:"), "placement resource request; map it to node labels with options.node_selector_map"),
    (re.compile(r"^trait\d*:"), "placement trait; map it to node labels with options.node_selector_map"),
    (re.compile(r"^group_policy$"), "only meaningful for granular placement requests"),
    (re.compile(r"^capabilities:"), "ComputeCapabilitiesFilter host match; map it with options.node_selector_map"),
    (re.compile(r"^hw:vpmem$"), "virtual persistent memory has no KubeVirt equivalent"),
    (re.compile(r"^hw:ephemeral_encryption"), "ephemeral disk encryption is not translated"),
    (re.compile(r"^hw:"), "unknown Nova hardware extra spec"),
    (re.compile(r"^(vmware|powervm|hyperv|os|zvm|ironic|xenapi|libvirt|hw_video|hw_rng):"), "hypervisor-specific extra spec with no KubeVirt equivalent"),
)

# AggregateInstanceExtraSpecsFilter operators ("<in> ssd", ">= 4", "s== x", "<or> a <or> b").
_OPERATOR_RE = re.compile(r"^\s*(<in>|<all-in>|<or>|s==|s!=|s>=|s>|s<=|s<|==|!=|>=|<=|=)\s*")


@dataclasses.dataclass
class ExtraSpecs:
    node_selector: dict
    classification: dict  # spec key -> CONSUMED | NODE_SELECTOR | WARNED


def _add_labels(node_selector: dict, origin: dict, labels: Mapping, source: str, *, collector: FindingCollector) -> bool:
    """Merge labels into node_selector; invalid or conflicting labels are warnings, never silently changed."""
    added = False
    for key, value in labels.items():
        value = str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
        if isinstance(value, bool):
            value = "true" if value else "false"
        if not naming.is_qualified_key(key) or not naming.is_label_value(value):
            collector.warn(source, f"label {key}={value!r} is not a valid Kubernetes label; not added to nodeSelector")
            continue
        if key in node_selector and node_selector[key] != value:
            collector.warn(source, f"nodeSelector {key} already set to {node_selector[key]!r} by {origin[key]}; {value!r} not applied")
            continue
        node_selector[key] = value
        origin.setdefault(key, source)
        added = True
    return added


def classify(extra_specs: Mapping, *, collector: FindingCollector, options: TranslationOptions) -> ExtraSpecs:
    """nodeSelector from the extra specs, plus a warning for every key nobody translates."""
    node_selector: dict = {}
    origin: dict = {}
    classification: dict = {}
    mapping = options.node_selector_map or {}
    for key in sorted(extra_specs):
        raw = extra_specs[key]
        value = "" if raw is None else str(raw)
        field = f"{ES}.{key}"
        mapped = mapping.get(f"{key}={value}")
        if mapped is not None:
            if not isinstance(mapped, Mapping):
                collector.warn(field, f"options.node_selector_map['{key}={value}'] must be a dict of labels, got {type_name(mapped)}")
                classification[key] = WARNED
                continue
            _add_labels(node_selector, origin, mapped, field, collector=collector)
            classification[key] = NODE_SELECTOR
            continue
        if key.startswith(AGGREGATE_PREFIX):
            label = key[len(AGGREGATE_PREFIX) :]
            if _OPERATOR_RE.match(value):
                collector.warn(
                    field, f"operator expression {value!r} cannot be a nodeSelector; map '{key}={value}' in options.node_selector_map or add a node affinity"
                )
                classification[key] = WARNED
            elif _add_labels(node_selector, origin, {label: value}, field, collector=collector):
                classification[key] = NODE_SELECTOR
            else:
                classification[key] = WARNED
            continue
        if _flavor.is_flavor_spec(key) or key in IMAGE_SIDE_SPECS:
            classification[key] = CONSUMED
            continue
        reason = next((why for pattern, why in _KNOWN_UNSUPPORTED if pattern.match(key)), "unknown extra spec")
        collector.warn(field, f"not translated: {reason}")
        classification[key] = WARNED
    return ExtraSpecs(node_selector=node_selector, classification=classification)
