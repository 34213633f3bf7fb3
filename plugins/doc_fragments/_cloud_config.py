# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Private doc fragment: the no_log cloud_config option of the modules that talk to OpenStack.

Matches AUTH_ARG_SPEC in plugins/module_utils/openstack/connection.py. Not public API (leading underscore).
"""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  cloud_config:
    description:
      - A complete cloud config dict (what a C(clouds.yaml) entry holds, credential included). Never logged. Its
        secrets (every C(auth) value but the identifiers such as C(auth_url), C(username), C(project_name), and any
        value under a key naming a secret) are masked wherever they appear in the output. Mutually exclusive with
        O(cloud).
    type: dict
    version_added: 0.1.0
"""
