# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: flavor_to_domain
short_description: Translate a Nova flavor and image properties into a KubeVirt domain spec fragment
version_added: 0.1.0
description:
  - Computes C(spec.template.spec.domain) of a KubeVirt VirtualMachine for one OpenStack server from the
    flavor embedded in the server (Nova microversion 2.47 or later) and the image properties (or the root
    volume's C(volume_image_metadata) for boot-from-volume servers).
  - The CPU topology is chosen exactly as Nova's libvirt driver chooses it. Dedicated CPUs, emulator thread
    isolation, hugepages, guest NUMA passthrough, realtime, UEFI/Secure Boot, machine type, Hyper-V
    enlightenments for Windows, RNG, TPM, watchdog, tablet and video devices are translated.
  - Anything KubeVirt cannot express is reported in RV(_value.findings); a server Nova itself would refuse to
    boot (for example an image asking for more sockets than the flavor allows) makes the filter fail.
options:
  _input:
    description: The server's embedded flavor (C(original_name), C(vcpus), C(ram), C(disk), C(extra_specs), ...).
    type: dict
    required: true
  image_props:
    description: Glance image (properties are top-level keys) or the root volume's C(volume_image_metadata).
    type: dict
    default: {}
  options:
    description: Translation options; this filter reads O(options.node_selector_map).
    type: dict
    default: {}
    suboptions:
      node_selector_map:
        description: Maps C(<extra spec key>=<value>) strings to a dict of node labels.
        type: dict
  subject:
    description: Label of the server used in findings, for example C(web-1 (uuid)).
    type: str
    default: server
author:
  - ostokubevirt contributors (@ostokubevirt)
"""

EXAMPLES = r"""
- name: Domain for a server with a 4 vCPU flavor on a UEFI image
  ansible.builtin.set_fact:
    domain_spec: >-
      {{ server.flavor | ostokubevirt.migrate.flavor_to_domain(image_props=image,
         options={'node_selector_map': {'trait:CUSTOM_GPU=required': {'gpu': 'true'}}},
         subject=server.name) }}

- name: Use the fragment
  ansible.builtin.debug:
    msg: "{{ domain_spec.domain.cpu }} on {{ domain_spec.disk_bus }} disks"
"""

RETURN = r"""
_value:
  description:
    - A fragment, not a complete object. C(domain) is C(spec.template.spec.domain) without C(devices.disks),
      C(devices.interfaces) and C(firmware.uuid).
  type: dict
  contains:
    domain:
      description: cpu, memory, resources, firmware, features, machine, clock and devices of the domain.
      type: dict
    node_selector:
      description: Node labels for C(spec.template.spec.nodeSelector).
      type: dict
    disk_bus:
      description: Bus for every disk (virtio, scsi, sata or usb).
      type: str
    cdrom_bus:
      description: Bus for CD-ROM devices (sata or scsi).
      type: str
    nic_model:
      description: Interface model for every NIC.
      type: str
    os_windows:
      description: Whether Nova treated the guest as Windows.
      type: bool
    findings:
      description: Warnings, each with C(severity), C(subject_kind), C(subject), C(field) and C(message).
      type: list
      elements: dict
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import vm_domain as _vm_domain
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import FindingCollector, TranslationError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import OptionsError, TranslationOptions


def flavor_to_domain(flavor, image_props=None, options=None, subject="server"):
    if not isinstance(flavor, Mapping):
        raise AnsibleFilterError(f"ostokubevirt.migrate.flavor_to_domain: expected a dict, got {type(flavor).__name__}")
    if image_props is not None and not isinstance(image_props, Mapping):
        raise AnsibleFilterError(f"ostokubevirt.migrate.flavor_to_domain: image_props must be a dict, got {type(image_props).__name__}")
    try:
        opts = TranslationOptions.from_dict(options)
        result = _vm_domain.build_domain(flavor, image_props, collector=FindingCollector("server", str(subject)), options=opts)
    except (OptionsError, TranslationError, KeyError, ValueError, TypeError) as exc:
        raise AnsibleFilterError(f"ostokubevirt.migrate.flavor_to_domain: {exc}") from exc
    return result.as_dict()


class FilterModule:
    def filters(self):
        return {"flavor_to_domain": flavor_to_domain}
