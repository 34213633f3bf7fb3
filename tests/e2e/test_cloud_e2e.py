# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""End to end: playbooks/migrate_cloud.yml over a snapshot tree made from the demo tenant.

Render: ten tenants in two domains (one snapshot deliberately broken) in one ansible-playbook command, then a
re-run that skips what is done. Apply: three small tenants on the real kube-apiserver of tests/control_plane (the
KubeVirt/CDI controllers are doubles), then a re-run that the progress records let skip.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

import yaml
from e2e_common import BIN, COLLECTIONS_PATH, NEEDS_ANSIBLE, REPO

PLAYBOOK = REPO / "playbooks" / "migrate_cloud.yml"
DEMO = REPO / "examples" / "snapshots" / "demo.yaml"
DISKS = Path(__file__).resolve().parent / "demo-disk-sources.yml"
BROKEN = "acme/shop-04"

pytestmark = NEEDS_ANSIBLE


def tenant_tree(root: Path, count: int, servers: list[str] | None = None, broken: str | None = None) -> list[str]:
    """The demo tenant under ``count`` project names in two domains; ``servers`` keeps only those servers."""
    demo = yaml.safe_load(DEMO.read_text())
    made = []
    for index in range(count):
        domain = "acme" if index < 7 else "beta"
        name = f"shop-{index:02d}"
        snap = copy.deepcopy(demo)
        snap["project"]["name"] = name
        snap["domain"]["name"] = domain
        if servers is not None:
            snap["servers"] = [s for s in snap["servers"] if s["name"] in servers]
        path = root / domain / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        if f"{domain}/{name}" == broken:
            path.write_text("format: ostokubevirt.io/tenant-snapshot/v1\nservers: [unclosed\n")
        else:
            # The project id is in every object the project owns: a new id everywhere makes a distinct tenant.
            path.write_text(yaml.safe_dump(snap).replace(demo["project"]["id"], hashlib.sha256(name.encode()).hexdigest()[:32]))
        made.append(f"{domain}/{name}")
    return made


def run(*args: str, cwd: Path) -> tuple[int, str]:
    cmd = [str(BIN / "ansible-playbook"), str(PLAYBOOK), *args]
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0"}
    done = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1800, check=False)
    return done.returncode, done.stdout


def tenant_lines(output: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r'"msg": "((?:acme|beta)/shop-\d\d): (done|failed|skipped)', output)}


def test_render_ten_tenants_in_one_command_then_rerun_skips(tmp_path):
    tenants = tenant_tree(tmp_path / "snaps", 10, broken=BROKEN)
    out = tmp_path / "out"
    # migration_options reach every tenant's translation (an omitted disk variable once overrode them).
    options = '{"migration_options": {"glance_interface": "admin", "bandwidth_mbps": 123}}'
    args = ("-e", "migration_snapshot_dir=snaps", "-e", "migration_output_dir=out", "-e", "migration_tenant_batch=5", "-e", options)
    rc, output = run(*args, cwd=tmp_path)
    # The broken tenant fails the run only at the end: every other tenant is done.
    assert rc == 2, output[-3000:]
    assert tenant_lines(output) == {t: ("failed" if t == BROKEN else "done") for t in tenants}
    namespaces = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert namespaces == sorted(t.replace("/", "-") for t in tenants if t != BROKEN)

    fleet = json.loads((out / "fleet.json").read_text())
    plans = [json.loads((out / ns / "plan.json").read_text())["summary"] for ns in namespaces]
    assert fleet["tenants"] == {"total": 10, "done": 9, "failed": 1, "skipped": 0}
    for status in ("ready", "warning", "blocked"):
        assert fleet["vms"][status] == sum(p[status] for p in plans)
    assert fleet["vms"]["total"] == sum(p["servers"] for p in plans) > 0
    assert fleet["bytes_to_move"] == sum(p["disks"]["bytes_to_move"] for p in plans) > 0
    assert fleet["bytes_moved"] == 0
    assert {(p["disks"]["glance_interface"], p["disks"]["bandwidth_mbps"]) for p in plans} == {("admin", 123)}
    assert [f"{r['domain']}/{r['project']}" for r in fleet["records"]] == tenants
    (failed,) = fleet["failed"]
    assert failed.startswith(f"{BROKEN}: ") and str(tmp_path / "snaps" / "acme" / "shop-04.yaml") in failed
    assert "Fleet render of 10 tenant(s): done 9, failed 1, skipped 0" in output

    # Touch one snapshot's content: only that tenant is rendered again.
    changed = tmp_path / "snaps" / "beta" / "shop-09.yaml"
    changed.write_text(changed.read_text().replace("Online shop", "Online shop (edited)"))
    rc, output = run(*args, cwd=tmp_path)
    assert rc == 2, output[-3000:]
    assert tenant_lines(output) == {t: {"acme/shop-04": "failed", "beta/shop-09": "done"}.get(t, "skipped") for t in tenants}
    again = json.loads((out / "fleet.json").read_text())
    assert again["tenants"] == {"total": 10, "done": 1, "failed": 1, "skipped": 8}
    # Skipped tenants keep their counts: the totals describe the same fleet.
    assert (again["vms"], again["bytes_to_move"]) == (fleet["vms"], fleet["bytes_to_move"])


