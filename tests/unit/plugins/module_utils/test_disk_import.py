# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest
import yaml

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import disk_import
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.disk_import import DiskSourceError, datavolume_source, datavolumes_with_sources
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import MANAGED_BY_LABEL, SERVER_ID_LABEL, SOURCE_ID_ANNOTATION
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant

SHA512 = "sha512:" + "ab" * 64
SHA256 = "sha256:" + "cd" * 32
TOKEN = "gAAAAABn-secret-token-value-0123456789"


def glance_record(source_id, server_id="srv", **extra):
    record = {
        "source_id": source_id,
        "server_id": server_id,
        "method": "glance",
        "url": f"https://glance.example:9292/v2/images/img-{source_id}/file",
        "disk_format": "qcow2",
        "size": 1234,
        "virtual_size": 4096,
        "checksum": SHA512,
        "consistency": "crash-consistent",
        "needs_token": True,
        "image_id": f"img-{source_id}",
        "temporaries": [],
        "tvo": None,
    }
    record.update(extra)
    return record


def tvo_record(source_id, **extra):
    record = {
        **glance_record(source_id),
        "method": "tvo",
        "url": f"http://tvo-files.ns.svc:8080/workload_w/snapshot_s/vm_id_v/vm_res_id_r_vda/{source_id}",
        "checksum": SHA256,
        "needs_token": False,
        "image_id": None,
        "tvo": {"workload_id": "w", "snapshot_id": "s", "path": "workload_w/snapshot_s/..."},
    }
    record.update(extra)
    return record


def vm(translation, name):
    return next(v for v in translation.vms if v.name == name)


def test_glance_source_has_url_header_secret_checksum_and_ca():
    options = TranslationOptions(disk_ca_configmap="glance-ca")
    source = datavolume_source(glance_record("vol1"), vm_name="db-01", options=options)
    assert source == {
        "http": {
            "url": "https://glance.example:9292/v2/images/img-vol1/file",
            "secretExtraHeaders": ["db-01-disk-token"],
            "certConfigMap": "glance-ca",
            "checksum": SHA512,
        }
    }


def test_glance_source_without_ca_or_verification():
    source = datavolume_source(glance_record("vol1"), vm_name="db-01", options=TranslationOptions(verify_disk_checksums=False))
    assert source == {"http": {"url": "https://glance.example:9292/v2/images/img-vol1/file", "secretExtraHeaders": ["db-01-disk-token"]}}


def test_tvo_source_has_url_and_checksum_only():
    source = datavolume_source(tvo_record("vol1"), vm_name="db-01", options=TranslationOptions(disk_ca_configmap="glance-ca"))
    assert source == {"http": {"url": tvo_record("vol1")["url"], "checksum": SHA256}}


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"method": "cinder"}, "field method must be one of ['glance', 'tvo'], got 'cinder'"),
        ({"url": "ftp://x/y"}, "field url must be an http(s) URL, got 'ftp://x/y'"),
        ({"url": None}, "field url must be an http(s) URL"),
        ({"checksum": None}, "field checksum is None"),
        ({"checksum": "crc32:abcd"}, "uses 'crc32'"),
        ({"checksum": "sha256:xyz"}, "not a sha256 digest"),
        ({"checksum": "sha256:" + "AB" * 32}, "not a sha256 digest in lowercase hex"),
    ],
)
def test_bad_record_is_an_error_naming_vm_disk_and_field(change, fragment):
    with pytest.raises(DiskSourceError) as info:
        datavolume_source(glance_record("vol1", **change), vm_name="db-01", options=TranslationOptions(), datavolume="db-01-data")
    message = str(info.value)
    assert message.startswith("VM db-01: disk db-01-data (vol1): ") and fragment in message


def test_missing_checksum_is_fine_when_verification_is_off():
    source = datavolume_source(glance_record("vol1", checksum=None), vm_name="a", options=TranslationOptions(verify_disk_checksums=False))
    assert "checksum" not in source["http"]


