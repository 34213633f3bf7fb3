# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""IPv6 on the masquerade interface: a warning by default, cloud-init networkData on request."""

from __future__ import annotations

import base64

import pytest
import yaml

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.apply_input import apply_input
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import addressing
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import OptionsError, TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant


def row_of(translation, name):
    return next(r for r in translation.plan["servers"] if r["name"] == name)


def vm_of(translation, name):
    return next(o for o in translation.objects if o["kind"] == "VirtualMachine" and o["metadata"]["annotations"]["ostokubevirt.io/source-name"] == name)


def secret_of(translation, name):
    return next(o for o in translation.objects if o["kind"] == "Secret" and o["metadata"]["name"] == name)


def ipv6_findings(row):
    return [f for f in row["findings"] if "IPv6" in f["message"]]


def test_ipv6_on_the_pod_interface_warns_per_vm(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    found = ipv6_findings(row_of(translation, "web-01"))
    assert len(found) == 1
    assert "2001:db8:20:0:f816:3eff:fe75:b11" in found[0]["message"]
    assert "ipv6_network_data" in found[0]["message"]


def test_ipv4_only_port_does_not_warn(demo_snapshot):
    web = next(s for s in demo_snapshot["servers"] if s["name"] == "web-01")
    for port in demo_snapshot["ports"]:
        if port["device_id"] == web["id"]:
            port["fixed_ips"] = [ip for ip in port["fixed_ips"] if ":" not in ip["ip_address"]]
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    assert ipv6_findings(row_of(translation, "web-01")) == []


@pytest.fixture
def with_network_data(demo_snapshot):
    return translate_tenant(demo_snapshot, tenant="web-shop", options=TranslationOptions(ipv6_network_data=True))


def test_network_data_configures_the_masquerade_ipv6_address(with_network_data):
    vm = vm_of(with_network_data, "web-01")
    volume = next(v for v in vm["spec"]["template"]["spec"]["volumes"] if "cloudInitNoCloud" in v)
    secret_name = volume["cloudInitNoCloud"]["networkDataSecretRef"]["name"]
    assert secret_name == volume["cloudInitNoCloud"]["secretRef"]["name"]
    config = yaml.safe_load(base64.b64decode(secret_of(with_network_data, secret_name)["data"]["networkdata"]))
    assert config["version"] == 2
    (ethernet,) = config["ethernets"].values()
    mac = vm["spec"]["template"]["spec"]["domain"]["devices"]["interfaces"][0]["macAddress"]
    assert ethernet["match"] == {"macaddress": mac}
    assert ethernet["dhcp4"] is True
    assert ethernet["addresses"] == [addressing.MASQUERADE_GUEST_IPV6]
    assert ethernet["routes"] == [{"to": "::/0", "via": addressing.MASQUERADE_GATEWAY_IPV6}]
    found = ipv6_findings(row_of(with_network_data, "web-01"))
    assert found and all("networkData" in f["message"] for f in found)


def test_network_data_secret_is_applied_with_its_vm(with_network_data):
    groups = apply_input(with_network_data)
    web = next(vm for vm in groups["vms"] if vm["name"] == "web-01")
    assert "web-01-cloud-init" in web["secret_names"]


def test_config_drive_vms_get_no_network_data_and_say_so(with_network_data):
    vm = vm_of(with_network_data, "win-erp-01")
    volume = next(v for v in vm["spec"]["template"]["spec"]["volumes"] if "cloudInitConfigDrive" in v)
    assert "networkDataSecretRef" not in volume["cloudInitConfigDrive"]
    assert any("config drive" in f["message"] for f in ipv6_findings(row_of(with_network_data, "win-erp-01")))


def test_ipv6_network_data_option_is_validated():
    with pytest.raises(OptionsError, match="ipv6_network_data"):
        TranslationOptions(ipv6_network_data="yes")
