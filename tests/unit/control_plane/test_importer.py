# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The CDI importer double against a loopback disk server, and the CDI double's retries, without a control plane.

The live path (DataVolumes on the real API server, qcow2 conversion, Secrets and ConfigMaps read from it):
tests/e2e/test_cdi_importer.py.
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
import time

import pytest

from ansible_collections.ostokubevirt.migrate.tests.control_plane.disk_server import DiskServer
from ansible_collections.ostokubevirt.migrate.tests.control_plane.doubles.cdi import DataVolumes
from ansible_collections.ostokubevirt.migrate.tests.control_plane.doubles.conditions import Clock
from ansible_collections.ostokubevirt.migrate.tests.control_plane.doubles.importer import (
    HttpSource,
    Importer,
    ImportFailed,
    configmap_certificates,
    header_fields,
    parse_checksum,
    secret_header_lines,
)
from ansible_collections.ostokubevirt.migrate.tests.control_plane.doubles.settings import Settings

SPEC = {"storage": {"resources": {"requests": {"storage": "1Mi"}}}}
RAW = bytes(range(256)) * 1024  # 256 KiB of known bytes
TOKEN = "gAAAAAunit-test-token"


@pytest.fixture
def server(tmp_path):
    (tmp_path / "disk.raw").write_bytes(RAW)
    with DiskServer({"disk.raw": tmp_path / "disk.raw"}) as started:
        yield started


def _import(tmp_path, source: HttpSource, name: str = "disk"):
    return Importer(tmp_path / "volumes").write("acme", name, SPEC, source)


# ------------------------------------------------------------------------------------------ pure parts
def test_header_lines_split_at_the_first_colon_and_lines_without_one_are_dropped():
    assert header_fields(["X-Auth-Token: a:b:c", "no colon here", b"X-Other:\tv \r"]) == [("X-Auth-Token", b"a:b:c"), ("X-Other", b"v \r")]


def test_every_value_of_a_secret_is_one_header_line_and_configmap_keys_are_ca_files():
    secret = {"data": {"token": base64.b64encode(b"X-Auth-Token: t").decode(), ".hidden": "eA=="}}
    assert secret_header_lines(secret) == [b"X-Auth-Token: t"]
    configmap = {"data": {"ca.pem": "PEM-A", "extra.crt": "PEM-B"}, "binaryData": {"b.der": base64.b64encode(b"PEM-C").decode()}}
    assert configmap_certificates(configmap) == ["PEM-A", "PEM-B", "PEM-C"]


@pytest.mark.parametrize(
    "value, message",
    [
        ("sha256abc", "invalid checksum format: expected 'algorithm:hash', got 'sha256abc'"),
        ("crc32:abc", "unsupported hash algorithm 'crc32': supported algorithms are: md5, sha1, sha256, sha512"),
        ("sha256:", "checksum hash value cannot be empty"),
        ("md5:abc", "invalid md5 hash length: expected 32 hex characters, got 3"),
        ("sha1:" + "z" * 40, "checksum hash is not valid hexadecimal"),
    ],
)
def test_checksums_are_read_as_cdi_reads_them(value, message):
    with pytest.raises(ValueError, match=f"^{message}"):
        parse_checksum(value)


def test_checksum_algorithm_and_digest_are_case_insensitive():
    assert parse_checksum(" SHA256 : " + "AB" * 32) == ("sha256", "ab" * 32)


# ------------------------------------------------------------------------------------------ transfers
def test_a_raw_disk_arrives_byte_for_byte_with_headers_from_extra_headers_and_secrets(tmp_path, server):
    server.require_header("X-Auth-Token", TOKEN)
    checksum = "sha512:" + hashlib.sha512(RAW).hexdigest()
    path = _import(tmp_path, HttpSource(url=server.url("disk.raw"), header_lines=["X-Plain: 1", f"X-Auth-Token: {TOKEN}".encode()], checksum=checksum))
    assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(RAW).digest()
    get = server.gets("disk.raw")[0]["headers"]
    assert (get["X-Auth-Token"], get["X-Plain"], get["User-Agent"]) == (TOKEN, "1", "cdi-golang-importer")
    assert [r["method"] for r in server.requests] == ["HEAD", "GET"]