def test_datavolumes_get_their_sources_from_the_records(demo_snapshot):
    options = TranslationOptions(disk_ca_configmap="glance-ca")
    result = vm(translate_tenant(demo_snapshot, options=options), "db-01")
    records = [glance_record(t["source_id"], result.server_id) for t in result.disk_transfers]
    filled = datavolumes_with_sources(result, records, options)
    assert [d["metadata"]["name"] for d in filled] == [d["metadata"]["name"] for d in result.datavolumes]
    for datavolume in filled:
        source_id = datavolume["metadata"]["annotations"][SOURCE_ID_ANNOTATION]
        assert datavolume["spec"]["source"] == {
            "http": {
                "url": f"https://glance.example:9292/v2/images/img-{source_id}/file",
                "secretExtraHeaders": ["db-01-disk-token"],
                "certConfigMap": "glance-ca",
                "checksum": SHA512,
            }
        }
        assert datavolume["metadata"]["annotations"]["ostokubevirt.io/disk-source"] == "glance"
        # The import runs before the VirtualMachine exists: the claim must not wait for a consumer.
        assert datavolume["metadata"]["annotations"]["cdi.kubevirt.io/storage.bind.immediate.requested"] == "true"
    # The translation's own objects stay pending (render writes them as they are).
    assert all(d["spec"]["source"] == {"upload": {}} for d in result.datavolumes)


def test_records_may_be_a_mapping_and_hold_other_servers_disks(demo_snapshot):
    options = TranslationOptions()
    translation = translate_tenant(demo_snapshot, options=options)
    records = {t["source_id"]: glance_record(t["source_id"]) for v in translation.vms for t in v.disk_transfers}
    filled = datavolumes_with_sources(vm(translation, "web-01"), records, options)
    assert len(filled) == 1 and filled[0]["spec"]["source"]["http"]["url"].endswith(f"img-{filled[0]['metadata']['annotations'][SOURCE_ID_ANNOTATION]}/file")


def test_missing_record_is_an_error_naming_the_disk(demo_snapshot):
    result = vm(translate_tenant(demo_snapshot), "db-01")
    records = [glance_record(t["source_id"]) for t in result.disk_transfers[:-1]]
    missing = result.disk_transfers[-1]
    with pytest.raises(DiskSourceError) as info:
        datavolumes_with_sources(result, records, TranslationOptions())
    assert f"VM db-01: disk {missing['datavolume']} ({missing['source_id']}): no export record" in str(info.value)


def test_record_of_another_method_is_an_error(demo_snapshot):
    result = vm(translate_tenant(demo_snapshot), "web-01")
    with pytest.raises(DiskSourceError, match=r"field method is 'tvo' but the plan exports this disk with 'glance'"):
        datavolumes_with_sources(result, [tvo_record(t["source_id"]) for t in result.disk_transfers], TranslationOptions())


def test_record_without_source_id_is_an_error(demo_snapshot):
    result = vm(translate_tenant(demo_snapshot), "web-01")
    with pytest.raises(DiskSourceError, match=r"VM web-01: export record #0 has no source_id"):
        datavolumes_with_sources(result, [{"method": "glance"}], TranslationOptions())


def test_manual_disks_keep_their_source_and_need_no_record(demo_snapshot):
    volume_id = next(v["id"] for v in demo_snapshot["volumes"] if v["name"] == "db-01-data")
    given = {"http": {"url": "https://store.example/data.qcow2"}}
    options = TranslationOptions(disk_sources={volume_id: given}, disk_method="tvo")
    result = vm(translate_tenant(demo_snapshot, options=options), "db-01")
    records = [tvo_record(t["source_id"]) for t in result.disk_transfers if t["method"] == "tvo"]
    filled = {d["metadata"]["annotations"][SOURCE_ID_ANNOTATION]: d for d in datavolumes_with_sources(result, records, options)}
    assert filled[volume_id]["spec"]["source"] == given
    assert all(d["spec"]["source"]["http"]["checksum"] == SHA256 for k, d in filled.items() if k != volume_id)
    assert all("secretExtraHeaders" not in d["spec"]["source"]["http"] for d in filled.values())


