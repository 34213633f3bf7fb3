# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import base64
import json

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import guest
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import FindingCollector, TranslationError


def collector():
    return FindingCollector("server", "web1 (id)")


@pytest.mark.parametrize("status, strategy", [("ACTIVE", "Always"), ("SHUTOFF", "Halted"), ("SHELVED_OFFLOADED", "Halted")])
def test_power_state(status, strategy):
    assert guest.run_strategy({"status": status}, collector()) == strategy


@pytest.mark.parametrize("status", ["ERROR", "VERIFY_RESIZE", "BUILD", "WHATEVER"])
def test_unmigratable_states_block(status):
    with pytest.raises(TranslationError) as info:
        guest.run_strategy({"status": status}, collector())
    assert info.value.finding.field == "status"


def test_metadata_and_tags_kept_losslessly():
    labels, annotations = guest.metadata_labels_and_annotations({"metadata": {"role": "web", "owner": "Jane Doe"}, "tags": ["prod", "has space"]})
    assert labels == {"metadata.ostokubevirt.io/role": "web", "tag.ostokubevirt.io/prod": ""}
    assert json.loads(annotations[guest.METADATA_ANNOTATION]) == {"role": "web", "owner": "Jane Doe"}
    assert json.loads(annotations[guest.TAGS_ANNOTATION]) == ["has space", "prod"]


def test_user_data_goes_to_a_secret_and_nocloud_by_default():
    user_data = base64.b64encode(b"#cloud-config\nruncmd: [echo hi]\n").decode()
    server = {"id": "srv", "name": "web1", guest.USER_DATA_KEY: user_data, "config_drive": "", "key_name": "k"}
    volume, secrets, access, kind = guest.cloud_init(
        server, vm_name="web1", namespace="ns", keypair={"name": "k", "public_key": "ssh-ed25519 AAAA"}, windows=False, collector=collector()
    )
    assert kind == "noCloud"
    assert volume["cloudInitNoCloud"] == {"secretRef": {"name": "web1-cloud-init"}}
    assert secrets[0]["data"]["userdata"] == user_data
    assert user_data not in json.dumps(volume)
    assert access["sshPublicKey"]["propagationMethod"] == {"noCloud": {}}
    assert access["sshPublicKey"]["source"]["secret"]["secretName"] == guest.keypair_secret_name("k")


def test_config_drive_and_windows_use_config_drive():
    for server, windows in (({"id": "s", "name": "a", "config_drive": "True"}, False), ({"id": "s", "name": "a"}, True)):
        volume, *_rest, kind = guest.cloud_init(server, vm_name="a", namespace="ns", keypair=None, windows=windows, collector=collector())
        assert kind == "configDrive" and "cloudInitConfigDrive" in volume


def test_datasource_attached_even_without_user_data():
    # Without any data source cloud-init falls back to DataSourceNone and re-runs first boot.
    _volume, secrets, _access, _kind = guest.cloud_init(
        {"id": "s", "name": "a"}, vm_name="a", namespace="ns", keypair=None, windows=False, collector=collector()
    )
    assert base64.b64decode(secrets[0]["data"]["userdata"]).startswith(b"#cloud-config")


def test_invalid_user_data_blocks():
    with pytest.raises(TranslationError) as info:
        guest.cloud_init(
            {"id": "s", "name": "a", guest.USER_DATA_KEY: "not base64!!"}, vm_name="a", namespace="ns", keypair=None, windows=False, collector=collector()
        )
    assert info.value.finding.field == guest.USER_DATA_KEY


def test_missing_keypair_warns():
    c = collector()
    _v, _s, access, _k = guest.cloud_init({"id": "s", "name": "a", "key_name": "gone"}, vm_name="a", namespace="ns", keypair=None, windows=False, collector=c)
    assert access is None and c.findings[0].field == "key_name"


def test_keypair_secret_holds_public_key_base64():
    secret = guest.keypair_secret({"name": "alice key", "public_key": "ssh-ed25519 AAAA alice\n", "fingerprint": "f"}, namespace="ns")
    assert base64.b64decode(secret["data"]["key"]) == b"ssh-ed25519 AAAA alice"
    assert secret["metadata"]["name"].startswith("keypair-alice-key")
