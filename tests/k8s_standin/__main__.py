# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Command line: ``python -m k8s_standin --port 0 --kubeconfig-out PATH [--schemas DIR] [--pid-file PATH]``.

Prints the server URL on stdout once it is listening, then serves until SIGTERM/SIGINT.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from . import errors
from .faults import Faults
from .server import StandinServer

SCHEMAS_ENV = "K8S_STANDIN_SCHEMAS"


def default_schemas() -> Path | None:
    """$K8S_STANDIN_SCHEMAS, else the first ``shared/schemas`` beside an ancestor of this checkout
    (``<repo>/../shared/schemas`` in the project's layout)."""
    if os.environ.get(SCHEMAS_ENV):
        return Path(os.environ[SCHEMAS_ENV])
    for ancestor in Path(__file__).resolve().parents[2:]:
        candidate = ancestor / "shared" / "schemas"
        if candidate.is_dir():
            return candidate
    return None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="k8s_standin",
                                     description="Loopback stand-in for a Kubernetes API server (tests only).")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1; 0 picks a free one")
    parser.add_argument("--kubeconfig-out", help="write a kubeconfig for the server to this path")
    parser.add_argument("--schemas", help=f"CRD schema directory (default: ${SCHEMAS_ENV}, else shared/schemas "
                        "found beside an ancestor directory of the checkout)")
    parser.add_argument("--no-schemas", action="store_true", help="do not validate CRD kinds against schemas")
    parser.add_argument("--pid-file", help="write the process id here; removed on clean exit")
    parser.add_argument("--import-seconds", type=float, default=3.0, help="DataVolume import duration")
    parser.add_argument("--start-seconds", type=float, default=0.5, help="VirtualMachineInstance start delay")
    parser.add_argument("--namespace-grace", type=float, default=0.0, metavar="SECONDS",
                        help="how long a deleted Namespace stays Terminating (creates in it get 403); default 0")
    parser.add_argument("--field-validation", choices=("Strict", "Warn", "Ignore"), default="Strict",
                        help="unknown-field handling when a request has no fieldValidation parameter")
    parser.add_argument("--no-auth", action="store_true", help="accept requests without the bearer token")
    parser.add_argument("--fault", action="append", default=[], metavar="JSON",
                        help="install a fault rule at start-up (repeatable); same format as POST /_standin/faults")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s k8s-standin %(levelname)s %(message)s")
    schemas = None if args.no_schemas else (args.schemas or default_schemas())
    faults = []
    for text in args.fault:
        try:
            faults.append(json.loads(text))
            Faults().add(faults[-1])
        except (ValueError, errors.StatusError) as exc:
            print(f"k8s_standin: error: --fault {text!r}: {getattr(exc, 'message', exc)}", file=sys.stderr)
            return 2
    server = StandinServer(port=args.port, schemas_dir=schemas, kubeconfig_out=args.kubeconfig_out,
                           token=None if args.no_auth else "generate", import_seconds=args.import_seconds,
                           start_seconds=args.start_seconds, field_validation=args.field_validation,
                           namespace_grace=args.namespace_grace)
    done = threading.Event()

    def _stop(signum, _frame):
        logging.getLogger("k8s_standin").info("signal %s: shutting down", signum)
        done.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    for spec in faults:
        server.faults.add(spec)
    server.start()
    if args.pid_file:
        Path(args.pid_file).write_text(f"{os.getpid()}\n")
    print(server.url, flush=True)
    try:
        while not done.wait(0.5):
            pass
    finally:
        server.stop()
        if args.pid_file:
            Path(args.pid_file).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
