# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ostokubevirt.migrate.apply_objects against kube-apiserver: apply, no-op re-apply, server dry run, prune of ours
only, a namespace that does not exist yet in check mode, and a refused object reported with the API's answer."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import tenant_apply

e2e = tenant_apply.e2e
NAMESPACE = "apply-objects-test"
OURS = {"app.kubernetes.io/managed-by": "ostokubevirt"}


def service(name: str, port: int = 80, source_type: str = "nova.server.addresses", namespace: str = NAMESPACE) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": dict(OURS),
            "annotations": {"ostokubevirt.io/source-id": f"id-{name}", "ostokubevirt.io/source-type": source_type},
        },
        "spec": {"selector": {"ostokubevirt.io/server-id": name}, "ports": [{"name": "p", "port": port}]},
    }


def namespace_object(name: str = NAMESPACE) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": dict(OURS), "annotations": {"ostokubevirt.io/source-id": "p"}}}


@pytest.fixture
def call(control_plane, tmp_path):
    """Runs one apply_objects task with the given options; returns (rc, the task's result, the output)."""

    def run(check: bool = False, **options) -> tuple[int, dict, str]:
        playbook = tmp_path / "play.yml"
        playbook.write_text(
            json.dumps(
                [
                    {
                        "hosts": "localhost",
                        "connection": "local",
                        "gather_facts": False,
                        "tasks": [
                            {"name": "Apply", "ostokubevirt.migrate.apply_objects": options, "register": "applied", "ignore_errors": True},
                            {"name": "Show", "ansible.builtin.debug": {"msg": "RESULT={{ applied | to_json }}"}},
                        ],
                    }
                ]
            )
        )
        env = {
            **os.environ,
            "ANSIBLE_COLLECTIONS_PATH": e2e.COLLECTIONS_PATH,
            "K8S_AUTH_KUBECONFIG": str(control_plane.kubeconfig),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_STDOUT_CALLBACK": "default",
        }
        cmd = [str(e2e.BIN / "ansible-playbook"), str(playbook)] + (["--check", "--diff"] if check else [])
        done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300, check=False)
        line = next(line for line in done.stdout.splitlines() if '"msg": "RESULT=' in line)
        result = json.loads(json.loads("{" + line.strip() + "}")["msg"][len("RESULT=") :])
        return done.returncode, result, done.stdout

    return run


@pytest.fixture
def namespace(control_plane, kube_admin):
    yield NAMESPACE
    control_plane.delete_namespace(NAMESPACE)


def actions(result: dict) -> dict:
    return {item["name"]: item["action"] for item in result["per_object"]}


def test_apply_reapply_dry_run_and_prune(call, kube_admin, namespace):
    wanted = [service("web-01"), service("web-02")]
    dummy_rc, result, out = call(group="namespace_rbac", objects=[namespace_object()])
    assert actions(result) == {NAMESPACE: "created"}, out[-2000:]
    # Ours by label only (no provenance annotation) and ours of another group's source type: never pruned.
    kube_admin.apply_as("colleague", {**service("hand-made"), "metadata": {"name": "hand-made", "namespace": NAMESPACE, "labels": dict(OURS)}})
    kube_admin.apply_as("ostokubevirt", service("stale"))
    kube_admin.apply_as("ostokubevirt", service("policy-like", source_type="neutron.security_group"))

    dummy_rc, result, out = call(group="floating_ip_services", namespace=namespace, objects=wanted, prune=True)
    assert result["changed"] and actions(result) == {"web-01": "created", "web-02": "created", "stale": "deleted"}, out[-2000:]
    assert kube_admin.get("v1", "Service", "stale", NAMESPACE) is None
    assert kube_admin.get("v1", "Service", "hand-made", NAMESPACE) and kube_admin.get("v1", "Service", "policy-like", NAMESPACE)

    dummy_rc, result, out = call(group="floating_ip_services", namespace=namespace, objects=wanted, prune=True)
    assert not result["changed"] and result["summary"] == {"unchanged": 2}, out[-2000:]

    before = kube_admin.namespace_state(NAMESPACE)
    rc, result, out = call(check=True, group="floating_ip_services", namespace=namespace, objects=[service("web-01", port=8080)], prune=True)
    assert rc == 0 and actions(result) == {"web-01": "updated", "web-02": "deleted"}, out[-2000:]
    assert "--- before: v1 Service/web-01" in out and '"uid": "' not in out.split("--- before: v1 Service/web-01")[1].split("TASK")[0]
    assert kube_admin.namespace_state(NAMESPACE) == before, "the dry run changed the namespace"


def test_a_missing_namespace_in_check_mode_is_reported_without_a_dry_run(call, kube_admin):
    rc, result, out = call(
        check=True,
        group="namespace_rbac",
        objects=[
            namespace_object("apply-objects-new"),
            {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "quota", "namespace": "apply-objects-new"}, "spec": {"hard": {"pods": "1"}}},
        ],
    )
    assert rc == 0 and result["namespace_missing"], out[-2000:]
    assert actions(result) == {"apply-objects-new": "created", "quota": "would create"}
    assert "Would create in the new namespace apply-objects-new: v1 ResourceQuota/quota" in result["msg"]
    assert kube_admin.get("v1", "Namespace", "apply-objects-new") is None


def test_a_refused_object_fails_with_the_api_answer_and_the_others_are_applied(call, kube_admin, namespace):
    call(group="namespace_rbac", objects=[namespace_object()])
    bad = service("bad")
    bad["spec"]["ports"][0]["port"] = 70000
    _rc, result, out = call(group="floating_ip_services", namespace=namespace, objects=[bad, service("good")])
    assert result.get("failed") and actions(result) == {"bad": "failed", "good": "created"}, out[-2000:]
    failed = result["per_object"][0]
    assert failed["status"] == 422 and failed["reason"] == "Invalid" and "70000" in failed["message"]
    assert "Service/bad: HTTP 422 Invalid" in result["msg"]
    assert kube_admin.get("v1", "Service", "good", NAMESPACE)


def test_objects_outside_the_group_are_refused_before_any_request(call, kube_admin):
    _rc, result, out = call(group="floating_ip_services", namespace="apply-objects-none", objects=[service("x", namespace="elsewhere")])
    assert result.get("failed") and "metadata.namespace is elsewhere, not apply-objects-none" in result["msg"], out[-2000:]
    assert kube_admin.get("v1", "Namespace", "elsewhere") is None
