# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Apply-mode scale benchmark: the VM engine's own cost per VM against the test control plane.

    python benchmarks/apply_scale.py            # 20 and 200 VMs, 3 s imports, a 1,000-VM no-op re-run
    python benchmarks/apply_scale.py --quick    # 10 and 40 VMs, 1 s imports (CI smoke run, well under 2 min)

Runs ansible-playbook with ostokubevirt.migrate.vm_migrate (20 in flight, 1 s polls) on generated VMs (a
cloud-init Secret, one http DataVolume and a VirtualMachine each, the entry shape tenant_objects returns)
against the control plane of $OKV_CONTROL_PLANE_DIR (or one it starts), whose controller doubles import every
DataVolume in a fixed time and start every VM in a fixed time. Printed, never asserted (timing depends on the
machine's load), each as a ratio to the issue's target:

- first apply: controller cost per VM, marginal between the two sizes, excluding the simulated import and start
  time (the wall time a perfect window needs, ceil(N / in flight) x (import + start), is subtracted);
- no-op re-run (every VM recorded done): marginal cost per VM;
- a 1,000-VM no-op re-run, total time. Its VMs are recorded done in the progress ConfigMap without applying
  them first, which is exactly what a re-run reads (a re-run never touches a done VM's objects); the output
  says so.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import LOAD_NOTE, REPO, print_table, target_line, use_control_plane

use_control_plane()
from control_plane import ControlPlane

IN_FLIGHT = 20
START_SECONDS = 0.2
FIRST_APPLY_TARGET_S = 1.0
NOOP_TARGET_S = 0.05
THOUSAND_NOOP_TARGET_S = 120.0
LABELS = {"app.kubernetes.io/managed-by": "ostokubevirt"}
PLAYBOOK = """\
- name: Apply the generated VMs
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Migrate
      ostokubevirt.migrate.vm_migrate:
        namespace: "{{ namespace }}"
        vms: "{{ vms }}"
        secrets: "{{ secrets }}"
        max_parallel: {in_flight}
        poll_interval: 1
        datavolume_timeout: 600
        ready_timeout: 300
        kubeconfig: "{{ kubeconfig }}"
"""


def _meta(name: str, namespace: str, source: str) -> dict:
    return {
        "name": name,
        "namespace": namespace,
        "labels": dict(LABELS),
        "annotations": {"ostokubevirt.io/source-id": source, "ostokubevirt.io/source-type": "nova.server"},
    }


def generate(namespace: str, count: int) -> tuple[list[dict], dict]:
    """count VM entries (tenant_objects' shape) and their Secrets."""
    vms, secrets = [], {}
    for index in range(count):
        name, server_id = f"vm-{index:05d}", f"server-{index:05d}"
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": _meta(f"{name}-cloud-init", namespace, server_id),
            "type": "Opaque",
            "stringData": {"userdata": f"#cloud-config\nhostname: {name}\n"},
        }
        dv = {
            "apiVersion": "cdi.kubevirt.io/v1beta1",
            "kind": "DataVolume",
            "metadata": _meta(f"{name}-root", namespace, server_id),
            "spec": {"source": {"http": {"url": f"http://127.0.0.1:8/exports/{name}-root.qcow2"}}, "storage": {"resources": {"requests": {"storage": "1Gi"}}}},
        }
        vm = {
            "apiVersion": "kubevirt.io/v1",
            "kind": "VirtualMachine",
            "metadata": _meta(name, namespace, server_id),
            "spec": {
                "runStrategy": "Always",
                "template": {
                    "metadata": {"labels": dict(LABELS)},
                    "spec": {
                        "domain": {
                            "devices": {"disks": [{"name": "root", "disk": {"bus": "virtio"}}, {"name": "cloudinit", "disk": {"bus": "virtio"}}]},
                            "resources": {"requests": {"memory": "64Mi"}},
                        },
                        "volumes": [
                            {"name": "root", "dataVolume": {"name": f"{name}-root"}},
                            {"name": "cloudinit", "cloudInitNoCloud": {"secretRef": {"name": f"{name}-cloud-init"}}},
                        ],
                    },
                },
            },
        }
        digest = hashlib.sha256(json.dumps([secret, dv, vm], sort_keys=True).encode()).hexdigest()[:16]
        vms.append(
            {
                "name": name,
                "server_id": server_id,
                "hash": digest,
                "virtualmachine": vm,
                "datavolumes": [dv],
                "datavolume_names": [dv["metadata"]["name"]],
                "secret_names": [secret["metadata"]["name"]],
                "run_strategy": "Always",
                "source_status": "ACTIVE",
            }
        )
        secrets[secret["metadata"]["name"]] = secret
    return vms, secrets


class Bench:
    def __init__(self, plane: ControlPlane, workdir: Path, collections_path: str):
        self.plane = plane
        self.workdir = workdir
        self.collections_path = collections_path
        self.playbook = workdir / "apply.yml"
        self.playbook.write_text(PLAYBOOK.replace("{in_flight}", str(IN_FLIGHT)), encoding="utf-8")

    def fresh_namespace(self, namespace: str) -> None:
        self.plane.delete_namespace(namespace)
        self.plane.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}, direct=True)

    def apply(self, namespace: str, vms: list[dict], secrets: dict) -> float:
        extra = self.workdir / f"{namespace}.json"
        extra.write_text(json.dumps({"namespace": namespace, "vms": vms, "secrets": secrets, "kubeconfig": str(self.plane.kubeconfig)}), encoding="utf-8")
        env = {
            **os.environ,
            "ANSIBLE_COLLECTIONS_PATH": self.collections_path,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        }
        start = time.monotonic()
        done = subprocess.run(
            [str(Path(sys.executable).parent / "ansible-playbook"), str(self.playbook), "-e", f"@{extra}"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        elapsed = time.monotonic() - start
        if done.returncode != 0 or "failed=0" not in done.stdout:
            raise SystemExit(f"apply of {len(vms)} VMs failed:\n{done.stdout[-4000:]}")
        return elapsed

    def seed_done(self, namespace: str, vms: list[dict]) -> None:
        """Record every VM done, as a finished first apply leaves the progress ConfigMap."""
        data = {f"vm.{vm['name']}": json.dumps({"hash": vm["hash"], "phase": "done", "server_id": vm["server_id"]}, sort_keys=True) for vm in vms}
        self.plane.request(
            "POST",
            f"/api/v1/namespaces/{namespace}/configmaps",
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "data": data,
                "metadata": {
                    "name": "ostokubevirt-progress",
                    "labels": dict(LABELS),
                    "annotations": {"ostokubevirt.io/source-id": namespace, "ostokubevirt.io/source-type": "ostokubevirt.progress"},
                },
            },
            direct=True,
        )


def _collections_path() -> str:
    if os.environ.get("ANSIBLE_COLLECTIONS_PATH"):
        return os.environ["ANSIBLE_COLLECTIONS_PATH"]
    for parent in REPO.parents:
        if parent.name == "ansible_collections":
            return str(parent.parent)
    shim = Path(tempfile.mkdtemp(prefix="okv-apply-bench-"))
    (shim / "ansible_collections" / "ostokubevirt").mkdir(parents=True)
    (shim / "ansible_collections" / "ostokubevirt" / "migrate").symlink_to(REPO)
    return str(shim)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 and 40 VMs with 1 s imports (CI smoke run)")
    args = parser.parse_args()
    small, large, import_s = (10, 40, 1.0) if args.quick else (20, 200, 3.0)
    thousand = 1000
    with tempfile.TemporaryDirectory(prefix="okv-apply-bench-") as scratch:
        plane = ControlPlane.from_environment(Path(scratch) / "control-plane")
        try:
            plane.set_timings(import_seconds=import_s, start_seconds=START_SECONDS)
            bench = Bench(plane, Path(scratch), _collections_path())
            rows = []
            for count in (small, large):
                namespace = f"okv-bench-{count}"
                vms, secrets = generate(namespace, count)
                bench.fresh_namespace(namespace)
                first = bench.apply(namespace, vms, secrets)
                rerun = bench.apply(namespace, vms, secrets)
                ideal = math.ceil(count / IN_FLIGHT) * (import_s + START_SECONDS)
                rows.append({"vms": count, "first": first, "ideal": ideal, "cost": first - ideal, "rerun": rerun})
                plane.delete_namespace(namespace)
            namespace = "okv-bench-1000"
            vms, secrets = generate(namespace, thousand)
            bench.fresh_namespace(namespace)
            bench.seed_done(namespace, vms)
            thousand_noop = bench.apply(namespace, vms, secrets)
            plane.delete_namespace(namespace)
        finally:
            plane.set_timings()
            plane.stop()
    print_table(
        [("VMs", 6), ("first apply", 12), ("import+start (ideal)", 21), ("controller", 11), ("no-op re-run", 13)],
        [[str(r["vms"]), f"{r['first']:.1f}s", f"{r['ideal']:.1f}s", f"{r['cost']:.1f}s", f"{r['rerun']:.2f}s"] for r in rows],
    )
    span = rows[1]["vms"] - rows[0]["vms"]
    first_per_vm = (rows[1]["cost"] - rows[0]["cost"]) / span
    noop_per_vm = (rows[1]["rerun"] - rows[0]["rerun"]) / span
    what = f"first apply, {IN_FLIGHT} in flight, {import_s:.0f} s imports: controller cost per VM (marginal {rows[0]['vms']}->{rows[1]['vms']})"
    print(target_line(what, first_per_vm, FIRST_APPLY_TARGET_S, " s", 3))
    print(target_line("no-op re-run per VM (marginal)", noop_per_vm, NOOP_TARGET_S, " s", 4))
    what = f"no-op re-run of {thousand} VMs (recorded done in the progress ConfigMap; the objects were not applied first, a re-run never reads them)"
    print(target_line(what, thousand_noop, THOUSAND_NOOP_TARGET_S, " s", 1))
    print(LOAD_NOTE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
