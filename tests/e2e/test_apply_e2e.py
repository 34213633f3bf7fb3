# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""End to end: playbooks/migrate_tenant.yml (apply) and rollback_tenant.yml on the demo tenant.

Runs the real playbooks (ansible-playbook, unmodified kubernetes.core and kubernetes client) against a real
kube-apiserver with the upstream CRDs (tests/control_plane/up.sh), through its fault proxy; KubeVirt and CDI
are the controller doubles of tests/control_plane/doubles. Uses the control plane of $OKV_CONTROL_PLANE_DIR
(scripts/test starts one per step), else starts its own. Tests are isolated by deleting the tenant's
namespace (and waiting for the namespace controller) rather than restarting the API server.
Needs the collection importable through ANSIBLE_COLLECTIONS_PATH (or this checkout staged under an
ansible_collections/ directory, as scripts/test does). Run:

    cd <repo> && ANSIBLE_COLLECTIONS_PATH=<dir holding ansible_collections> python -m pytest tests/e2e -q
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from e2e_common import BIN, COLLECTIONS_PATH, NEEDS_ANSIBLE, REPO, ControlPlane
from process_tree import kill_tree

PLAYBOOK = REPO / "playbooks" / "migrate_tenant.yml"
ROLLBACK = REPO / "playbooks" / "rollback_tenant.yml"
SNAPSHOT = REPO / "examples" / "snapshots" / "demo.yaml"
DISKS = Path(__file__).resolve().parent / "demo-disk-sources.yml"
NAMESPACE = "acme-web-shop"
VMS = ["batch-01", "cache-01", "db-01", "monitor-01", "nfv-fw-01", "web-01", "web-02", "win-erp-01", "worker-01"]
# Imports must outlast the apply of a batch (several seconds on a loaded 2-core CI machine), or the first
# poll finds every DataVolume done and no progress is ever shown.
IMPORT_SECONDS = 5
# Objects every namespace of a real cluster gets from kube-controller-manager: not ours, never deleted by rollback.
CLUSTER_MADE = {"configmaps/kube-root-ca.crt"}


pytestmark = NEEDS_ANSIBLE


class Cluster:
    """The control plane, seen the way these tests need it: one tenant namespace, reset between tests."""

    def __init__(self, plane: ControlPlane):
        self.plane = plane
        self.kubeconfig = plane.kubeconfig

    def reset(self, import_seconds: float = IMPORT_SECONDS) -> None:
        self.plane.clear_faults()
        self.plane.delete_namespace(NAMESPACE)
        self.plane.set_timings(import_seconds=import_seconds, start_seconds=0.3)
        self.plane.reset_proxy()

    def get(self, path: str):
        return self.plane.get(path)

    def items(self, path: str) -> list[dict]:
        return self.plane.items(path)

    def snapshot_state(self) -> dict:
        """Every object in the tenant namespace (and the namespace), by kind/name -> resourceVersion."""
        state = {}
        ns = self.get(f"/api/v1/namespaces/{NAMESPACE}")
        if ns:
            state["Namespace/" + NAMESPACE] = ns["metadata"]["resourceVersion"]
        for path in (
            "/api/v1/namespaces/{ns}/secrets",
            "/api/v1/namespaces/{ns}/configmaps",
            "/api/v1/namespaces/{ns}/services",
            "/api/v1/namespaces/{ns}/resourcequotas",
            "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
            "/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies",
            "/apis/projectcalico.org/v3/namespaces/{ns}/networkpolicies",
            "/apis/cdi.kubevirt.io/v1beta1/namespaces/{ns}/datavolumes",
            "/apis/kubevirt.io/v1/namespaces/{ns}/virtualmachines",
        ):
            for item in self.items(path.format(ns=NAMESPACE)):
                key = f"{path.rsplit('/', maxsplit=1)[-1]}/{item['metadata']['name']}"
                if key not in CLUSTER_MADE:
                    state[key] = item["metadata"]["resourceVersion"]
        return state

    def requests(self) -> list[dict]:
        """What the playbook sent, through the fault proxy (the controller doubles talk to the server directly)."""
        return self.plane.requests()