def test_a_download_of_many_chunks_arrives_byte_for_byte_and_its_digest_is_of_every_byte(tmp_path):
    # more chunks than the importer has buffers, and a short last one: a buffer reused before it was hashed and
    # written would corrupt the disk or the digest
    data = random.Random(5).randbytes(5 * (1 << 20) + 123)
    (tmp_path / "big.raw").write_bytes(data)
    big = {"storage": {"resources": {"requests": {"storage": "8Mi"}}}}
    with DiskServer({"big.raw": tmp_path / "big.raw"}) as server:
        source = HttpSource(url=server.url("big.raw"), checksum="sha256:" + hashlib.sha256(data).hexdigest())
        path = Importer(tmp_path / "volumes").write("acme", "big", big, source)
    assert path.read_bytes() == data
    assert sorted(p.name for p in path.parent.iterdir()) == ["big.img"]  # no scratch, partial or probe file left


def test_redirects_are_followed_with_the_headers_sent_again(tmp_path, server):
    server.redirect("old.raw", server.url("disk.raw"))
    _import(tmp_path, HttpSource(url=server.url("old.raw"), header_lines=["X-Auth-Token: again"]))
    assert server.gets("disk.raw")[0]["headers"]["X-Auth-Token"] == "again"


def test_a_byte_flipped_in_transit_fails_the_checksum_naming_both_digests_and_leaves_no_disk(tmp_path, server):
    server.flip_byte("disk.raw", 1000)
    flipped = bytearray(RAW)
    flipped[1000] ^= 0xFF
    expected, calculated = hashlib.md5(RAW).hexdigest(), hashlib.md5(bytes(flipped)).hexdigest()
    with pytest.raises(ImportFailed) as failed:
        _import(tmp_path, HttpSource(url=server.url("disk.raw"), checksum=f"md5:{expected}"))
    assert str(failed.value) == (f"Unable to process data: checksum validation failed: checksum mismatch: expected md5:{expected}, calculated md5:{calculated}")
    assert not list((tmp_path / "volumes" / "acme").iterdir())


@pytest.mark.parametrize(
    "status, message",
    [
        (401, "Unable to connect to http data source: expected status code 200, got 401. Status: 401 Unauthorized"),
        (403, "Unable to connect to http data source: expected status code 200, got 403. Status: 403 Forbidden"),
        (404, "Unable to connect to http data source: expected status code 200, got 404. Status: 404 Not Found"),
    ],
)
def test_an_answer_other_than_200_fails_with_cdis_message(tmp_path, server, status, message):
    server.answer("disk.raw", status)
    with pytest.raises(ImportFailed, match=f"^{message}$"):
        _import(tmp_path, HttpSource(url=server.url("disk.raw")))


def test_a_header_value_with_a_newline_is_refused_as_gos_client_does_and_not_sent(tmp_path, server):
    with pytest.raises(ImportFailed, match=re.escape('invalid header field value for "X-Auth-Token"') + "$") as failed:
        _import(tmp_path, HttpSource(url=server.url("disk.raw"), header_lines=[f"x-auth-token: {TOKEN}\n".encode()]))
    assert TOKEN not in str(failed.value)
    assert server.requests == []


@pytest.mark.parametrize(
    "url, message",
    [
        ("http://192.0.2.1/x.raw", 'Get "http://192.0.2.1/x.raw": the test importer only reaches loopback URLs'),
        ("http://127.0.0.1:1/x.raw", 'Get "http://127.0.0.1:1/x.raw": dial tcp 127.0.0.1:1: connect: connection refused'),
        ("ftp://127.0.0.1/x.raw", 'unsupported protocol scheme "ftp"'),
    ],
)
def test_unreachable_and_foreign_sources_fail_without_leaving_files(tmp_path, url, message):
    with pytest.raises(ImportFailed, match="^Unable to connect to http data source: HTTP request errored: .*" + message.replace("(", r"\(")):
        _import(tmp_path, HttpSource(url=url))
    assert not list((tmp_path / "volumes" / "acme").iterdir())


