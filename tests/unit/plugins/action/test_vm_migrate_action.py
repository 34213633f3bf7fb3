# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.action.vm_migrate import split_secrets, stop_failure_message
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.credential_masking import secret_values


def test_only_secret_data_goes_to_the_no_log_option():
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "a-ci", "labels": {"x": "y"}},
        "type": "Opaque",
        "stringData": {"userdata": "s3cr3t"},
        "data": {"key": "c2VjcmV0"},
    }
    split = split_secrets({"a-ci": secret})
    assert split["secrets"] == {"a-ci": {"stringData": {"userdata": "s3cr3t"}, "data": {"key": "c2VjcmV0"}}}
    assert split["secret_objects"]["a-ci"] == {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": "a-ci", "labels": {"x": "y"}}}
    assert {**split["secret_objects"]["a-ci"], **split["secrets"]["a-ci"]} == secret


def test_a_failed_stop_message_masks_the_cloud_credentials():
    cloud = {"auth": {"auth_url": "http://k/v3", "username": "u", "password": "hunter22", "application_credential_secret": "acs"}}
    assert sorted(secret_values(cloud)) == ["acs", "hunter22"]
    assert stop_failure_message({"msg": "login u/hunter22 failed (acs)"}, cloud) == "login u/******** failed (********)"
    assert secret_values("mycloud") == set()
