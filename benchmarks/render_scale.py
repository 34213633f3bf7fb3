# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Render-mode scale benchmark: synthetic tenants of N servers, total time and marginal cost per VM.

    python benchmarks/render_scale.py            # 200 and 2,000 servers (the documented numbers)
    python benchmarks/render_scale.py --quick    # 50 and 500 servers (CI smoke run)

Servers are cloned from the demo tenant's translatable servers (each clone gets its own ids,
ports, MACs and volumes), so every code path a real tenant takes is exercised. The marginal
cost is (t_large - t_small) / (n_large - n_small): fixed start-up costs cancel out.

A gate must not depend on how loaded the machine is, so the gate is a ratio to a floor measured in
the same run: emitting the same objects with the YAML library alone (libyaml's emitter, no
translation, no files). Exits non-zero when the marginal cost of translation and emission exceeds
MAX_RATIO_TO_FLOOR times the floor's marginal cost. Writing is gated apart, against storing the same
texts durably with bare system calls (one file each, write and fsync): the fsync render needs costs
what the disk's load makes it, which would drown a slower translation if both were in one ratio.
The ratio to the 5 ms/VM design target is printed for the record.
"""

from __future__ import annotations

import argparse
import copy
import gc
import os
import sys
import tempfile
import time
import tracemalloc
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_MS_PER_VM = 5.0
# Render (translate + emit + write) per VM against bare emission per VM: 1 to 2 measured (emission dominates),
# so 6 means translation or writing became several times slower, whatever the load.
MAX_RATIO_TO_FLOOR = 6.0
# Writing the tree (scan, stage, fsync of files and directories, swap) against bare write + fsync per file.
MAX_WRITE_RATIO_TO_FLOOR = 4.0
WRITE_PASSES = 3


def _import_collection():
    """Make ansible_collections.ostokubevirt.migrate importable from a plain checkout."""
    try:
        from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import tenant  # noqa: F401

        return
    except ImportError:
        pass
    shim = tempfile.mkdtemp(prefix="ostk-bench-")
    os.makedirs(os.path.join(shim, "ansible_collections", "ostokubevirt"))
    os.symlink(REPO, os.path.join(shim, "ansible_collections", "ostokubevirt", "migrate"))
    sys.path.insert(0, shim)


_import_collection()

import yaml

from ansible_collections.ostokubevirt.migrate.plugins.module_utils._yaml import load_data
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.layout import tenant_files
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.render.manifest_writer import render_texts, sync_tree
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.tenant import translate_tenant

NAMESPACE_UUID = uuid.UUID("6f1c7f64-0c1e-4c55-9b7c-2b9d2f6f0a11")


def _new_id(*parts) -> str:
    return str(uuid.uuid5(NAMESPACE_UUID, "/".join(str(p) for p in parts)))


def synthetic_snapshot(demo: dict, servers: int) -> dict:
    """The demo tenant with its translatable servers cloned up to `servers` servers."""
    translation = translate_tenant(demo)
    good = {row["id"] for row in translation.plan["servers"] if row["status"] != "blocked"}
    templates = [s for s in demo["servers"] if s["id"] in good]
    ports_by_device = {}
    for port in demo.get("ports", []):
        ports_by_device.setdefault(port.get("device_id"), []).append(port)
    volumes_by_id = {v["id"]: v for v in demo.get("volumes", [])}
    snap = {k: v for k, v in demo.items() if k not in ("servers", "ports", "volumes", "floating_ips")}
    snap["servers"], snap["ports"], snap["volumes"], snap["floating_ips"] = [], [], [], []
    snap["ports"].extend(p for p in demo.get("ports", []) if not str(p.get("device_owner", "")).startswith("compute:"))
    for index in range(servers):
        template = templates[index % len(templates)]
        server = copy.deepcopy(template)
        server["id"] = _new_id("server", index)
        server["name"] = f"{template['name']}-{index:05d}"
        volume_ids = {}
        for entry in server.get("os-extended-volumes:volumes_attached") or []:
            new_volume = copy.deepcopy(volumes_by_id[entry["id"]])
            new_volume["id"] = volume_ids[entry["id"]] = _new_id("volume", index, entry["id"])
            new_volume["name"] = f"{new_volume.get('name') or 'vol'}-{index:05d}"
            for attachment in new_volume.get("attachments") or []:
                attachment["server_id"] = server["id"]
                attachment["volume_id"] = new_volume["id"]
            snap["volumes"].append(new_volume)
            entry["id"] = new_volume["id"]
        macs = {}
        for n, port in enumerate(ports_by_device.get(template["id"], [])):
            new_port = copy.deepcopy(port)
            new_port["id"] = _new_id("port", index, n)
            new_port["device_id"] = server["id"]
            mac = f"fa:16:3e:{(index >> 16) & 0xFF:02x}:{(index >> 8) & 0xFF:02x}:{index & 0xFF:02x}"
            macs[port["mac_address"]] = mac if n == 0 else mac[:-2] + f"{(index + 128) & 0xFF:02x}"
            new_port["mac_address"] = macs[port["mac_address"]]
            snap["ports"].append(new_port)
        for addresses in (server.get("addresses") or {}).values():
            for address in addresses:
                old = address.get("OS-EXT-IPS-MAC:mac_addr")
                if old in macs:
                    address["OS-EXT-IPS-MAC:mac_addr"] = macs[old]
        snap["servers"].append(server)
    return snap


def _floor_s(translation) -> float:
    """Seconds to emit the same objects with the YAML library alone: what no renderer can go below."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    start = time.perf_counter()
    for _path, objects in tenant_files(translation):
        yaml.dump_all(objects, Dumper=dumper, sort_keys=False)
    return time.perf_counter() - start


