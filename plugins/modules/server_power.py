#!/usr/bin/python
# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: server_power
short_description: Stop or start one OpenStack server (Nova os-stop / os-start), idempotently
version_added: 0.1.0
description:
  - Brings the Nova server O(server) to C(SHUTOFF) (O(state=stopped), with Nova's C(os-stop) action) or to C(ACTIVE)
    (O(state=started), with C(os-start)). The action is posted only when the server is not in that status already,
    so a second run changes nothing.
  - A server busy with a stop, start, reboot, build, resize or migration (a transitional status, or a task state such
    as C(powering-off)) is waited for, never sent a second request.
  - Fails, naming the server id and its status, when the server is gone, in C(ERROR), in a status the action does not
    apply to (for example C(PAUSED), C(SUSPENDED), C(SHELVED)), when Nova refuses the action (HTTP 409), or when the
    status is not reached within O(timeout).
  - Talks to the Nova API directly (through openstacksdk's session), so it works with every openstacksdk release
    the collection supports.
author: ostokubevirt contributors (@ostokubevirt)
requirements:
  - openstacksdk >= 1.0.0
extends_documentation_fragment: [ostokubevirt.migrate._attributes, ostokubevirt.migrate._cloud_config]
attributes:
  check_mode:
    support: full
    details:
      - Makes only GET calls; C(changed) and RV(action) say whether the action would be posted.
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  server:
    description: Id of the Nova server.
    type: str
    required: true
  state:
    description: C(stopped) makes the server C(SHUTOFF), C(started) makes it C(ACTIVE).
    type: str
    choices: [stopped, started]
    required: true
  wait:
    description:
      - Wait until the server has reached the status. With C(false), the action is posted (when needed) and the
        module returns at once.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for the status (with O(wait=true)).
    type: int
    default: 600
  poll_interval:
    description: Seconds between two status checks while waiting.
    type: int
    default: 5
seealso:
  - module: ostokubevirt.migrate.vm_migrate
"""

EXAMPLES = r"""
- name: Stop a source server before its disks are copied
  ostokubevirt.migrate.server_power:
    cloud: prod
    server: 6f1c9e42-0000-4000-8000-000000000001
    state: stopped

- name: Start it again, without waiting for it to be ACTIVE
  ostokubevirt.migrate.server_power:
    cloud_config: "{{ my_cloud_config }}"
    server: 6f1c9e42-0000-4000-8000-000000000001
    state: started
    wait: false
"""

RETURN = r"""
status:
  description:
    - The server's Nova status at the end (C(SHUTOFF) or C(ACTIVE) once reached); with O(wait=false) or in check
      mode, the status it had before the action.
  returned: success
  type: str
  sample: SHUTOFF
action:
  description: The Nova action posted (or, in check mode, that would be), C(os-stop) or C(os-start); null when none.
  returned: success
  type: str
  sample: os-stop
server:
  description: The server id.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.connection import AUTH_ARG_SPEC, ConnectError, connect, import_sdk
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.credential_masking import narrow_masking
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.disk_cloud import SdkCloud
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.server_power import PowerError, set_power


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "server": {"type": "str", "required": True},
            "state": {"type": "str", "choices": ["stopped", "started"], "required": True},
            "wait": {"type": "bool", "default": True},
            "timeout": {"type": "int", "default": 600},
            "poll_interval": {"type": "int", "default": 5},
            **AUTH_ARG_SPEC,
        },
        supports_check_mode=True,
    )
    narrow_masking(module)
    params = module.params
    if import_sdk() is None:
        module.fail_json(msg=missing_required_lib("openstacksdk"), server=params["server"])
    if params["timeout"] < 0 or params["poll_interval"] < 0:
        module.fail_json(msg="server_power: timeout and poll_interval must not be negative", server=params["server"])
    try:
        cloud = SdkCloud(connect(params).conn)
        result = set_power(
            cloud,
            params["server"],
            params["state"],
            wait=params["wait"],
            timeout=params["timeout"],
            poll_interval=params["poll_interval"],
            check_mode=module.check_mode,
            sleep=cloud.sleep,
        )
    except (ConnectError, ApiError, PowerError) as exc:
        module.fail_json(msg=f"server_power: {exc}", server=params["server"])
    module.exit_json(server=params["server"], **result)


if __name__ == "__main__":
    main()
