# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Private doc fragment: which tenants a listing module returns (TENANT_SELECTION_ARG_SPEC in
plugins/module_utils/openstack/tenants.py, the same filters export_cloud.yml takes). Not public API."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  domain_pattern:
    description: Regular expression searched in the domain name; anchor it (C(^acme$)) for an exact match.
    type: str
    default: ""
  project_pattern:
    description: Regular expression searched in the project name.
    type: str
    default: ""
  exclude:
    description: Project names, or C(domain/project) names, to leave out.
    type: list
    elements: str
    default: [service]
  include_disabled:
    description: Also return disabled projects (a live cloud only; a snapshot tree has no such flag in its paths).
    type: bool
    default: false
"""
