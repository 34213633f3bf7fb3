# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: project_to_namespace
short_description: Namespace name for an OpenStack project (the design's domain_tenant)
version_added: 0.1.0
author: ostokubevirt contributors (@ostokubevirt)
description:
  - Returns C(<domain>-<project>) as a valid Kubernetes Namespace name (RFC 1123 label) - lowercase, C(_) and other
    invalid characters turned into C(-), at most 63 characters with a stable hash suffix when truncated.
options:
  _input:
    description: The Keystone project (needs C(name), optionally C(id)).
    type: dict
    required: true
  domain:
    description: Domain name, or the Keystone domain object.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Namespace for project Web_Shop in domain ACME
  ansible.builtin.debug:
    msg: "{{ {'name': 'Web_Shop', 'id': 'f00'} | ostokubevirt.migrate.project_to_namespace('ACME') }}"
  # -> acme-web-shop
"""

RETURN = r"""
_value:
  description: The Namespace name.
  type: str
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.naming import namespace_name


def project_to_namespace(project, domain):
    if not isinstance(project, Mapping) or not project.get("name"):
        raise AnsibleFilterError("ostokubevirt.migrate.project_to_namespace: expected a Keystone project dict with a 'name'")
    domain_name = domain.get("name") if isinstance(domain, Mapping) else domain
    if not domain_name:
        raise AnsibleFilterError("ostokubevirt.migrate.project_to_namespace: domain name is empty")
    return namespace_name(str(domain_name), str(project["name"]), str(project.get("id", "")))


class FilterModule:
    def filters(self):
        return {"project_to_namespace": project_to_namespace}