def test_apply_three_tenants_then_rerun_skips(tmp_path, plane):
    plane.set_timings(import_seconds=0.5, start_seconds=0.2)
    # Two servers a tenant keep the apply short; the other objects (network, policies, quota, RBAC) come along.
    tenants = tenant_tree(tmp_path / "snaps", 3, servers=["web-01", "cache-01"])
    namespaces = [t.replace("/", "-") for t in tenants]
    args = (
        "-e",
        "migration_mode=apply",
        "-e",
        "migration_snapshot_dir=snaps",
        "-e",
        "migration_output_dir=out",
        "-e",
        f"migration_kubeconfig={plane.kubeconfig}",
        "-e",
        f"@{DISKS}",
        "-e",
        "migration_poll_interval=1",
        "-e",
        '{"migration_tenant_waves": [["shop-01"], ["shop-00", "acme/shop-02"]]}',
    )
    try:
        rc, output = run(*args, cwd=tmp_path)
        assert rc == 0, output[-4000:]
        assert tenant_lines(output) == dict.fromkeys(tenants, "done")
        # Wave order: shop-01 alone first.
        assert output.index('"msg": "acme/shop-01: done') < output.index('"msg": "acme/shop-00: done')
        fleet = json.loads((tmp_path / "out" / "fleet.json").read_text())
        assert fleet["tenants"] == {"total": 3, "done": 3, "failed": 0, "skipped": 0}
        assert fleet["vms"]["ready"] + fleet["vms"]["warning"] == 6
        # A finished apply moved its plan's bytes (0 here: manual http sources are not the plan's transfers).
        assert fleet["bytes_moved"] == fleet["bytes_to_move"]
        for namespace in namespaces:
            vms = plane.items(f"/apis/kubevirt.io/v1/namespaces/{namespace}/virtualmachines")
            assert sorted(vm["metadata"]["name"] for vm in vms) == ["cache-01", "web-01"]
            progress = plane.get(f"/api/v1/namespaces/{namespace}/configmaps/ostokubevirt-progress")["data"]
            assert all(json.loads(v)["phase"] == "done" for k, v in progress.items() if k.startswith("vm."))

        rc, output = run(*args, cwd=tmp_path)
        assert rc == 0, output[-4000:]
        assert tenant_lines(output) == dict.fromkeys(tenants, "skipped")
        again = json.loads((tmp_path / "out" / "fleet.json").read_text())
        assert again["tenants"]["skipped"] == 3 and again["bytes_moved"] == 0
        # Nothing was applied: the skip read the progress records only.
        assert "Migrate the VMs" not in output
    finally:
        for namespace in namespaces:
            plane.delete_namespace(namespace)