def test_a_disk_larger_than_the_request_is_refused(tmp_path, server):
    with pytest.raises(ImportFailed, match=r"Virtual image size 262144 is larger than available size 4096 .*A larger PVC is required"):
        Importer(tmp_path / "volumes").write("acme", "small", {"storage": {"resources": {"requests": {"storage": "4096"}}}}, HttpSource(server.url("disk.raw")))


# ------------------------------------------------------------------------------------------ the CDI double's attempts
class FakeApi:
    """Enough of doubles.api.Api for DataVolumes: objects by path, status patches recorded."""

    def __init__(self, objects: dict):
        self.objects, self.statuses = objects, {}

    def request(self, method, path, body=None, content_type=""):
        return self.objects.get(path)

    def create(self, path, obj):
        pass

    def patch_status(self, path, status, subresource=True):
        self.statuses[path] = status


def _datavolume(http: dict) -> dict:
    spec = {"source": {"http": http}} | SPEC
    return {"apiVersion": "cdi.kubevirt.io/v1beta1", "kind": "DataVolume", "metadata": {"name": "web-root", "namespace": "acme", "uid": "u1"}, "spec": spec}


def _run_until(controller, api, dv, check, timeout=20.0):
    path = "/apis/cdi.kubevirt.io/v1beta1/namespaces/acme/datavolumes/web-root"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        controller.reconcile([dv], {("acme", "web-root"): {}})
        status = api.statuses.get(path)
        if status:
            dv["status"] = status
            if check(status):
                return status
        time.sleep(0.05)
    raise AssertionError(f"not reached: last status {dv.get('status')}")


def _running(status) -> dict:
    return next(c for c in status["conditions"] if c["type"] == "Running")


def test_a_failed_import_is_retried_as_cdis_importer_pod_and_uses_a_renewed_secret(tmp_path, server):
    server.require_header("X-Auth-Token", TOKEN)
    secret_path = "/api/v1/namespaces/acme/secrets/web-disk-token"
    api = FakeApi({})
    settings = Settings(tmp_path / "doubles.json", import_seconds=0, start_seconds=0, fetch_http=True, retry_seconds=0.3)
    controller = DataVolumes(api, Clock(), settings, Importer(tmp_path / "volumes"))
    dv = _datavolume({"url": server.url("disk.raw"), "secretExtraHeaders": ["web-disk-token"]})

    waiting = _run_until(controller, api, dv, lambda s: s["phase"] == "ImportScheduled" and _running(s)["reason"] == "ContainerCreating")
    assert _running(waiting)["status"] == "False"

    api.objects[secret_path] = {"data": {"token": base64.b64encode(b"X-Auth-Token: expired").decode()}}
    failed = _run_until(controller, api, dv, lambda s: _running(s)["reason"] == "Error")
    assert failed["phase"] == "ImportInProgress"  # CDI does not fail the DataVolume: the pod restarts
    assert _running(failed)["message"] == "Unable to connect to http data source: expected status code 200, got 401. Status: 401 Unauthorized"
    assert not (tmp_path / "volumes" / "acme" / "web-root.img").exists()

    api.objects[secret_path] = {"data": {"token": base64.b64encode(f"X-Auth-Token: {TOKEN}".encode()).decode()}}
    done = _run_until(controller, api, dv, lambda s: s["phase"] == "Succeeded")
    assert done["restartCount"] >= 1 and done["progress"] == "100.0%"
    assert (tmp_path / "volumes" / "acme" / "web-root.img").read_bytes() == RAW


def test_each_attempt_has_scratch_files_of_its_own(tmp_path):
    importer = Importer(tmp_path / "volumes")
    first = importer.transfer("acme", "web.01-root", SPEC, HttpSource("http://127.0.0.1:1/x"))
    second = importer.transfer("acme", "web.01-root", SPEC, HttpSource("http://127.0.0.1:1/x"))
    assert len({first.scratch, first.partial, second.scratch, second.partial}) == 4
    assert first.scratch.parent == first.target.parent and first.target.name == "web.01-root.img"