def test_header_secret_holds_the_one_header_line():
    secret = disk_import.header_secret("db-01", "acme-web-shop", TOKEN, server_id="4743d170", server_name="db-01")
    assert secret["kind"] == "Secret" and secret["type"] == "Opaque"
    assert secret["metadata"]["name"] == "db-01-disk-token" and secret["metadata"]["namespace"] == "acme-web-shop"
    assert secret["metadata"]["labels"] == {MANAGED_BY_LABEL: "ostokubevirt", SERVER_ID_LABEL: "4743d170"}
    assert secret["metadata"]["annotations"][SOURCE_ID_ANNOTATION] == "4743d170"
    assert list(secret["data"]) == ["token"]
    assert base64.b64decode(secret["data"]["token"]).decode() == f"X-Auth-Token: {TOKEN}"
    # Only the data value carries it (base64); the metadata never does.
    assert TOKEN not in json.dumps(secret["metadata"])


@pytest.mark.parametrize("token", ["", "   ", f"{TOKEN}\r\nX-Evil: 1", f"{TOKEN}\n", f" {TOKEN}"])
def test_bad_token_is_refused_without_showing_it(token):
    with pytest.raises(DiskSourceError) as info:
        disk_import.header_secret("db-01", "ns", token, server_id="s")
    assert "db-01-disk-token" in str(info.value)
    if token.strip():
        assert TOKEN not in str(info.value)


def test_token_is_in_no_other_object(demo_snapshot):
    translation = translate_tenant(demo_snapshot)
    result = vm(translation, "db-01")
    filled = datavolumes_with_sources(result, [glance_record(t["source_id"]) for t in result.disk_transfers], TranslationOptions())
    secret = disk_import.header_secret(result.vm_name, translation.namespace, TOKEN, server_id=result.server_id)
    everything_else = json.dumps([filled, translation.plan, translation.objects])
    assert TOKEN not in everything_else
    assert TOKEN in base64.b64decode(secret["data"]["token"]).decode()


def test_emitted_objects_validate_against_the_upstream_schemas(demo_snapshot, shared_dir, tmp_path):
    options = TranslationOptions(disk_ca_configmap="glance-ca", disk_method_by_server={"db-01": "tvo"})
    translation = translate_tenant(demo_snapshot, options=options)
    documents = []
    for result in translation.vms:
        make = tvo_record if result.name == "db-01" else glance_record
        documents += datavolumes_with_sources(result, [make(t["source_id"]) for t in result.disk_transfers], options)
        documents.append(disk_import.header_secret(result.vm_name, translation.namespace, TOKEN, server_id=result.server_id))
    assert {d["spec"]["source"]["http"].get("certConfigMap") for d in documents if d["kind"] == "DataVolume"} == {"glance-ca", None}
    path = tmp_path / "exported.yaml"
    path.write_text(yaml.safe_dump_all(documents))
    tool = os.path.join(shared_dir, "tools", "validate_manifests.py")
    proc = subprocess.run([sys.executable, tool, "--strict", str(path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_an_apply_input_style_vm_entry_works_too(demo_snapshot):
    result = vm(translate_tenant(demo_snapshot), "db-01")
    entry = {"name": result.vm_name, "datavolumes": result.datavolumes, "disk_transfers": result.disk_transfers}
    records = [glance_record(t["source_id"]) for t in result.disk_transfers]
    assert datavolumes_with_sources(entry, records, TranslationOptions()) == datavolumes_with_sources(result, records, TranslationOptions())


def test_a_vm_entry_without_disk_transfers_is_refused(demo_snapshot):
    result = vm(translate_tenant(demo_snapshot), "db-01")
    with pytest.raises(DiskSourceError, match=r"VM db-01: the VM entry has no disk_transfers"):
        datavolumes_with_sources({"name": "db-01", "datavolumes": result.datavolumes}, [], TranslationOptions())
