# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the fault proxy until SIGTERM.

    python -m fault_proxy --listen 127.0.0.1:PORT --upstream https://127.0.0.1:API --ca ca.crt \\
        --cert proxy.crt --key proxy.key --discovery-kubeconfig DIR/kubeconfig-direct
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import signal
import ssl
import sys
import threading

import yaml

from .server import ProxyServer, Upstream


def _loopback(listen: str) -> tuple[str, int]:
    host, separator, port = listen.rpartition(":")
    if not separator:
        raise SystemExit(f"fault_proxy: --listen must be HOST:PORT, not {listen}")
    if not ipaddress.ip_address(host).is_loopback:
        raise SystemExit(f"fault_proxy: --listen must be a loopback address, not {host}")
    return host, int(port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fault_proxy", description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True, help="loopback HOST:PORT")
    parser.add_argument("--upstream", required=True, help="the API server's URL")
    parser.add_argument("--ca", required=True, help="CA that signed the API server's certificate")
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--discovery-kubeconfig", required=True, help="kubeconfig whose token reads discovery (resource -> kind) and names the user in 403s")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    with open(args.discovery_kubeconfig, encoding="utf-8") as handle:
        kubeconfig = yaml.safe_load(handle)
    user = kubeconfig["users"][0]
    client_tls = ssl.create_default_context(cafile=args.ca)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(args.cert, args.key)
    upstream = Upstream(args.upstream, client_tls, user["user"]["token"])
    server = ProxyServer(_loopback(args.listen), upstream, server_tls, user["name"])

    stopping = threading.Event()

    def stop(*_):
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logging.getLogger("fault_proxy").info("fault proxy on https://%s:%d -> %s", *server.server_address, args.upstream)
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
