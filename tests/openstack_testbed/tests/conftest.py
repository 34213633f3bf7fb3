# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the live tests against the testbed cloud (tests/openstack_testbed/ci.sh runs them).

Without OSTK_OPENSTACK_CLOUDS (the testbed's clouds.yaml) every test here is skipped, so a
plain ``pytest`` never needs a cloud. The collection must be importable as
``ansible_collections.ostokubevirt.migrate`` (ci.sh puts a link on PYTHONPATH and
ANSIBLE_COLLECTIONS_PATH).
"""

import json
import os
import pathlib
import subprocess
import sys
import warnings

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[3]
# control_plane (the test cluster) and process_tree (killing a run as a crash would)
sys.path.insert(0, str(REPO / 'tests' / 'control_plane'))
CLOUDS = os.environ.get('OSTK_OPENSTACK_CLOUDS')
SUMMARY = os.environ.get('OSTK_TESTBED_SUMMARY') or (str(pathlib.Path(CLOUDS).with_name('seed-summary.json')) if CLOUDS else None)
DOMAIN, PROJECT = 'acme', 'acme-prod'


def pytest_collection_modifyitems(config, items):
    if CLOUDS and os.path.exists(CLOUDS):
        return
    skip = pytest.mark.skip(reason='no testbed: set OSTK_OPENSTACK_CLOUDS (tests/openstack_testbed/ci.sh does)')
    for item in items:
        item.add_marker(skip)


@pytest.fixture(scope='session')
def clouds():
    with open(CLOUDS) as handle:
        return yaml.safe_load(handle)['clouds']


@pytest.fixture(scope='session')
def seed():
    with open(SUMMARY) as handle:
        return json.load(handle)


@pytest.fixture(scope='session')
def connect():
    os.environ['OS_CLIENT_CONFIG_FILE'] = CLOUDS
    warnings.filterwarnings('ignore')
    import openstack

    made = {}

    def _connect(cloud='admin', **kwargs):
        if kwargs:
            return openstack.connect(cloud=cloud, api_timeout=60, **kwargs)
        if cloud not in made:
            made[cloud] = openstack.connect(cloud=cloud, api_timeout=60)
        return made[cloud]

    return _connect


class Ansible:
    """Runs modules and playbooks of the collection as a user would (ansible CLI, JSON output)."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.env = dict(
            os.environ,
            OS_CLIENT_CONFIG_FILE=CLOUDS,
            ANSIBLE_NOCOLOR='1',
            ANSIBLE_LOCALHOST_WARNING='0',
            ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
            PYTHONWARNINGS='ignore',
        )
        self.bin = pathlib.Path(sys.executable).parent

    def module(self, name, check=False, diff=False, **args):
        """Result dict of one module run, plus the raw output in result['_output']."""
        out = self.tmp / f'result-{name.rsplit(".", 1)[-1]}.json'
        play = [
            {
                'hosts': 'localhost',
                'connection': 'local',
                'gather_facts': False,
                'tasks': [
                    {'name': 'run', name: args, 'register': 'r', 'ignore_errors': True},
                    {'name': 'save', 'check_mode': False, 'ansible.builtin.copy': {'content': '{{ r | to_json }}', 'dest': str(out)}},
                ],
            }
        ]
        path = self.tmp / f'play-{name.rsplit(".", 1)[-1]}.yml'
        path.write_text(yaml.safe_dump(play))
        argv = [str(self.bin / 'ansible-playbook'), '-i', 'localhost,', str(path), '-e', f'ansible_python_interpreter={sys.executable}']
        argv += ['--check'] if check else []
        argv += ['--diff'] if diff else []
        proc = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=600, check=False)
        output = proc.stdout + proc.stderr
        try:
            result = json.loads(out.read_text())
            out.unlink()
        except (OSError, ValueError) as exc:
            raise AssertionError(f'ansible-playbook output is not the expected JSON: {output[-3000:]}') from exc
        result['_output'] = output
        return result

    def playbook(self, playbook, *extra, env=None):
        argv = [str(self.bin / 'ansible-playbook'), '-i', 'localhost,', str(playbook), '-e', f'ansible_python_interpreter={sys.executable}', *extra]
        return subprocess.run(argv, env=dict(self.env, **(env or {})), capture_output=True, text=True, timeout=900, cwd=self.tmp, check=False)


@pytest.fixture(scope='module')
def python():
    """The Python whose ansible-playbook runs the collection's playbooks (it needs ansible, openstacksdk, kubernetes)."""
    python = os.environ.get('OKV_CONTROL_PLANE_PYTHON')
    probe = [python, '-c', 'import ansible, openstack, kubernetes'] if python else None
    if not python or not (pathlib.Path(python).parent / 'ansible-playbook').exists() or subprocess.run(probe, capture_output=True, check=False).returncode:
        pytest.skip('the playbook needs a Python with ansible, openstacksdk and kubernetes: OKV_CONTROL_PLANE_PYTHON (scripts/test passes its venv)')
    return pathlib.Path(python)


@pytest.fixture(scope='module')
def disks(seed):
    """The seeded disks of project acme-disks that belong to a server (the spare volume is attached to none, so no VM takes it)."""
    return {name: disk for name, disk in seed['disks']['disks'].items() if disk['server_id']}


@pytest.fixture(scope='module')
def conn(connect, seed):
    """The SDK connection of project acme-disks."""
    return connect(seed['disks']['cloud'])


@pytest.fixture(scope='module')
def cloud(conn):
    """The same connection behind the collection's disk-export interface."""
    from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.disk_cloud import SdkCloud

    return SdkCloud(conn)


@pytest.fixture
def ansible(tmp_path):
    return Ansible(tmp_path)


@pytest.fixture(scope='session')
def admin_export(tmp_path_factory):
    """The admin export of acme/acme-prod, made once through the module (tests read it)."""
    tmp = tmp_path_factory.mktemp('admin-export')
    result = Ansible(tmp).module('ostokubevirt.migrate.tenant_snapshot', cloud='admin', tenant=PROJECT, domain=DOMAIN, export_dir=str(tmp / 'snapshots'))
    assert not result.get('failed'), result.get('msg')
    with open(result['path']) as handle:
        return result, yaml.safe_load(handle)


@pytest.fixture(scope='session')
def control_plane(tmp_path_factory):
    """A real Kubernetes control plane next to the testbed (tests/control_plane/up.sh), stopped by its recorded PIDs.

    The CDI importer double fetches ``http`` sources for real in every namespace (OKV_FETCH_HTTP=1): the
    disks come from the testbed's Glance on loopback. The control plane's Python needs the kubernetes
    client: OKV_CONTROL_PLANE_PYTHON (scripts/test passes its tools venv), else up.sh's default.
    """
    from control_plane import ControlPlane

    directory = tmp_path_factory.mktemp('control-plane')
    env = dict(os.environ, OKV_FETCH_HTTP='1')
    env.setdefault('OKV_IMPORT_SECONDS', '0.2')
    try:
        subprocess.run([str(REPO / 'tests' / 'control_plane' / 'up.sh'), str(directory)], env=env, check=True, timeout=600)
        plane = ControlPlane(directory, owned=True)
        yield plane
    finally:
        subprocess.run([str(REPO / 'tests' / 'control_plane' / 'down.sh'), str(directory)], check=False, timeout=120)
