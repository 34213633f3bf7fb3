# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AWX workflow export -> render -> (approval) -> apply, then rollback, through ansible-runner, live.

Each node is its job template of playbooks/vars/awx.yml run the way AWX runs it (tests/e2e/awx_job.py: an
AWX-style private data dir, ansible-runner's Python API), with the clouds.yaml and the bearer token injected as
files and environment by the credential types: never as extra vars. Project acme-disks (three small servers, disks
of known bytes) goes from the testbed to the control plane with disk method glance. What one node hands the next
is what its set_stats put in the playbook_on_stats event (AWX passes those to the later nodes as extra vars): the
snapshot path from export, the plan from render. No secret (the cloud's password, the bearer token) appears in any
job event or stdout. The approval node is a person: nothing runs there.

The jobs run with the Python of OKV_CONTROL_PLANE_PYTHON when it has ansible-runner, ansible, openstacksdk and the
kubernetes client (scripts/test passes its tools venv); otherwise the test is skipped, saying so.
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest
import yaml
from conftest import CLOUDS, REPO
from test_disk_e2e import rollback

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.disk_cloud import SdkCloud

sys.path.insert(0, str(REPO / 'tests' / 'e2e'))
import awx_job

NAMESPACE = 'acme-disks-awx'
KUBEVIRT = '/apis/kubevirt.io/v1'


@pytest.fixture(scope='module')
def python():
    python = os.environ.get('OKV_CONTROL_PLANE_PYTHON')
    probe = [python, '-c', 'import ansible, ansible_runner, openstack, kubernetes'] if python else None
    if not python or subprocess.run(probe, capture_output=True, check=False).returncode:
        pytest.skip('the jobs need a Python with ansible-runner, ansible, openstacksdk and kubernetes: OKV_CONTROL_PLANE_PYTHON')
    return pathlib.Path(python)


def test_workflow_export_render_apply_then_rollback(control_plane, python, connect, seed, tmp_path):
    cloud_name, project = seed['disks']['cloud'], seed['disks']['project']
    disks = {name: disk for name, disk in seed['disks']['disks'].items() if disk['server_id']}
    cloud = SdkCloud(connect(cloud_name))
    rollback(cloud, disks)
    clouds_yaml = pathlib.Path(CLOUDS).read_text(encoding='utf-8')
    password = yaml.safe_load(clouds_yaml)['clouds'][cloud_name]['auth']['password']
    credentials = {
        'openstack': {'clouds_yaml': clouds_yaml, 'cloud': cloud_name},
        'kubernetes': {
            'host': control_plane.url,
            'bearer_token': control_plane.token,
            'ca_cert': (control_plane.dir / 'pki' / 'ca.crt').read_text(encoding='utf-8'),
        },
    }
    collections = str(REPO.parents[2]) if REPO.parent.parent.name == 'ansible_collections' else os.environ.get('ANSIBLE_COLLECTIONS_PATH', '')
    common = {'work': tmp_path, 'collections_path': collections, 'python': python}
    # Extra vars at launch: the shared paths every node sees, the namespace, short polls.
    launch = {
        'export_dir': str(tmp_path / 'snapshots'),
        'migration_output_dir': str(tmp_path / 'rendered'),
        'migration_options': {'namespace': NAMESPACE},
        'migration_poll_interval': 1,
    }
    survey = {'tenant': project, 'domain': 'acme'}
    jobs = []
    try:
        export = awx_job.run('export', survey=survey, credentials={'openstack': credentials['openstack']}, extra=launch, **common)
        jobs.append(export)
        assert (export.rc, export.status) == (0, 'successful'), export.stdout[-3000:]
        snapshot = pathlib.Path(export.stats['migration_snapshot'])
        assert snapshot == tmp_path / 'snapshots' / 'acme' / f'{project}.yaml' and snapshot.exists()

        handed = dict(export.stats)
        render = awx_job.run(
            'render',
            survey={**survey, 'migration_disk_method': 'glance'},
            handed=handed,
            credentials={'openstack': credentials['openstack']},
            extra=launch,
            **common,
        )
        jobs.append(render)
        assert (render.rc, render.status) == (0, 'successful'), render.stdout[-3000:]
        plan = json.loads(pathlib.Path(render.stats['migration_plan']).read_text(encoding='utf-8'))
        assert render.stats['migration_plan_summary'] == plan['summary']
        # Render used the handed snapshot: it exported nothing itself.
        assert not [e for e in render.events if e['event'] == 'runner_on_ok' and 'snapshot from the live cloud' in e['event_data'].get('task', '')]
        handed.update(render.stats)

        apply = awx_job.run(
            'apply',
            survey={**survey, 'migration_mode': 'apply', 'migration_disk_method': 'glance', 'migration_max_parallel': 3, 'migration_stop_source': 'false'},
            handed=handed,
            credentials=credentials,
            extra=launch,
            **common,
        )
        jobs.append(apply)
        assert (apply.rc, apply.status) == (0, 'successful'), apply.stdout[-3000:]
        vms = {o['metadata']['name'] for o in control_plane.items(f'{KUBEVIRT}/namespaces/{NAMESPACE}/virtualmachines')}
        assert len(vms) == len({d['server_id'] for d in disks.values()}), vms
        assert any('disk(s) exported' in line or 'importing' in line for line in apply.verbose_lines()), apply.stdout[-3000:]

        undo = awx_job.run(
            'rollback',
            survey={'tenant': project, 'confirm': 'yes', 'migration_restart_source': 'false'},
            credentials=credentials,
            extra={'migration_namespace': NAMESPACE},
            **common,
        )
        jobs.append(undo)
        assert (undo.rc, undo.status) == (0, 'successful'), undo.stdout[-3000:]
        assert not control_plane.items(f'{KUBEVIRT}/namespaces/{NAMESPACE}/virtualmachines')
        for job in jobs:
            assert not awx_job.leaks(job, [password, control_plane.token]), f'{job.key}: a secret is in its job events'
    finally:
        control_plane.delete_namespace(NAMESPACE)
        rollback(cloud, disks)
