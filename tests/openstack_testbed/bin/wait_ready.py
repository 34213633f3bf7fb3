# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Wait until every testbed service answers and can do real work.

    wait_ready.py --clouds WORK/clouds.yaml --nova-manage "CMD..." [--timeout S]

Ready means: each API answers a list call; nova-conductor, -scheduler and
-compute and cinder-scheduler and -volume report ``up``; the fake hypervisor
is registered and mapped to cell1 (``nova-manage cell_v2 discover_hosts``),
so a server boot right after this succeeds.
"""

import argparse
import os
import shlex
import subprocess
import sys
import time
import warnings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clouds', required=True)
    parser.add_argument('--cloud', default='admin')
    parser.add_argument('--nova-manage', required=True)
    parser.add_argument('--timeout', type=float, default=300)
    args = parser.parse_args()
    warnings.filterwarnings('ignore')
    os.environ['OS_CLIENT_CONFIG_FILE'] = args.clouds
    import openstack

    conn = openstack.connect(cloud=args.cloud, api_timeout=30)

    def compute_ok():
        up = {s.binary for s in conn.compute.services() if s.state == 'up' and s.status == 'enabled'}
        need = {'nova-conductor', 'nova-scheduler', 'nova-compute'}
        return need <= up and any(True for _hv in conn.compute.hypervisors())

    def volume_ok():
        up = {s.binary for s in conn.block_storage.services() if s.state == 'up'}
        return {'cinder-scheduler', 'cinder-volume'} <= up

    def placement_ok():
        return any(True for _rp in conn.placement.resource_providers())

    checks = [
        ('identity', lambda: bool(conn.authorize())),
        ('image', lambda: list(conn.image.images(limit=1)) is not None),
        ('network', lambda: list(conn.network.networks(limit=1)) is not None),
        ('compute', compute_ok),
        ('placement', placement_ok),
        ('volume', volume_ok),
    ]
    deadline = time.monotonic() + args.timeout
    for name, check in checks:
        last = None
        while True:
            try:
                if check():
                    break
                last = 'not yet'
            except Exception as exc:  # service still starting
                last = exc
            if time.monotonic() > deadline:
                sys.exit(f'{name} not ready after {args.timeout}s: {last}')
            time.sleep(2)
        print(f'{name} ready', file=sys.stderr)
    # map the fake compute host into cell1 now, not at the next periodic run
    subprocess.run([*shlex.split(args.nova_manage), 'cell_v2', 'discover_hosts'], check=True, stdout=sys.stderr)
    print('ready')


if __name__ == '__main__':
    main()
