# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""instancetypes: the VM that references an instancetype and a preference is the same VM.

expand() applies the references the way KubeVirt v1.9.0 does (pkg/instancetype: the instancetype's
cpu.guest spread by the preference's preferredCPUTopology, memory.guest, and every preferred*
field only where the VM leaves the field unset) and must give back the inline VM.
"""

from __future__ import annotations

import copy

import pytest

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.kube.apply_input import apply_input
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.layout import tenant_files
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import instancetypes as it
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import OptionsError, TranslationOptions
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant

FEATURES = {"preferredAcpi": "acpi", "preferredApic": "apic", "preferredHyperv": "hyperv", "preferredSmm": "smm", "preferredKvm": "kvm"}


def _topology(guest: int, cpu_preference: dict) -> dict:
    topology = cpu_preference.get("preferredCPUTopology", "sockets")
    spread = cpu_preference.get("spreadOptions") or {}
    ratio, across = spread.get("ratio", 2), spread.get("across", "SocketsCores")
    if topology == "sockets":
        return {"sockets": guest, "cores": 1, "threads": 1}
    if topology == "cores":
        return {"sockets": 1, "cores": guest, "threads": 1}
    if topology == "threads":
        return {"sockets": 1, "cores": 1, "threads": guest}
    assert topology == "spread"
    if across == "SocketsCores":
        return {"sockets": guest // ratio, "cores": ratio, "threads": 1}
    if across == "CoresThreads":
        return {"sockets": 1, "cores": guest // 2, "threads": 2}
    return {"sockets": guest // (ratio * 2), "cores": ratio, "threads": 2}


def expand(vm: dict, catalog: dict) -> dict:
    vm = copy.deepcopy(vm)
    instancetype = catalog[(vm["spec"]["instancetype"]["kind"], vm["spec"]["instancetype"]["name"])]["spec"]
    preference = catalog[(vm["spec"]["preference"]["kind"], vm["spec"]["preference"]["name"])]["spec"]
    del vm["spec"]["instancetype"], vm["spec"]["preference"]
    domain = vm["spec"]["template"]["spec"]["domain"]
    assert "cpu" not in domain and "memory" not in domain  # KubeVirt rejects conflicting fields
    domain["cpu"] = _topology(instancetype["cpu"]["guest"], preference.get("cpu") or {})
    domain["memory"] = {"guest": instancetype["memory"]["guest"]}
    firmware = preference.get("firmware") or {}
    if firmware and "bootloader" not in domain.get("firmware", {}):
        bootloader = {"efi": copy.deepcopy(firmware["preferredEfi"])} if "preferredEfi" in firmware else {"bios": {}}
        domain.setdefault("firmware", {})["bootloader"] = bootloader
    for preferred, name in FEATURES.items():
        if preferred in (preference.get("features") or {}) and name not in domain.get("features", {}):
            domain.setdefault("features", {})[name] = copy.deepcopy(preference["features"][preferred])
    clock = preference.get("clock") or {}
    if clock:
        target = domain.setdefault("clock", {})
        if "preferredClockOffset" in clock and not ({"utc", "timezone"} & set(target)):
            target.update(copy.deepcopy(clock["preferredClockOffset"]))
        if "preferredTimer" in clock and "timer" not in target:
            target["timer"] = copy.deepcopy(clock["preferredTimer"])
    machine_type = (preference.get("machine") or {}).get("preferredMachineType")
    if machine_type and not domain.get("machine", {}).get("type"):
        domain["machine"] = {"type": machine_type}
    return vm


def vms(translation):
    return {o["metadata"]["name"]: o for o in translation.objects if o["kind"] == "VirtualMachine"}


def catalog_of(translation):
    return {(o["kind"], o["metadata"]["name"]): o for o in translation.objects if o["apiVersion"] == it.API_VERSION}


@pytest.fixture
def pair(demo_snapshot):
    inline = translate_tenant(copy.deepcopy(demo_snapshot), tenant="web-shop")
    referenced = translate_tenant(demo_snapshot, tenant="web-shop", options=TranslationOptions(instancetypes=True))
    return inline, referenced


def test_expanded_vms_equal_the_inline_vms(pair):
    inline, referenced = pair
    catalog = catalog_of(referenced)
    assert catalog
    expanded = 0
    for name, vm in vms(referenced).items():
        if "instancetype" in vm["spec"]:
            assert expand(vm, catalog) == vms(inline)[name], name
            expanded += 1
        else:
            assert vm == vms(inline)[name]
    assert expanded >= 5


def test_vms_that_stay_inline_say_why(pair):
    _inline, referenced = pair
    row = next(r for r in referenced.plan["servers"] if r["name"] == "nfv-fw-01")
    assert "instancetype" not in vms(referenced)["nfv-fw-01"]["spec"]
    assert "dedicatedCpuPlacement" in row["instancetype"]["inline"]
    web = next(r for r in referenced.plan["servers"] if r["name"] == "web-01")
    assert web["instancetype"]["instancetype"].startswith("m1-medium-")


def test_equal_flavors_share_one_cluster_instancetype(pair):
    _inline, referenced = pair
    web01, web02 = vms(referenced)["web-01"], vms(referenced)["web-02"]
    assert web01["spec"]["instancetype"] == web02["spec"]["instancetype"]
    assert web01["spec"]["instancetype"]["kind"] == "VirtualMachineClusterInstancetype"
    kinds = [o["kind"] for o in catalog_of(referenced).values()]
    assert len([k for k in kinds if k.endswith("Instancetype")]) == len(
        {(vm["spec"]["instancetype"]["name"]) for vm in vms(referenced).values() if "instancetype" in vm["spec"]}
    )
    assert all("namespace" not in o["metadata"] for o in catalog_of(referenced).values())


def test_namespaced_scope(demo_snapshot):
    translation = translate_tenant(demo_snapshot, tenant="web-shop", options=TranslationOptions(instancetypes=True, instancetype_scope="namespaced"))
    objects = catalog_of(translation).values()
    assert {o["kind"] for o in objects} == {"VirtualMachineInstancetype", "VirtualMachinePreference"}
    assert all(o["metadata"]["namespace"] == translation.namespace for o in objects)


def test_instancetypes_are_applied_before_the_vms(pair):
    _inline, referenced = pair
    groups = apply_input(referenced)
    assert {o["kind"] for o in groups["instancetypes"]} == {"VirtualMachineClusterInstancetype", "VirtualMachineClusterPreference"}
    paths = [path for path, _objs in tenant_files(referenced)]
    first_vm = next(i for i, p in enumerate(paths) if "/40-vms/" in p)
    assert any("instancetypes" in p for p in paths[:first_vm])


@pytest.mark.parametrize("topology", [(4, 1, 1), (1, 8, 1), (1, 1, 2), (2, 4, 1), (1, 2, 2), (2, 3, 2)])
def test_every_preference_topology_expands_back(topology):
    sockets, cores, threads = topology
    preference = it.cpu_topology_preference(sockets, cores, threads)
    assert _topology(sockets * cores * threads, preference) == {"sockets": sockets, "cores": cores, "threads": threads}


def test_topology_no_preference_can_spread_stays_inline():
    assert it.cpu_topology_preference(2, 2, 4) is None


def test_instancetype_options_are_validated():
    with pytest.raises(OptionsError, match="instancetype_scope"):
        TranslationOptions(instancetypes=True, instancetype_scope="global")
    with pytest.raises(OptionsError, match="instancetypes"):
        TranslationOptions(instancetypes="yes")
