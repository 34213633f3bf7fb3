# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""End to end: playbooks/migrate_tenant.yml (apply) and rollback_tenant.yml on the demo tenant.

Runs the real playbooks (ansible-playbook, unmodified kubernetes.core and kubernetes client) against the
Kubernetes API stand-in from tests/k8s_standin, started here as a process and stopped by its PID.
Needs the collection importable through ANSIBLE_COLLECTIONS_PATH (or this checkout staged under an
ansible_collections/ directory, as scripts/test does). Run:

    cd <repo> && ANSIBLE_COLLECTIONS_PATH=<dir holding ansible_collections> python -m pytest tests/e2e -q
"""
from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK = REPO / "playbooks" / "migrate_tenant.yml"
ROLLBACK = REPO / "playbooks" / "rollback_tenant.yml"
SNAPSHOT = REPO / "examples" / "snapshots" / "demo.yaml"
DISKS = Path(__file__).resolve().parent / "demo-disk-sources.yml"
NAMESPACE = "acme-web-shop"
VMS = ["batch-01", "cache-01", "db-01", "monitor-01", "nfv-fw-01", "web-01", "web-02", "win-erp-01", "worker-01"]
BIN = Path(sys.executable).parent

HAVE_STANDIN = (REPO / "tests" / "k8s_standin" / "__main__.py").is_file()


def _find_collections_path() -> str:
    if os.environ.get("ANSIBLE_COLLECTIONS_PATH"):
        return os.environ["ANSIBLE_COLLECTIONS_PATH"]
    for parent in REPO.parents:
        if parent.name == "ansible_collections":
            return str(parent.parent)
    return ""


COLLECTIONS_PATH = _find_collections_path()

pytestmark = pytest.mark.skipif(
    not HAVE_STANDIN or not (BIN / "ansible-playbook").exists() or not COLLECTIONS_PATH,
    reason="needs tests/k8s_standin, ansible-playbook next to this python, and the collection on ANSIBLE_COLLECTIONS_PATH")


class Standin:
    # Imports must outlast the apply of a batch (several seconds on a loaded 2-core CI machine), or the first
    # poll finds every DataVolume done and no progress is ever shown.
    def __init__(self, workdir: Path, import_seconds: float = 5):
        self.kubeconfig = workdir / "kubeconfig"
        self.pid_file = workdir / "pid"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "k8s_standin", "--port", "0", "--kubeconfig-out", str(self.kubeconfig),
             "--pid-file", str(self.pid_file), "--import-seconds", str(import_seconds), "--start-seconds", "0.3"],
            cwd=REPO / "tests", stdout=subprocess.PIPE, stderr=open(workdir / "standin.log", "w"), text=True)
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.url

    def stop(self) -> None:
        pid = int(self.pid_file.read_text()) if self.pid_file.exists() else self.proc.pid
        os.kill(pid, signal.SIGTERM)
        self.proc.wait(timeout=20)

    def admin(self, path: str, body=None, method="GET"):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        with urllib.request.urlopen(req, timeout=10) as resp:
            text = resp.read().decode()
        return json.loads(text) if text else None

    def reset(self) -> None:
        self.admin("/_standin/reset", method="POST")

    def get(self, path: str):
        token = json.loads(self.kubeconfig.read_text())["users"][0]["user"]["token"]
        req = urllib.request.Request(self.url + path, headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return json.loads(resp.read().decode())
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise

    def items(self, path: str) -> list[dict]:
        listed = self.get(path)
        return listed["items"] if listed else []

    def snapshot_state(self) -> dict:
        """Every object in the tenant namespace (and the namespace), by kind/name -> resourceVersion."""
        state = {}
        ns = self.get(f"/api/v1/namespaces/{NAMESPACE}")
        if ns:
            state["Namespace/" + NAMESPACE] = ns["metadata"]["resourceVersion"]
        for path in ("/api/v1/namespaces/{ns}/secrets", "/api/v1/namespaces/{ns}/configmaps",
                     "/api/v1/namespaces/{ns}/services", "/api/v1/namespaces/{ns}/resourcequotas",
                     "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
                     "/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies",
                     "/apis/projectcalico.org/v3/namespaces/{ns}/networkpolicies",
                     "/apis/cdi.kubevirt.io/v1beta1/namespaces/{ns}/datavolumes",
                     "/apis/kubevirt.io/v1/namespaces/{ns}/virtualmachines"):
            for item in self.items(path.format(ns=NAMESPACE)):
                state[f"{path.rsplit('/', maxsplit=1)[-1]}/{item['metadata']['name']}"] = item["metadata"]["resourceVersion"]
        return state

    def requests(self) -> list[dict]:
        got = self.admin("/_standin/requests?since=0")
        return got if isinstance(got, list) else got.get("requests") or got.get("items") or []


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    server = Standin(tmp_path_factory.mktemp("standin"))
    try:
        yield server
    finally:
        server.stop()


def run(standin: Standin, *args: str, playbook: Path = PLAYBOOK, check=False, verbosity=0, background=False,
        extra_env=None):
    cmd = [str(BIN / "ansible-playbook"), str(playbook), "-e", "tenant=web-shop",
           "-e", f"migration_kubeconfig={standin.kubeconfig}"]
    if playbook == PLAYBOOK:
        cmd += ["-e", f"migration_snapshot={SNAPSHOT}", "-e", "migration_mode=apply", "-e", f"@{DISKS}",
                "-e", "migration_poll_interval=1", "-e", "migration_max_parallel=3"]
    cmd += list(args)
    if check:
        cmd += ["--check", "--diff"]
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH, "ANSIBLE_FORCE_COLOR": "0",
           "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0", **(extra_env or {})}
    if background:
        return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
    done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900,
                          check=False)
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


def progress(standin: Standin) -> dict:
    cm = standin.get(f"/api/v1/namespaces/{NAMESPACE}/configmaps/ostokubevirt-progress") or {}
    return {k: json.loads(v) for k, v in (cm.get("data") or {}).items()}


def assert_all_migrated(standin: Standin) -> None:
    vms = {v["metadata"]["name"]: v for v in standin.items(f"/apis/kubevirt.io/v1/namespaces/{NAMESPACE}/virtualmachines")}
    assert sorted(vms) == VMS
    assert vms["batch-01"]["status"]["printableStatus"] == "Stopped"  # SHUTOFF at the source
    assert all(vms[n]["status"].get("ready") for n in VMS if n != "batch-01")
    record = progress(standin)
    assert {k: v["phase"] for k, v in record.items() if k.startswith("vm.")} == {f"vm.{n}": "done" for n in VMS}


def secret_values() -> list[str]:
    """Every value the demo tenant's Secrets hold, base64 and decoded (long enough to be distinctive)."""
    sys.path.insert(0, str(REPO.parent))
    rendered = subprocess.run(
        [str(BIN / "python"), "-c",
         "import json,sys,yaml\n"
         "from ansible_collections.ostokubevirt.migrate.plugins.module_utils.tenant import translate_tenant\n"
         f"t = translate_tenant(yaml.safe_load(open({str(SNAPSHOT)!r})), tenant='web-shop')\n"
         "print(json.dumps([o for o in t.objects if o['kind'] == 'Secret']))"],
        env={**os.environ, "PYTHONPATH": COLLECTIONS_PATH}, capture_output=True, text=True, check=True)
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
def test_check_mode_on_empty_cluster_changes_nothing(standin):
    standin.reset()
    rc, out = run(standin, check=True)
    assert rc == 0, out[-4000:]
    assert recap(out)["changed"] > 0  # it does report what would change
    assert standin.snapshot_state() == {}


