# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova-compute with ``nova_disk`` importable as ``nova.virt.ostk_disk`` (nova loads drivers only from there).

python -m ostk_testbed_drivers.nova_compute --config-file nova.conf --log-file ...
"""

import sys

# nova.cmd first: importing it prepares the process (as the nova-compute script does)
from nova.cmd.compute import main

from ostk_testbed_drivers import nova_disk  # noqa: F401  # registers nova.virt.ostk_disk

if __name__ == '__main__':
    sys.exit(main())
