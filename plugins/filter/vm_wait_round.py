# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: vm_wait_round
short_description: Advance the wait for a batch of migrated VMs by one polling round
version_added: 0.1.0
author: ostokubevirt contributors (@ostokubevirt)
description:
  - Given the wait state of the previous round and the DataVolumes and VirtualMachines the cluster returns now,
    decides for each VM of the batch whether it still waits for its disks, waits for the VM to be C(Ready) (or
    C(Stopped) when its C(runStrategy) is C(Halted)), is done, or failed.
  - A failure names the object that is stuck, its phase or C(printableStatus), its C(status.progress) and its last
    condition. Used by the C(ostokubevirt.migrate.vm) role; the current time is read on the controller.
options:
  _input:
    description: State returned by the previous round, or an empty dict for the first round.
    type: dict
    required: true
  vms:
    description: The batch, as entries of the C(vms) list returned by M(ostokubevirt.migrate.tenant_objects).
    type: list
    elements: dict
    required: true
  datavolumes:
    description: DataVolumes read from the cluster (C(resources) of M(kubernetes.core.k8s_info)).
    type: list
    elements: dict
    required: true
  virtualmachines:
    description: VirtualMachines read from the cluster.
    type: list
    elements: dict
    required: true
  datavolume_timeout:
    description: Seconds a VM may wait for its DataVolumes to finish importing.
    type: int
    default: 3600
  ready_timeout:
    description: Seconds a VM may take to become Ready (or Stopped) once its disks are ready.
    type: int
    default: 600
  read_error:
    description:
      - Error text when this round's reads failed; the VMs keep waiting, and after O(read_error_limit) such rounds
        in a row the unfinished ones fail with it.
    type: str
  read_error_limit:
    description: Failed reads in a row that fail the unfinished VMs.
    type: int
    default: 5
  max_rounds:
    description:
      - Rounds after which the unfinished VMs fail (C(still waiting after N polls)), whatever the clock says. Unset
        means no limit.
    type: int
"""

EXAMPLES = r"""
- name: Evaluate this round
  ansible.builtin.set_fact:
    wait_state: >-
      {{ wait_state | default({}) | ostokubevirt.migrate.vm_wait_round(batch, dvs.resources, vms.resources,
         datavolume_timeout=1800, ready_timeout=300) }}
"""

RETURN = r"""
_value:
  description: The new wait state.
  type: dict
  contains:
    vms:
      description: VM name to its record with the keys C(state), C(since), C(message) and C(line).
      type: dict
    pending:
      description: VMs still waiting.
      type: list
      elements: str
    done:
      description: VMs that reached their target state.
      type: list
      elements: str
    failed:
      description: VMs that failed, each with C(name), C(server_id) and C(message).
      type: list
      elements: dict
    lines:
      description: One progress line per VM of the batch.
      type: list
      elements: str
    progress:
      description: C(vm.<name>) to the JSON record of each finished VM, for the progress ConfigMap.
      type: dict
    read_errors:
      description: Rounds in a row whose reads failed.
      type: int
    rounds:
      description: Rounds evaluated so far, this one included.
      type: int
"""

import time
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.vm_wait import wait_round


def vm_wait_round(state, vms, datavolumes, virtualmachines, datavolume_timeout=3600, ready_timeout=600, read_error=None,
                  read_error_limit=5, max_rounds=None):
    if state is not None and not isinstance(state, Mapping):
        raise AnsibleFilterError(f"ostokubevirt.migrate.vm_wait_round: expected the previous state as a dict, got {type(state).__name__}")
    if not isinstance(vms, list) or not all(isinstance(vm, Mapping) and vm.get("name") for vm in vms):
        raise AnsibleFilterError("ostokubevirt.migrate.vm_wait_round: vms must be a list of dicts with a name")
    try:
        return wait_round(dict(state or {}), [dict(vm) for vm in vms], list(datavolumes or []), list(virtualmachines or []),
                          now=time.time(), datavolume_timeout=float(datavolume_timeout), ready_timeout=float(ready_timeout),
                          read_error=str(read_error) if read_error else None, read_error_limit=int(read_error_limit),
                          max_rounds=int(max_rounds) if max_rounds is not None else None)
    except (TypeError, ValueError, KeyError) as exc:
        raise AnsibleFilterError(f"ostokubevirt.migrate.vm_wait_round: {exc}") from exc


class FilterModule:
    def filters(self):
        return {"vm_wait_round": vm_wait_round}