def test_apply_in_dependency_order_then_idempotent_and_check_mode_is_read_only(standin):
    standin.reset()
    rc, out = run(standin)
    assert rc == 0, out[-4000:]
    assert_all_migrated(standin)
    assert "progress" in out and re.search(r"ImportInProgress, progress \d+\.\d+%", out), "no DataVolume progress shown"

    writes = [r for r in standin.requests() if r.get("method") in ("PATCH", "POST", "PUT") and r.get("kind")
              and not str(r.get("path", "")).endswith("/status")]
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

    before = standin.snapshot_state()
    rc, out = run(standin)
    assert rc == 0, out[-4000:]
    assert recap(out)["changed"] == 0, "second apply changed:\n" + "\n".join(changed_tasks(out))
    assert "VMs already migrated (skipped): 9" in out

    rc, out = run(standin, check=True)
    assert rc == 0, out[-4000:]
    assert standin.snapshot_state() == before or _only_status_moved(before, standin.snapshot_state())


def _only_status_moved(before: dict, after: dict) -> bool:
    # Controllers may still write status (resourceVersion) on their own; no object may appear or vanish.
    return sorted(before) == sorted(after)


@pytest.mark.parametrize("kill_after", [("Secret", 1), ("DataVolume", 4), ("VirtualMachine", 4), ("wait", 2)])
def test_killed_run_resumes_without_duplicates_or_double_migration(standin, kill_after):
    standin.reset()
    kind, count = kill_after
    proc = run(standin, background=True)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        reqs = standin.requests()
        if kind == "wait":
            seen = sum(1 for r in reqs if r.get("method") == "GET" and r.get("kind") == "DataVolume" and not r.get("name"))
        else:
            seen = sum(1 for r in reqs if r.get("method") == "PATCH" and r.get("kind") == kind)
        if seen >= count:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before the kill point"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    done_before = {k[3:] for k, v in progress(standin).items() if k.startswith("vm.") and v["phase"] == "done"}
    uids_before = {v["metadata"]["name"]: v["metadata"]["uid"]
                   for v in standin.items(f"/apis/kubevirt.io/v1/namespaces/{NAMESPACE}/virtualmachines")}
    mark = len(standin.requests())

    rc, out = run(standin)
    assert rc == 0, out[-4000:]
    assert_all_migrated(standin)
    after = standin.items(f"/apis/kubevirt.io/v1/namespaces/{NAMESPACE}/virtualmachines")
    assert len(after) == len({v["metadata"]["name"] for v in after}) == len(VMS)
    for vm in after:  # never deleted and re-created
        if vm["metadata"]["name"] in uids_before:
            assert vm["metadata"]["uid"] == uids_before[vm["metadata"]["name"]]
    resumed = standin.requests()[mark:]
    for name in done_before:  # a VM finished before the kill is not migrated again
        assert not [r for r in resumed if r.get("method") == "PATCH" and r.get("name") == name], name
    rc, out = run(standin)
    assert rc == 0 and recap(out)["changed"] == 0, "\n".join(changed_tasks(out))


