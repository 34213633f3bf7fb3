# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection's own path, as a user takes it: the tenants the tests migrate, what the apply roles send for
them, and runs of playbooks/migrate_tenant.yml and rollback_tenant.yml against the real control plane."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import yaml

E2E_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(E2E_DIR))
import test_apply_e2e as e2e  # the e2e step's playbooks, collection path and output parsers

REPO = e2e.REPO
MINIMAL_SNAPSHOT = REPO / "tests" / "unit" / "plugins" / "module_utils" / "fixtures" / "snapshot_minimal.yaml"
DEMO_TENANT = "web-shop"


@dataclasses.dataclass
class Tenant:
    project: str
    snapshot: Path
    vars_file: Path  # extra vars for migrate_tenant.yml: migration_options and migration_disk_sources
    objects: dict  # what tenant_objects returns for the same snapshot and options: the objects each apply role sends
    apply_output: str = ""  # the output of the run that migrated it

    @property
    def namespace(self) -> str:
        return self.objects["namespace"]

    def sent(self) -> list[dict]:
        """Every object the apply roles send for this tenant, once each."""
        objects = list(self.objects["namespace_rbac"]) + list(self.objects["security_group_policies"])
        objects += list(self.objects["floating_ip_services"])
        for vm in self.objects["vms"]:
            objects += [*vm["datavolumes"], vm["virtualmachine"]]
        objects += list(self.objects["secrets"].values())
        unique = {(o["apiVersion"], o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o for o in objects}
        return list(unique.values())

    def one(self, api_version: str, kind: str, *, spec_type: str | None = None) -> dict:
        """The first object of that kind we send (with that spec.type, e.g. a LoadBalancer Service)."""
        return next(
            o for o in self.sent() if (o["apiVersion"], o["kind"]) == (api_version, kind) and (spec_type is None or o.get("spec", {}).get("type") == spec_type)
        )


def _tenant(directory: Path, project: str, snapshot: Path, options: dict, disk_sources: dict) -> Tenant:
    """Write the tenant's extra vars and compute what tenant_objects returns for them: render's translation with
    the options migrate_tenant passes (its migration_options, with migration_disk_sources merged in)."""
    vars_file = directory / f"{project}-vars.yml"
    vars_file.write_text(yaml.safe_dump({"migration_options": options, "migration_disk_sources": disk_sources}))
    if e2e.COLLECTIONS_PATH not in sys.path:
        sys.path.insert(0, e2e.COLLECTIONS_PATH)
    from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.apply_input import apply_input
    from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.job import translate_snapshot

    translation = translate_snapshot(str(snapshot), tenant=project, raw_options={**options, "disk_sources": disk_sources})
    return Tenant(project, snapshot, vars_file, apply_input(translation))


def demo_tenant(directory: Path, namespace: str) -> Tenant:
    """The demo tenant (examples/snapshots/demo.yaml, disks of tests/e2e) in a namespace of the caller's choosing,
    so it never meets the tenant the stand-in-era e2e tests create and delete in the same control plane."""
    disks = yaml.safe_load(e2e.DISKS.read_text())["migration_disk_sources"]
    return _tenant(directory, DEMO_TENANT, e2e.SNAPSHOT, {"namespace": namespace}, disks)


def minimal_tenant(
    directory: Path, project: str, *, role_assignments: dict[str, str] | None = None, servers: int = 1, instances_quota: int | None = None
) -> Tenant:
    """A small tenant of its own (project `project`, namespace example-<project>), written as a snapshot file.

    Built from the minimal snapshot fixture: `servers` copies of its one server, each with its own port,
    MAC, address and an http disk source; role_assignments maps "user:<name>" or "group:<name>" to a Keystone
    role name; instances_quota sets the Nova instances quota (-> count/virtualmachines.kubevirt.io).
    """
    raw = yaml.safe_load(MINIMAL_SNAPSHOT.read_text())
    project_id = hashlib.md5(project.encode()).hexdigest()
    raw["project"].update(name=project, id=project_id)
    for network in raw["networks"]:
        network["project_id"] = project_id
    for group in raw["security_groups"]:
        group["project_id"] = project_id
    template_server, template_port = raw["servers"][0], raw["ports"][0]
    raw["servers"], raw["ports"], disk_sources = [], [], {}
    for index in range(1, servers + 1):
        server, port = copy.deepcopy(template_server), copy.deepcopy(template_port)
        server_id, name = _uuid(f"{project}-server-{index}"), f"app-{index:02d}"
        mac, address = f"fa:16:3e:00:01:{index:02x}", f"10.0.0.{10 + index}"
        server.update(id=server_id, name=name, tenant_id=project_id)
        server["addresses"] = {"app-net": [{"version": 4, "addr": address, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": mac}]}
        port.update(id=_uuid(f"{project}-port-{index}"), device_id=server_id, mac_address=mac)
        port["fixed_ips"] = [{**port["fixed_ips"][0], "ip_address": address}]
        raw["servers"].append(server)
        raw["ports"].append(port)
        disk_sources[server_id] = {"http": {"url": f"http://127.0.0.1:8/exports/{project}-{name}-root.qcow2"}}
    raw["role_assignments"] = [_assignment(subject, role, project, project_id) for subject, role in (role_assignments or {}).items()]
    if instances_quota is not None:
        raw["quotas"] = {"compute": {"id": project_id, "instances": instances_quota}}
    snapshot = directory / f"{project}.yaml"
    snapshot.write_text(yaml.safe_dump(raw, sort_keys=False))
    return _tenant(directory, project, snapshot, {}, disk_sources)


def _uuid(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-5{digest[13:16]}-a{digest[17:20]}-{digest[20:32]}"


def _assignment(subject: str, role: str, project: str, project_id: str) -> dict:
    kind, name = subject.split(":", 1)
    return {
        "role": {"id": hashlib.md5(role.encode()).hexdigest(), "name": role},
        "scope": {"project": {"id": project_id, "name": project}},
        kind: {"id": hashlib.md5(name.encode()).hexdigest(), "name": name},
    }


def run_playbook(kubeconfig: Path, playbook: Path, tenant: Tenant, *args: str, check: bool = False) -> tuple[int, str]:
    """ansible-playbook as a user runs it (unmodified kubernetes.core and client), output merged."""
    cmd = [str(e2e.BIN / "ansible-playbook"), str(playbook), "-e", f"tenant={tenant.project}", "-e", f"migration_kubeconfig={kubeconfig}"]
    if playbook == e2e.PLAYBOOK:
        cmd += ["-e", f"migration_snapshot={tenant.snapshot}", "-e", "migration_mode=apply", "-e", f"@{tenant.vars_file}", "-e", "migration_poll_interval=1"]
    cmd += list(args)
    if check:
        cmd += ["--check", "--diff"]
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": e2e.COLLECTIONS_PATH, "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0"}
    done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900, check=False)
    return done.returncode, done.stdout


def migrate(kubeconfig: Path, tenant: Tenant, *args: str, check: bool = False) -> tuple[int, str]:
    return run_playbook(kubeconfig, e2e.PLAYBOOK, tenant, *args, check=check)


def rollback(kubeconfig: Path, tenant: Tenant, *args: str, check: bool = False) -> tuple[int, str]:
    return run_playbook(kubeconfig, e2e.ROLLBACK, tenant, "-e", "confirm=yes", *args, check=check)
