# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kubernetes.core.k8s and k8s_info, unmodified, in a real ansible-playbook run against the stand-in."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.ostokubevirt.migrate.tests.unit.k8s_standin.standin_helpers import env_without_proxies, vm_manifest

pytest.importorskip("kubernetes")

SECRET_VALUE = "ansible-run-secret-7c1d"


def _collection_available(namespace: str, name: str, module: str) -> bool:
    roots = [p for p in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep) if p] + sys.path
    for root in roots:
        base = Path(root)
        if base.name != "ansible_collections":
            base = base / "ansible_collections"
        if (base / namespace / name / "plugins" / "modules" / f"{module}.py").is_file():
            return True
    return False


def _ssa(definition, **extra):
    task = {"kubeconfig": "{{ kc }}", "definition": definition, "apply": True,
            "server_side_apply": {"field_manager": "ostokubevirt"}}
    task.update(extra)
    return task


def _playbook(kubeconfig: Path) -> list:
    namespace = {"apiVersion": "v1", "kind": "Namespace",
                 "metadata": {"name": "tenant-a", "labels": {"app.kubernetes.io/managed-by": "ostokubevirt"}}}
    config_map = {"apiVersion": "v1", "kind": "ConfigMap",
                  "metadata": {"name": "cfg", "namespace": "tenant-a",
                               "labels": {"app.kubernetes.io/managed-by": "ostokubevirt"}},
                  "data": {"a": "1"}}
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "tenant-a"},
              "stringData": {"password": SECRET_VALUE}}
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
              "metadata": {"name": "deny-all", "namespace": "tenant-a",
                           "labels": {"app.kubernetes.io/managed-by": "ostokubevirt"}},
              "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}
    vm = vm_manifest("web-1", namespace="tenant-a")
    objects = [namespace, config_map, secret, policy, vm]
    return [{
        "name": "kubernetes.core against the k8s stand-in",
        "hosts": "localhost",
        "gather_facts": False,
        "vars": {"kc": str(kubeconfig), "objects": objects},
        "tasks": [
            {"name": "Check mode: would create the namespace", "kubernetes.core.k8s": _ssa("{{ objects[0] }}"),
             "check_mode": True, "register": "check_create"},
            {"name": "Check mode: objects of a namespace that does not exist yet fail, as on a real server",
             "kubernetes.core.k8s": _ssa("{{ objects[1] }}"), "check_mode": True, "register": "check_missing_ns",
             "ignore_errors": True},
            {"name": "Nothing was created in check mode",
             "kubernetes.core.k8s_info": {"kubeconfig": "{{ kc }}", "kind": "Namespace", "name": "tenant-a"},
             "register": "ns_info"},
            {"ansible.builtin.assert": {"that": [
                "check_create.changed", "ns_info.resources | length == 0", "check_missing_ns.failed",
                "check_missing_ns.reason == 'Not Found'", "'tenant-a' in check_missing_ns.msg"]}},
            {"name": "Create the namespace", "kubernetes.core.k8s": _ssa("{{ objects[0] }}")},
            {"name": "Check mode: would create the rest", "kubernetes.core.k8s": _ssa("{{ item }}"),
             "check_mode": True, "loop": "{{ objects[1:] }}", "no_log": True, "register": "check_rest"},
            {"name": "Nothing else was created in check mode",
             "kubernetes.core.k8s_info": {"kubeconfig": "{{ kc }}", "kind": "ConfigMap", "namespace": "tenant-a"},
             "register": "cm_info"},
            {"ansible.builtin.assert": {"that": ["check_rest.results | map(attribute='changed') | unique == [true]",
                                                 "cm_info.resources | length == 0"]}},
            {"name": "Apply", "kubernetes.core.k8s": _ssa("{{ item }}"), "loop": "{{ objects[1:] }}", "no_log": True,
             "register": "first"},
            {"name": "Apply again", "kubernetes.core.k8s": _ssa("{{ item }}"), "loop": "{{ objects[:-1] }}",
             "no_log": True, "register": "second"},
            {"name": "Wait for the VM to be Ready",
             "kubernetes.core.k8s": _ssa("{{ objects[-1] }}", wait=True, wait_timeout=60,
                                         wait_condition={"type": "Ready", "status": "True"}),
             "register": "vm_ready"},
            {"name": "VM apply again (status settled)", "kubernetes.core.k8s": _ssa("{{ objects[-1] }}"),
             "register": "vm_again"},
            {"name": "Check mode on unchanged objects", "kubernetes.core.k8s": _ssa("{{ item }}"),
             "check_mode": True, "loop": "{{ objects }}", "no_log": True, "register": "check_same"},
            {"name": "Check mode with a change, diff",
             "kubernetes.core.k8s": _ssa("{{ objects[1] | combine({'data': {'a': '2'}}) }}"),
             "check_mode": True, "diff": True, "register": "check_diff"},
            {"name": "Client-side apply (last-applied annotation)",
             "kubernetes.core.k8s": {"kubeconfig": "{{ kc }}", "apply": True,
                                     "definition": "{{ objects[1] | combine({'metadata': {'name': 'cfg2'}}, "
                                                   "recursive=true) }}"},
             "loop": [1, 2], "register": "csa"},
            {"name": "List managed ConfigMaps",
             "kubernetes.core.k8s_info": {"kubeconfig": "{{ kc }}", "kind": "ConfigMap", "namespace": "tenant-a",
                                          "label_selectors": ["app.kubernetes.io/managed-by=ostokubevirt"]},
             "register": "managed"},
            {"name": "DataVolume succeeded",
             "kubernetes.core.k8s_info": {"kubeconfig": "{{ kc }}", "api_version": "cdi.kubevirt.io/v1beta1",
                                          "kind": "DataVolume", "namespace": "tenant-a", "name": "web-1-root"},
             "register": "dv"},
            {"name": "Remove in check mode", "kubernetes.core.k8s": {"kubeconfig": "{{ kc }}", "state": "absent",
                                                                     "api_version": "v1", "kind": "ConfigMap",
                                                                     "namespace": "tenant-a", "name": "cfg"},
             "check_mode": True, "register": "absent_check"},
            {"name": "Still there after check mode",
             "kubernetes.core.k8s_info": {"kubeconfig": "{{ kc }}", "kind": "ConfigMap", "namespace": "tenant-a",
                                          "name": "cfg"},
             "register": "still_there"},
            {"ansible.builtin.assert": {"that": ["absent_check.changed", "still_there.resources | length == 1"]}},
            {"name": "Remove", "kubernetes.core.k8s": {"kubeconfig": "{{ kc }}", "state": "absent",
                                                       "api_version": "v1", "kind": "ConfigMap",
                                                       "namespace": "tenant-a", "name": "cfg", "wait": True},
             "loop": [1, 2], "register": "absent"},
            {"ansible.builtin.assert": {"that": [
                "first.results | map(attribute='changed') | unique == [true]",
                "second.results | map(attribute='changed') | unique == [false]",
                "vm_ready.result.status.printableStatus == 'Running'",
                "not vm_again.changed",
                "check_same.results | map(attribute='changed') | unique == [false]",
                "check_diff.changed and check_diff.diff.after.data.a == '2'",
                "csa.results[0].changed and not csa.results[1].changed",
                "managed.resources | map(attribute='metadata.name') | sort == ['cfg', 'cfg2']",
                "dv.resources[0].status.phase == 'Succeeded'",
                "absent.results[0].changed and not absent.results[1].changed",
            ]}},
            {"name": "Config map value unchanged by check mode",
             "kubernetes.core.k8s_info": {"kubeconfig": "{{ kc }}", "kind": "ConfigMap", "namespace": "tenant-a",
                                          "name": "cfg2"},
             "register": "cfg2"},
            {"ansible.builtin.assert": {"that": ["cfg2.resources[0].data.a == '1'"]}},
        ],
    }]