def test_api_errors_fail_only_their_vm_and_are_reported(standin):
    standin.reset()
    standin.admin("/_standin/faults", {"action": "status", "status": 500, "method": "PATCH", "kind": "VirtualMachine",
                                       "name": "web-01"}, method="POST")
    standin.admin("/_standin/faults", {"action": "status", "status": 403, "method": "PATCH", "kind": "Secret",
                                       "name": "db-01-cloud-init"}, method="POST")
    try:
        rc, out = run(standin, verbosity=3)
    finally:
        standin.admin("/_standin/faults", method="DELETE")
    assert rc != 0
    assert re.search(r"2 of 9 VM\(s\) failed", out), out[-3000:]
    assert re.search(r"web-01: Apply the VirtualMachine web-01.*500", out)
    assert re.search(r"db-01: Stop when a Secret could not be applied for db-01: Secret db-01-cloud-init: HTTP 403", out)
    vms = {v["metadata"]["name"]: v for v in standin.items(f"/apis/kubevirt.io/v1/namespaces/{NAMESPACE}/virtualmachines")}
    assert sorted(vms) == sorted(set(VMS) - {"web-01", "db-01"})
    record = progress(standin)
    assert record["vm.web-01"]["phase"] == "failed" and "500" in record["vm.web-01"]["message"]
    assert record["vm.db-01"]["phase"] == "failed"
    assert sum(1 for k, v in record.items() if k.startswith("vm.") and v["phase"] == "done") == 7
    leaked = [v for v in secret_values() if v in out]
    assert not leaked, f"{len(leaked)} secret value(s) in -vvv output"
    # Without the fault a new run finishes only the two failed VMs.
    rc, out = run(standin)
    assert rc == 0, out[-3000:]
    assert_all_migrated(standin)
    assert "VMs already migrated (skipped): 7" in out


def test_long_waits_poll_in_segments_and_finish(tmp_path):
    """Rounds nest includes; segments keep the nesting shallow (Ansible fails near a few hundred levels)."""
    slow = Standin(tmp_path, import_seconds=6)
    try:
        rc, out = run(slow, "-e", "__vm_rounds_per_segment=2", "-e", "migration_max_parallel=9")
        assert rc == 0, out[-3000:]
        assert_all_migrated(slow)
    finally:
        slow.stop()
    assert re.search(r"Poll the batch \(from poll [3-9]\)", out), out[-3000:]


def test_wait_timeout_names_the_stuck_object(tmp_path):
    slow = Standin(tmp_path, import_seconds=600)  # imports that outlast the timeout
    try:
        rc, out = run(slow, "-e", "migration_datavolume_timeout=3", "-e", "migration_max_parallel=9")
        record = progress(slow)
    finally:
        slow.stop()
    assert rc != 0
    assert "9 of 9 VM(s) failed" in out, out[-3000:]
    assert re.search(r"db-01: timed out after 3s waiting for the disks: DataVolume db-01-root phase ImportInProgress, "
                     r"progress \d+\.\d+%; last condition \w+=\w+", out), out[-3000:]
    assert record["vm.db-01"]["phase"] == "failed" and "timed out after 3s" in record["vm.db-01"]["message"]


