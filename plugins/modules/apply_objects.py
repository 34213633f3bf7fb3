#!/usr/bin/python
# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: apply_objects
short_description: Server-side apply one group of a tenant's objects and prune the ones the snapshot no longer produces
version_added: 0.2.0
description:
  - Applies a list of Kubernetes objects with server-side apply (field manager O(field_manager)) over one API
    client, reading each kind of the tenant namespace once instead of each object, so a re-run with nothing to
    do costs one request per object.
  - The O(group) names the role's objects. It fixes the kinds the call accepts (any other object is refused before
    anything is sent) and which live objects O(prune) removes. Those facts are defined once in the collection's
    Python, not in the roles.
  - Pruning removes the objects of the group's kinds in O(namespace) that carry both the label
    C(app.kubernetes.io/managed-by=ostokubevirt) and our provenance annotation (for the groups that say so, also one
    of the group's C(ostokubevirt.io/source-type) values), and are not in O(objects). Objects made by anyone else
    are never removed.
  - In check mode every write is the API server's dry run. When O(namespace) does not exist yet, its objects cannot
    be dry-run (the server answers 404, as it would for a real apply), so they are reported as to be created
    without asking the server; cluster-scoped objects (the Namespace itself) are still dry-run.
  - A failed object does not stop the others; the module then fails naming each failed object with the API's
    HTTP status, reason and message.
author: ostokubevirt contributors (@ostokubevirt)
extends_documentation_fragment:
  - ostokubevirt.migrate._attributes
  - kubernetes.core.k8s_auth_options
attributes:
  check_mode: {support: full}
  diff_mode:
    support: full
    details: One diff per changed object, under its C(apiVersion kind/name); a Secret's content is never shown.
  idempotent: {support: full}
options:
  group:
    description:
      - Which role's objects these are.
      - V(namespace_rbac) takes C(Namespace), C(ResourceQuota) and C(RoleBinding) and never prunes.
      - V(security_group_policies) takes C(NetworkPolicy) of C(networking.k8s.io/v1) and C(projectcalico.org/v3) and
        prunes policies made from security groups and ports.
      - V(floating_ip_services) takes C(Service) and prunes Services made from floating IPs, the project's host names
        and server addresses.
      - V(instancetypes) takes the instancetypes and preferences of C(instancetype.kubevirt.io/v1beta1) and never prunes.
      - V(tenant) covers every kind apply mode creates in a namespace, in deletion order (exposure first, the progress
        ConfigMap last), and prunes every object of ours; with an empty O(objects) that is a rollback.
    type: str
    required: true
    choices: [namespace_rbac, security_group_policies, floating_ip_services, instancetypes, tenant]
  objects:
    description: The objects to apply, in order. Namespaced ones must be in O(namespace).
    type: list
    elements: dict
    default: []
  namespace:
    description:
      - The tenant namespace. Required for O(prune).
      - Defaults to the name of the C(Namespace) object in O(objects), if there is one.
    type: str
  prune:
    description: Remove our objects of the group that O(objects) no longer holds. Ignored for groups that never prune.
    type: bool
    default: false
  field_manager:
    description: The server-side apply field manager.
    type: str
    default: ostokubevirt
  force_conflicts:
    description:
      - Take over fields another field manager owns. Without it such a conflict fails that object with the server's
        message, which names the other manager.
    type: bool
    default: false
requirements:
  - kubernetes >= 24.2.0
"""

EXAMPLES = r"""
- name: Apply the floating-IP Services and remove those of floating IPs that are gone
  ostokubevirt.migrate.apply_objects:
    group: floating_ip_services
    namespace: acme-web-shop
    objects: "{{ tenant_objects.floating_ip_services }}"
    prune: true

- name: Delete every object of ours in the namespace (rollback)
  ostokubevirt.migrate.apply_objects:
    group: tenant
    namespace: acme-web-shop
    objects: []
    prune: true
"""

RETURN = r"""
per_object:
  description:
    - One entry per applied or pruned object, in the order handled.
    - Not named C(results), which Ansible reads as the items of a loop.
  returned: always
  type: list
  elements: dict
  contains:
    api_version:
      description: The object's apiVersion.
      type: str
      sample: v1
    kind:
      description: The object's kind.
      type: str
      sample: Service
    namespace:
      description: Its namespace; null for cluster-scoped objects.
      type: str
      sample: acme-web-shop
    name:
      description: Its name.
      type: str
      sample: web-01
    action:
      description:
        - V(created), V(updated), V(unchanged), V(deleted), V(would create) (check mode, namespace not there yet)
          or V(failed).
      type: str
    changed:
      description: Whether this object changed (or would, in check mode).
      type: bool
    status:
      description: HTTP status of a failure; null when the server gave no answer.
      type: int
      returned: failure
    reason:
      description: The API's reason of a failure, for example C(Conflict).
      type: str
      returned: failure
    message:
      description: The API's message of a failure.
      type: str
      returned: failure
summary:
  description: Number of objects per action.
  returned: always
  type: dict
  sample: {unchanged: 998, created: 2}
namespace_missing:
  description: True in check mode when O(namespace) does not exist yet (its objects were not dry-run).
  returned: always
  type: bool
"""

from copy import deepcopy

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.service import K8sService

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube import apply as plan
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.api_failure import ApiFailure
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.applier import Applier

ARG_SPEC = {
    "group": {"type": "str", "required": True, "choices": sorted(plan.GROUPS)},
    "objects": {"type": "list", "elements": "dict", "default": []},
    "namespace": {"type": "str"},
    "prune": {"type": "bool", "default": False},
    "field_manager": {"type": "str", "default": "ostokubevirt"},
    "force_conflicts": {"type": "bool", "default": False},
}


def run(module, applier: Applier, group: plan.Group, objects: list, namespace: str | None) -> dict:
    # One read in check mode only: a dry run needs the namespace, a real apply creates it first (namespace_rbac).
    missing = bool(module.check_mode and namespace) and not applier.namespace_exists(namespace)
    results = []
    for obj in objects:
        if missing and obj["kind"] not in plan.CLUSTER_SCOPED:
            results.append(plan.entry(obj, "would create"))
        else:
            results.append(applier.apply_one(obj))
    if module.params["prune"] and group.prunes and namespace and not missing:
        results += applier.prune(group, namespace, objects)
    outcome = {"changed": any(item["changed"] for item in results), "per_object": results, "summary": plan.summary(results), "namespace_missing": missing}
    if missing:
        outcome["msg"] = f"Would create in the new namespace {namespace}: " + (", ".join(plan.ref(o) for o in plan.namespaced(objects)) or "nothing else")
    if module._diff:
        outcome["diff"] = applier.diffs
    return outcome


def main() -> None:
    module = AnsibleK8SModule(module_class=AnsibleModule, argument_spec={**ARG_SPEC, **deepcopy(AUTH_ARG_SPEC)}, supports_check_mode=True)
    group, objects = plan.GROUPS[module.params["group"]], module.params["objects"]
    namespace = module.params["namespace"] or next(
        (o["metadata"].get("name") for o in objects if isinstance(o, dict) and o.get("kind") == "Namespace" and isinstance(o.get("metadata"), dict)), None
    )
    problems = plan.misplaced(objects, group, namespace)
    if module.params["prune"] and group.prunes and not namespace:
        problems.append("prune needs the namespace option")
    if problems:
        module.fail_json(msg=f"ostokubevirt.migrate.apply_objects ({group.name}): " + "; ".join(problems))
    try:
        client = get_api_client(module=module)
        service = K8sService(client, module)
        applier = Applier(
            client,
            service.find_resource,
            field_manager=module.params["field_manager"],
            force_conflicts=module.params["force_conflicts"],
        )
        outcome = run(module, applier, group, objects, namespace)
    except Exception as exc:  # no client (kubeconfig), or the namespace lookup itself failed
        failure = ApiFailure.from_exception(exc)
        module.fail_json(msg=f"ostokubevirt.migrate.apply_objects ({group.name}): {failure if failure.status else exc}")
    failed = plan.failure_message(group, outcome["per_object"])
    if failed:
        outcome.pop("msg", None)
        module.fail_json(msg=failed, **outcome)
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