@pytest.fixture(scope="module")
def cluster(plane):
    return Cluster(plane)


def run(cluster: Cluster, *args: str, playbook: Path = PLAYBOOK, check=False, verbosity=0, background=False, extra_env=None):
    cmd = [str(BIN / "ansible-playbook"), str(playbook), "-e", "tenant=web-shop", "-e", f"migration_kubeconfig={cluster.kubeconfig}"]
    if playbook == PLAYBOOK:
        cmd += [
            "-e",
            f"migration_snapshot={SNAPSHOT}",
            "-e",
            "migration_mode=apply",
            "-e",
            f"@{DISKS}",
            "-e",
            "migration_poll_interval=1",
            "-e",
            "migration_max_parallel=3",
        ]
    cmd += list(args)
    if check:
        cmd += ["--check", "--diff"]
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    env = {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH,
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        **(extra_env or {}),
    }
    if background:
        return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1800, check=False)
    return done.returncode, done.stdout


def recap(output: str) -> dict:
    match = re.search(r"localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)", output)
    assert match, output[-3000:]
    return {"ok": int(match[1]), "changed": int(match[2]), "failed": int(match[3])}


def changed_tasks(output: str) -> list[str]:
    lines, task = [], None
    for line in output.splitlines():
        if line.startswith("TASK ["):
            task = line
        elif line.startswith("changed:"):
            lines.append(f"{task} {line}")
    return lines


def progress(cluster: Cluster) -> dict:
    cm = cluster.get(f"/api/v1/namespaces/{NAMESPACE}/configmaps/ostokubevirt-progress") or {}
    return {k: json.loads(v) for k, v in (cm.get("data") or {}).items()}


def assert_all_migrated(cluster: Cluster) -> None:
    vms = {v["metadata"]["name"]: v for v in cluster.items(f"/apis/kubevirt.io/v1/namespaces/{NAMESPACE}/virtualmachines")}
    assert sorted(vms) == VMS
    assert vms["batch-01"]["status"]["printableStatus"] == "Stopped"  # SHUTOFF at the source
    assert all(vms[n]["status"].get("ready") for n in VMS if n != "batch-01")
    record = progress(cluster)
    assert {k: v["phase"] for k, v in record.items() if k.startswith("vm.")} == {f"vm.{n}": "done" for n in VMS}


def secret_values() -> list[str]:
    """Every value the demo tenant's Secrets hold, base64 and decoded (long enough to be distinctive)."""
    sys.path.insert(0, str(REPO.parent))
    rendered = subprocess.run(
        [
            str(BIN / "python"),
            "-c",
            "import json,sys,yaml\n"
            "from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant\n"
            f"t = translate_tenant(yaml.safe_load(open({str(SNAPSHOT)!r})), tenant='web-shop')\n"
            "print(json.dumps([o for o in t.objects if o['kind'] == 'Secret']))",
        ],
        env={**os.environ, "PYTHONPATH": COLLECTIONS_PATH},
        capture_output=True,
        text=True,
        check=True,
    )
    values = []
    for secret in json.loads(rendered.stdout):
        for value in (secret.get("data") or {}).values():
            values.append(value)
            for line in base64.b64decode(value).decode(errors="replace").splitlines():
                if len(line.strip()) >= 16:
                    values.append(line.strip())
        for value in (secret.get("stringData") or {}).values():
            values.extend(line.strip() for line in value.splitlines() if len(line.strip()) >= 16)
    assert values
    return values


# ------------------------------------------------------------------------------------------ tests
def test_check_mode_on_empty_cluster_changes_nothing(cluster):
    cluster.reset()
    rc, out = run(cluster, check=True)
    assert rc == 0, out[-4000:]
    assert recap(out)["changed"] > 0  # it does report what would change
    assert cluster.snapshot_state() == {}


