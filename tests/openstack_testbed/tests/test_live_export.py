# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Live export against the real OpenStack testbed (keystone, nova, glance, cinder, neutron).

Needs the seeded testbed (tests/openstack_testbed/ci.sh starts it); skipped otherwise.
"""

import base64
import json
import os
import pathlib
import re
import subprocess
import sys
import time

import pytest
import yaml
from conftest import CLOUDS, DOMAIN, PROJECT, REPO

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.assemble import canonical, comparable
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.connection import connect as sdk_connect
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.export import TenantExporter

CLOUDS_DIR = os.path.dirname(CLOUDS or '.')
VALIDATOR = pathlib.Path(os.environ.get('OSTK_VALIDATE_MANIFESTS', REPO.parent / 'shared/tools/validate_manifests.py'))


def by_name(items):
    return {i.get('name'): i for i in items}


def raw(conn, service, path, microversion=None):
    proxy = {'identity': conn.identity, 'compute': conn.compute, 'image': conn.image, 'volume': conn.block_storage, 'network': conn.network}[service]
    kwargs = {'microversion': microversion} if microversion else {}
    response = proxy.get(path, raise_exc=True, **kwargs)
    return response.json()


# fields a GET of one object adds to what the list call returns (Nova 2.71+: server_groups)
SHOW_ONLY = {'server': {'server_groups'}}


def assert_same(kind, exported, live):
    """Field by field: the exported object is exactly what a GET of that one object returns."""
    exported = canonical(exported)
    live = {k: v for k, v in canonical(live).items() if k not in SHOW_ONLY.get(kind, ())}
    if kind == 'security_group':
        # Neutron's list call embeds rules with belongs_to_default_sg null, the show call with
        # false: a difference of the two API calls, not of the export.
        for ours, theirs in zip(exported.get('security_group_rules', []), live.get('security_group_rules', []), strict=False):
            assert ours.pop('belongs_to_default_sg', None) in (None, theirs.pop('belongs_to_default_sg', None))
    name = exported.get('name') or exported.get('id')
    assert sorted(exported) == sorted(live), f'{kind} {name}: fields differ: {set(exported) ^ set(live)}'
    for key, value in live.items():
        assert exported[key] == value, f'{kind} {name}: field {key!r}: exported {exported[key]!r} != API {value!r}'


# -- export as admin: everything, field by field ------------------------------------------------
def test_admin_export_is_complete_and_matches_the_api(admin_export, connect, seed):
    result, snap = admin_export
    conn = connect('admin')
    versions = snap['source']['api_versions']
    assert versions['compute'] == '2.79' and versions['volume'] == '3.65'
    assert result['unreadable'] == [] and snap['source']['unreadable'] == []
    assert oct(os.stat(result['path']).st_mode & 0o777) == '0o600'
    assert result['path'].endswith('/acme/acme-prod.yaml')

    pid = seed['project_id']
    assert_same('project', snap['project'], raw(conn, 'identity', f'/projects/{pid}')['project'])
    assert_same('domain', snap['domain'], raw(conn, 'identity', f"/domains/{snap['project']['domain_id']}")['domain'])

    servers = by_name(snap['servers'])
    assert set(servers) == {'web-1', 'db-1', 'bfv-1', 'bfv-2', 'legacy-1'}
    for server in snap['servers']:
        assert_same('server', server, raw(conn, 'compute', f"/servers/{server['id']}", '2.79')['server'])
    for flavor in snap['flavors']:
        assert_same('flavor', flavor, raw(conn, 'compute', f"/flavors/{flavor['id']}", '2.79')['flavor'])
    for image in snap['images']:
        assert_same('image', image, raw(conn, 'image', f"/images/{image['id']}"))
    for volume in snap['volumes']:
        assert_same('volume', volume, raw(conn, 'volume', f"/volumes/{volume['id']}", '3.65')['volume'])
    for kind, path, key in (
        ('network', '/networks', 'network'),
        ('subnet', '/subnets', 'subnet'),
        ('port', '/ports', 'port'),
        ('security_group', '/security-groups', 'security_group'),
        ('floating_ip', '/floatingips', 'floatingip'),
    ):
        items = snap[kind + 's'] if kind != 'floating_ip' else snap['floating_ips']
        assert items, f'no {kind} exported'
        for item in items:
            assert_same(kind, item, raw(conn, 'network', f"{path}/{item['id']}")[key])
    for user in snap['users']:
        assert_same('user', user, raw(conn, 'identity', f"/users/{user['id']}")['user'])
    for group in snap['groups']:
        assert_same('group', group, raw(conn, 'identity', f"/groups/{group['id']}")['group'])
    for keypair in snap['keypairs']:
        owner = servers['web-1']['user_id']
        live = raw(conn, 'compute', f"/os-keypairs/{keypair['name']}?user_id={owner}", '2.79')['keypair']
        for key, value in keypair.items():  # the list form is a subset of the show form
            assert live[key] == value, f'keypair {keypair["name"]}: field {key!r}'
    assert snap['quotas']['compute'] == raw(conn, 'compute', f'/os-quota-sets/{pid}', '2.79')['quota_set']
    assert snap['quotas']['volume'] == raw(conn, 'volume', f'/os-quota-sets/{pid}', '3.65')['quota_set']
    assert snap['quotas']['network'] == raw(conn, 'network', f'/quotas/{pid}')['quota']
    live_ra = raw(conn, 'identity', f'/role_assignments?scope.project.id={pid}&include_names=true')['role_assignments']
    assert canonical(snap['role_assignments']) == canonical(live_ra)


def test_admin_export_holds_the_seeded_tenant(admin_export, seed):
    snap = admin_export[1]
    servers = by_name(snap['servers'])
    web = servers['web-1']
    assert base64.b64decode(web['OS-EXT-SRV-ATTR:user_data']).decode() == seed['user_data']
    assert web['key_name'] == 'alice-key' and web['config_drive'] == 'True'
    assert web['metadata'] == {'role': 'web', 'tier': 'frontend', 'owner': 'alice'}
    assert sorted(web['tags']) == ['prod', 'web']
    assert [v['id'] for v in web['os-extended-volumes:volumes_attached']] == [seed['ids']['volume']['web-1-data']]
    assert servers['db-1']['status'] == 'SHUTOFF'
    assert servers['db-1']['flavor']['extra_specs']['hw:cpu_policy'] == 'dedicated'
    assert servers['bfv-1']['image'] == ''
    assert by_name(snap['keypairs'])['alice-key']['public_key'].startswith('ssh-ed25519 ')
    assert 'private_key' not in by_name(snap['keypairs'])['alice-key']

    images = by_name(snap['images'])
    assert images['windows-2022-uefi']['hw_firmware_type'] == 'uefi'  # via volume win-root
    assert images['windows-2022-uefi']['hw_tpm_version'] == '2.0'
    assert images['ubuntu-24.04']['hw_disk_bus'] == 'virtio'
    assert images['acme-golden']['hw_scsi_model'] == 'virtio-scsi'  # the project's own, via bfv-1-root
    assert by_name(snap['flavors'])['acme.private']['extra_specs']['quota:disk_read_iops_sec'] == '500'

    subnets = by_name(snap['subnets'])
    assert subnets['acme-app-v6']['ip_version'] == 6 and subnets['acme-app-v6']['ipv6_address_mode'] == 'slaac'
    assert subnets['acme-db-v4']['gateway_ip'] is None
    assert 'public' in by_name(snap['networks'])  # external network of the floating IPs, owned by admin
    rules = {(r['direction'], r['ethertype'], r['protocol']) for g in snap['security_groups'] for r in g['security_group_rules']}
    assert {
        ('ingress', 'IPv4', 'icmp'),
        ('ingress', 'IPv4', 'udp'),
        ('ingress', 'IPv6', 'tcp'),
        ('ingress', 'IPv6', 'ipv6-icmp'),
        ('egress', 'IPv4', 'tcp'),
    } <= rules
    db = by_name(snap['security_groups'])['db']
    assert any(r['remote_group_id'] == by_name(snap['security_groups'])['web']['id'] for r in db['security_group_rules'])
    fips = {f['description']: f for f in snap['floating_ips']}
    assert fips['fip-web']['port_id'] and fips['fip-spare']['port_id'] is None
    attached = {a['server_id'] for v in snap['volumes'] for a in v['attachments']}
    assert servers['web-1']['id'] in attached and servers['db-1']['id'] in attached

    assert snap['quotas']['compute']['instances'] == 20
    assert snap['quotas']['volume']['gigabytes'] == 200
    assert snap['quotas']['network']['port'] == 80
    roles = {((a.get('user') or a.get('group'))['name'], a['role']['name']) for a in snap['role_assignments']}
    assert {('alice', 'member'), ('bob', 'reader'), ('acme-admins', 'admin')} <= roles
    users = by_name(snap['users'])
    assert {'alice', 'bob', 'carol'} <= set(users)  # carol through acme-admins
    assert all('password' not in u for u in snap['users'])
    group = by_name(snap['groups'])['acme-admins']
    assert snap['group_members'][group['id']] == [users['carol']['id']]
    source = snap['source']
    assert source['auth_url'] == 'http://127.0.0.1:5000/v3' and source['cloud'] == 'admin'
    assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', source['taken_at'])


def test_deleted_flavor_server_exports_completely(admin_export, seed):
    snap = admin_export[1]
    legacy = by_name(snap['servers'])['legacy-1']
    deleted_id = seed['ids']['deleted_flavor']['m1.legacy']
    assert deleted_id not in {f['id'] for f in snap['flavors']}
    assert legacy['flavor'] == {
        'original_name': 'm1.legacy',
        'vcpus': 1,
        'ram': 256,
        'disk': 1,
        'ephemeral': 1,
        'swap': 128,
        'extra_specs': {'hw:boot_menu': 'true'},
    }


# -- idempotence, check mode, atomic write ---------------------------------------------------------
def test_rerun_is_unchanged_and_check_mode_writes_nothing(ansible, tmp_path):
    args = {'cloud': 'admin', 'tenant': PROJECT, 'export_dir': str(tmp_path / 'out')}
    check = ansible.module('ostokubevirt.migrate.tenant_snapshot', check=True, **args)
    assert check['changed'] is True and not os.path.exists(check['path'])
    first = ansible.module('ostokubevirt.migrate.tenant_snapshot', **args)
    assert first['changed'] is True
    before = os.stat(first['path'])
    second = ansible.module('ostokubevirt.migrate.tenant_snapshot', diff=True, **args)
    assert second['changed'] is False, 'unchanged cloud must give changed=false'
    assert os.stat(second['path']).st_mtime_ns == before.st_mtime_ns
    assert second['taken_at'] == first['taken_at']
    assert [p.name for p in pathlib.Path(first['path']).parent.iterdir()] == ['acme-prod.yaml']  # no temp files


def test_pagination_gives_the_same_snapshot(ansible, tmp_path, admin_export):
    full = admin_export[1]
    paged = ansible.module('ostokubevirt.migrate.tenant_snapshot', cloud='admin', tenant=PROJECT, export_dir=str(tmp_path), page_size=1)
    assert not paged.get('failed'), paged.get('msg')
    assert paged['api_requests'] > admin_export[0]['api_requests']  # really paged
    with open(paged['path']) as handle:
        assert comparable(yaml.safe_load(handle)) == comparable(full)


# -- render the export and validate the manifests ----------------------------------------------
def test_export_renders_and_validates(ansible, admin_export, tmp_path):
    result = admin_export[0]
    rendered = ansible.module('ostokubevirt.migrate.tenant_render', snapshot=result['path'], tenant=PROJECT, output_dir=str(tmp_path / 'rendered'))
    assert not rendered.get('failed'), rendered.get('msg')
    assert rendered['blocked'] == [], rendered['summary_lines']
    plan = json.loads(pathlib.Path(rendered['plan_path']).read_text())
    assert len(plan['servers']) == 5
    assert plan['source']['taken_at'] == admin_export[1]['source']['taken_at']  # provenance reaches the plan
    manifests = pathlib.Path(rendered['tenant_dir']) / 'manifests'
    kinds = {d.get('kind') for p in manifests.rglob('*.yaml') for d in yaml.safe_load_all(p.read_text()) if d}
    assert {'VirtualMachine', 'DataVolume', 'NetworkPolicy', 'Namespace'} <= kinds
    if not VALIDATOR.exists():
        pytest.skip(f'{VALIDATOR} not present: manifests rendered but not schema-validated')
    proc = subprocess.run([sys.executable, str(VALIDATOR), '--strict', str(manifests)], capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


# -- non-admin credentials ----------------------------------------------------------------------
@pytest.mark.parametrize('cloud', ['demo-appcred', 'demo-member'])
def test_non_admin_export_says_what_is_missing(ansible, tmp_path, cloud, admin_export):
    result = ansible.module('ostokubevirt.migrate.tenant_snapshot', cloud=cloud, tenant=PROJECT, export_dir=str(tmp_path))
    assert not result.get('failed'), result.get('msg')
    assert 'Traceback' not in result['_output']
    missing = {u['resource']: u['reason'] for u in result['unreadable']}
    assert 'HTTP 403' in missing['role_assignments'] and '/v3/role_assignments' in missing['role_assignments']
    assert {'users', 'groups', 'group_members'} <= set(missing)
    assert any(r.startswith('servers[].OS-EXT-SRV-ATTR:user_data') for r in missing)
    with open(result['path']) as handle:
        snap = yaml.safe_load(handle)
    assert snap['source']['unreadable'] == result['unreadable']
    assert snap['source']['credential']['scoped_to_exported_project'] is True
    if cloud == 'demo-appcred':
        assert snap['source']['credential']['auth_method'] == 'application_credential'
    # what a member can read is all there, identical to the admin export
    full = admin_export[1]
    for key in ('servers', 'volumes', 'ports', 'security_groups', 'floating_ips', 'subnets', 'keypairs', 'images'):
        assert {i.get('id', i.get('name')) for i in snap[key]} == {i.get('id', i.get('name')) for i in full[key]}, key
    assert 'role_assignments' not in snap and 'users' not in snap
    rendered = ansible.module('ostokubevirt.migrate.tenant_render', snapshot=result['path'], tenant=PROJECT, output_dir=str(tmp_path / 'rendered'))
    assert not rendered.get('failed'), rendered.get('msg')


def test_non_admin_cannot_export_another_project(ansible, tmp_path):
    result = ansible.module('ostokubevirt.migrate.tenant_snapshot', cloud='demo-appcred', tenant='acme-dev', export_dir=str(tmp_path))
    assert result.get('failed') and "tenant 'acme-dev'" in result['msg'] and 'acme-prod' in result['msg']
    assert 'Traceback' not in result['_output']


# -- unreachable cloud, rejected credential, no secret in any output ---------------------------------
def test_unreachable_cloud_names_the_endpoint(ansible, tmp_path, clouds):
    auth = dict(clouds['admin']['auth'], auth_url='http://127.0.0.1:5999/v3')
    result = ansible.module('ostokubevirt.migrate.tenant_snapshot', auth=auth, tenant=PROJECT, export_dir=str(tmp_path), api_timeout=10)
    assert result.get('failed')
    assert '127.0.0.1:5999' in result['msg'] and 'cannot reach' in result['msg'], result['msg']
    assert 'Traceback' not in result['_output']
    assert auth['password'] not in result['_output']


def test_rejected_credential_names_the_endpoint(ansible, tmp_path, clouds):
    auth = dict(clouds['admin']['auth'], password='wrong-' + clouds['admin']['auth']['password'][:6])
    result = ansible.module('ostokubevirt.migrate.tenant_snapshot', auth=auth, tenant=PROJECT, export_dir=str(tmp_path))
    assert result.get('failed')
    assert '127.0.0.1:5000' in result['msg'] and '401' in result['msg'], result['msg']
    assert 'Traceback' not in result['_output']
    assert auth['password'] not in result['_output']
    assert clouds['admin']['auth']['password'] not in result['_output']


def test_secrets_never_in_outputs_or_snapshots(ansible, tmp_path, clouds, admin_export):
    secret = clouds['demo-appcred']['auth']['application_credential_secret']
    result = ansible.module(
        'ostokubevirt.migrate.tenant_snapshot',
        tenant=PROJECT,
        export_dir=str(tmp_path),
        auth_type='v3applicationcredential',
        auth=clouds['demo-appcred']['auth'],
    )
    assert not result.get('failed'), result.get('msg')
    texts = [result['_output'], pathlib.Path(result['path']).read_text(), pathlib.Path(admin_export[0]['path']).read_text()]
    for text in texts:
        assert secret not in text
        assert clouds['admin']['auth']['password'] not in text
        assert clouds['demo-member']['auth']['password'] not in text


# -- cost: API requests do not grow with the number of servers -----------------------------------------
SCALE_PROJECT = 'acme-scale'


@pytest.fixture(scope='module')
def scale_project(connect, seed):
    """Project acme-scale with a network, quotas for 30 servers, and a connection scoped to it."""
    admin = connect('admin')
    ident = admin.identity
    domain = ident.find_domain(DOMAIN, ignore_missing=False)
    project = ident.find_project(SCALE_PROJECT, domain_id=domain.id) or ident.create_project(
        name=SCALE_PROJECT, domain_id=domain.id, description='request-count test'
    )
    admin_user = ident.find_user('admin', domain_id='default', ignore_missing=False)
    ident.assign_project_role_to_user(project, admin_user, ident.find_role('admin', ignore_missing=False))
    admin.set_compute_quotas(project.id, instances=40, cores=80, ram=65536)
    admin.set_network_quotas(project.id, port=100)
    conn = connect('admin', project_name=SCALE_PROJECT, project_domain_name=DOMAIN)
    net = conn.network.find_network('scale-net') or conn.network.create_network(name='scale-net')
    if not conn.network.find_subnet('scale-v4'):
        conn.network.create_subnet(name='scale-v4', network_id=net.id, ip_version=4, cidr='10.99.0.0/22')
    return conn, project, net


def boot(conn, net, count, flavor_id, image_id):
    """Multi-create ``count`` servers in one request and wait until all are ACTIVE."""
    before = {s.id for s in conn.compute.servers()}
    conn.compute.post(
        '/servers',
        json={
            'server': {'name': 'scale', 'flavorRef': flavor_id, 'imageRef': image_id, 'networks': [{'uuid': net.id}], 'min_count': count, 'max_count': count}
        },
        raise_exc=True,
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        new = [s for s in conn.compute.servers() if s.id not in before]
        if len(new) == count and all(s.status == 'ACTIVE' for s in new):
            return
        assert not [s for s in new if s.status == 'ERROR'], 'a scale server went to ERROR'
        time.sleep(2)
    raise AssertionError(f'{count} servers not ACTIVE in time')


def count_requests(cloud):
    """Export acme-scale in this process and count every HTTP request on the wire."""
    api = sdk_connect({'cloud': cloud, 'api_timeout': 60})
    seen = []
    api.conn.session.session.hooks['response'].append(lambda r, *a, **k: seen.append(f'{r.request.method} {r.request.url}'))
    exporter = TenantExporter(api, SCALE_PROJECT, domain=DOMAIN, taken_at='t')
    snap = exporter.run()
    return snap, seen, exporter.requests


def test_request_count_does_not_grow_with_servers(scale_project, connect):
    conn, _project, net = scale_project
    admin = connect('admin')
    for server in list(conn.compute.servers()):  # a warm testbed keeps them from the last run
        conn.compute.delete_server(server)
    for server in list(conn.compute.servers()):
        conn.compute.wait_for_delete(server, interval=1, wait=300)
    flavor = admin.compute.find_flavor('m1.small', ignore_missing=False)
    image = admin.image.find_image('ubuntu-24.04', ignore_missing=False)

    boot(conn, net, 3, flavor.id, image.id)
    snap3, wire3, counted3 = count_requests('admin')
    boot(conn, net, 27, flavor.id, image.id)
    snap30, wire30, counted30 = count_requests('admin')

    assert (len(snap3['servers']), len(snap30['servers'])) == (3, 30)
    assert len([p for p in snap30['ports'] if p['device_owner'].startswith('compute:')]) == 30
    assert len(wire3) == len(wire30), '\n'.join(sorted(set(wire30) - set(wire3)))
    assert counted3 == counted30
    assert counted3 <= len(wire3)  # the wire also carries auth and version discovery
    print(f'requests on the wire: 3 servers {len(wire3)}, 30 servers {len(wire30)}; API calls {counted3}')


# -- playbooks: export_tenant, migrate_tenant without a snapshot, export_cloud ------------------------------
def test_export_tenant_playbook(ansible, tmp_path, seed):
    proc = ansible.playbook(
        REPO / 'playbooks/export_tenant.yml',
        '-e',
        f'tenant={PROJECT}',
        '-e',
        f'domain={DOMAIN}',
        '-e',
        'migration_cloud=admin',
        '-e',
        f'export_dir={tmp_path}/snaps',
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert (tmp_path / 'snaps/acme/acme-prod.yaml').exists()
    # the same tenant by id, authenticated through OS_CLOUD instead of migration_cloud: unchanged
    again = ansible.playbook(
        REPO / 'playbooks/export_tenant.yml', '-e', f'tenant={seed["project_id"]}', '-e', f'export_dir={tmp_path}/snaps', env={'OS_CLOUD': 'admin'}
    )
    assert again.returncode == 0 and re.search(r'changed=0\b', again.stdout), again.stdout[-2000:]


def test_migrate_tenant_playbook_exports_then_renders(ansible, tmp_path):
    proc = ansible.playbook(
        REPO / 'playbooks/migrate_tenant.yml',
        '-e',
        f'tenant={PROJECT}',
        '-e',
        f'domain={DOMAIN}',
        '-e',
        'migration_cloud=admin',
        '-e',
        f'export_dir={tmp_path}/snaps',
        '-e',
        f'migration_output_dir={tmp_path}/rendered',
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert (tmp_path / 'snaps/acme/acme-prod.yaml').exists()
    assert (tmp_path / 'rendered/acme-acme-prod/plan.json').exists()


def test_export_cloud_playbook_walks_domains_and_projects(ansible, tmp_path, clouds):
    # authenticated by OS_* environment variables alone (no clouds.yaml entry named)
    auth = clouds['admin']['auth']
    env = {
        'OS_AUTH_URL': auth['auth_url'],
        'OS_USERNAME': auth['username'],
        'OS_PASSWORD': auth['password'],
        'OS_PROJECT_NAME': auth['project_name'],
        'OS_USER_DOMAIN_NAME': auth['user_domain_name'],
        'OS_PROJECT_DOMAIN_NAME': auth['project_domain_name'],
        'OS_REGION_NAME': 'RegionOne',
    }
    proc = ansible.playbook(
        REPO / 'playbooks/export_cloud.yml',
        '-e',
        'domain_pattern=^acme$',
        '-e',
        'project_pattern=^acme-(prod|dev)$',
        '-e',
        f'export_dir={tmp_path}/all',
        env=env,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert auth['password'] not in proc.stdout + proc.stderr
    files = sorted(str(p.relative_to(tmp_path / 'all')) for p in (tmp_path / 'all').rglob('*.yaml'))
    assert files == ['acme/acme-dev.yaml', 'acme/acme-prod.yaml']


# -- the testbed itself: every listening socket of its processes is on loopback -------------------------
def test_testbed_listens_on_loopback_only():
    run_dir = pathlib.Path(CLOUDS_DIR) / 'run'
    groups = {int(p.read_text().strip()) for p in run_dir.glob('*.pid')}
    assert groups, f'no testbed process groups recorded in {run_dir}'
    out = subprocess.run(['ss', '-H', '-ltnup'], capture_output=True, text=True, check=True).stdout
    checked = 0
    for line in out.splitlines():
        fields = line.split()
        local = fields[4]
        for pid in re.findall(r'pid=(\d+)', line):
            try:
                pgid = os.getpgid(int(pid))
            except ProcessLookupError:
                continue
            if pgid in groups:
                checked += 1
                host = local.rsplit(':', 1)[0].strip('[]')
                assert host in ('127.0.0.1', '::1'), f'testbed process {pid} listens on {local}'
    assert checked >= 10, f'only {checked} testbed listeners found'
