# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Glance/Cinder disk export against the real testbed: bytes, resume, cleanup, untouched sources.

Project acme-disks (seed.py) holds servers whose every disk has known bytes: disks-img and
disks-vol boot from images (their root disks are those images' bytes, see nova_disk.py),
disks-bfv boots from a volume, disks-vol has an in-use data volume, and disks-spare is
available. Every export goes through the real Nova, Cinder and Glance APIs; every image is
downloaded from the URL of its record and its sha256 compared with the source disk's.
"""

import hashlib
import pathlib
import re
import time

import pytest
import requests
from conftest import CLOUDS

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack import disk_export as de
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.api import ApiError
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.disk_cloud import SdkCloud

WORK = pathlib.Path(CLOUDS).parent if CLOUDS else None
FERNET = re.compile(r'gAAAAA[A-Za-z0-9_-]{40,}')


@pytest.fixture(scope='module')
def disks(seed):
    return seed['disks']


@pytest.fixture(scope='module')
def conn(connect, disks):
    return connect(disks['cloud'])


@pytest.fixture(scope='module')
def cloud(conn):
    return SdkCloud(conn)


def options(run_id, **kw):
    return de.ExportOptions(run_id=run_id, poll_interval=1, timeout=600, **kw)


def server_ids(disks):
    return sorted({d['server_id'] for d in disks['disks'].values() if d['server_id']})


def ours(cloud, disks):
    """Our images, volumes and snapshots in acme-disks, by kind."""
    found = de.find_ours(cloud)
    sources = {d['source_id'] for d in disks['disks'].values()}
    return {kind: sorted(f['id'] for f in found if f['kind'] == kind and f['source_id'] in sources) for kind in ('image', 'volume', 'snapshot')}


def spare_owner(disks):
    """The available volume is attached to no server: it is exported on behalf of a stand-in."""
    return {'id': 'unattached-' + disks['disks']['disks-spare']['source_id'][:8]}


def export_all(cloud, disks, run_id, **kw):
    exporter = de.DiskExporter(cloud, options(run_id, **kw))
    records, errors = [], []
    for sid in server_ids(disks):
        result = exporter.export_server(cloud.request('GET', 'compute', f'/servers/{sid}')['server'])
        records += result['records']
        errors += result['errors']
    try:
        records.append(exporter.export_volume(spare_owner(disks), disks['disks']['disks-spare']['source_id']))
    except de.DiskExportError as exc:
        errors.append({'msg': str(exc)})
    return exporter, records, errors


def download(conn, url):
    """sha256 and the record's checksum algorithm of the bytes at ``url`` (streamed, as CDI reads them)."""
    response = requests.get(url, headers={'X-Auth-Token': conn.session.get_token()}, stream=True, timeout=120)
    assert response.status_code == 200, (url, response.status_code)
    sha256, sha512, size = hashlib.sha256(), hashlib.sha512(), 0
    for chunk in response.iter_content(4 * 1024 * 1024):
        sha256.update(chunk)
        sha512.update(chunk)
        size += len(chunk)
    return sha256.hexdigest(), 'sha512:' + sha512.hexdigest(), size


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(8 * 1024 * 1024), b''):
            digest.update(chunk)
    return digest.hexdigest()


def source_state(cloud, disks):
    """What the export must not change: each source volume's status, attachments, metadata; each server's state."""
    state = {}
    for name, disk in disks['disks'].items():
        if disk['source_id'] == disk['server_id']:
            server = cloud.request('GET', 'compute', f"/servers/{disk['server_id']}")['server']
            state[name] = {k: server.get(k) for k in ('status', 'OS-EXT-STS:task_state', 'metadata')}
        else:
            volume = cloud.request('GET', 'volume', f"/volumes/{disk['source_id']}")['volume']
            state[name] = {
                'status': volume['status'],
                'attachments': sorted(a['server_id'] for a in volume['attachments']),
                'metadata': volume['metadata'],
                'image_metadata': volume.get('volume_image_metadata'),
                'size': volume['size'],
            }
    return state


