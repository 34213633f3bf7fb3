# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Structural guard for examples/snapshots/demo.yaml (and the minimal unit fixture).

The demo tenant is data other tests and the docs lean on: every cross reference in it
must resolve (apart from the few dangling references that are there on purpose), and
every value must have the type the OpenStack API really returns. This test only looks at
the YAML; it does not import the translator.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import uuid
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "snapshots" / "demo.yaml"
MINIMAL = REPO / "tests" / "unit" / "plugins" / "module_utils" / "fixtures" / "snapshot_minimal.yaml"

FORMAT = "ostokubevirt.io/tenant-snapshot/v1"
RESOURCE_LISTS = ("users", "groups", "flavors", "images", "servers", "volumes", "networks", "subnets", "ports", "security_groups", "floating_ips")
MAC_RE = re.compile(r"^fa:16:3e(:[0-9a-f]{2}){3}$")
LABEL_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
DEFAULT_ROLE_NAMES = {"admin", "member", "_member_", "reader"}


def _load(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def demo() -> dict:
    return _load(DEMO)


@pytest.fixture(scope="module", params=[DEMO, MINIMAL], ids=["demo", "minimal"])
def snap(request) -> dict:
    return _load(request.param)


def _by_id(items):
    return {item["id"]: item for item in items or []}


def _is_uuid(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _compute_ports(snap, server_id):
    return [p for p in snap.get("ports", []) if p["device_id"] == server_id and p["device_owner"].startswith("compute:")]


def _walk_strings_only(mapping) -> bool:
    return all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items())


# --------------------------------------------------------------------------- checks for both files


def test_format_and_top_level(snap):
    assert snap["format"] == FORMAT
    assert isinstance(snap["project"], dict) and isinstance(snap["domain"], dict)
    assert snap["project"]["domain_id"] == snap["domain"]["id"]
    for key in RESOURCE_LISTS:
        assert isinstance(snap.get(key, []), list), key


def test_ids_are_unique_uuids(snap):
    seen = {}
    for key in RESOURCE_LISTS:
        for item in snap.get(key, []):
            ident = item["id"]
            assert _is_uuid(ident), f"{key}: id {ident!r} is not a UUID"
            assert ident not in seen, f"{key}: id {ident} also used by {seen[ident]}"
            seen[ident] = key
    for key in ("domain", "project"):
        assert _is_uuid(snap[key]["id"])
    for sg in snap.get("security_groups", []):
        for rule in sg["security_group_rules"]:
            assert _is_uuid(rule["id"])
            assert rule["id"] not in seen
            seen[rule["id"]] = "security_group_rules"


def test_timestamps_are_strings(snap):
    """PyYAML turns unquoted RFC3339 values into datetime; the API gives strings."""
    fields = ("created", "updated", "created_at", "updated_at", "attached_at", "taken_at")

    def visit(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in fields and value is not None:
                    assert isinstance(value, str), f"{path}.{key} must be a string, got {type(value).__name__}"
                visit(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                visit(value, f"{path}[{index}]")

    visit(snap, "$")


def test_server_shapes(snap):
    flavors = {f["name"]: f for f in snap.get("flavors", [])}
    keypairs = {k["name"] for k in snap.get("keypairs", [])}
    for server in snap["servers"]:
        name = server["name"]
        assert server["tenant_id"] == snap["project"]["id"], name
        flavor = server["flavor"]
        assert set(flavor) >= {"original_name", "vcpus", "ram", "disk", "ephemeral", "swap", "extra_specs"}, name
        for key in ("vcpus", "ram", "disk", "ephemeral", "swap"):
            assert isinstance(flavor[key], int) and not isinstance(flavor[key], bool), f"{name}: flavor.{key}"
        assert _walk_strings_only(flavor["extra_specs"]), name
        if flavor["original_name"] in flavors:
            listed = flavors[flavor["original_name"]]
            assert listed["vcpus"] == flavor["vcpus"] and listed["ram"] == flavor["ram"] and listed["disk"] == flavor["disk"]
            assert listed["OS-FLV-EXT-DATA:ephemeral"] == flavor["ephemeral"]
            assert (listed["swap"] or 0) == flavor["swap"]
            assert listed["extra_specs"] == flavor["extra_specs"], name
        image = server["image"]
        assert image == "" or (isinstance(image, dict) and _is_uuid(image["id"])), name
        assert server["config_drive"] in ("", "True"), name
        assert server["status"] in ("ACTIVE", "SHUTOFF", "PAUSED", "SUSPENDED", "ERROR"), name
        assert isinstance(server.get("metadata", {}), dict) and _walk_strings_only(server.get("metadata", {})), name
        assert isinstance(server.get("tags", []), list), name
        assert server.get("key_name") is None or server["key_name"] in keypairs, name
        user_data = server.get("OS-EXT-SRV-ATTR:user_data")
        if user_data is not None:
            try:
                text = base64.b64decode(user_data, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise AssertionError(f"{name}: user_data is not base64 UTF-8: {exc}") from exc
            assert text.startswith(("#cloud-config", "#!")), name
            assert "PRIVATE KEY" not in text and "password" not in text.lower(), f"{name}: user_data must hold no secrets"


def test_every_server_interface_has_a_port(snap):
    networks = _by_id(snap["networks"])
    net_names = {n["name"]: n["id"] for n in snap["networks"]}
    for server in snap["servers"]:
        ports = _compute_ports(snap, server["id"])
        assert ports, f"server {server['name']} has no compute port"
        port_ips = {(p["network_id"], ip["ip_address"], p["mac_address"]) for p in ports for ip in p["fixed_ips"]}
        fixed_seen = set()
        for net_name, entries in server["addresses"].items():
            assert net_name in net_names, f"{server['name']}: addresses use unknown network {net_name}"
            for entry in entries:
                assert entry["version"] in (4, 6)
                assert entry["OS-EXT-IPS:type"] in ("fixed", "floating")
                assert ipaddress.ip_address(entry["addr"]).version == entry["version"]
                if entry["OS-EXT-IPS:type"] == "fixed":
                    key = (net_names[net_name], entry["addr"], entry["OS-EXT-IPS-MAC:mac_addr"])
                    assert key in port_ips, f"{server['name']}: address {entry['addr']} matches no port"
                    fixed_seen.add(key)
        assert fixed_seen == port_ips, f"{server['name']}: ports and addresses disagree"
        for port in ports:
            assert port["network_id"] in networks


def test_ports(snap):
    servers = _by_id(snap["servers"])
    networks = _by_id(snap["networks"])
    subnets = _by_id(snap["subnets"])
    groups = _by_id(snap["security_groups"])
    macs = set()
    for port in snap["ports"]:
        assert MAC_RE.match(port["mac_address"]), port["mac_address"]
        assert port["mac_address"] not in macs
        macs.add(port["mac_address"])
        assert port["network_id"] in networks
        if port["device_owner"].startswith("compute:"):
            assert port["device_id"] in servers, f"port {port['id']} belongs to unknown server {port['device_id']}"
        for fixed in port["fixed_ips"]:
            subnet = subnets[fixed["subnet_id"]]
            assert subnet["network_id"] == port["network_id"]
            assert ipaddress.ip_address(fixed["ip_address"]) in ipaddress.ip_network(subnet["cidr"])
        for sg_id in port["security_groups"]:
            assert sg_id in groups, f"port {port['id']}: unknown security group {sg_id}"
        assert isinstance(port["port_security_enabled"], bool)
        if not port["port_security_enabled"]:
            assert port["security_groups"] == []
        for pair in port.get("allowed_address_pairs", []):
            ipaddress.ip_network(pair["ip_address"], strict=False)


def test_networks_and_subnets(snap):
    subnets = _by_id(snap["subnets"])
    for network in snap["networks"]:
        assert isinstance(network["router:external"], bool) and isinstance(network["shared"], bool)
        for subnet_id in network["subnets"]:
            if subnet_id in subnets:
                assert subnets[subnet_id]["network_id"] == network["id"]
    networks = _by_id(snap["networks"])
    for subnet in snap["subnets"]:
        assert subnet["network_id"] in networks
        cidr = ipaddress.ip_network(subnet["cidr"])
        assert cidr.version == subnet["ip_version"]
        if subnet["gateway_ip"] is not None:
            assert ipaddress.ip_address(subnet["gateway_ip"]) in cidr
        assert subnet["id"] in networks[subnet["network_id"]]["subnets"]


def test_security_groups_resolve(snap):
    by_name = {sg["name"] for sg in snap["security_groups"]}
    ids = _by_id(snap["security_groups"])
    for server in snap["servers"]:
        for ref in server.get("security_groups", []):
            assert ref["name"] in by_name, f"{server['name']}: unknown security group {ref['name']}"
        # the names Nova reports are the union of the groups on the server's ports
        port_groups = {ids[g]["name"] for p in _compute_ports(snap, server["id"]) for g in p["security_groups"]}
        assert {g["name"] for g in server.get("security_groups", [])} == port_groups, server["name"]
    for sg in snap["security_groups"]:
        for rule in sg["security_group_rules"]:
            assert rule["security_group_id"] == sg["id"]
            assert rule["direction"] in ("ingress", "egress")
            assert rule["ethertype"] in ("IPv4", "IPv6")
            for key in ("port_range_min", "port_range_max"):
                assert rule[key] is None or (isinstance(rule[key], int) and not isinstance(rule[key], bool))
            if rule["remote_ip_prefix"] is not None:
                net = ipaddress.ip_network(rule["remote_ip_prefix"], strict=False)
                assert f"IPv{net.version}" == rule["ethertype"]


def test_volumes_and_attachments(snap):
    servers = _by_id(snap["servers"])
    volumes = _by_id(snap.get("volumes", []))
    for volume in volumes.values():
        assert volume["bootable"] in ("true", "false"), "bootable is a string in Cinder"
        assert isinstance(volume["size"], int)
        assert _walk_strings_only(volume.get("volume_image_metadata", {}))
        for att in volume["attachments"]:
            assert att["volume_id"] == volume["id"]
            assert att["server_id"] in servers, f"volume {volume['name']} attached to unknown server"
            assert att["device"].startswith("/dev/")
            attached = {v["id"] for v in servers[att["server_id"]]["os-extended-volumes:volumes_attached"]}
            assert volume["id"] in attached, f"volume {volume['name']}: server does not list it"
        assert (volume["status"] == "in-use") == bool(volume["attachments"])
    for server in servers.values():
        devices = []
        for ref in server["os-extended-volumes:volumes_attached"]:
            assert ref["id"] in volumes, f"{server['name']}: attached volume {ref['id']} missing"
            assert isinstance(ref["delete_on_termination"], bool)
            atts = [a for a in volumes[ref["id"]]["attachments"] if a["server_id"] == server["id"]]
            assert len(atts) == 1
            devices.append(atts[0]["device"])
        assert len(devices) == len(set(devices)), f"{server['name']}: duplicate device names"
        if server["image"] == "":
            attached = [volumes[r["id"]] for r in server["os-extended-volumes:volumes_attached"]]
            root = [v for v in attached if v["attachments"][0]["device"] in ("/dev/vda", "/dev/sda")]
            assert len(root) == 1 and root[0]["bootable"] == "true", f"{server['name']}: boot-from-volume needs a bootable root"


def test_floating_ips(snap):
    ports = _by_id(snap["ports"])
    networks = _by_id(snap["networks"])
    for fip in snap.get("floating_ips", []):
        assert networks[fip["floating_network_id"]]["router:external"] is True
        if fip["port_id"] is None:
            assert fip["fixed_ip_address"] is None
            continue
        assert fip["port_id"] in ports, f"floating IP {fip['floating_ip_address']}: unknown port {fip['port_id']}"
        port = ports[fip["port_id"]]
        assert fip["fixed_ip_address"] in {f["ip_address"] for f in port["fixed_ips"]}
        if fip.get("port_details"):
            assert fip["port_details"]["device_id"] == port["device_id"]
        server = _by_id(snap["servers"]).get(port["device_id"])
        if server is not None:
            floating = [a["addr"] for entries in server["addresses"].values() for a in entries if a["OS-EXT-IPS:type"] == "floating"]
            assert fip["floating_ip_address"] in floating


def test_identity(snap):
    users = _by_id(snap.get("users", []))
    groups = _by_id(snap.get("groups", []))
    domain_id = snap["domain"]["id"]
    for item in list(users.values()) + list(groups.values()):
        assert item["domain_id"] == domain_id
        assert "password" not in item
    for assignment in snap.get("role_assignments", []):
        assert assignment["scope"]["project"]["id"] == snap["project"]["id"]
        assert ("user" in assignment) != ("group" in assignment)
        if "user" in assignment:
            assert assignment["user"]["id"] in users
            assert users[assignment["user"]["id"]]["name"] == assignment["user"]["name"]
        else:
            assert assignment["group"]["id"] in groups
            assert groups[assignment["group"]["id"]]["name"] == assignment["group"]["name"]
    for group_id, members in (snap.get("group_members") or {}).items():
        assert group_id in groups
        assert all(member in users for member in members)


# --------------------------------------------------------------------------- demo-only coverage


def _server(demo, name):
    return next(s for s in demo["servers"] if s["name"] == name)


def _images(demo):
    return _by_id(demo["images"])


def test_demo_size_and_missing_image(demo):
    assert len(demo["servers"]) >= 8
    images = _images(demo)
    missing = [s["name"] for s in demo["servers"] if s["image"] and s["image"]["id"] not in images]
    assert missing == ["legacy-01"], "exactly one server must reference an image deleted from Glance"
    assert all(_walk_strings_only({k: v for k, v in img.items() if k.startswith(("hw_", "os_")) and k != "os_hidden"}) for img in images.values())


def test_demo_web_servers(demo):
    web = [s for s in demo["servers"] if {"web", "default"} <= {g["name"] for g in s["security_groups"]}]
    assert len(web) >= 2
    for server in web:
        assert server["key_name"] and server["OS-EXT-SRV-ATTR:user_data"]
        assert server["tags"]
        assert base64.b64decode(server["OS-EXT-SRV-ATTR:user_data"]).startswith(b"#cloud-config")
    values = [v for s in demo["servers"] for v in s["metadata"].values()]
    assert any(not LABEL_VALUE_RE.match(v) for v in values), "one metadata value must not be a valid label value"
    assert any(LABEL_VALUE_RE.match(v) for v in values)


def test_demo_windows_uefi(demo):
    server = _server(demo, "win-erp-01")
    image = _images(demo)[server["image"]["id"]]
    assert image["hw_firmware_type"] == "uefi" and image["os_secure_boot"] == "required"
    assert image["os_type"] == "windows" and image["hw_machine_type"] == "q35"
    assert image["hw_tpm_version"] == "2.0" and image["hw_vif_model"] in ("e1000e", "virtio")


def test_demo_boot_from_volume(demo):
    server = _server(demo, "db-01")
    assert server["image"] == ""
    volumes = _by_id(demo["volumes"])
    attached = {volumes[r["id"]]["attachments"][0]["device"]: volumes[r["id"]] for r in server["os-extended-volumes:volumes_attached"]}
    assert set(attached) == {"/dev/vda", "/dev/vdb", "/dev/vdc"}
    assert attached["/dev/vda"]["bootable"] == "true" and attached["/dev/vda"]["volume_image_metadata"]
    assert {attached["/dev/vdb"]["volume_type"], attached["/dev/vdc"]["volume_type"]} == {"ceph-ssd", "ceph-hdd"}


def test_demo_nfv(demo):
    server = _server(demo, "nfv-fw-01")
    specs = server["flavor"]["extra_specs"]
    assert specs["hw:cpu_policy"] == "dedicated" and specs["hw:emulator_threads_policy"] == "isolate"
    assert specs["hw:mem_page_size"] in ("1GB", "large", "1048576") and specs["hw:numa_nodes"] == "1"
    assert {"hw:cpu_sockets", "hw:cpu_cores", "hw:cpu_threads"} <= set(specs)
    assert specs["aggregate_instance_extra_specs:nfv"] == "true"
    ports = _compute_ports(demo, server["id"])
    assert len({p["network_id"] for p in ports}) == 2
    assert any(not p["port_security_enabled"] and p["binding:vnic_type"] == "direct" for p in ports)


def test_demo_server_variety(demo):
    assert any(s["status"] == "SHUTOFF" for s in demo["servers"])
    assert any(s["config_drive"] == "True" for s in demo["servers"])
    assert any(s["flavor"]["ephemeral"] > 0 and s["flavor"]["swap"] > 0 for s in demo["servers"])
    assert any(f["swap"] == "" for f in demo["flavors"]) and any(isinstance(f["swap"], int) and f["swap"] > 0 for f in demo["flavors"])
    known_prefixes = ("hw:", "aggregate_instance_extra_specs:", "trait:")
    assert any(not k.startswith(known_prefixes) for f in demo["flavors"] for k in f["extra_specs"]), "need an unknown extra spec"


def test_demo_security_groups(demo):
    groups = {g["name"]: g for g in demo["security_groups"]}
    assert {"default", "web", "db", "mgmt"} <= set(groups)
    ids = {g["id"] for g in demo["security_groups"]}
    default = groups["default"]["security_group_rules"]
    assert {(r["direction"], r["ethertype"]) for r in default if r["remote_group_id"] == groups["default"]["id"]} == {("ingress", "IPv4"), ("ingress", "IPv6")}
    assert {r["ethertype"] for r in default if r["direction"] == "egress" and r["protocol"] is None and r["remote_ip_prefix"] is None} == {"IPv4", "IPv6"}
    web = groups["web"]["security_group_rules"]
    for port in (80, 443):
        assert {r["remote_ip_prefix"] for r in web if r["port_range_min"] == port} >= {"0.0.0.0/0", "::/0"}
    db = groups["db"]["security_group_rules"]
    assert any(r["remote_group_id"] == groups["web"]["id"] and r["port_range_min"] == 5432 for r in db)
    assert all(r["remote_ip_prefix"] for r in db if r["direction"] == "egress"), "db egress is restricted to CIDRs"
    mgmt = groups["mgmt"]["security_group_rules"]
    assert any(r["protocol"] == "icmp" and r["port_range_min"] == 8 and r["port_range_max"] == 0 for r in mgmt)
    assert any(r["protocol"] == "ipv6-icmp" for r in mgmt)
    assert any(r["protocol"] == "udp" and r["port_range_min"] == 161 and r["port_range_max"] == 162 for r in mgmt)
    assert any(r["protocol"] == "udp" and r["port_range_min"] == r["port_range_max"] == 53 for r in mgmt)
    assert any(r["protocol"] is None and r["direction"] == "ingress" for r in mgmt)
    remote = [r["remote_group_id"] for g in demo["security_groups"] for r in g["security_group_rules"] if r["remote_group_id"]]
    foreign = [r for r in remote if r not in ids]
    assert len(foreign) == 1, "exactly one rule references a group of another project"


def test_demo_networking(demo):
    networks = {n["name"]: n for n in demo["networks"]}
    assert any(n["router:external"] for n in networks.values())
    assert any(n.get("provider:network_type") == "vlan" for n in networks.values())
    versions = {}
    for subnet in demo["subnets"]:
        versions.setdefault(subnet["network_id"], set()).add(subnet["ip_version"])
    assert {4, 6} in versions.values()
    owners = {p["device_owner"] for p in demo["ports"]}
    assert {"network:router_interface", "network:dhcp"} <= owners
    fips = demo["floating_ips"]
    assert sum(1 for f in fips if f["port_id"]) >= 2 and sum(1 for f in fips if f["port_id"] is None) >= 1


def test_demo_identity_and_quotas(demo):
    assert len(demo["users"]) >= 3 and len(demo["groups"]) >= 2
    roles = {a["role"]["name"] for a in demo["role_assignments"]}
    assert DEFAULT_ROLE_NAMES <= roles
    assert roles - DEFAULT_ROLE_NAMES, "one role must be missing from the default role map"
    assert any("group" in a for a in demo["role_assignments"]) and any("user" in a for a in demo["role_assignments"])
    quotas = demo["quotas"]
    assert {"cores", "ram", "instances"} <= set(quotas["compute"])
    assert {"gigabytes", "volumes"} <= set(quotas["volume"])
    assert {"floatingip", "port", "security_group_rule"} <= set(quotas["network"])
    for keypair in demo["keypairs"]:
        assert keypair["public_key"].startswith(("ssh-", "ecdsa-")) and "PRIVATE" not in keypair["public_key"]
