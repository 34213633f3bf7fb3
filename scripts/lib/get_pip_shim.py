# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline stand-in for pip's get-pip.py, used by ansible-test to bootstrap pip into its venvs.

ansible-test downloads get-pip.py from ci-files.testing.ansible.com, which our machines cannot
reach, unless ~/.ansible/test/cache/get_pip_<pip version>.py already exists. scripts/lib/common.sh
copies this file there. ansible-test runs it as `python get_pip.py [--no-setuptools] [--no-wheel] pip==X ...`
inside a fresh venv created without pip.
"""

import os
import subprocess
import sys


def main():
    # ensurepip runs in a subprocess: run in-process it resets pip's configuration (e.g. the CA bundle).
    rc = subprocess.call([sys.executable, "-m", "ensurepip", "--upgrade"])
    if rc != 0:
        # No ensurepip (Debian without python3-venv): let the pip of the venv that runs ansible-test install pip.
        outer = os.environ.get("OSTOKUBEVIRT_OUTER_PYTHON", "@OUTER_PYTHON@")
        rc = subprocess.call([outer, "-m", "pip", "--python", sys.executable, "install", "pip"])
        if rc != 0:
            return rc
    args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
    return subprocess.call([sys.executable, "-m", "pip", "install", *args])


if __name__ == "__main__":
    sys.exit(main())
