# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The testbed's own promise: servers outlive a nova-compute restart, as guests outlive it on a hypervisor.

A warm start (``up.sh`` over kept data) restarts nova-compute beside servers spawned by an earlier one. Upstream's
fake driver forgets them, and every later stop of such a server fails (Nova reverts it to ACTIVE with
InstanceNotFound), which is what broke the disk tests on a machine that had run them before. Here nova-compute
alone is stopped and started again with the testbed's scripts, and a server spawned before is stopped and started.
"""

import os
import pathlib
import subprocess

from conftest import CLOUDS

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack import server_power
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.disk_cloud import SdkCloud

TESTBED = pathlib.Path(__file__).resolve().parents[1]
WORK = pathlib.Path(CLOUDS).parent if CLOUDS else None


def run_testbed_script(name, *args):
    env = dict(os.environ, OSTK_TESTBED_WORK=str(WORK))
    done = subprocess.run([str(TESTBED / name), *args], env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f'{name} {" ".join(args)}: rc {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}'


def test_a_server_spawned_before_a_nova_compute_restart_stops_and_starts(connect, seed):
    pid_file = WORK / 'run' / 'nova-compute.pid'
    before = pid_file.read_text().strip()
    run_testbed_script('down.sh', 'nova-compute')
    assert not pid_file.exists()
    run_testbed_script('up.sh')  # starts what is not running and waits until every service is ready
    assert pid_file.read_text().strip() != before, 'nova-compute was not started again'
    cloud = SdkCloud(connect(seed['disks']['cloud']))
    server_id = next(d['server_id'] for d in seed['disks']['disks'].values() if d['server_id'])
    assert server_power.get_server(cloud, server_id)['status'] == 'ACTIVE'
    stopped = server_power.set_power(cloud, server_id, 'stopped', timeout=300, poll_interval=1)
    assert stopped == {'changed': True, 'status': 'SHUTOFF', 'action': 'os-stop'}
    started = server_power.set_power(cloud, server_id, 'started', timeout=300, poll_interval=1)
    assert started == {'changed': True, 'status': 'ACTIVE', 'action': 'os-start'}