@pytest.fixture(scope='module')
def clean_start(cloud, disks):
    """Nothing of ours from an earlier (warm) run, so the first export really creates every object."""
    done = de.rollback(cloud, [*server_ids(disks), spare_owner(disks)['id']], poll_interval=1)
    assert done['errors'] == []
    assert ours(cloud, disks) == {'image': [], 'volume': [], 'snapshot': []}
    yield
    de.rollback(cloud, [*server_ids(disks), spare_owner(disks)['id']], poll_interval=1)


@pytest.fixture(scope='module')
def first_export(cloud, disks, clean_start):
    before = source_state(cloud, disks)
    exporter, records, errors = export_all(cloud, disks, 'live-1', keep_intermediates=True)
    assert errors == []
    return {'before': before, 'exporter': exporter, 'records': records}


def test_every_disk_exported_byte_for_byte(conn, disks, first_export):
    exporter, records = first_export['exporter'], first_export['records']
    by_source = {r['source_id']: r for r in records}
    assert set(by_source) == {d['source_id'] for d in disks['disks'].values()}
    glance = conn.session.get_endpoint(service_type='image', interface='public').rstrip('/')
    for name, disk in disks['disks'].items():
        record = by_source[disk['source_id']]
        assert record['url'] == f"{glance}/v2/images/{record['image_id']}/file"
        assert record['disk_format'] == 'raw' and record['consistency'] == 'crash-consistent' and record['needs_token'] is True
        sha256, checksum, size = download(conn, record['url'])
        assert sha256 == disk['sha256'], f'{name}: downloaded bytes differ from the source disk'
        assert record['checksum'] == checksum and record['size'] == size, name
    # in use: a forced snapshot and a temporary volume were made and uploaded; the others were not
    data = by_source[disks['disks']['disks-vol/disks-data']['source_id']]
    assert sorted(t['kind'] for t in data['temporaries']) == ['image', 'snapshot', 'volume']
    spare = by_source[disks['disks']['disks-spare']['source_id']]
    assert [t['kind'] for t in spare['temporaries']] == ['image']
    assert {c['kind'] for c in exporter.created} == {'image', 'snapshot', 'volume'}


def test_sources_are_unchanged(cloud, disks, first_export):
    before = first_export['before']
    assert source_state(cloud, disks) == before
    for name, disk in disks['disks'].items():
        if disk['source_id'] == disk['server_id']:
            path = WORK / 'state' / 'nova' / 'instances' / disk['server_id'] / 'disk'
        else:
            path = WORK / 'state' / 'cinder' / 'volumes' / f"volume-{disk['source_id']}"
        assert file_sha256(path) == disk['sha256'], f'{name}: the source disk changed'


def test_second_run_reuses_and_creates_nothing(cloud, disks, first_export):
    records = first_export['records']
    counted = ours(cloud, disks)
    # disks-data and disks-bfv-root are in use: each got a snapshot and a temporary volume
    assert len(counted['image']) == len(disks['disks']) and len(counted['snapshot']) == 2 and len(counted['volume']) == 2
    exporter, again, errors = export_all(cloud, disks, 'live-2', keep_intermediates=True)
    assert errors == [] and exporter.created == []
    assert ours(cloud, disks) == counted
    assert sorted(r['image_id'] for r in again) == sorted(r['image_id'] for r in records)


class KillAfter:
    """The SdkCloud of a run that dies (raises) right after the first call matching ``method`` and ``pattern``."""

    def __init__(self, cloud, method, pattern):
        self.cloud, self.method, self.pattern, self.hit = cloud, method, re.compile(pattern), False

    def __getattr__(self, name):
        return getattr(self.cloud, name)

    def request(self, method, service, path, **kw):
        if self.hit:
            raise ApiError(None, method, path, 'the run was killed')
        answer = self.cloud.request(method, service, path, **kw)
        if method == self.method and self.pattern.search(path + ' ' + str(kw.get('body'))):
            self.hit = True
        return answer


