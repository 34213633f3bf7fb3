# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: migration_progress
short_description: Read the progress record apply mode keeps in the tenant namespace
version_added: 0.1.0
author: ostokubevirt contributors (@ostokubevirt)
description:
  - Parses the C(data) of the progress ConfigMap (C(ostokubevirt-progress)) into the VMs recorded, the object hashes of
    the VMs that are done, and the source servers apply mode asked to stop.
  - An entry that is not valid JSON is listed in RV(_value.unreadable) and otherwise ignored, so its VM is migrated
    again (idempotently) instead of being skipped.
options:
  _input:
    description: The ConfigMap's C(data), or C(resources) of M(kubernetes.core.k8s_info) for it (empty when it does not exist).
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: VMs already migrated with the same objects
  ansible.builtin.set_fact:
    done_hashes: "{{ (progress_configmap.resources | ostokubevirt.migrate.migration_progress).done_hashes }}"
"""

RETURN = r"""
_value:
  description: The progress record.
  type: dict
  contains:
    vms:
      description: VM name to its record (C(phase), C(hash), C(server_id), and C(message) when it failed).
      type: dict
    done_hashes:
      description: Object hashes of the VMs recorded as C(done).
      type: list
      elements: str
    stopped:
      description:
        - Source server id to its stop record (C(state) C(requested) or C(stopped), C(vm), and C(source_status), the
          server's Nova status when the stop was asked for).
      type: dict
    status_before_stop:
      description:
        - Source server id to its Nova status before apply mode stopped it, for the stop records whose stop may have
          happened (C(requested) or C(stopped)). Apply mode passes it as the translation option
          C(source_status_before_stop), so a resumed run translates those servers as they were before the stop.
      type: dict
    unreadable:
      description: Keys whose value is not a JSON object.
      type: list
      elements: str
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.progress import read_progress


def migration_progress(data):
    if isinstance(data, list):
        # k8s_info resources: at most the one ConfigMap asked for by name.
        data = ((data[0] or {}).get("data") if data and isinstance(data[0], Mapping) else None) or {}
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise AnsibleFilterError(f"ostokubevirt.migrate.migration_progress: expected the ConfigMap data (a dict), got {type(data).__name__}")
    return read_progress(data)


class FilterModule:
    def filters(self):
        return {"migration_progress": migration_progress}
