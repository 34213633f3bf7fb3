# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The CDI importer double, live: DataVolumes created through the real API server import real disks.

A disk server on loopback (HTTP, and HTTPS under a private CA made here) serves a qcow2 made with qemu-img from
known bytes, the same bytes raw, and a qcow2 overlay with a backing file. Each test fetches in a namespace of its
own (doubles.json ``fetch_http``) and compares the imported raw disk's sha256 with the known bytes.

Uses the control plane of $OKV_CONTROL_PLANE_DIR, else starts its own.
"""

from __future__ import annotations

import base64
import hashlib
import random
import subprocess
import time
import uuid

import pytest
from control_plane import imported_disk_digests
from disk_server import DiskServer
from e2e_common import qcow2_disk

CDI = "/apis/cdi.kubevirt.io/v1beta1"
KUBEVIRT = "/apis/kubevirt.io/v1"
TOKEN = "gAAAAAe2e-" + uuid.uuid4().hex  # a Keystone-like token; it must never reach a log


@pytest.fixture(scope="module")
def disks(tmp_path_factory) -> dict:
    """Known raw bytes (data, a hole, data), the qcow2 qemu-img makes of them, and an overlay with a backing file."""
    rng = random.Random(8)
    disk = qcow2_disk(tmp_path_factory.mktemp("disks"), rng.randbytes(1 << 20) + bytes(1 << 20) + rng.randbytes(1 << 20))
    overlay = disk["dir"] / "overlay.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", "/var/trilio/base.qcow2", "-F", "qcow2", str(overlay), "3M"], check=True)
    disk["files"]["overlay.qcow2"] = overlay
    return disk


@pytest.fixture
def https(disks, tmp_path):
    with DiskServer(disks["files"], tls_dir=tmp_path / "tls") as server:
        yield server


@pytest.fixture
def http(disks):
    with DiskServer(disks["files"]) as server:
        yield server


@pytest.fixture
def namespace(plane):
    name = f"imp-{uuid.uuid4().hex[:8]}"
    plane.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}, direct=True)
    plane.set_timings(namespaces={name: {"fetch_http": True, "import_seconds": 0.5, "retry_seconds": 1}})
    yield name
    plane.set_timings()
    plane.delete_namespace(name)


def eventually(check, timeout=90.0, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout:.0f} s")
        time.sleep(0.3)


def create(plane, namespace: str, kind_path: str, obj: dict) -> None:
    plane.request("POST", f"/api/v1/namespaces/{namespace}/{kind_path}", obj, direct=True)


def token_secret(plane, namespace: str, name: str, token: str) -> None:
    line = base64.b64encode(f"X-Auth-Token: {token}".encode()).decode()
    create(plane, namespace, "secrets", {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": "Opaque", "data": {"token": line}})


def ca_configmap(plane, namespace: str, server: DiskServer) -> None:
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "disk-ca"}, "data": {"ca.pem": server.ca_pem.read_text()}}
    create(plane, namespace, "configmaps", configmap)


def datavolume(plane, namespace: str, name: str, http: dict, size: str = "64Mi") -> str:
    body = {
        "apiVersion": "cdi.kubevirt.io/v1beta1",
        "kind": "DataVolume",
        "metadata": {"name": name},
        "spec": {"source": {"http": http}, "storage": {"resources": {"requests": {"storage": size}}}},
    }
    plane.request("POST", f"{CDI}/namespaces/{namespace}/datavolumes", body, direct=True)
    return f"{CDI}/namespaces/{namespace}/datavolumes/{name}"


def status(plane, path: str) -> dict:
    return (plane.get(path) or {}).get("status") or {}


def running(found: dict) -> dict:
    return next((c for c in found.get("conditions") or [] if c["type"] == "Running"), {})


def succeeded(plane, path: str) -> dict:
    return eventually(lambda: (found := status(plane, path)).get("phase") == "Succeeded" and found, what=f"{path} Succeeded")


def import_error(plane, path: str) -> dict:
    return eventually(lambda: running(found := status(plane, path)).get("reason") == "Error" and found, what=f"{path} importer in error")


# ------------------------------------------------------------------------------------------ byte for byte
def test_qcow2_over_https_with_the_token_secret_and_ca_configmap_arrives_byte_for_byte(plane, namespace, disks, https):
    https.require_header("X-Auth-Token", TOKEN)
    https.throttle("disk.qcow2", 1 << 20)  # about a second per MiB, so the progress can be seen rising
    token_secret(plane, namespace, "web-01-disk-token", TOKEN)
    ca_configmap(plane, namespace, https)
    path = datavolume(
        plane,
        namespace,
        "web-01-root",
        {
            "url": https.url("disk.qcow2"),
            "secretExtraHeaders": ["web-01-disk-token"],
            "certConfigMap": "disk-ca",
            "checksum": f"sha256:{disks['qcow2_sha256']}",
        },
    )
    seen = set()

    def done():
        found = status(plane, path)
        seen.add(found.get("progress"))
        return found.get("phase") == "Succeeded" and found

    final = eventually(done, what="web-01-root Succeeded")
    assert final["progress"] == "100.0%" and "restartCount" not in final
    assert any(p and p.endswith("%") and 0 < float(p[:-1]) < 100 for p in seen), f"no progress while downloading: {sorted(filter(None, seen))}"
    assert plane.imported_disks(namespace) == {"web-01-root": disks["raw_sha256"]}
    assert imported_disk_digests(plane.dir, namespace) == {"web-01-root": disks["raw_sha256"]}
    assert https.gets("disk.qcow2")[-1]["headers"]["X-Auth-Token"] == TOKEN
    assert TOKEN not in (plane.dir / "logs" / "doubles.log").read_text(errors="replace")


def test_raw_over_http_with_extra_headers_arrives_byte_for_byte(plane, namespace, disks, http):
    checksum = "md5:" + hashlib.md5((disks["dir"] / "disk.raw").read_bytes()).hexdigest()
    path = datavolume(plane, namespace, "db-01-data", {"url": http.url("disk.raw"), "extraHeaders": ["X-Disk: db-01"], "checksum": checksum})
    succeeded(plane, path)
    assert plane.imported_disks(namespace) == {"db-01-data": disks["raw_sha256"]}
    get = http.gets("disk.raw")[-1]["headers"]
    assert (get["X-Disk"], get["User-Agent"]) == ("db-01", "cdi-golang-importer")


# ------------------------------------------------------------------------------------------ refusals
def virtual_machine(name: str, template_source: dict | None = None) -> dict:
    """A VM whose root is the DataVolume ``<name>-root``: its own template with ``template_source``, else one made beforehand."""
    vm = {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachine",
        "metadata": {"name": name},
        "spec": {
            "runStrategy": "Always",
            "template": {
                "spec": {
                    "domain": {"devices": {"disks": [{"name": "root", "disk": {"bus": "virtio"}}]}, "resources": {"requests": {"memory": "1Gi"}}},
                    "volumes": [{"name": "root", "dataVolume": {"name": f"{name}-root"}}],
                }
            },
        },
    }
    if template_source is not None:
        template = {"metadata": {"name": f"{name}-root"}, "spec": {"source": template_source, "storage": {"resources": {"requests": {"storage": "64Mi"}}}}}
        vm["spec"]["dataVolumeTemplates"] = [template]
    return vm


def test_a_byte_flipped_in_transit_fails_the_checksum_names_both_digests_and_the_vm_never_starts(plane, namespace, disks, http):
    http.flip_byte("disk.qcow2", 70000)
    path = datavolume(plane, namespace, "web-02-root", {"url": http.url("disk.qcow2"), "checksum": f"sha256:{disks['qcow2_sha256']}"})
    plane.request("POST", f"{KUBEVIRT}/namespaces/{namespace}/virtualmachines", virtual_machine("web-02"), direct=True)
    failed = import_error(plane, path)
    message = running(failed)["message"]
    assert message.startswith("Unable to process data: checksum validation failed: checksum mismatch: ")
    assert f"expected sha256:{disks['qcow2_sha256']}, calculated sha256:" in message
    calculated = message.rsplit("sha256:", 1)[1]
    assert len(calculated) == 64 and calculated != disks["qcow2_sha256"]
    assert failed["phase"] == "ImportInProgress"  # CDI restarts its importer pod; the DataVolume does not fail
    vm_path = f"{KUBEVIRT}/namespaces/{namespace}/virtualmachines/web-02"
    eventually(lambda: status(plane, vm_path).get("printableStatus") == "DataVolumeError", what="VM DataVolumeError")
    assert plane.get(f"{KUBEVIRT}/namespaces/{namespace}/virtualmachineinstances/web-02") is None
    assert plane.imported_disks(namespace) == {}


def test_the_vm_crd_prunes_checksum_from_data_volume_templates(plane, namespace, disks, http):
    """KubeVirt v1.9's VirtualMachine schema predates CDI's checksum: in a dataVolumeTemplate it is silently dropped."""
    source = {"http": {"url": http.url("disk.raw"), "checksum": f"sha256:{disks['raw_sha256']}"}}
    plane.request("POST", f"{KUBEVIRT}/namespaces/{namespace}/virtualmachines", virtual_machine("web-05", source), direct=True)
    stored = plane.get(f"{KUBEVIRT}/namespaces/{namespace}/virtualmachines/web-05")["spec"]["dataVolumeTemplates"][0]["spec"]["source"]["http"]
    assert stored == {"url": http.url("disk.raw")}


def test_the_private_ca_is_trusted_only_through_cert_config_map(plane, namespace, disks, https):
    untrusted = import_error(plane, datavolume(plane, namespace, "no-ca", {"url": https.url("disk.raw")}))
    assert running(untrusted)["message"] == (
        f'Unable to connect to http data source: HTTP request errored: Get "{https.url("disk.raw")}": '
        "tls: failed to verify certificate: x509: certificate signed by unknown authority"
    )
    ca_configmap(plane, namespace, https)
    succeeded(plane, datavolume(plane, namespace, "with-ca", {"url": https.url("disk.raw"), "certConfigMap": "disk-ca"}))
    skipped = datavolume(plane, namespace, "skip-verify", {"url": https.url("disk.raw"), "insecureSkipVerify": True})
    succeeded(plane, skipped)
    assert plane.imported_disks(namespace) == {"skip-verify": disks["raw_sha256"], "with-ca": disks["raw_sha256"]}


def test_a_qcow2_with_a_backing_file_is_refused(plane, namespace, http):
    failed = import_error(plane, datavolume(plane, namespace, "overlay", {"url": http.url("overlay.qcow2")}))
    assert running(failed)["message"] == "Unable to process data: Image /scratch/tmpimage is invalid because it has backing file /var/trilio/base.qcow2"
    assert plane.imported_disks(namespace) == {}


def test_an_expired_token_gets_cdis_401_message_and_a_renewed_secret_is_used_by_the_next_attempt(plane, namespace, disks, http):
    http.require_header("X-Auth-Token", TOKEN)
    token_secret(plane, namespace, "web-03-disk-token", "expired-" + TOKEN[-8:])
    path = datavolume(plane, namespace, "web-03-root", {"url": http.url("disk.qcow2"), "secretExtraHeaders": ["web-03-disk-token"]})
    failed = import_error(plane, path)
    assert running(failed)["message"] == "Unable to connect to http data source: expected status code 200, got 401. Status: 401 Unauthorized"
    renewed = {"data": {"token": base64.b64encode(f"X-Auth-Token: {TOKEN}".encode()).decode()}}
    plane.request("PATCH", f"/api/v1/namespaces/{namespace}/secrets/web-03-disk-token", renewed, content_type="application/merge-patch+json", direct=True)
    final = succeeded(plane, path)
    assert final["restartCount"] >= 1
    assert plane.imported_disks(namespace) == {"web-03-root": disks["raw_sha256"]}
    assert TOKEN not in (plane.dir / "logs" / "doubles.log").read_text(errors="replace")


def test_a_missing_header_secret_keeps_the_importer_from_starting_until_it_exists(plane, namespace, disks, http):
    path = datavolume(plane, namespace, "web-04-root", {"url": http.url("disk.raw"), "secretExtraHeaders": ["web-04-disk-token"]})
    waiting = eventually(lambda: running(found := status(plane, path)).get("reason") == "ContainerCreating" and found, what="importer pod waiting")
    assert waiting["phase"] == "ImportScheduled" and running(waiting)["status"] == "False"
    time.sleep(1)
    assert status(plane, path)["phase"] == "ImportScheduled" and http.gets("disk.raw") == []
    token_secret(plane, namespace, "web-04-disk-token", TOKEN)
    succeeded(plane, path)
    assert plane.imported_disks(namespace) == {"web-04-root": disks["raw_sha256"]}