def _write_floor_s(texts: dict[str, str], workdir: str) -> float:
    """Seconds to store the same texts durably with bare system calls: what no writer that fsyncs can go below."""
    floor_dir = tempfile.mkdtemp(dir=workdir)
    start = time.perf_counter()
    for index, text in enumerate(texts.values()):
        fd = os.open(os.path.join(floor_dir, str(index)), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, text.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
    return time.perf_counter() - start


def measure(demo: dict, servers: int, workdir: str) -> dict:
    snap = synthetic_snapshot(demo, servers)
    gc.collect()
    start = time.perf_counter()
    translation = translate_tenant(snap)
    translated = time.perf_counter()
    texts = render_texts(translation)
    emitted = time.perf_counter()
    vms = translation.plan["summary"]["objects"].get("VirtualMachine", 0)
    # fsync latency swings with whatever else uses the disk: the fastest of a few alternating passes of the writer
    # and of the floor compares the two under the same conditions.
    write_passes, floor_passes = [], []
    for attempt in range(WRITE_PASSES):
        write_passes.append(_write_s(texts, os.path.join(workdir, f"n{servers}-{attempt}")))
        floor_passes.append(_write_floor_s(texts, workdir))
    return {
        "servers": servers,
        "vms": vms,
        "objects": len(translation.objects),
        "translate_s": translated - start,
        "emit_s": emitted - translated,
        "write_s": min(write_passes),
        "total_s": emitted - start + min(write_passes),
        "floor_s": _floor_s(translation),
        "write_floor_s": min(floor_passes),
    }


def _write_s(texts: dict[str, str], tenant_dir: str) -> float:
    start = time.perf_counter()
    sync_tree(tenant_dir, texts)
    return time.perf_counter() - start


def peak_mib(demo: dict, servers: int) -> float:
    """Peak traced memory of translation and emission, in a pass of its own: tracing slows allocation several-fold."""
    snap = synthetic_snapshot(demo, servers)
    gc.collect()
    tracemalloc.start()
    render_texts(translate_tenant(snap))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 and 500 servers instead of 200 and 2,000")
    parser.add_argument("--snapshot", default=os.path.join(REPO, "examples", "snapshots", "demo.yaml"))
    args = parser.parse_args()
    small, large = (50, 500) if args.quick else (200, 2000)
    with open(args.snapshot, encoding="utf-8") as handle:
        demo = load_data(handle.read(), source=args.snapshot)
    with tempfile.TemporaryDirectory(prefix="ostk-bench-out-") as workdir:
        measure(demo, 20, workdir)  # warm imports and caches
        results = [measure(demo, n, workdir) for n in (small, large)]
    for result in results:
        result["peak_mib"] = peak_mib(demo, result["servers"])
    print(f"{'servers':>8} {'VMs':>6} {'objects':>8} {'translate':>10} {'emit':>8} {'write':>8} {'total':>8} {'floor':>8} {'peak MiB':>9}")
    for r in results:
        print(
            f"{r['servers']:>8} {r['vms']:>6} {r['objects']:>8} {r['translate_s']:>9.2f}s {r['emit_s']:>7.2f}s "
            f"{r['write_s']:>7.2f}s {r['total_s']:>7.2f}s {r['floor_s']:>7.2f}s {r['peak_mib']:>9.1f}"
        )
    small_r, large_r = results
    per_vm = (large_r["vms"] - small_r["vms"]) / 1000

    def marginal(key: str) -> float:
        return (large_r[key] - small_r[key]) / per_vm

    marginal_ms, floor_ms = marginal("total_s"), marginal("floor_s")
    compute_ms = marginal("translate_s") + marginal("emit_s")
    ratio = compute_ms / floor_ms if floor_ms > 0 else float("inf")
    write_ms, write_floor_ms = marginal("write_s"), marginal("write_floor_s")
    write_ratio = write_ms / write_floor_ms if write_floor_ms > 0 else float("inf")
    print(
        f"marginal cost per VM: {marginal_ms:.2f} ms total ({marginal('translate_s'):.2f} ms translation, "
        f"{marginal('write_s'):.2f} ms writing); target {TARGET_MS_PER_VM:.1f} ms -> ratio {marginal_ms / TARGET_MS_PER_VM:.2f} "
        "of target (for the record: depends on the machine's load)"
    )
    print(f"floor (YAML library alone): {floor_ms:.2f} ms per VM -> translate+emit/floor ratio {ratio:.2f} (gate: at most {MAX_RATIO_TO_FLOOR:.1f})")
    print(
        f"write floor (write + fsync per file): {write_floor_ms:.2f} ms per VM -> write/floor ratio {write_ratio:.2f} "
        f"(gate: at most {MAX_WRITE_RATIO_TO_FLOOR:.1f})"
    )
    print(f"peak traced memory per VM at {large_r['vms']} VMs: {large_r['peak_mib'] * 1024 / max(large_r['vms'], 1):.1f} KiB")
    return 0 if ratio <= MAX_RATIO_TO_FLOOR and write_ratio <= MAX_WRITE_RATIO_TO_FLOOR else 1


if __name__ == "__main__":
    sys.exit(main())
