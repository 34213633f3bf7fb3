# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The TrilioVault backup path (tvo_backup) against a TVO API **stand-in** on the real testbed.

TrilioVault cannot be installed here. tests/tvo_standin/standin.py implements the workloadmgr v1
calls the client makes; this module registers it in the testbed's real Keystone catalog (a
service and a public endpoint created through Keystone's API, removed afterwards), and the
module finds it there, authenticates at the real Keystone (the stand-in validates each token
there), and the stand-in reads the servers' disks from the real Nova. The backup target is a
directory of real qcow2 files made with qemu-img from known bytes.

The tests run in file order and share the stand-in: the last one checks that no token the
stand-in ever received is in any output or file.
"""

import functools
import hashlib
import json
import os
import pathlib
import re
import subprocess
import sys
import threading
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import REPO
from playbook_live import CDI, KUBEVIRT, kill_when, migrate
from test_disk_e2e import FERNET, server_ids

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import SOURCE_ID_ANNOTATION

sys.path.insert(0, str(REPO / 'tests' / 'tvo_standin'))
from standin import StandIn

CLOUD = 'demo-member'  # alice, a member of acme/acme-prod (where the servers are)
BASE_URL = 'http://ostokubevirt-tvo-http.migration.svc:8080'
NODE_MOUNT = '/var/triliovault-mounts/MTI3LjAuMC4xOi9zcnYvdHZv'
SERVICE_NAME = 'ostokubevirt-tvo-standin'
MODULE = 'ostokubevirt.migrate.tvo_backup'
OUTPUTS = []
FACTS = '{{ {"records": tvo_backup_records, "failed": tvo_backup_failed_servers} | to_json }}'


def content(server_id, label, generation):
    """Known raw bytes of one disk at one backup generation (2 MiB, part of it zeros)."""
    block = hashlib.sha256(f'{server_id}/{label}/{generation}'.encode()).digest()
    return block * 32768 + bytes(1024 * 1024)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def raw_of(path, tmp_path):
    out = tmp_path / (pathlib.Path(path).name + '.raw')
    subprocess.run(['qemu-img', 'convert', '-O', 'raw', str(path), str(out)], check=True)
    return out.read_bytes()


def files_under(root):
    return sorted(str(p.relative_to(root)) for p in pathlib.Path(root).rglob('*') if p.is_file())


@pytest.fixture(scope='module')
def standin(tmp_path_factory, clouds):
    target = tmp_path_factory.mktemp('tvo-target')
    keystone = clouds['admin']['auth']['auth_url'].rstrip('/').removesuffix('/v3')
    server = StandIn(keystone, str(target), NODE_MOUNT, content).start()
    yield server
    server.stop()


@pytest.fixture(scope='module')
def catalog(connect, standin):
    """register(service_type) puts the stand-in into the real Keystone catalog; everything registered is removed after."""
    identity = connect('admin').identity

    def unregister():
        for service in list(identity.services()):
            if service.name == SERVICE_NAME:
                for endpoint in list(identity.endpoints(service_id=service.id)):
                    identity.delete_endpoint(endpoint)
                identity.delete_service(service)

    def register(service_type):
        unregister()
        service = identity.create_service(name=SERVICE_NAME, type=service_type, description='TVO API stand-in of the ostokubevirt tests')
        identity.create_endpoint(service_id=service.id, interface='public', url=f'{standin.url}/v1/$(project_id)s', region_id='RegionOne')

    unregister()  # leftovers of a killed run
    yield register
    unregister()


@pytest.fixture(scope='module')
def servers(connect):
    compute = connect(CLOUD).compute
    return {name: compute.find_server(name, ignore_missing=False).id for name in ('web-1', 'bfv-1')}


def run(ansible, **args):
    result = ansible.module(MODULE, cloud=CLOUD, **args)
    OUTPUTS.append(result.pop('_output') + json.dumps(result))
    return result


def expected_disks(connect, server_id, cloud=CLOUD):
    """(label, source id) of each disk, from Nova: the root of a server booted from an image is named by the server id."""
    compute = connect(cloud).compute
    by_device = {a.device: a.volume_id for a in compute.volume_attachments(server_id)}
    image_booted = getattr(compute.get_server(server_id).image, 'id', None)
    disks = {'vda': server_id} if image_booted and '/dev/vda' not in by_device else {}
    disks.update({os.path.basename(device): volume for device, volume in by_device.items()})
    return disks


def check_records(records, standin, connect, servers, tmp_path, base_url=BASE_URL, root=None):
    root = root or standin.target
    for name, server_id in servers.items():
        mine = [r for r in records if r['server_id'] == server_id]
        wanted = expected_disks(connect, server_id)
        assert sorted(r['source_id'] for r in mine) == sorted(wanted.values()), name
        for record in mine:
            label = next(k for k, v in wanted.items() if v == record['source_id'])
            snap = standin.snapshots[record['tvo']['snapshot_id']]
            path = record['tvo']['path']
            assert record['method'] == 'tvo' and record['needs_token'] is False and record['disk_format'] == 'qcow2'
            assert record['url'] == f'{base_url}/{os.path.relpath(path, root)}'
            data = pathlib.Path(path).read_bytes()
            assert record['size'] == len(data) and record['checksum'] == f'sha256:{sha256(data)}'
            assert sha256(raw_of(path, tmp_path)) == sha256(content(server_id, label, snap['_generation'])), f'{name} {label}'
            assert record['virtual_size'] == len(content(server_id, label, 0))


def test_full_snapshot_gives_records_of_the_known_bytes(ansible, tmp_path, connect, standin, catalog, servers):
    catalog('workloads')
    result = run(ansible, servers=list(servers.values()), mount_path=standin.target, http_base_url=BASE_URL)
    assert not result.get('failed'), result.get('msg')
    assert result['changed'] and result['endpoint']['service_type'] == 'workloads'
    assert result['endpoint']['url'].startswith(standin.url)
    check_records(result['records'], standin, connect, servers, tmp_path)
    # one new workload per server, one full snapshot each, asked for as TVO documents it
    assert len(standin.workloads) == 2 and len(result['actions']) == 4
    posts = [c for c in standin.calls if c[0] == 'POST' and '/workloads/' in c[1]]
    assert len(posts) == 2 and all(c[2].get('full') == '1' for c in posts)
    assert all(s['snapshot_type'] == 'full' for s in standin.snapshots.values())
    # progress: every step of every snapshot, as polled
    for snapshot_id in result['snapshots'].values():
        lines = [p for p in result['progress'] if snapshot_id in p]
        assert [line.split(': ', 1)[1].split(' - ')[0] for line in lines] == ['executing 10 %', 'uploading 60 %', 'available 100 %']


def test_second_run_reuses_the_workload(ansible, tmp_path, connect, standin, catalog, servers):
    before = {w['id'] for w in standin.workloads.values()}
    web = {'web-1': servers['web-1']}
    result = run(ansible, servers=list(web.values()), mount_path=standin.target, http_base_url=BASE_URL, checksum=False)
    assert not result.get('failed'), result.get('msg')
    assert {w['id'] for w in standin.workloads.values()} == before
    assert result['workloads'][servers['web-1']] in before
    assert not any('created workload' in a for a in result['actions'])
    assert all(r['checksum'] is None for r in result['records'])
    snapshot_id = result['snapshots'][result['workloads'][servers['web-1']]]
    assert standin.snapshots[snapshot_id]['_generation'] == 1  # a new full snapshot on the reused workload
    assert all(r['tvo']['snapshot_id'] == snapshot_id for r in result['records'])


def incremental_snapshot(connect, standin, workload_id):
    """An incremental snapshot taken straight through the stand-in's API (no ?full=1), as a TVO schedule would."""
    conn = connect(CLOUD)
    url = f'{standin.url}/v1/{conn.current_project_id}/workloads/{workload_id}'
    body = json.dumps({'snapshot': {'name': 'nightly', 'is_scheduled': True}}).encode()
    request = urllib.request.Request(url, data=body, method='POST', headers={'X-Auth-Token': conn.auth_token, 'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)['snapshot']['id']


def test_incremental_overlay_refused_then_flattened_into_the_given_dir_only(ansible, tmp_path, connect, standin, catalog, servers):
    web = servers['web-1']
    workload_id = next(w['id'] for w in standin.workloads.values() if web in {i['id'] for i in w['instances']})
    snapshot_id = incremental_snapshot(connect, standin, workload_id)
    assert standin.snapshots[snapshot_id]['snapshot_type'] == 'incremental'
    common = {'servers': [web], 'snapshot_id': snapshot_id, 'mount_path': standin.target, 'http_base_url': BASE_URL}

    refused = run(ansible, **common)
    assert refused.get('failed') and refused['records'] == []
    assert f'snapshot {snapshot_id}' in refused['msg'] and 'disk vda' in refused['msg']
    assert 'incremental qcow2 overlay' in refused['msg'] and NODE_MOUNT in refused['msg']

    # a flatten_dir the in-cluster server cannot serve needs its own URL
    flat = tmp_path / 'flat'
    unserved = run(ansible, **common, incremental='flatten', flatten_dir=str(flat))
    assert unserved.get('failed') and 'flatten_base_url' in unserved['msg']
    assert not flat.exists()

    target_before = files_under(standin.target)
    flat_url = 'http://flat.migration.svc:8080'
    result = run(ansible, **common, incremental='flatten', flatten_dir=str(flat), flatten_base_url=flat_url)
    assert not result.get('failed'), result.get('msg')
    assert files_under(standin.target) == target_before  # the backup target is only read
    written = files_under(flat)
    assert len(written) == len(result['records']) and all(name.startswith(f'ostokubevirt-{snapshot_id}-') for name in written)
    for record in result['records']:
        assert os.path.dirname(record['tvo']['path']) == str(flat)
        info = json.loads(subprocess.run(['qemu-img', 'info', '--output=json', record['tvo']['path']], capture_output=True, check=True).stdout)
        assert 'backing-filename' not in info
    check_records(result['records'], standin, connect, {'web-1': web}, tmp_path, base_url=flat_url, root=str(flat))

    again = run(ansible, **common, incremental='flatten', flatten_dir=str(flat), flatten_base_url=flat_url)
    assert not again.get('failed') and not again['changed']  # the copies are reused
    assert files_under(flat) == written


def test_catalog_lookup_accepts_workloadmgr_and_names_a_missing_entry(ansible, tmp_path, connect, standin, catalog, servers):
    catalog('workloadmgr')
    counts = (len(standin.workloads), len(standin.snapshots))
    result = ansible.module(MODULE, check=True, cloud=CLOUD, servers=[servers['bfv-1']], mount_path=standin.target, http_base_url=BASE_URL)
    OUTPUTS.append(result.pop('_output') + json.dumps(result))
    assert not result.get('failed'), result.get('msg')
    assert result['endpoint']['service_type'] == 'workloadmgr'
    assert result['changed'] and any('would take a full snapshot' in a for a in result['actions'])
    assert (len(standin.workloads), len(standin.snapshots)) == counts  # check mode only reads

    identity = connect('admin').identity
    for service in list(identity.services()):
        if service.name == SERVICE_NAME:
            for endpoint in list(identity.endpoints(service_id=service.id)):
                identity.delete_endpoint(endpoint)
            identity.delete_service(service)
    missing = run(ansible, servers=[servers['bfv-1']], mount_path=standin.target, http_base_url=BASE_URL)
    assert missing.get('failed') and 'no TrilioVault (workloadmgr) endpoint in the service catalog' in missing['msg']
    assert 'workloads, workloadmgr' in missing['msg']


def test_a_401_is_reported_clearly(ansible, tmp_path, standin, catalog, servers):
    catalog('workloads')
    calls = len(standin.calls)
    standin.reject_tokens = True
    try:
        result = run(ansible, servers=[servers['bfv-1']], mount_path=standin.target, http_base_url=BASE_URL)
    finally:
        standin.reject_tokens = False
    assert len(standin.calls) > calls  # the stand-in answered
    assert result.get('failed')
    assert 'the TrilioVault API rejected the token (HTTP 401)' in result['msg'] and standin.url in result['msg']
    assert 'Traceback' not in result['msg']


def test_the_role_backs_up_and_sets_the_records(ansible, tmp_path, connect, standin, catalog, servers):
    catalog('workloads')
    out = tmp_path / 'facts.json'
    play = [
        {
            'hosts': 'localhost',
            'connection': 'local',
            'gather_facts': False,
            'roles': [
                {
                    'role': 'ostokubevirt.migrate.tvo_backup',
                    'vars': {
                        'tvo_backup_cloud': CLOUD,
                        'tvo_backup_servers': [servers['bfv-1']],
                        'tvo_backup_mount_path': standin.target,
                        'tvo_backup_http_base_url': BASE_URL,
                        'tvo_backup_consistency': 'cold',
                    },
                }
            ],
            'post_tasks': [{'ansible.builtin.copy': {'content': FACTS, 'dest': str(out)}}],
        }
    ]
    path = tmp_path / 'role.yml'
    path.write_text(json.dumps(play))
    proc = ansible.playbook(path)
    OUTPUTS.append(proc.stdout + proc.stderr)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    facts = json.loads(out.read_text())
    assert facts['failed'] == [] and all(r['consistency'] == 'cold' for r in facts['records'])
    check_records(facts['records'], standin, connect, {'bfv-1': servers['bfv-1']}, tmp_path)
    assert 'available 100 %' in proc.stdout


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output readable
        pass


@pytest.fixture(scope='module')
def target_http(standin):
    """The backup target served read-only over HTTP on loopback: what the in-cluster server is to CDI's importer."""
    server = ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(QuietFiles, directory=standin.target))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()
    server.server_close()


def test_migrate_tenant_tvo_killed_during_the_snapshot_resumes_it_byte_for_byte(
    control_plane, python, connect, conn, seed, disks, standin, catalog, target_http, tmp_path
):
    """migrate_tenant.yml, disk_method tvo, apply mode: killed once a full snapshot is started, then run again.

    The engine backs each server up through the stand-in (found in the real catalog), the importer double pulls
    each backup file over HTTP with its sha256, and every imported raw disk is the backup's known bytes. However
    the kill falls (before or after the run saved the snapshot's id), no server is backed up twice.
    """
    catalog('workloads')
    namespace = 'acme-disks-tvo'
    ids = server_ids(disks)
    status_before = {sid: conn.compute.get_server(sid).status for sid in ids}
    snapshots_before = set(standin.snapshots)
    extra = {
        'migration_stop_source': False,
        'migration_options': {'disk_method': 'tvo', 'namespace': namespace},
        'migration_tvo_mount_path': standin.target,
        'migration_tvo_http_base_url': target_http,
    }
    killed = migrate(control_plane, python, tmp_path, seed, background=True, extra=extra, namespace=namespace)
    kill_when(killed, tmp_path, lambda: set(standin.snapshots) - snapshots_before, 'a full snapshot started')
    polls_at_kill = {snap_id: standin.polls.get(snap_id, 0) for snap_id in set(standin.snapshots) - snapshots_before}
    done = migrate(control_plane, python, tmp_path, seed, extra=extra, namespace=namespace)
    output = done.stdout + done.stderr
    (tmp_path / 'resumed.log').write_text(output, encoding='utf-8')
    OUTPUTS.append(output + (tmp_path / 'background.log').read_text(encoding='utf-8'))
    assert done.returncode == 0, output[-4000:]

    taken = [standin.snapshots[sid] for sid in set(standin.snapshots) - snapshots_before]
    workload_of = {i['id']: w['id'] for w in standin.workloads.values() for i in w['instances'] if i['id'] in ids}
    assert sorted(workload_of) == ids
    assert sorted(s['workload_id'] for s in taken) == sorted(workload_of.values()), 'a server was backed up twice, or not at all'
    assert all(s['snapshot_type'] == 'full' for s in taken)
    generation = {s['workload_id']: s['_generation'] for s in taken}

    expected = {}
    for sid in ids:
        for label, source_id in expected_disks(connect, sid, seed['disks']['cloud']).items():
            expected[source_id] = sha256(content(sid, label, generation[workload_of[sid]]))
    assert sorted(expected) == sorted(d['source_id'] for d in disks.values()), 'the backups hold other disks than the servers have'
    datavolumes = control_plane.items(f'{CDI}/namespaces/{namespace}/datavolumes')
    source_of = {dv['metadata']['name']: dv['metadata']['annotations'][SOURCE_ID_ANNOTATION] for dv in datavolumes}
    for dv in datavolumes:
        http = dv['spec']['source']['http']
        assert http['url'].startswith(f'{target_http}/workload_') and http['checksum'].startswith('sha256:'), http
    imported = {source_of[name]: digest for name, digest in control_plane.imported_disks(namespace).items() if name in source_of}
    assert imported == expected, 'an imported disk differs from its backup, or is missing'
    assert len(control_plane.items(f'{KUBEVIRT}/namespaces/{namespace}/virtualmachines')) == len(ids)
    assert {sid: conn.compute.get_server(sid).status for sid in ids} == status_before, 'a source server changed'
    # each round's VM line shows the snapshot's progress as polled; the TVO actions are shown as they happen
    assert re.search(r'exporting, \d+/\d+ disk\(s\) exported; TVO snapshot \S+ (executing|uploading) \d+%', output), output[-4000:]
    assert re.search(r'TVO: (took|resumed) full snapshot', output) and not FERNET.search(output)
    how = 'adopted the running snapshot' if 'resumed full snapshot' in output else 'polled the saved snapshot id'
    print(f'\n[tvo] killed with snapshots (polls) {polls_at_kill}; the resumed run {how}: {len(imported)} disks byte for byte')


def test_no_token_in_any_output_or_file(tmp_path, standin):
    assert standin.tokens_seen and OUTPUTS
    files = [p for p in pathlib.Path(standin.target).rglob('*') if p.is_file()]
    for token in standin.tokens_seen:
        assert len(token) > 20
        for output in OUTPUTS:
            assert token not in output
        for path in files:
            assert token.encode() not in path.read_bytes()