def test_apply_in_dependency_order_then_idempotent_and_check_mode_is_read_only(cluster):
    # Long imports: the first poll must still find them running after a batch's apply, however loaded the machine.
    cluster.reset(import_seconds=20)
    rc, out = run(cluster)
    assert rc == 0, out[-4000:]
    assert_all_migrated(cluster)
    assert "progress" in out and re.search(r"ImportInProgress, progress \d+\.\d+%", out), "no DataVolume progress shown"

    writes = [r for r in cluster.requests() if r.get("method") in ("PATCH", "POST", "PUT") and r.get("kind") and not str(r.get("path", "")).endswith("/status")]
    first = {}
    for index, request in enumerate(writes):
        first.setdefault((request["kind"], request.get("name")), index)

    def order(kind):
        return [i for (k, _n), i in first.items() if k == kind]

    assert max(order("Namespace")) < min(order("RoleBinding"))
    assert max(order("NetworkPolicy")) < min(order("VirtualMachine")), "a VM ran before its policies"
    assert max(order("VirtualMachine")) < min(order("Service")), "a floating IP was exposed before the VMs"
    for vm in VMS:
        assert first[("Secret", f"{vm}-cloud-init")] < first[("VirtualMachine", vm)]
    assert first[("DataVolume", "db-01-data")] < first[("VirtualMachine", "db-01")]

    before = cluster.snapshot_state()
    rc, out = run(cluster)
    assert rc == 0, out[-4000:]
    assert recap(out)["changed"] == 0, "second apply changed:\n" + "\n".join(changed_tasks(out))
    assert "VMs already migrated (skipped): 9" in out

    rc, out = run(cluster, check=True)
    assert rc == 0, out[-4000:]
    assert cluster.snapshot_state() == before or _only_status_moved(before, cluster.snapshot_state())


def _only_status_moved(before: dict, after: dict) -> bool:
    # Controllers may still write status (resourceVersion) on their own; no object may appear or vanish.
    return sorted(before) == sorted(after)


@pytest.mark.parametrize("kill_after", [("Secret", 1), ("DataVolume", 4), ("VirtualMachine", 4), ("wait", 2)])
def test_killed_run_resumes_without_duplicates_or_double_migration(cluster, kill_after):
    cluster.reset()
    kind, count = kill_after
    proc = run(cluster, background=True)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        reqs = cluster.requests()
        if kind == "wait":
            seen = sum(1 for r in reqs if r.get("method") == "GET" and r.get("kind") == "DataVolume" and not r.get("name"))
        else:
            seen = sum(1 for r in reqs if r.get("method") == "PATCH" and r.get("kind") == kind)
        if seen >= count:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before the kill point"
    kill_tree(proc.pid)
    proc.wait(timeout=30)
    done_before = {k[3:] for k, v in progress(cluster).items() if k.startswith("vm.") and v["phase"] == "done"}
    uids_before = {v["metadata"]["name"]: v["metadata"]["uid"] for v in cluster.items(f"/apis/kubevirt.io/v1/namespaces/{NAMESPACE}/virtualmachines")}
    mark = len(cluster.requests())

    rc, out = run(cluster)
    assert rc == 0, out[-4000:]
    assert_all_migrated(cluster)
    after = cluster.items(f"/apis/kubevirt.io/v1/namespaces/{NAMESPACE}/virtualmachines")
    assert len(after) == len({v["metadata"]["name"] for v in after}) == len(VMS)
    for vm in after:  # never deleted and re-created
        if vm["metadata"]["name"] in uids_before:
            assert vm["metadata"]["uid"] == uids_before[vm["metadata"]["name"]]
    resumed = cluster.requests()[mark:]
    for name in done_before:  # a VM finished before the kill is not migrated again
        # The tenant's address Service of a VM shares its name and is re-applied (a no-op) by every run.
        assert not [r for r in resumed if r.get("method") == "PATCH" and r.get("name") == name and r.get("kind") != "Service"], name
    rc, out = run(cluster)
    assert rc == 0 and recap(out)["changed"] == 0, "\n".join(changed_tasks(out))


