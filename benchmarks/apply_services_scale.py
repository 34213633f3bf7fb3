# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""No-op re-run cost of the non-VM apply roles for a tenant with many address Services.

    python benchmarks/apply_services_scale.py --kubeconfig DIR/kubeconfig [--sizes 200 1000]

Runs namespace_rbac, security_group_policies and floating_ip_service (prune on, as migrate_tenant runs them)
against a real API server for a generated tenant of N address Services (one ClusterIP Service per VM, as
address_mode pod makes them): a first run that creates everything, then a re-run with nothing to do, which is
timed. The collection is the one on ANSIBLE_COLLECTIONS_PATH, so the same script measures any branch. Prints the
seconds per re-run, the marginal cost per Service ((t_large - t_small) / (n_large - n_small)), and the ratio of a
1,000-VM re-run's share to issue 11's 2-minute target for the whole no-op re-run. Records numbers; asserts none.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS_1000 = 120.0
OURS = {"app.kubernetes.io/managed-by": "ostokubevirt"}


def _meta(name: str, namespace: str | None, source_type: str, **labels) -> dict:
    meta = {
        "name": name,
        "labels": {**OURS, **labels},
        "annotations": {"ostokubevirt.io/source-id": f"bench-{name}", "ostokubevirt.io/source-type": source_type},
    }
    if namespace:
        meta["namespace"] = namespace
    return meta


def tenant(namespace: str, services: int) -> dict:
    """The role inputs of a tenant with `services` VMs: namespace, quota, one policy per VM, one Service per VM."""
    rbac = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(namespace, None, "keystone.project", **{"ostokubevirt.io/project-id": namespace})},
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": _meta("tenant-quota", namespace, "nova.quota"),
            "spec": {"hard": {"count/virtualmachines.kubevirt.io": str(services + 10)}},
        },
    ]
    policies = [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": _meta("sg-default", namespace, "neutron.security_group"),
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": [{"podSelector": {}}]}]},
        }
    ]
    addresses = [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _meta(f"vm-{index:04d}", namespace, "nova.server.addresses"),
            "spec": {
                "type": "ClusterIP",
                "selector": {"ostokubevirt.io/server-id": f"server-{index:04d}"},
                "ports": [{"name": "tcp-22", "port": 22, "protocol": "TCP"}, {"name": "tcp-80", "port": 80, "protocol": "TCP"}],
            },
        }
        for index in range(services)
    ]
    return {"namespace": namespace, "rbac": rbac, "policies": policies, "services": addresses}


def playbook(directory: Path, data: dict) -> Path:
    (directory / "tenant.json").write_text(json.dumps(data))
    play = [
        {
            "name": "Non-VM apply roles",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "vars": {"bench": "{{ lookup('ansible.builtin.file', playbook_dir ~ '/tenant.json') | from_json }}"},
            "tasks": [
                {
                    "name": "Namespace",
                    "ansible.builtin.include_role": {"name": "ostokubevirt.migrate.namespace_rbac"},
                    "vars": {"namespace_rbac_objects": "{{ bench.rbac }}"},
                },
                {
                    "name": "Policies",
                    "ansible.builtin.include_role": {"name": "ostokubevirt.migrate.security_group_policies"},
                    "vars": {"security_group_policies_namespace": "{{ bench.namespace }}", "security_group_policies_objects": "{{ bench.policies }}"},
                },
                {
                    "name": "Services",
                    "ansible.builtin.include_role": {"name": "ostokubevirt.migrate.floating_ip_service"},
                    "vars": {"floating_ip_service_namespace": "{{ bench.namespace }}", "floating_ip_service_objects": "{{ bench.services }}"},
                },
            ],
        }
    ]
    path = directory / "play.yml"
    path.write_text(json.dumps(play))
    return path


def run(play: Path, kubeconfig: str) -> tuple[float, int, str]:
    env = {**os.environ, "K8S_AUTH_KUBECONFIG": kubeconfig, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0"}
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), str(play)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"ansible-playbook failed:\n{done.stdout[-3000:]}")
    recap = [line for line in done.stdout.splitlines() if line.startswith("localhost")][-1]
    changed = int(recap.split("changed=")[1].split()[0])
    return elapsed, changed, recap


def delete_namespace(kubeconfig: str, namespace: str) -> None:
    from kubernetes import client, config  # the client kubernetes.core uses; installed with the tools venv

    api = client.CoreV1Api(config.new_client_from_config(config_file=kubeconfig))
    try:
        api.delete_namespace(namespace)
    except client.ApiException as exc:
        if exc.status != 404:
            raise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", default=os.environ.get("KUBECONFIG"), required=not os.environ.get("KUBECONFIG"))
    parser.add_argument("--sizes", type=int, nargs=2, default=[200, 1000])
    parser.add_argument("--label", default="", help="what is measured, e.g. the branch")
    args = parser.parse_args()
    seconds = {}
    for size in args.sizes:
        namespace = f"bench-services-{size}"
        with tempfile.TemporaryDirectory() as work:
            play = playbook(Path(work), tenant(namespace, size))
            try:
                first, first_changed, dummy_out = run(play, args.kubeconfig)
                again, changed, _recap = run(play, args.kubeconfig)
            finally:
                delete_namespace(args.kubeconfig, namespace)
        seconds[size] = again
        print(f"{args.label} {size:5d} Services: first run {first:7.1f} s (changed={first_changed}), no-op re-run {again:7.1f} s (changed={changed})")
    small, large = args.sizes
    marginal = (seconds[large] - seconds[small]) / (large - small)
    at_1000 = seconds[small] + marginal * (1000 - small)
    print(
        f"{args.label} marginal no-op cost per Service: {marginal * 1000:.1f} ms; 1,000 Services: {at_1000:.1f} s "
        f"= {at_1000 / TARGET_SECONDS_1000:.2f} of issue 11's 120 s target for a whole 1,000-VM no-op re-run"
    )


if __name__ == "__main__":
    main()
