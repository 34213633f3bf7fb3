# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""find_secrets.py SNAPSHOT PATH...: fail if any secret of SNAPSHOT appears in the given files or trees.

Secrets: each server's user data (base64 as stored, and every decoded line of 16+ characters) and each
key pair's public key body. Public keys are not confidential, but they only belong in secrets/, so
finding one elsewhere means that a secret could leak the same way.
"""

from __future__ import annotations

import base64
import os
import sys

import yaml


def secrets_of(snapshot: dict) -> set[str]:
    found = set()
    for server in snapshot.get("servers") or []:
        encoded = server.get("OS-EXT-SRV-ATTR:user_data")
        if not encoded:
            continue
        found.add(encoded)
        for line in base64.b64decode(encoded).decode("utf-8", "replace").splitlines():
            if len(line.strip()) >= 16:
                found.add(line.strip())
    for keypair in snapshot.get("keypairs") or []:
        body = (keypair.get("public_key") or "").split()
        if len(body) >= 2:
            found.add(body[1])
    return found


def files_under(path: str):
    if os.path.isdir(path):
        for root, _dirs, names in os.walk(path):
            for name in names:
                yield os.path.join(root, name)
    else:
        yield path


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as handle:
        secrets = secrets_of(yaml.safe_load(handle))
    if len(secrets) < 3:
        print(f"expected the demo snapshot to hold several secrets, found {len(secrets)}")
        return 1
    leaks = []
    for target in argv[2:]:
        for path in files_under(target):
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
            leaks.extend(f"{path}: {secret[:24]}..." for secret in secrets if secret in text)
    for leak in leaks:
        print(f"secret found in {leak}")
    print(f"checked {len(secrets)} secret values in {len(argv) - 2} paths: {len(leaks)} leaks")
    return 1 if leaks else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
