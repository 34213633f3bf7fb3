# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The VM engine's import path, live: export records -> DataVolumes -> real bytes -> VirtualMachine.

Two demo VMs whose disks are planned as exported (method tvo: their records come in through export_records, so no
cloud and no token are needed) import from a disk server on loopback through the real API server and the CDI
importer double. One record carries the right sha256: its disks import byte for byte and its VM is created; the
other a wrong one: that VM fails naming the DataVolume, the disk and both digests, gets no VirtualMachine, and the
first one is not held up by it.

Uses the control plane of $OKV_CONTROL_PLANE_DIR, else starts its own; needs the collection on
ANSIBLE_COLLECTIONS_PATH (or this checkout staged under an ansible_collections/ostokubevirt/migrate directory).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import uuid

import pytest
import yaml
from disk_server import DiskServer
from e2e_common import BIN, COLLECTIONS_PATH, NEEDS_ANSIBLE, REPO, qcow2_disk

pytestmark = NEEDS_ANSIBLE
PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Migrate the VMs
      ostokubevirt.migrate.vm_migrate:
        kubeconfig: "{{ kubeconfig }}"
        namespace: "{{ input.namespace }}"
        vms: "{{ input.vms }}"
        secrets: "{{ input.secrets }}"
        export_records: "{{ input.records }}"
        poll_interval: 1
        datavolume_timeout: 240
        ready_timeout: 120
        import_error_restarts: 2
      register: out
    - name: Keep the result
      ansible.builtin.copy:
        content: "{{ out | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
"""


@pytest.fixture(scope="module")
def disk(tmp_path_factory) -> dict:
    return qcow2_disk(tmp_path_factory.mktemp("disks"), random.Random(8).randbytes(1 << 20) + bytes(1 << 20))


def _demo_entries(namespace: str) -> dict:
    sys.path.insert(0, COLLECTIONS_PATH)
    from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.apply_input import apply_input
    from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions
    from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant

    snapshot = yaml.safe_load((REPO / "examples" / "snapshots" / "demo.yaml").read_text())
    options = TranslationOptions(namespace=namespace)
    return apply_input(translate_tenant(snapshot, tenant="web-shop", options=options))


def _record(transfer: dict, server_id: str, url: str, checksum: str, size: int) -> dict:
    return {
        "source_id": transfer["source_id"],
        "server_id": server_id,
        "method": "tvo",
        "url": url,
        "disk_format": "qcow2",
        "size": size,
        "virtual_size": None,
        "checksum": checksum,
        "consistency": "cold",
        "needs_token": False,
        "image_id": None,
        "temporaries": [],
        "tvo": {"workload_id": "w", "snapshot_id": "s", "path": "disk.qcow2"},
    }


def test_records_import_byte_for_byte_and_a_checksum_mismatch_fails_only_its_vm(plane, disk, tmp_path):
    namespace = f"vmd-{uuid.uuid4().hex[:8]}"
    plane.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}, direct=True)
    plane.set_timings(namespaces={namespace: {"fetch_http": True, "import_seconds": 0.5, "retry_seconds": 1}})
    try:
        groups = _demo_entries(namespace)
        by_name = {vm["name"]: vm for vm in groups["vms"]}
        good, bad = by_name["web-01"], by_name["cache-01"]
        with DiskServer({"disk.qcow2": disk["files"]["disk.qcow2"]}) as server:
            records = []
            for vm, checksum in ((good, f"sha256:{disk['qcow2_sha256']}"), (bad, "sha256:" + "0" * 64)):
                for transfer in vm["disk_transfers"]:
                    transfer["method"] = "tvo"
                    records.append(_record(transfer, vm["server_id"], server.url("disk.qcow2"), checksum, disk["size"]))
            names = {n for vm in (good, bad) for n in vm["secret_names"]}
            data = {"namespace": namespace, "vms": [good, bad], "secrets": {n: groups["secrets"][n] for n in names}, "records": records}
            (tmp_path / "input.json").write_text(json.dumps({"input": data}))
            (tmp_path / "play.yml").write_text(PLAYBOOK)
            env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0"}
            done = subprocess.run(
                [
                    str(BIN / "ansible-playbook"),
                    str(tmp_path / "play.yml"),
                    "-e",
                    f"@{tmp_path / 'input.json'}",
                    "-e",
                    f"kubeconfig={plane.kubeconfig} result_file={tmp_path / 'result.json'}",
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=900,
                check=False,
            )
        assert done.returncode == 0, done.stdout[-4000:]
        result = json.loads((tmp_path / "result.json").read_text())
        assert result["done"] == ["web-01"], done.stdout[-4000:]
        failed = result["failed_vms"][0]
        assert failed["name"] == "cache-01"
        assert "checksum" in failed["message"] and disk["qcow2_sha256"] in failed["message"] and "0" * 64 in failed["message"]
        assert any(f"(disk {t['source_id']})" in failed["message"] for t in bad["disk_transfers"])
        # Byte for byte: each imported disk of the good VM holds the source's raw bytes.
        digests = plane.imported_disks(namespace)
        assert all(digests[n] == disk["raw_sha256"] for n in good["datavolume_names"]), digests
        vms = {o["metadata"]["name"] for o in plane.items(f"/apis/kubevirt.io/v1/namespaces/{namespace}/virtualmachines")}
        assert vms == {"web-01"}
        figures = result["disks"]["web-01"]
        assert [f["bytes"] for f in figures] == [disk["size"]] * len(good["datavolume_names"])
        assert all(f["checksum_verified"] and f["seconds"] is not None for f in figures)
        assert "web-01: importing" in done.stdout and "web-01: disks imported, VirtualMachine applied" in done.stdout, done.stdout[-4000:]
        progress = plane.get(f"/api/v1/namespaces/{namespace}/configmaps/ostokubevirt-progress")["data"]
        assert {"import.web-01", "vm.web-01", "vm.cache-01"} <= set(progress)
    finally:
        plane.set_timings()
        plane.delete_namespace(namespace)