def test_apply_vvv_shows_no_secret_value(standin):
    standin.reset()
    rc, out = run(standin, verbosity=3)
    assert rc == 0, out[-3000:]
    leaked = [v for v in secret_values() if v in out]
    assert not leaked, f"{len(leaked)} secret value(s) in -vvv output, e.g. {leaked[0][:12]}..."
    token = json.loads(standin.kubeconfig.read_text())["users"][0]["user"]["token"]
    assert token not in out, "the cluster token appears in -vvv output"


def test_rollback_removes_exactly_our_objects(standin):
    standin.reset()
    rc, out = run(standin)
    assert rc == 0, out[-3000:]
    rc, out = run(standin, playbook=ROLLBACK)
    assert rc != 0 and "confirm=yes" in out
    assert len(standin.snapshot_state()) > 20  # nothing deleted without confirmation

    token = json.loads(standin.kubeconfig.read_text())["users"][0]["user"]["token"]
    foreign = [
        (f"/api/v1/namespaces/{NAMESPACE}/configmaps",
         {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "user-notes"}, "data": {"a": "b"}}),
        (f"/apis/networking.k8s.io/v1/namespaces/{NAMESPACE}/networkpolicies",  # our label, not our provenance
         {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
          "metadata": {"name": "hand-made", "labels": {"app.kubernetes.io/managed-by": "ostokubevirt"}},
          "spec": {"podSelector": {}}}),
    ]
    for path, body in foreign:
        req = urllib.request.Request(standin.url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=10).close()

    rc, out = run(standin, "-e", "confirm=yes", playbook=ROLLBACK, check=True)
    assert rc == 0, out[-3000:]
    assert len(standin.snapshot_state()) > 20  # check mode deleted nothing

    rc, out = run(standin, "-e", "confirm=yes", playbook=ROLLBACK)
    assert rc == 0, out[-3000:]
    left = standin.snapshot_state()
    assert sorted(left) == ["Namespace/acme-web-shop", "configmaps/user-notes", "networkpolicies/hand-made"], left
    assert "is kept" in out
    rc, out = run(standin, "-e", "confirm=yes", playbook=ROLLBACK)
    assert rc == 0 and recap(out)["changed"] == 0


def test_stop_source_is_recorded_before_the_stop_and_only_when_asked(standin):
    """No OpenStack here: the stop request fails, which shows the hook runs, is recorded first, and fails per VM."""
    standin.reset()
    rc, out = run(standin)  # migration_stop_source defaults to false: the source cloud is never contacted
    assert rc == 0 and "server_action" not in out and not [k for k in progress(standin) if k.startswith("stopped.")]

    standin.reset()
    unreachable = json.dumps({"migration_cloud": {"auth": {
        "auth_url": "http://127.0.0.1:9/v3", "username": "u", "password": "p", "project_name": "p",
        "user_domain_name": "Default", "project_domain_name": "Default"}}})
    rc, out = run(standin, "-e", "migration_stop_source=true", "-e", unreachable,
                  "-e", "migration_max_parallel=9")
    assert rc != 0
    record = progress(standin)
    active = sorted(set(VMS) - {"batch-01"})
    stopped = {v["vm"] for k, v in record.items() if k.startswith("stopped.")}
    assert stopped == set(active)  # recorded before the (failed) stop; the SHUTOFF server is not stopped
    assert all(v["state"] == "requested" for k, v in record.items() if k.startswith("stopped."))
    assert record["vm.batch-01"]["phase"] == "done"
    for name in active:
        assert record[f"vm.{name}"]["phase"] == "failed"
        assert record[f"vm.{name}"]["message"].startswith("Stop source server")
    assert not standin.items(f"/apis/cdi.kubevirt.io/v1beta1/namespaces/{NAMESPACE}/datavolumes?labelSelector=x%3Dy")
    dvs = {d["metadata"]["name"] for d in standin.items(f"/apis/cdi.kubevirt.io/v1beta1/namespaces/{NAMESPACE}/datavolumes")}
    assert dvs == {"batch-01-root"}, "disks were copied from a server that was not stopped"

    # Rollback restarts recorded servers before deleting anything: with the cloud unreachable it deletes nothing.
    before = standin.snapshot_state()
    rc, out = run(standin, "-e", "confirm=yes", "-e", unreachable, playbook=ROLLBACK)
    assert rc != 0 and "Restart the source servers apply mode stopped" in out
    assert sorted(standin.snapshot_state()) == sorted(before)
