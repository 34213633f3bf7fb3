# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: floating_ip_to_service
short_description: Translate a Neutron floating IP into a LoadBalancer Service that keeps its address
version_added: 0.1.0
author: ostokubevirt contributors (@ostokubevirt)
description:
  - Returns a C(v1) Service of type C(LoadBalancer) that requests the floating IP's address (annotation or
    C(spec.loadBalancerIP), see O(lb_ip_annotation_style)) and selects only the migrated VM given by O(vm_selector).
  - A floating IP forwards every protocol, a Service only the ports it lists. The ports are the TCP, UDP and SCTP
    ingress rules of the port's security groups that admit outside addresses (not remote-group rules) for the
    address family of the floating IP. Ranges wider than O(service_port_range_limit) ports, ICMP, any-protocol and
    other protocols are reported in RV(_value.findings), not forwarded.
  - A floating IP that is not associated with a port, whose port has port security disabled, or whose port is not
    the pod-network port of a migrated VM, gets no Service (RV(_value.service) is V(null)) and a finding.
options:
  _input:
    description: The floating IP as Neutron returns it (C(id), C(floating_ip_address), C(port_id), C(project_id)).
    type: dict
    required: true
  port:
    description: The Neutron port of C(port_id) (with C(security_groups) ids and C(port_security_enabled)).
    type: dict
  vm_selector:
    description: "Labels that select only the VM's pod, for example C({'ostokubevirt.io/server-id': '<server uuid>'})."
    type: dict
  security_groups:
    description: Security groups (with C(security_group_rules)); those listed on the port are used.
    type: list
    elements: dict
    default: []
  namespace:
    description: Namespace of the Service.
    type: str
    required: true
  lb_ip_annotation_style:
    description: How the address is requested from the load balancer implementation.
    type: str
    default: metallb
    choices:
      metallb: Annotation C(metallb.io/loadBalancerIPs).
      metallb-legacy: Annotation C(metallb.universe.tf/loadBalancerIPs) (MetalLB before 0.13).
      kube-vip: Annotation C(kube-vip.io/loadbalancerIPs).
      cilium: Annotation C(lbipam.cilium.io/ips).
      spec: The deprecated C(spec.loadBalancerIP) field.
  service_port_range_limit:
    description: Rules whose port range holds more ports than this are reported instead of enumerated.
    type: int
    default: 64
"""

EXAMPLES = r"""
- name: Service for a floating IP of a migrated server
  ansible.builtin.set_fact:
    fip_service: >-
      {{ fip | ostokubevirt.migrate.floating_ip_to_service(
           port=port, vm_selector={'ostokubevirt.io/server-id': port.device_id},
           security_groups=snapshot.security_groups, namespace='acme-web-shop',
           lb_ip_annotation_style='metallb') }}

- name: Tell the user why a floating IP is not served
  ansible.builtin.debug:
    msg: "{{ fip_service.findings | map(attribute='message') }}"
  when: fip_service.service is none
"""

RETURN = r"""
_value:
  description: The Service (or V(null)) and the findings.
  type: dict
  contains:
    service:
      description: A complete Service object, or V(null) when the floating IP is not served.
      type: dict
    findings:
      description: Warnings and blockers, each with C(severity), C(subject_kind), C(subject), C(field) and C(message).
      type: list
      elements: dict
"""

from collections.abc import Mapping, Sequence

from ansible.errors import AnsibleFilterError

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import floating_ip as _floating_ip
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import OptionsError, TranslationOptions

_NAME = "ostokubevirt.migrate.floating_ip_to_service"


def floating_ip_to_service(
    fip, port=None, vm_selector=None, security_groups=None, namespace=None, lb_ip_annotation_style="metallb", service_port_range_limit=64
):
    if not isinstance(fip, Mapping):
        raise AnsibleFilterError(f"{_NAME}: expected a floating IP dict, got {type(fip).__name__}")
    for name, value in (("port", port), ("vm_selector", vm_selector)):
        if value is not None and not isinstance(value, Mapping):
            raise AnsibleFilterError(f"{_NAME}: {name} must be a dict, got {type(value).__name__}")
    groups = security_groups if security_groups is not None else []
    if isinstance(groups, (str, bytes)) or not isinstance(groups, Sequence):
        raise AnsibleFilterError(f"{_NAME}: security_groups must be a list, got {type(groups).__name__}")
    if not isinstance(namespace, str) or not namespace:
        raise AnsibleFilterError(f"{_NAME}: namespace is required (a non-empty string)")
    try:
        options = TranslationOptions(lb_ip_annotation_style=lb_ip_annotation_style, service_port_range_limit=service_port_range_limit)
        service, findings = _floating_ip.floating_ip_to_service(
            dict(fip),
            dict(port) if port is not None else None,
            dict(vm_selector) if vm_selector else None,
            [dict(g) if isinstance(g, Mapping) else g for g in groups],
            namespace=namespace,
            options=options,
        )
    except (OptionsError, KeyError, ValueError, TypeError) as exc:
        raise AnsibleFilterError(f"{_NAME}: {exc}") from exc
    return {"service": service, "findings": [f.as_dict() for f in findings]}


class FilterModule:
    def filters(self):
        return {"floating_ip_to_service": floating_ip_to_service}
