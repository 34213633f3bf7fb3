# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Private doc fragment: the connection options of every module that talks to OpenStack.

One description of AUTH_ARG_SPEC in plugins/module_utils/openstack/connection.py, which every such module spreads
into its argument spec. Not public API (leading underscore).
"""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  cloud:
    description:
      - Named cloud in C(clouds.yaml), or a cloud config dict (as in C(openstack.cloud) modules). Pass a dict as
        O(cloud_config) instead, which Ansible never logs.
    type: raw
  cloud_config:
    description:
      - A complete cloud config dict (what a C(clouds.yaml) entry holds, credential included). Never logged. Its
        secrets (every C(auth) value but the identifiers such as C(auth_url), C(username), C(project_name), and any
        value under a key naming a secret) are masked wherever they appear in the output. Mutually exclusive with
        O(cloud).
    type: dict
    version_added: 0.1.0
  auth:
    description:
      - Auth information for the auth plugin. Never logged; its secrets (every value but identifiers such as
        C(auth_url), C(username) and C(project_name)) are masked wherever they appear in the output.
    type: dict
  auth_type:
    description: Auth plugin, for example C(password) or C(v3applicationcredential).
    type: str
  region_name:
    description: Region to use.
    type: str
  validate_certs:
    description: Whether TLS certificates are verified. Defaults to the cloud config (C(verify)) when unset.
    type: bool
    aliases: [verify]
  ca_cert:
    description: CA bundle to verify the API endpoints with.
    type: str
    aliases: [cacert]
  client_cert:
    description: Client certificate for TLS client authentication.
    type: str
    aliases: [cert]
  client_key:
    description: Key of O(client_cert).
    type: str
    aliases: [key]
  api_timeout:
    description: Seconds to wait for each API call, so an unreachable cloud fails instead of hanging.
    type: int
    default: 60
  interface:
    description:
      - Endpoint interface to use from the service catalog, for every service the module calls (TrilioVault's
        included).
    type: str
    choices: [public, internal, admin]
    default: public
    aliases: [endpoint_type]
"""