def test_api_errors_fail_only_their_vm_and_are_reported(cluster):
    cluster.reset()
    cluster.plane.add_fault({"action": "status", "status": 500, "method": "PATCH", "kind": "VirtualMachine", "name": "web-01"})
    cluster.plane.add_fault({"action": "status", "status": 403, "method": "PATCH", "kind": "Secret", "name": "db-01-cloud-init"})
    try:
        rc, out = run(cluster, verbosity=3)
    finally:
        cluster.plane.clear_faults()
    assert rc != 0
    assert re.search(r"2 of 9 VM\(s\) failed", out), out[-3000:]
    assert re.search(r"web-01: VirtualMachine web-01: HTTP 500", out)
    assert re.search(r"db-01: Secret db-01-cloud-init: HTTP 403 Forbidden(?!:)", out)  # never the server's message
    vms = {v["metadata"]["name"]: v for v in cluster.items(f"/apis/kubevirt.io/v1/namespaces/{NAMESPACE}/virtualmachines")}
    assert sorted(vms) == sorted(set(VMS) - {"web-01", "db-01"})
    record = progress(cluster)
    assert record["vm.web-01"]["phase"] == "failed" and "500" in record["vm.web-01"]["message"]
    assert record["vm.db-01"]["phase"] == "failed"
    assert sum(1 for k, v in record.items() if k.startswith("vm.") and v["phase"] == "done") == 7
    leaked = [v for v in secret_values() if v in out]
    assert not leaked, f"{len(leaked)} secret value(s) in -vvv output"
    # Without the fault a new run finishes only the two failed VMs.
    rc, out = run(cluster)
    assert rc == 0, out[-3000:]
    assert_all_migrated(cluster)
    assert "VMs already migrated (skipped): 7" in out


def test_long_waits_poll_many_rounds_and_finish(cluster):
    """Many polling rounds in one task, each round's progress printed as it comes."""
    # Imports long enough that polls 3 to 9 still find disks importing, even when a loaded machine slows each round.
    cluster.reset(import_seconds=20)
    rc, out = run(cluster, "-e", "migration_max_parallel=9")
    assert rc == 0, out[-3000:]
    assert_all_migrated(cluster)
    assert re.search(r"\[poll [3-9]\] \S+: disks \d+/\d+ ready", out), out[-3000:]


def test_wait_timeout_names_the_stuck_object(cluster):
    cluster.reset(import_seconds=600)  # imports that outlast the timeout
    rc, out = run(cluster, "-e", "migration_datavolume_timeout=3", "-e", "migration_max_parallel=9")
    record = progress(cluster)
    assert rc != 0
    assert "9 of 9 VM(s) failed" in out, out[-3000:]
    assert re.search(
        r"db-01: timed out after 3s waiting for the disks: DataVolume db-01-root phase ImportInProgress, "
        r"progress \d+\.\d+%; last condition \w+=\w+",
        out,
    ), out[-3000:]
    assert record["vm.db-01"]["phase"] == "failed" and "timed out after 3s" in record["vm.db-01"]["message"]


def test_apply_vvv_shows_no_secret_value(cluster):
    cluster.reset()
    rc, out = run(cluster, verbosity=3)
    assert rc == 0, out[-3000:]
    leaked = [v for v in secret_values() if v in out]
    assert not leaked, f"{len(leaked)} secret value(s) in -vvv output, e.g. {leaked[0][:12]}..."
    assert cluster.plane.token not in out, "the cluster token appears in -vvv output"