def _ansible_playbook() -> str:
    # `python -m ansible playbook` is not available where ansible-core is injected (ansible-test units):
    # use the entry point beside this interpreter, or the one ansible-test puts on PATH.
    beside = Path(sys.executable).parent / "ansible-playbook"
    return str(beside) if beside.exists() else (shutil.which("ansible-playbook") or pytest.skip("no ansible-playbook"))


def _run_playbook(plays: list, tmp_path: Path, kubeconfig: Path) -> subprocess.CompletedProcess:
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump(plays, sort_keys=False))
    env = env_without_proxies()
    env.update(ANSIBLE_NOCOLOR="1", ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ANSIBLE_HOME=str(tmp_path),
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default", K8S_AUTH_KUBECONFIG=str(kubeconfig))
    result = subprocess.run(
        [_ansible_playbook(), "-i", "localhost,", "-c", "local",
         "-e", f"ansible_python_interpreter={sys.executable}", str(playbook)],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "failed=0" in result.stdout
    return result


@pytest.mark.skipif(not _collection_available("kubernetes", "core", "k8s"), reason="kubernetes.core collection not "
                    "installed (set ANSIBLE_COLLECTIONS_PATH or install the ansible package)")
def test_kubernetes_core_playbook(standin, tmp_path, caplog):
    with caplog.at_level("DEBUG", logger="k8s_standin"):
        _run_playbook(_playbook(standin.kubeconfig_path), tmp_path, standin.kubeconfig_path)
    requests = standin.faults.requests()
    assert any(r["query"].get("dryRun") == "All" and r["content_type"].startswith("application/apply-patch")
               for r in requests), "check mode did not use server-side dry run"
    assert any(r["query"].get("fieldManager") == "ostokubevirt" for r in requests)
    assert SECRET_VALUE not in caplog.text and SECRET_VALUE not in json.dumps(requests)


@pytest.mark.skipif(not _collection_available("kubevirt", "core", "kubevirt_vm"), reason="kubevirt.core collection not "
                    "installed (set ANSIBLE_COLLECTIONS_PATH or install the ansible package)")
def test_kubevirt_core_vm_module_waits_for_ready(standin, tmp_path):
    spec = vm_manifest("kvm-1", with_disk=False)["spec"]["template"]["spec"]
    vm = {"kubeconfig": str(standin.kubeconfig_path), "name": "kvm-1", "namespace": "default",
          "run_strategy": "Always", "spec": spec}
    plays = [{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"kubevirt.core.kubevirt_vm": dict(vm, wait=True, wait_timeout=60), "register": "created"},
        {"kubevirt.core.kubevirt_vm": vm, "register": "again"},
        {"kubevirt.core.kubevirt_vm_info": {"kubeconfig": str(standin.kubeconfig_path), "namespace": "default",
                                            "label_selectors": ["app.kubernetes.io/managed-by!=nobody"]},
         "register": "listed"},
        {"ansible.builtin.assert": {"that": [
            "created.changed", "created.result.status.ready", "not again.changed",
            "listed.resources | map(attribute='metadata.name') | list == ['kvm-1']"]}},
    ]}]
    _run_playbook(plays, tmp_path, standin.kubeconfig_path)
