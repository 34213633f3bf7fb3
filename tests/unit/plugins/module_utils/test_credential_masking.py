# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import types

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.credential_masking import (
    leaves,
    narrow_masking,
    secret_values,
)

PASSWORD_CLOUD = {
    "auth": {
        "auth_url": "http://k:5000/v3",
        "username": "admin",
        "password": "pw-1",
        "project_name": "acme-prod",
        "user_domain_name": "Default",
        "project_domain_name": "acme",
    },
    "region_name": "RegionOne",
    "identity_api_version": 3,
    "interface": "public",
    "verify": False,
}
APPCRED_CLOUD = {
    "auth_type": "v3applicationcredential",
    "auth": {"auth_url": "http://k/v3", "application_credential_id": "ac-id", "application_credential_secret": "ac-s"},
}
TOKEN_CLOUD = {"auth_type": "v3token", "auth": {"auth_url": "http://k/v3", "token": "tok-1", "project_id": "p1"}}


@pytest.mark.parametrize(
    "cloud, secrets",
    [
        (PASSWORD_CLOUD, {"pw-1"}),
        (APPCRED_CLOUD, {"ac-s"}),
        (TOKEN_CLOUD, {"tok-1"}),
        ({"auth": {"passcode": "123456", "some_plugin_option": "x"}}, {"123456", "x"}),  # unknown auth keys stay masked
        ({"key": "/etc/client.key", "cert": "/etc/client.pem"}, {"/etc/client.key"}),
    ],
)
def test_secret_values(cloud, secrets):
    assert secret_values(cloud) == secrets


def module_with(**params):
    """What AnsibleModule leaves after parsing: every value of the no_log options masked."""
    masked = leaves(params.get("cloud_config")) | leaves(params.get("auth"))
    module = types.SimpleNamespace(params={"cloud": None, "cloud_config": None, "auth": None, **params}, no_log_values=set(masked), warnings=[])
    module.warn = module.warnings.append
    return module


def test_cloud_config_masks_its_secret_and_nothing_else():
    module = module_with(cloud_config=PASSWORD_CLOUD)
    narrow_masking(module)
    assert module.no_log_values == {"pw-1"} and module.warnings == []


def test_auth_keeps_names_readable():
    module = module_with(auth=TOKEN_CLOUD["auth"])
    narrow_masking(module)
    assert module.no_log_values == {"tok-1"}


def test_a_name_that_equals_a_secret_stays_masked():
    module = module_with(auth={"username": "same", "password": "same"})
    narrow_masking(module)
    assert module.no_log_values == {"same"}


def test_a_cloud_dict_in_cloud_is_masked_with_a_warning():
    module = module_with(cloud=APPCRED_CLOUD)
    narrow_masking(module)
    assert module.no_log_values == {"ac-s"} and "cloud_config" in module.warnings[0]
    named = module_with(cloud="prod")
    narrow_masking(named)
    assert named.no_log_values == set() and named.warnings == []