def test_rollback_removes_exactly_our_objects(cluster):
    cluster.reset()
    rc, out = run(cluster)
    assert rc == 0, out[-3000:]
    rc, out = run(cluster, playbook=ROLLBACK)
    assert rc != 0 and "confirm=yes" in out
    assert len(cluster.snapshot_state()) > 20  # nothing deleted without confirmation

    foreign = [
        (f"/api/v1/namespaces/{NAMESPACE}/configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "user-notes"}, "data": {"a": "b"}}),
        (
            f"/apis/networking.k8s.io/v1/namespaces/{NAMESPACE}/networkpolicies",  # our label, not our provenance
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": "hand-made", "labels": {"app.kubernetes.io/managed-by": "ostokubevirt"}},
                "spec": {"podSelector": {}},
            },
        ),
    ]
    for path, body in foreign:
        cluster.plane.request("POST", path, body, direct=True)

    rc, out = run(cluster, "-e", "confirm=yes", playbook=ROLLBACK, check=True)
    assert rc == 0, out[-3000:]
    assert len(cluster.snapshot_state()) > 20  # check mode deleted nothing

    rc, out = run(cluster, "-e", "confirm=yes", playbook=ROLLBACK)
    assert rc == 0, out[-3000:]
    left = cluster.snapshot_state()
    assert sorted(left) == ["Namespace/acme-web-shop", "configmaps/user-notes", "networkpolicies/hand-made"], left
    assert "is kept" in out
    rc, out = run(cluster, "-e", "confirm=yes", playbook=ROLLBACK)
    assert rc == 0 and recap(out)["changed"] == 0


def test_stop_source_is_recorded_before_the_stop_and_only_when_asked(cluster):
    """No OpenStack here: the stop request fails, which shows the hook runs, is recorded first, and fails per VM."""
    cluster.reset()
    rc, out = run(cluster)  # migration_stop_source defaults to false: the source cloud is never contacted
    assert rc == 0 and "server_power" not in out and "stopping source server" not in out and not [k for k in progress(cluster) if k.startswith("stopped.")]

    cluster.reset()
    unreachable = json.dumps(
        {
            "migration_cloud": {
                "auth": {
                    "auth_url": "http://127.0.0.1:9/v3",
                    "username": "u",
                    "password": "p",
                    "project_name": "p",
                    "user_domain_name": "Default",
                    "project_domain_name": "Default",
                }
            }
        }
    )
    rc, out = run(cluster, "-e", "migration_stop_source=true", "-e", unreachable, "-e", "migration_max_parallel=9")
    assert rc != 0
    record = progress(cluster)
    active = sorted(set(VMS) - {"batch-01"})
    stopped = {v["vm"] for k, v in record.items() if k.startswith("stopped.")}
    assert stopped == set(active)  # recorded before the (failed) stop; the SHUTOFF server is not stopped
    assert all(v["state"] == "requested" for k, v in record.items() if k.startswith("stopped."))
    assert record["vm.batch-01"]["phase"] == "done"
    for name in active:
        assert record[f"vm.{name}"]["phase"] == "failed"
        assert record[f"vm.{name}"]["message"].startswith("Stop source server")
    assert not cluster.items(f"/apis/cdi.kubevirt.io/v1beta1/namespaces/{NAMESPACE}/datavolumes?labelSelector=x%3Dy")
    dvs = {d["metadata"]["name"] for d in cluster.items(f"/apis/cdi.kubevirt.io/v1beta1/namespaces/{NAMESPACE}/datavolumes")}
    assert dvs == {"batch-01-root"}, "disks were copied from a server that was not stopped"

    # Rollback restarts recorded servers before deleting anything: with the cloud unreachable it deletes nothing.
    before = cluster.snapshot_state()
    rc, out = run(cluster, "-e", "confirm=yes", "-e", unreachable, playbook=ROLLBACK)
    assert rc != 0 and "Restart the source servers apply mode stopped" in out
    assert sorted(cluster.snapshot_state()) == sorted(before)


