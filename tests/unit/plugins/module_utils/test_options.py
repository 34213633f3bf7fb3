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


def test_disk_transfer_defaults():
    options = TranslationOptions()
    assert options.disk_method == "glance" and options.disk_method_by_server == {}
    assert options.verify_disk_checksums is True and options.glance_interface == "public"
    assert options.disk_ca_configmap is None and options.stop_source is False and options.bandwidth_mbps > 0


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ({"disk_method": "rsync"}, "option disk_method must be one of ['glance', 'tvo', 'manual'], got 'rsync'"),
        ({"disk_method_by_server": ["web-01"]}, "option disk_method_by_server must be a mapping, got list"),
        ({"disk_method_by_server": {"web-01": "nfs"}}, "option disk_method_by_server['web-01'] must be one of ['glance', 'tvo', 'manual'], got 'nfs'"),
        ({"disk_method_by_server": {"": "tvo"}}, "option disk_method_by_server has key ''"),
        ({"bandwidth_mbps": 0}, "option bandwidth_mbps must be a positive number of megabits per second, got 0"),
        ({"bandwidth_mbps": -5.5}, "got -5.5"),
        ({"bandwidth_mbps": "fast"}, "option bandwidth_mbps must be a positive number of megabits per second, got 'fast'"),
        ({"bandwidth_mbps": True}, "option bandwidth_mbps must be a positive number"),
        ({"bandwidth_mbps": float("inf")}, "option bandwidth_mbps"),
        ({"verify_disk_checksums": "no"}, "option verify_disk_checksums must be true or false"),
        ({"stop_source": 1}, "option stop_source must be true or false"),
        ({"glance_interface": "private"}, "option glance_interface must be one of ['public', 'internal', 'admin'], got 'private'"),
        ({"disk_ca_configmap": "My_CA"}, "option disk_ca_configmap must name a ConfigMap"),
        ({"disk_ca_configmap": "x" * 254}, "option disk_ca_configmap"),
    ],
)
def test_bad_disk_transfer_options_name_option_and_value(raw, fragment):
    with pytest.raises(OptionsError) as info:
        TranslationOptions.from_dict(raw)
    assert fragment in str(info.value)


def test_good_disk_transfer_options():
    options = TranslationOptions.from_dict(
        {
            "disk_method": "tvo",
            "disk_method_by_server": {"web-01": "glance", "0b6e": "manual"},
            "bandwidth_mbps": 2.5,
            "verify_disk_checksums": False,
            "glance_interface": "internal",
            "disk_ca_configmap": "glance-ca.example",
            "stop_source": True,
        }
    )
    assert options.disk_method_for_server("0b6e", "db-01") == "manual"
    assert options.disk_method_for_server("x", "web-01") == "glance"
    assert options.disk_method_for_server("x", None) == "tvo"
