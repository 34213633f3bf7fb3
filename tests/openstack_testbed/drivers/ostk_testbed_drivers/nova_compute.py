# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova-compute with ``nova_disk`` importable as ``nova.virt.ostk_disk`` (nova loads drivers only from there).

python -m ostk_testbed_drivers.nova_compute --config-file nova.conf --log-file ...
"""

import importlib
import sys

# nova.cmd first: importing it prepares the process (as the nova-compute script does)
from nova.cmd.compute import main

if __name__ == '__main__':
    importlib.import_module('ostk_testbed_drivers.nova_disk')  # registers nova.virt.ostk_disk
    sys.exit(main())