@pytest.mark.parametrize(
    ('where', 'method', 'pattern'),
    [
        ('after the snapshot was requested', 'POST', r'^/snapshots '),
        ('after the temporary volume was requested', 'POST', r'^/volumes '),
        ('after the upload started', 'POST', r'os-volume_upload_image'),
    ],
)
def test_kill_then_resume_creates_nothing_twice(cloud, disks, first_export, where, method, pattern):
    source = disks['disks']['disks-vol/disks-data']['source_id']
    server = cloud.request('GET', 'compute', f"/servers/{disks['disks']['disks-vol/disks-data']['server_id']}")['server']
    assert de.rollback(cloud, run_id=None, server_ids=[server['id']], poll_interval=1)['errors'] == []
    killed = de.DiskExporter(KillAfter(cloud, method, pattern), options('kill-1'))
    with pytest.raises(de.DiskExportError, match='killed'):
        killed.export_volume(server, source)
    resumed = de.DiskExporter(cloud, options('kill-2'))
    record = resumed.export_volume(server, source)
    made = killed.created + resumed.created
    assert sorted(c['kind'] for c in made) == ['image', 'snapshot', 'volume'], f'{where}: {made}'
    assert download(cloud.conn, record['url'])[0] == disks['disks']['disks-vol/disks-data']['sha256']
    # the intermediates went once the image was active: only the image is left of ours for this volume
    assert [t['kind'] for t in record['temporaries']] == ['image']
    left = [f for f in de.find_ours(cloud) if f['source_id'] == source]
    assert [f['kind'] for f in left] == ['image']


def test_rounds_without_waiting_reach_the_blocking_records_and_create_nothing_twice(cloud, disks, first_export):
    """The engine's way: repeated non-blocking calls (a new exporter and run id each, as separate module runs)."""
    data = disks['disks']['disks-vol/disks-data']
    server = cloud.request('GET', 'compute', f"/servers/{data['server_id']}")['server']
    sources = [d['source_id'] for d in de.server_disks(server)]
    assert de.rollback(cloud, server_ids=[server['id']], poll_interval=1)['errors'] == []
    before = ours(cloud, disks)
    made, steps, sleeps = [], [], []
    for call in range(600):
        exporter = de.DiskExporter(cloud, de.ExportOptions(run_id=f'round-{call}', sleep=sleeps.append))
        result = exporter.advance([server])
        made += exporter.created
        assert result['errors'] == [], result['errors']
        steps += [(p['source_id'], p['step']) for p in result['pending']]
        if not result['pending']:
            break
        time.sleep(1)
    assert sleeps == [] and not result['pending']
    records = result['records']
    assert [r['source_id'] for r in records] == sources
    # each disk went through its steps once: one image per disk, one snapshot and one copy for the volume in use
    assert sorted(c['kind'] for c in made) == sorted(['image'] * len(sources) + ['snapshot', 'volume'])
    assert {step for source, step in steps if source == data['source_id']} >= {'snapshot', 'tmpvol', 'upload'}
    after = ours(cloud, disks)
    assert len(after['image']) == len(before['image']) + len(sources)
    assert after['snapshot'] == before['snapshot'] and after['volume'] == before['volume']  # released once the image was active
    blocking = de.DiskExporter(cloud, options('round-blocking'))
    again = blocking.export([server])
    assert again['errors'] == [] and blocking.created == [] and again['records'] == records
    assert ours(cloud, disks) == after
    by_source = {r['source_id']: r for r in records}
    assert download(cloud.conn, by_source[data['source_id']]['url'])[0] == data['sha256']


