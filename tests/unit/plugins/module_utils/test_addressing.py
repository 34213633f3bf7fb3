# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""address_mode pod: VMs that reached each other by fixed IP get stable DNS names instead."""

from __future__ import annotations

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.apply_input import apply_input
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import addressing
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import SERVER_ID_LABEL, SOURCE_TYPE_ANNOTATION
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import OptionsError, TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant

NS = "acme-web-shop"


def services(translation):
    return {o["metadata"]["name"]: o for o in translation.objects if o["kind"] == "Service"}


def vm_of(translation, name):
    return next(o for o in translation.objects if o["kind"] == "VirtualMachine" and o["metadata"]["annotations"]["ostokubevirt.io/source-name"] == name)


def row_of(translation, name):
    return next(r for r in translation.plan["servers"] if r["name"] == name)


@pytest.fixture
def translation(demo_snapshot):
    return translate_tenant(demo_snapshot, tenant="web-shop")


def test_every_pod_network_vm_gets_hostname_and_the_tenant_subdomain(translation):
    headless = services(translation)[addressing.HOSTNAMES_SERVICE]
    assert headless["spec"]["clusterIP"] == "None"
    selector = headless["spec"]["selector"]
    for row in translation.plan["servers"]:
        if row["status"] == "blocked":
            continue
        template = vm_of(translation, row["name"])["spec"]["template"]
        assert template["spec"]["subdomain"] == addressing.HOSTNAMES_SERVICE
        assert selector.items() <= template["metadata"]["labels"].items()


def test_clusterip_service_per_vm_for_ports_open_inside_the_tenant(translation):
    svc = services(translation)
    db = svc["db-01"]
    assert db["spec"]["type"] == "ClusterIP"
    assert db["spec"]["selector"] == {SERVER_ID_LABEL: vm_of(translation, "db-01")["metadata"]["labels"][SERVER_ID_LABEL]}
    assert [(p["protocol"], p["port"]) for p in db["spec"]["ports"]] == [("TCP", 5432)]  # 22 is only open to outside
    assert [(p["protocol"], p["port"]) for p in svc["web-01"]["spec"]["ports"]] == [("TCP", 80), ("TCP", 443)]
    assert ("UDP", 53) in [(p["protocol"], p["port"]) for p in svc["monitor-01"]["spec"]["ports"]]
    assert db["metadata"]["annotations"][SOURCE_TYPE_ANNOTATION] == addressing.VM_SERVICE_SOURCE_TYPE


def test_vm_without_tenant_ports_gets_no_clusterip_service(translation):
    # batch-01 only has the default group (every protocol from group members): no port to list.
    assert "batch-01" not in services(translation)
    row = row_of(translation, "batch-01")
    assert row["addresses"]["service"] is None
    assert any("every protocol" in note for note in row["addresses"]["notes"])


def test_plan_maps_each_old_fixed_ip_to_its_new_dns_name(translation):
    row = row_of(translation, "db-01")
    assert row["addresses"]["mode"] == "pod"
    by_ip = {entry["fixed_ip"]: entry for entry in row["addresses"]["fixed_ip_names"]}
    assert by_ip["10.20.0.31"]["dns_name"] == f"db-01.{addressing.HOSTNAMES_SERVICE}.{NS}.svc"
    assert by_ip["10.20.0.31"]["service"] == f"db-01.{NS}.svc"
    assert by_ip["10.20.0.31"]["service_ports"] == ["tcp/5432"]
    assert set(by_ip) == set(row["fixed_ips"])


def test_address_services_are_applied_with_the_service_role(translation):
    groups = apply_input(translation)
    names = {s["metadata"]["name"] for s in groups["floating_ip_services"]}
    assert {addressing.HOSTNAMES_SERVICE, "db-01", "web-01"} <= names


def test_hostname_clash_is_reported(demo_snapshot):
    for server in demo_snapshot["servers"]:
        if server["name"] == "web-02":
            server["OS-EXT-SRV-ATTR:hostname"] = "web-01"
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    assert any("web-01" in f["message"] and f["field"] == "OS-EXT-SRV-ATTR:hostname" for f in translation.plan["tenant_findings"])


def test_vm_named_like_the_hostnames_service_keeps_both(demo_snapshot):
    demo_snapshot["servers"][0]["name"] = addressing.HOSTNAMES_SERVICE
    translation = translate_tenant(demo_snapshot, tenant="web-shop")
    names = [o["metadata"]["name"] for o in translation.objects if o["kind"] == "Service"]
    assert len(names) == len(set(names))
    assert services(translation)[addressing.HOSTNAMES_SERVICE]["spec"]["clusterIP"] == "None"


def test_address_mode_option_is_validated():
    with pytest.raises(OptionsError, match="address_mode"):
        TranslationOptions(address_mode="keep")


# ----------------------------------------------------------------- address_mode: static


@pytest.fixture
def static(demo_snapshot):
    options = TranslationOptions(address_mode="static", static_bridge_map={"web-shop-net": "br-shop"})
    return translate_tenant(demo_snapshot, tenant="web-shop", options=options)


def test_static_mode_bridges_every_port_on_a_per_port_attachment(static):
    spec = vm_of(static, "db-01")["spec"]["template"]["spec"]
    interfaces = spec["domain"]["devices"]["interfaces"]
    assert all("bridge" in i and "masquerade" not in i for i in interfaces)
    assert not any("pod" in n for n in spec["networks"])
    assert "subdomain" not in spec
    nad = spec["networks"][0]["multus"]["networkName"]
    assert nad == f"{NS}/db-01-web-shop-net"
    assert interfaces[0]["macAddress"] == row_of(static, "db-01")["interfaces"][0]["mac"]


def test_static_mode_names_each_attachment_with_its_fixed_ips(static):
    row = row_of(static, "db-01")
    assert row["addresses"]["mode"] == "static"
    attachment = row["addresses"]["network_attachments"][0]
    assert attachment["name"] == f"{NS}/db-01-web-shop-net"
    config = attachment["config"]
    assert config["type"] == "bridge" and config["bridge"] == "br-shop"
    assert config["ipam"]["type"] == "static"
    assert {"address": "10.20.0.31/24", "gateway": "10.20.0.1"} in config["ipam"]["addresses"]
    assert any(a["address"].startswith("2001:db8:20:0:f816:3eff:fee4:1c14/64") for a in config["ipam"]["addresses"])
    assert any("NetworkAttachmentDefinition" in p and "db-01-web-shop-net" in p for p in row["prerequisites"])


def test_static_mode_warns_about_l2_reachability(static):
    messages = [f["message"] for f in row_of(static, "db-01")["findings"]]
    assert any("L2" in m and "br-shop" in m for m in messages)


def test_static_mode_unmapped_network_assumes_a_bridge_and_warns(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop", options=TranslationOptions(address_mode="static"))
    row = row_of(translation, "db-01")
    bridge = row["addresses"]["network_attachments"][0]["config"]["bridge"]
    assert len(bridge) <= 15  # Linux interface names
    assert any("static_bridge_map" in f["message"] for f in row["findings"])


def test_static_mode_vms_still_live_migrate(static):
    assert row_of(static, "db-01")["live_migratable"] == "yes"  # bridge on Multus, not on the pod network
