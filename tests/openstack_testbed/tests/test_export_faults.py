# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The live export under faults: a loopback proxy (fault_proxy.py) in front of one real service.

The module runs as a user runs it (ansible-playbook), authenticated by the real Keystone; only
the faulty service's endpoint is overridden to the proxy (``<service>_endpoint_override`` in the
cloud config dict), so catalog, version discovery, microversions and pagination links all
take the path a real cloud behind a flaky load balancer would.
"""

import pathlib
import re
import time

import pytest
import yaml
from conftest import PROJECT
from fault_proxy import FaultProxy

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ExportError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.assemble import canonical
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.connection import connect as sdk_connect
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.export import TenantExporter

# catalog endpoints of the testbed (tests/openstack_testbed/bin/catalog.py)
UPSTREAM = {'network': ('http://127.0.0.1:9696', ''), 'compute': ('http://127.0.0.1:8774', '/v2.1')}
SNAPSHOT = 'tenant_snapshot'


@pytest.fixture
def proxied(clouds):
    """``proxied(service)`` -> (FaultProxy, cloud config dict whose ``service`` goes through it)."""
    started = []

    def _proxied(service, cloud='admin'):
        upstream, suffix = UPSTREAM[service]
        proxy = FaultProxy(upstream).__enter__()
        started.append(proxy)
        config = dict(clouds[cloud], **{f'{service}_endpoint_override': proxy.override(suffix)})
        return proxy, config

    yield _proxied
    for proxy in started:
        proxy.__exit__(None, None, None)


def export(ansible, config, export_dir, **args):
    return ansible.module(f'ostokubevirt.migrate.{SNAPSHOT}', cloud_config=config, tenant=PROJECT, export_dir=str(export_dir), **args)


@pytest.fixture
def complete_snapshot(ansible, tmp_path, clouds):
    """An admin export in tmp_path/out, read completely: what a faulty export must never replace."""
    result = ansible.module(f'ostokubevirt.migrate.{SNAPSHOT}', cloud='admin', tenant=PROJECT, export_dir=str(tmp_path / 'out'))
    assert not result.get('failed') and result['unreadable'] == [], result.get('msg')
    return pathlib.Path(result['path'])


# -- item 1: unreadable is not empty ----------------------------------------------------------------
@pytest.mark.parametrize(
    'service, path, status, times',
    [
        ('network', r'^/v2\.0/security-groups\?', 403, None),  # the hole: an admin refused the security groups
        ('network', r'^/v2\.0/ports\?', 401, 2),  # 401, re-authenticated, 401 again
        ('compute', r'^/v2\.1/servers/detail\?', 404, None),  # a wrong endpoint is not an empty project
    ],
)
def test_an_unreadable_tenant_resource_fails_and_keeps_the_snapshot(ansible, proxied, complete_snapshot, tmp_path, service, path, status, times):
    before = complete_snapshot.read_bytes()
    proxy, config = proxied(service)
    proxy.add('GET', path, 'status', status=status, times=times)
    result = export(ansible, config, tmp_path / 'out')
    assert result.get('failed'), 'the export must fail'
    assert f'HTTP {status}' in result['msg'] and 'nothing was written' in result['msg'], result['msg']
    call = path.strip('^').split('\\?')[0].replace('\\', '')
    assert call in result['msg'], result['msg']
    assert 'Traceback' not in result['_output']
    assert complete_snapshot.read_bytes() == before
    assert proxy.requests('GET', path), 'the fault never fired: the proxy is not in the path'


def test_a_member_export_does_not_replace_an_admin_export(ansible, complete_snapshot, tmp_path):
    before = complete_snapshot.read_bytes()
    refused = ansible.module(f'ostokubevirt.migrate.{SNAPSHOT}', cloud='demo-member', tenant=PROJECT, export_dir=str(tmp_path / 'out'))
    assert refused.get('failed') and 'allow_less_complete' in refused['msg'] and 'role_assignments' in refused['msg']
    assert complete_snapshot.read_bytes() == before
    forced = ansible.module(f'ostokubevirt.migrate.{SNAPSHOT}', cloud='demo-member', tenant=PROJECT, export_dir=str(tmp_path / 'out'), allow_less_complete=True)
    assert not forced.get('failed') and forced['changed'], forced.get('msg')
    # render warns about what was not read, in its summary
    rendered = ansible.module('ostokubevirt.migrate.tenant_render', snapshot=forced['path'], tenant=PROJECT, output_dir=str(tmp_path / 'rendered'))
    assert not rendered.get('failed'), rendered.get('msg')
    warned = [line for line in rendered['summary_lines'] if line.startswith('WARNING source.unreadable: ')]
    assert 'WARNING source.unreadable: role_assignments' in '\n'.join(warned)


def test_render_refuses_a_snapshot_whose_security_groups_were_not_read(ansible, complete_snapshot, tmp_path):
    snap = yaml.safe_load(complete_snapshot.read_text())
    snap['security_groups'] = []
    snap['source']['unreadable'] = [{'resource': 'security_groups', 'reason': 'GET http://127.0.0.1:9696/v2.0/security-groups: HTTP 403'}]
    older = tmp_path / 'older-exporter.yaml'
    older.write_text(yaml.safe_dump(snap))
    refused = ansible.module('ostokubevirt.migrate.tenant_render', snapshot=str(older), tenant=PROJECT, output_dir=str(tmp_path / 'rendered'))
    assert refused.get('failed') and str(older) in refused['msg'] and 'security_groups' in refused['msg']
    assert not (tmp_path / 'rendered').exists()
    allowed = ansible.module(
        'ostokubevirt.migrate.tenant_render',
        snapshot=str(older),
        tenant=PROJECT,
        output_dir=str(tmp_path / 'rendered'),
        options={'allow_unread_security_groups': True},
    )
    assert not allowed.get('failed'), allowed.get('msg')
    assert any('no NetworkPolicy restricts' in line for line in allowed['summary_lines'])


# -- item 2: transient faults are retried ----------------------------------------------------------
@pytest.mark.parametrize(
    'service, path, action, kwargs',
    [
        ('compute', r'^/v2\.1/servers/detail\?', 'status', {'status': 503, 'retry_after': '1'}),
        ('compute', r'^/v2\.1/flavors/detail\?', 'status', {'status': 500}),
        ('network', r'^/v2\.0/ports\?', 'status', {'status': 502}),
        ('network', r'^/v2\.0/security-groups\?', 'status', {'status': 504}),
        ('network', r'^/v2\.0/ports\?', 'drop', {}),
    ],
)
def test_one_transient_fault_is_retried_and_logged(ansible, proxied, complete_snapshot, tmp_path, service, path, action, kwargs):
    proxy, config = proxied(service)
    proxy.add('GET', path, action, times=1, **kwargs)
    started = time.monotonic()
    result = export(ansible, config, tmp_path / 'out')
    took = time.monotonic() - started
    assert not result.get('failed'), result.get('msg')
    retried = yaml.safe_load(pathlib.Path(result['path']).read_text())
    complete = yaml.safe_load(complete_snapshot.read_text())
    for key in ('servers', 'flavors', 'ports', 'security_groups', 'networks', 'subnets', 'floating_ips', 'volumes'):
        assert canonical(retried[key]) == canonical(complete[key]), f'{key} differs after a retry'
    assert len(result['retries']) == 1, result['retries']
    line = result['retries'][0]
    assert 'attempt 2 of 4' in line and re.search(path.strip('^').split('\\?')[0].replace('\\', ''), line), line
    if kwargs.get('retry_after'):
        assert 'Retry-After 1 s' in line
    assert line in result['_output'], 'each retry is a warning'
    seen = proxy.requests('GET', path)
    assert [s.outcome for s in seen][:2] == [str(kwargs['status']) if action == 'status' else action, 'forward']
    print(f'{action} {kwargs.get("status", "")} on {path}: retried after {seen[1].at - seen[0].at:.2f} s, export {took:.1f} s')


def test_a_delay_beyond_the_timeout_is_retried(ansible, proxied, complete_snapshot, tmp_path):
    # The timeout leaves a loaded CI machine's real services room to answer (a 3 s one once timed out
    # Nova's servers/detail too); only the delayed call may be retried.
    proxy, config = proxied('network')
    proxy.add('GET', r'^/v2\.0/floatingips\?', 'delay', delay=25, times=1)
    result = export(ansible, config, tmp_path / 'out', api_timeout=12)
    assert not result.get('failed'), result.get('msg')
    assert len(result['retries']) == 1 and 'floatingips' in result['retries'][0], result['retries']
    assert 'timed out' in result['retries'][0] and 'attempt 2 of 4' in result['retries'][0], result['retries']
    assert [s.outcome for s in proxy.requests('GET', r'^/v2\.0/floatingips\?')][:2] == ['delay', 'forward']


def test_a_persistent_fault_gives_up_after_bounded_retries(ansible, proxied, complete_snapshot, tmp_path):
    before = complete_snapshot.read_bytes()
    proxy, config = proxied('compute')
    proxy.add('GET', r'^/v2\.1/servers/detail\?', 'status', status=503, times=None)
    result = export(ansible, config, tmp_path / 'out')
    assert result.get('failed') and 'gave up after 4 attempts' in result['msg'], result.get('msg')
    assert len(proxy.requests('GET', r'^/v2\.1/servers/detail\?')) == 4
    assert complete_snapshot.read_bytes() == before


def test_a_non_get_is_never_made(ansible, proxied, tmp_path):
    proxy, config = proxied('network')
    result = export(ansible, config, tmp_path / 'out')
    assert not result.get('failed'), result.get('msg')
    assert {s.method for s in proxy.seen} == {'GET'}


# -- item 8: pagination has a cap ------------------------------------------------------------------
def test_a_repeated_marker_stops_the_export_naming_the_call(ansible, proxied, tmp_path):
    proxy, config = proxied('network')
    proxy.add('GET', r'^/v2\.0/ports\?', 'repeat_next', times=None)
    result = export(ansible, config, tmp_path / 'out', page_size=1)
    assert result.get('failed'), 'a looping pagination must fail'
    assert 'network list ports (GET /ports)' in result['msg'] and 'again' in result['msg'], result['msg']
    pages = len(proxy.requests('GET', r'^/v2\.0/ports\?'))
    assert pages <= 3, pages
    assert not (tmp_path / 'out').exists()


def test_endless_next_links_stop_at_the_page_limit(ansible, proxied, tmp_path):
    proxy, config = proxied('compute')
    proxy.add('GET', r'^/v2\.1/servers/detail\?', 'endless_next', times=None)
    started = time.monotonic()
    result = export(ansible, config, tmp_path / 'out', max_pages=30)
    took = time.monotonic() - started
    assert result.get('failed'), 'endless pagination must fail'
    assert 'compute list servers (GET /servers/detail): still a next page after 30 pages' in result['msg']
    assert len(proxy.requests('GET', r'^/v2\.1/servers/detail\?')) == 30
    print(f'endless pagination stopped after 30 pages in {took:.1f} s')


def test_endless_pagination_in_process_counts_requests(proxied):
    """The exporter on a real SDK connection, counting what reaches the service."""
    proxy, config = proxied('network')
    proxy.add('GET', r'^/v2\.0/subnets\?', 'endless_next', times=None)
    api = sdk_connect({'cloud_config': config, 'api_timeout': 30})
    with pytest.raises(ExportError, match=r'network list subnets \(GET /subnets\): still a next page after 12'):
        TenantExporter(api, PROJECT, taken_at='t', max_pages=12).run()
    assert len(proxy.requests('GET', r'^/v2\.0/subnets\?')) == 12