def test_cleanup_deletes_only_ours(conn, cloud, disks, first_export):
    records = first_export['records']
    img = disks['disks']['disks-img/root']
    lookalike_image = conn.image.create_image(
        name=de.object_name('root', img['source_id']), disk_format='raw', container_format='bare', data=b'not ours', allow_duplicates=True
    )
    lookalike_volume = conn.block_storage.create_volume(name=de.object_name('tmpvol', img['source_id']), size=1, metadata={'ostokubevirt_run_id': 'x'})
    try:
        conn.block_storage.wait_for_status(lookalike_volume, status='available', interval=1, wait=120)
        fake = {'source_id': img['source_id'], 'temporaries': [{'kind': 'image', 'id': lookalike_image.id}, {'kind': 'volume', 'id': lookalike_volume.id}]}
        done = de.cleanup_records(cloud, [*records, fake], poll_interval=1)
        assert done['errors'] == []
        assert {k['id'] for k in done['kept']} == {lookalike_image.id, lookalike_volume.id}
        assert conn.image.find_image(lookalike_image.id) is not None and conn.block_storage.find_volume(lookalike_volume.id) is not None
        rolled = de.rollback(cloud, poll_interval=1)
        assert rolled['errors'] == [] and lookalike_image.id not in {d['id'] for d in rolled['deleted']}
        assert ours(cloud, disks) == {'image': [], 'volume': [], 'snapshot': []}
        assert conn.image.find_image(lookalike_image.id) is not None and conn.block_storage.find_volume(lookalike_volume.id) is not None
    finally:
        conn.image.delete_image(lookalike_image, ignore_missing=True)
        conn.block_storage.delete_volume(lookalike_volume, ignore_missing=True)


def test_module_exports_and_cleans_up_without_leaking_the_token(ansible, clouds, conn, cloud, disks, clean_start):
    sid = disks['disks']['disks-img/root']['server_id']
    checked = ansible.module('ostokubevirt.migrate.disk_export', check=True, cloud=disks['cloud'], servers=[sid], run_id='mod-1')
    assert not checked.get('failed'), checked.get('msg')
    assert checked['changed'] and 'createImage' in checked['plan'][0]['action']
    assert not any(f['server_id'] == sid for f in de.find_ours(cloud)), 'check mode created something'
    done = ansible.module('ostokubevirt.migrate.disk_export', cloud=disks['cloud'], servers=[sid], run_id='mod-1', poll_interval=1)
    assert not done.get('failed'), done.get('msg')
    (record,) = done['records']
    assert download(conn, record['url'])[0] == disks['disks']['disks-img/root']['sha256']
    again = ansible.module('ostokubevirt.migrate.disk_export', cloud=disks['cloud'], servers=[sid], run_id='mod-2', poll_interval=1)
    assert again['changed'] is False and again['records'][0]['image_id'] == record['image_id']
    gone = ansible.module('ostokubevirt.migrate.disk_export', cloud=disks['cloud'], servers=[sid], state='absent', poll_interval=1)
    assert gone['changed'] and [d['id'] for d in gone['deleted']] == [record['image_id']]
    password = clouds[disks['cloud']]['auth']['password']
    for result in (checked, done, again, gone):
        assert not FERNET.search(result['_output']), 'a Keystone token is in the module output'
        assert password not in result['_output']


def test_module_without_waiting_and_a_fresh_token(ansible, clouds, conn, cloud, disks, clean_start):
    sid = disks['disks']['disks-img/root']['server_id']
    assert de.rollback(cloud, server_ids=[sid], poll_interval=1)['errors'] == []
    calls = []
    for _round in range(60):
        calls.append(ansible.module('ostokubevirt.migrate.disk_export', cloud=disks['cloud'], servers=[sid], source_ids=[sid], run_id='mod-nw', wait=False))
        assert not calls[-1].get('failed') and calls[-1]['errors'] == [], calls[-1].get('msg')
        if not calls[-1]['pending']:
            break
        time.sleep(1)
    (record,) = calls[-1]['records']
    assert [f['kind'] for f in de.find_ours(cloud, server_ids=[sid])] == ['image']
    issued = ansible.module('ostokubevirt.migrate.disk_export', cloud=disks['cloud'], state='token')
    assert not issued.get('failed'), issued.get('msg')
    token = issued['token']
    assert token and token != conn.session.get_token() and issued['expires_at']
    response = requests.get(record['url'], headers={'X-Auth-Token': token}, stream=True, timeout=120)
    assert response.status_code == 200
    response.close()
    password = clouds[disks['cloud']]['auth']['password']
    for result in (*calls, issued):
        assert token not in result['_output'] and password not in result['_output']
        assert not FERNET.search(result['_output']), 'a Keystone token is in the module output'
