# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print the pip version the installed ansible-test bootstraps into its venvs (e.g. "24.2").

It is read from ansible_test/_internal/python_requirements.py (get_venv_packages), so it follows
whichever ansible-core is installed instead of being hard-coded.
"""

import importlib.util
import pathlib
import re
import sys


def main():
    spec = importlib.util.find_spec("ansible_test")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("ansible_test is not installed in this Python (install ansible-core)")
    source = pathlib.Path(next(iter(spec.submodule_search_locations)), "_internal", "python_requirements.py").read_text()
    body = source.split("def get_venv_packages", 1)[-1]
    match = re.search(r"""\bpip\s*=\s*['"]([0-9][0-9A-Za-z.]*)['"]""", body)
    if not match:
        sys.exit("cannot find the bootstrap pip version in ansible_test/_internal/python_requirements.py")
    print(match.group(1))


if __name__ == "__main__":
    main()
