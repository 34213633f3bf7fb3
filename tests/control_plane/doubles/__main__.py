# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the controller doubles against a real API server until SIGTERM.

    python -m doubles --kubeconfig DIR/controllers.kubeconfig --volumes DIR/volumes [--settings DIR/doubles.json] [--fetch-http]

Each pass lists DataVolumes, VirtualMachines, VirtualMachineInstances, PersistentVolumeClaims and Services
of all namespaces from the API server and writes what the real controllers would (status subresources,
owned objects). A pass every ``--interval`` seconds: import progress is a function of time.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from .api import Api, ApiException
from .cdi import DATAVOLUMES, DataVolumes
from .conditions import Clock
from .core import Core
from .importer import Importer
from .kubevirt import KUBEVIRT, VirtualMachines
from .settings import Settings

LOG = logging.getLogger("doubles")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="doubles", description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--volumes", required=True, type=Path, help="where imported disks are written")
    parser.add_argument("--settings", type=Path, help="JSON timings, re-read on change (default: beside --volumes)")
    parser.add_argument("--import-seconds", type=float, default=5.0)
    parser.add_argument("--start-seconds", type=float, default=0.3)
    parser.add_argument("--interval", type=float, default=0.3)
    parser.add_argument("--fetch-http", action="store_true", help="really import http sources (loopback only) in every namespace")
    parser.add_argument("--retry-seconds", type=float, default=10.0, help="first back-off before a failed import is retried")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    api = Api(args.kubeconfig)
    clock = Clock()
    settings = Settings(args.settings or args.volumes.parent / "doubles.json", args.import_seconds, args.start_seconds, retry_seconds=args.retry_seconds)
    datavolumes = DataVolumes(api, clock, settings, Importer(args.volumes, fetch_http=args.fetch_http))
    machines = VirtualMachines(api, clock, settings)
    core = Core(api)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    LOG.info("controller doubles running (import %.1f s, start %.1f s)", args.import_seconds, args.start_seconds)
    while not stop.wait(args.interval):
        try:
            settings.refresh()
            dvs = api.items(f"{DATAVOLUMES}/datavolumes")
            claims = api.items("/api/v1/persistentvolumeclaims")
            datavolumes.reconcile(dvs, {(c["metadata"]["namespace"], c["metadata"]["name"]): c for c in claims})
            vms = api.items(f"{KUBEVIRT}/virtualmachines")
            vmis = api.items(f"{KUBEVIRT}/virtualmachineinstances")
            machines.reconcile(vms, vmis, api.items(f"{DATAVOLUMES}/datavolumes"))
            core.reconcile(claims, api.items("/api/v1/services"))
            clock.forget_all_but({o["metadata"]["uid"] for o in dvs + vms + vmis})
        except ApiException as exc:
            LOG.warning("pass failed: %s %s", exc.status, exc.reason)
        except OSError as exc:
            LOG.warning("pass failed: %s", exc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
