# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection's playbooks run as a user runs them, against the testbed cloud and a real control plane."""

import json
import os
import subprocess
import time

import pytest
from conftest import CLOUDS, REPO
from process_tree import kill_tree

PLAYBOOK = REPO / 'playbooks' / 'migrate_tenant.yml'
ROLLBACK = REPO / 'playbooks' / 'rollback_tenant.yml'
CDI = '/apis/cdi.kubevirt.io/v1beta1'
KUBEVIRT = '/apis/kubevirt.io/v1'
NAMESPACE = 'acme-disks-e2e'


def playbook_env():
    return dict(os.environ, OS_CLIENT_CONFIG_FILE=CLOUDS, ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='0', PYTHONWARNINGS='ignore')


def migrate(plane, python, tmp, seed, background=False, extra=None, namespace=NAMESPACE):
    """migrate_tenant.yml in apply mode on project acme-disks, disks by Glance, sources stopped first.

    ``background``: a Popen in its own process group (its output in tmp/background.log), so a test can kill it.
    """
    argv = [str(python.parent / 'ansible-playbook'), '-i', 'localhost,', str(PLAYBOOK)]
    settings = {
        'tenant': seed['disks']['project'],
        'domain': 'acme',
        'migration_cloud': seed['disks']['cloud'],
        'migration_mode': 'apply',
        'migration_kubeconfig': str(plane.kubeconfig),
        'migration_stop_source': True,
        'migration_poll_interval': 1,
        'migration_options': {'disk_method': 'glance', 'namespace': namespace},
        'export_dir': str(tmp / 'snapshots'),
        'migration_output_dir': str(tmp / 'rendered'),
        'ansible_python_interpreter': str(python),
    }
    argv += ['-e', json.dumps(dict(settings, **(extra or {})))]
    if background:
        with (tmp / 'background.log').open('w', encoding='utf-8') as log:
            return subprocess.Popen(argv, env=playbook_env(), cwd=tmp, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return subprocess.run(argv, env=playbook_env(), cwd=tmp, capture_output=True, text=True, timeout=1800, check=False)


def rollback_tenant(plane, python, tmp, seed, namespace, check=False):
    """rollback_tenant.yml on project acme-disks (confirmed), ``--check`` when asked."""
    extra = {
        'tenant': seed['disks']['project'],
        'confirm': 'yes',
        'migration_namespace': namespace,
        'migration_cloud': seed['disks']['cloud'],
        'migration_kubeconfig': str(plane.kubeconfig),
        'ansible_python_interpreter': str(python),
    }
    argv = [str(python.parent / 'ansible-playbook'), '-i', 'localhost,', str(ROLLBACK), '-e', json.dumps(extra), *(['--check'] if check else [])]
    return subprocess.run(argv, env=playbook_env(), cwd=tmp, capture_output=True, text=True, timeout=900, check=False)


def kill_when(run, tmp, ready, what, timeout=600):
    """SIGKILL the background playbook ``run`` (it and every process it started) once ``ready()`` holds; ``what`` names the moment.

    A run that ends first, or a moment that never comes within ``timeout`` seconds, fails the test with its output.
    """
    deadline = time.monotonic() + timeout
    while not ready():
        if run.poll() is not None:
            tail = (tmp / 'background.log').read_text(encoding='utf-8')[-4000:]
            pytest.fail(f'the playbook ended (rc {run.returncode}) before {what}:\n{tail}')
        assert time.monotonic() < deadline, f'waited {timeout} s for {what} in vain'
        time.sleep(0.2)
    kill_tree(run.pid)
    run.wait()
