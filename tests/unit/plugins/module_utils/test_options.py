# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import OptionsError, TranslationOptions


def test_defaults_are_live_migratable():
    options = TranslationOptions()
    assert options.disk_access_mode == "ReadWriteMany"
    assert options.role_map["member"] == "edit" and options.role_map["_member_"] == "edit"
    assert options.role_map["reader"] == "view" and options.role_map["admin"] == "admin"


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ({"storage_mapp": {}}, "unknown translation option"),
        ({"storage_map": ["ceph"]}, "storage_map must be a mapping"),
        ({"lb_ip_annotation_style": "f5"}, "lb_ip_annotation_style"),
        ({"disk_access_mode": "RWX"}, "disk_access_mode"),
        ({"role_map": {"admin": "cluster-admin"}}, "cluster-admin"),
        ({"disk_sources": {"abc": {"http": {}, "blank": {}}}}, "disk_sources['abc']"),
        ({"service_port_range_limit": 0}, "service_port_range_limit"),
    ],
)
def test_bad_options_name_the_option(raw, fragment):
    with pytest.raises(OptionsError, match=None) as info:
        TranslationOptions.from_dict(raw)
    assert fragment in str(info.value)


def test_none_values_fall_back_to_defaults():
    assert TranslationOptions.from_dict({"namespace": None}).namespace is None
