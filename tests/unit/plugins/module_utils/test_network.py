# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import FindingCollector
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.network import server_networking
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions

NETS = {"n1": {"id": "n1", "name": "private"}, "n2": {"id": "n2", "name": "Provider_VLAN"}}


def port(pid, net, mac, ip, **extra):
    return {
        "id": pid,
        "network_id": net,
        "mac_address": mac,
        "fixed_ips": [{"subnet_id": "s", "ip_address": ip}],
        "security_groups": ["sg"],
        "port_security_enabled": True,
        **extra,
    }


def run(server, ports, **options):
    c = FindingCollector("server", "vm")
    result = server_networking(server, ports, networks_by_id=NETS, namespace="ns", nic_model="virtio", options=TranslationOptions(**options), collector=c)
    return result, c.findings


SERVER = {
    "addresses": {
        "private": [{"OS-EXT-IPS-MAC:mac_addr": "FA:16:3E:00:00:01", "addr": "10.0.0.5"}],
        "Provider_VLAN": [{"OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:02", "addr": "192.0.2.5"}],
    }
}


def test_first_port_pod_masquerade_rest_multus_bridge_macs_kept():
    ports = [port("p2", "n2", "fa:16:3e:00:00:02", "192.0.2.5", port_security_enabled=False), port("p1", "n1", "fa:16:3e:00:00:01", "10.0.0.5")]
    result, findings = run(SERVER, ports, network_map={"Provider_VLAN": "infra/vlan100"})
    assert result.primary_port["id"] == "p1"
    assert result.interfaces[0] == {"name": "default", "masquerade": {}, "macAddress": "fa:16:3e:00:00:01", "model": "virtio"}
    assert result.interfaces[1]["bridge"] == {} and result.interfaces[1]["macAddress"] == "fa:16:3e:00:00:02"
    assert result.networks == [{"name": "default", "pod": {}}, {"name": result.interfaces[1]["name"], "multus": {"networkName": "infra/vlan100"}}]
    assert [row["fixed_ips"] for row in result.plan_rows] == [["10.0.0.5"], ["192.0.2.5"]]
    assert findings == []


def test_unmapped_secondary_network_assumes_nad_and_warns():
    ports = [port("p1", "n1", "fa:16:3e:00:00:01", "10.0.0.5"), port("p2", "n2", "fa:16:3e:00:00:02", "192.0.2.5")]
    result, findings = run(SERVER, ports)
    assert result.networks[1]["multus"]["networkName"] == "ns/provider-vlan"
    assert any("network_map" in f.message for f in findings)
    assert any(f.field.endswith(".security_groups") for f in findings)  # SGs not enforced on Multus


def test_sriov_and_address_pairs_warn():
    ports = [
        port("p1", "n1", "fa:16:3e:00:00:01", "10.0.0.5", allowed_address_pairs=[{"ip_address": "10.0.0.100"}]),
        port("p2", "n2", "fa:16:3e:00:00:02", "192.0.2.5", **{"binding:vnic_type": "direct"}),
    ]
    result, findings = run(SERVER, ports, network_map={"n2": "infra/sriov"})
    assert "sriov" in result.interfaces[1] and "model" not in result.interfaces[1]
    assert {f.field.rsplit(".", 1)[-1] for f in findings} >= {"allowed_address_pairs", "binding:vnic_type"}


def test_no_ports_means_no_network():
    result, findings = run(SERVER, [])
    assert result.interfaces == [] and result.networks == [] and result.primary_port is None
    assert findings and findings[0].field == "addresses"
