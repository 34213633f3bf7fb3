# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""No secret form reaches the -vvv output of a real playbook run.

Each form a user may pass: a cloud config dict with a password, one with an application
credential secret, one with a token, through ``-e migration_cloud=<dict>`` of the
export_tenant playbook; and the module's own ``cloud`` given a dict (openstack.cloud style).
"""

import json

import pytest
from conftest import PROJECT, REPO


def secret_forms(clouds, connect):
    admin, appcred = clouds['admin'], clouds['demo-appcred']
    token = connect('admin').auth_token
    token_cloud = {
        'auth_type': 'v3token',
        'region_name': 'RegionOne',
        'interface': 'public',
        'auth': {
            'auth_url': admin['auth']['auth_url'],
            'token': token,
            'project_name': admin['auth']['project_name'],
            'project_domain_name': admin['auth']['project_domain_name'],
        },
    }
    return {
        'password': (admin, admin['auth']['password']),
        'application_credential_secret': (appcred, appcred['auth']['application_credential_secret']),
        'token': (token_cloud, token),
    }


@pytest.mark.parametrize('form', ['password', 'application_credential_secret', 'token'])
def test_no_secret_in_verbose_playbook_output(ansible, tmp_path, clouds, connect, form):
    cloud, secret = secret_forms(clouds, connect)[form]
    extra = json.dumps({'migration_cloud': cloud, 'tenant': PROJECT, 'export_dir': str(tmp_path / 'snaps'), 'allow_less_complete': True})
    proc = ansible.playbook(REPO / 'playbooks/export_tenant.yml', '-vvv', '-e', extra)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    assert len(secret) >= 8 and secret not in output, f'the {form} is in the -vvv output'
    assert 'cloud_config' in output  # the dict went to the no_log option
    assert 'export_dir, directory named after domain' in output  # the path in words survives the masking


def test_no_secret_when_the_module_gets_a_cloud_dict(ansible, tmp_path, clouds):
    secret = clouds['admin']['auth']['password']
    result = ansible.module('ostokubevirt.migrate.tenant_snapshot', cloud=clouds['admin'], tenant=PROJECT, export_dir=str(tmp_path))
    assert not result.get('failed'), result.get('msg')
    assert secret not in result['_output'] and secret not in json.dumps(result)
    assert any('cloud_config' in str(w) for w in result.get('warnings', []))