def test_a_resumed_run_translates_the_servers_we_stopped_with_their_status_before_the_stop(cluster, tmp_path):
    """The stop records keep each server's status before our stop; a run that reads the servers SHUTOFF uses it."""
    import yaml

    cluster.reset()
    unreachable = json.dumps({"migration_cloud": {"auth": {"auth_url": "http://127.0.0.1:9/v3", "username": "u", "password": "p", "project_name": "p"}}})
    rc, first_out = run(cluster, "-e", "migration_stop_source=true", "-e", unreachable, "-e", "migration_max_parallel=9")
    records = {k: v for k, v in progress(cluster).items() if k.startswith("stopped.")}
    assert rc != 0 and records and {v["source_status"] for v in records.values()} == {"ACTIVE"}, first_out[-3000:]
    # The tenant as a run after our stop reads it: the servers whose stop was recorded are SHUTOFF.
    snapshot = yaml.safe_load(SNAPSHOT.read_text(encoding="utf-8"))
    stopped_ids = {k.split(".", 1)[1] for k in records}
    for server in snapshot["servers"]:
        if server["id"] in stopped_ids:
            server["status"] = "SHUTOFF"
    resumed = tmp_path / "after-stop.yaml"
    resumed.write_text(yaml.safe_dump(snapshot), encoding="utf-8")
    rc, out = run(cluster, "-e", f"migration_snapshot={resumed}")
    assert rc == 0, out[-3000:]
    assert "Status before our stop (progress record)" in out
    vms = {v["metadata"]["name"]: v["spec"]["runStrategy"] for v in cluster.items(f"/apis/kubevirt.io/v1/namespaces/{NAMESPACE}/virtualmachines")}
    # SHUTOFF at the source before any stop of ours (no record): Halted; the others run as before the stop.
    assert vms == {name: "Halted" if name == "batch-01" else "Always" for name in VMS}


def test_rollback_looks_for_our_disk_exports_of_the_tenants_servers_unless_kept(cluster):
    """No OpenStack here: with the cloud unreachable the export cleanup fails before anything on the cluster is
    deleted, which shows it runs for the tenant's servers. The deletion itself (only our images, volumes and
    snapshots) is tested live in tests/openstack_testbed/tests/test_disk_export.py and the end-to-end tests."""
    cluster.reset()
    rc, out = run(cluster)
    assert rc == 0, out[-3000:]
    servers = sorted({v["server_id"] for k, v in progress(cluster).items() if k.startswith("vm.")})
    assert len(servers) == len(VMS)
    before = cluster.snapshot_state()
    cleanup = "Delete our temporary Glance images, Cinder snapshots and volumes of the tenant's servers"

    # No cloud configured: nothing is looked for, and the servers are named so the user can run again with one.
    env = {"OS_CLOUD": "", "OS_AUTH_URL": ""}
    rc, out = run(cluster, "-e", "confirm=yes", playbook=ROLLBACK, check=True, extra_env=env)
    assert rc == 0, out[-3000:]
    assert "were not looked for" in out and all(s in out for s in servers)

    # A password no message contains: Ansible masks every occurrence of a no_log value in the output.
    auth = {
        "auth_url": "http://127.0.0.1:9/v3",
        "username": "unreachable-user",
        "password": "unreachable-cloud-password",
        "project_name": "unreachable-project",
    }
    unreachable = json.dumps({"migration_cloud": {"auth": auth}})
    rc, out = run(cluster, "-e", "confirm=yes", "-e", unreachable, "-e", "migration_keep_exports=true", playbook=ROLLBACK, check=True, extra_env=env)
    assert rc == 0 and cleanup not in out, out[-3000:]

    for check in (True, False):
        rc, out = run(cluster, "-e", "confirm=yes", "-e", unreachable, playbook=ROLLBACK, check=check, extra_env=env)
        assert rc != 0 and f"TASK [ostokubevirt.migrate.rollback_tenant : {cleanup}]" in out, out[-3000:]
        assert "disk_export: cannot reach the identity endpoint 127.0.0.1:9" in out, out[-3000:]
        assert sorted(cluster.snapshot_state()) == sorted(before)  # the cluster objects wait for the cleanup
