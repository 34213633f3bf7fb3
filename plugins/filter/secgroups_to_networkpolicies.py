# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: secgroups_to_networkpolicies
short_description: Translate a project's Neutron security groups into NetworkPolicies and Calico policies
version_added: 0.1.0
author: ostokubevirt contributors (@ostokubevirt)
description:
  - Returns one C(networking.k8s.io/v1) NetworkPolicy per security group, always with both policy types
    (C(Ingress) and C(Egress)), so a group without egress rules blocks egress as it does in OpenStack.
  - Each policy selects the pods labelled C(sg.ostokubevirt.io/<group id>=member). A VM in several groups carries
    one such label per group, and Kubernetes applies the union of the policies, as Neutron does.
  - Rules map by ethertype (an absent remote, C(0.0.0.0/0) or C(::/0) means any peer of that family; both families
    open means no peer restriction), protocol (TCP, UDP, SCTP, any), port range (C(port)/C(endPort)), remote CIDR
    (C(ipBlock)) and remote group (C(podSelector) on the membership label, plus a C(namespaceSelector) on
    C(app.kubernetes.io/managed-by=ostokubevirt) when the group belongs to another project).
  - ICMP and ICMPv6 (type and code kept), other IP protocols, and remote groups allowed for one address family only,
    go into a C(projectcalico.org/v3) NetworkPolicy with the same selector.
  - A final C(no-security-groups-deny-all) policy isolates pods whose port has port security on but no group.
  - Invalid rules are skipped and reported in RV(_value.findings), naming the group, rule and field.
options:
  _input:
    description: Security groups as Neutron returns them, each with embedded C(security_group_rules).
    type: list
    elements: dict
    required: true
  namespace:
    description: Namespace of the generated policies.
    type: str
    required: true
  internal_cidrs:
    description:
      - The tenant's subnet CIDRs (Neutron C(subnets[].cidr)). A rule whose remote prefix covers one of them is
        reported, because the migrated VMs get pod-network addresses and no longer match it.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Policies for the tenant's security groups
  ansible.builtin.set_fact:
    sg_policies: >-
      {{ snapshot.security_groups | ostokubevirt.migrate.secgroups_to_networkpolicies(
           namespace='acme-web-shop', internal_cidrs=snapshot.subnets | map(attribute='cidr')) }}

- name: Show the policy names and what could not be translated
  ansible.builtin.debug:
    msg:
      - "{{ sg_policies.objects | map(attribute='metadata.name') }}"
      - "{{ sg_policies.findings | map(attribute='message') }}"
"""

RETURN = r"""
_value:
  description: The policies, the pod labels that activate them, and the findings.
  type: dict
  contains:
    objects:
      description:
        - Complete objects - a Kubernetes NetworkPolicy per group, a Calico NetworkPolicy named C(<policy>-calico)
          where needed, and the deny-all policy last.
      type: list
      elements: dict
    membership_labels:
      description: Security group id to the label (key and value) a VM's pod template needs to be a member.
      type: dict
      sample: {"5d6c...": {"sg.ostokubevirt.io/5d6c...": "member"}}
    findings:
      description: Warnings and blockers, each with C(severity), C(subject_kind), C(subject), C(field) and C(message).
      type: list
      elements: dict
"""

from collections.abc import Iterable, Mapping, Sequence

from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import secgroup as _secgroup
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions

_NAME = "ostokubevirt.migrate.secgroups_to_networkpolicies"


def secgroups_to_networkpolicies(security_groups, namespace=None, internal_cidrs=None):
    if isinstance(security_groups, (str, bytes)) or not isinstance(security_groups, Sequence):
        raise AnsibleFilterError(f"{_NAME}: expected a list of security groups, got {type(security_groups).__name__}")
    if not isinstance(namespace, str) or not namespace:
        raise AnsibleFilterError(f"{_NAME}: namespace is required (a non-empty string)")
    cidrs = internal_cidrs if internal_cidrs is not None else []
    if isinstance(cidrs, (str, bytes, Mapping)) or not isinstance(cidrs, Iterable):
        raise AnsibleFilterError(f"{_NAME}: internal_cidrs must be a list of CIDRs, got {type(cidrs).__name__}")
    groups = list(security_groups)
    try:
        objects, findings = _secgroup.secgroups_to_policies(groups, namespace=namespace, options=TranslationOptions(), internal_cidrs=list(cidrs))
    except (KeyError, ValueError, TypeError) as exc:
        raise AnsibleFilterError(f"{_NAME}: {exc}") from exc
    labels = {
        str(sg["id"]): {_secgroup.membership_label_key(str(sg["id"])): _secgroup.MEMBERSHIP_VALUE}
        for sg in groups
        if isinstance(sg, Mapping) and isinstance(sg.get("id"), str) and sg["id"]
    }
    return {"objects": objects, "membership_labels": labels, "findings": [f.as_dict() for f in findings]}


class FilterModule:
    def filters(self):
        return {"secgroups_to_networkpolicies": secgroups_to_networkpolicies}
