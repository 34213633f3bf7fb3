# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Disks end to end: the testbed's OpenStack exports, a real Kubernetes control plane imports, byte for byte.

Every disk of the servers of project acme-disks (seed.py: known bytes) is exported through the real Nova,
Cinder and Glance APIs by module disk_export, then imported by DataVolumes built with translate/disk_import
(header Secret and checksum included) on a control plane whose CDI importer double GETs the Glance URL on
loopback, checks the checksum and writes DIR/volumes/<namespace>/<datavolume>.img. Each imported raw disk's
sha256 is compared with the source disk's raw bytes (qemu-img convert of the source volume or instance file).

A small proxy between the importer and Glance flips one byte of one image: that disk's import fails with
both digests, nothing is written for it, the other disks arrive, the source is untouched. A run killed with
SIGKILL during the export is resumed: every disk is exported once. Cleanup (state absent) deletes only ours.
"""

import hashlib
import http.client
import http.server
import pathlib
import re
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest
import yaml
from conftest import CLOUDS, Ansible
from process_tree import kill_tree

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack import disk_export as de
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import disk_import
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions

WORK = pathlib.Path(CLOUDS).parent if CLOUDS else None
CDI = '/apis/cdi.kubevirt.io/v1beta1'
FERNET = re.compile(r'gAAAAA[A-Za-z0-9_-]{40,}')
FLIP_OFFSET = 4096  # inside the known (non-zero) bytes of every seeded disk


def server_ids(disks):
    return sorted({d['server_id'] for d in disks.values()})


def vm_name(name):
    return name.split('/', 1)[0]


def dv_name(name):
    return name.replace('/', '-')


def ours(cloud, disks):
    sources = {d['source_id'] for d in disks.values()}
    found = de.find_ours(cloud)
    return {kind: sorted(f['id'] for f in found if f['kind'] == kind and f['source_id'] in sources) for kind in ('image', 'volume', 'snapshot')}


def source_file(disk):
    if disk['source_id'] == disk['server_id']:
        return WORK / 'state' / 'nova' / 'instances' / disk['server_id'] / 'disk'
    return WORK / 'state' / 'cinder' / 'volumes' / f"volume-{disk['source_id']}"


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(8 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def raw_sha256(path, scratch):
    """sha256 of the raw bytes of a source disk file, whatever its format (qemu-img convert -O raw)."""
    out = scratch / (path.name + '.raw')
    subprocess.run(['qemu-img', 'convert', '-O', 'raw', str(path), str(out)], check=True, timeout=300)
    try:
        return file_sha256(out)
    finally:
        out.unlink()


def source_state(cloud, disks):
    """What must not change: each source volume's status, attachments, metadata; each server's status and metadata."""
    state = {}
    for name, disk in disks.items():
        server = cloud.request('GET', 'compute', f"/servers/{disk['server_id']}")['server']
        state[name] = {'server': {k: server.get(k) for k in ('status', 'OS-EXT-STS:task_state', 'metadata')}}
        if disk['source_id'] != disk['server_id']:
            volume = cloud.request('GET', 'volume', f"/volumes/{disk['source_id']}")['volume']
            state[name]['volume'] = {
                'status': volume['status'],
                'attachments': sorted(a['server_id'] for a in volume['attachments']),
                'metadata': volume['metadata'],
                'size': volume['size'],
            }
    return state


@pytest.fixture(scope='module')
def source_raw(disks, tmp_path_factory):
    """sha256 of every source disk's raw bytes, read from the testbed's files (and equal to the seeded content)."""
    scratch = tmp_path_factory.mktemp('source-raw')
    digests = {name: raw_sha256(source_file(disk), scratch) for name, disk in disks.items()}
    assert digests == {name: disk['sha256'] for name, disk in disks.items()}
    return digests


def rollback(cloud, disks):
    done = de.rollback(cloud, server_ids(disks), poll_interval=1)
    assert done['errors'] == []
    assert ours(cloud, disks) == {'image': [], 'volume': [], 'snapshot': []}


class Watcher(threading.Thread):
    """Every id of ours seen in the Glance/Cinder listings while it runs: what a run created, even if deleted since."""

    def __init__(self, cloud, disks):
        super().__init__(daemon=True)
        self.cloud, self.disks, self.seen, self.done = cloud, disks, {'image': set(), 'volume': set(), 'snapshot': set()}, threading.Event()

    def run(self):
        while not self.done.is_set():
            self.look()
            self.done.wait(0.5)

    def look(self):
        try:
            for kind, ids in ours(self.cloud, self.disks).items():
                self.seen[kind].update(ids)
        except Exception:  # a listing racing a delete: the next pass sees it
            pass

    def stop(self):
        self.done.set()
        self.join()
        self.look()
        return {kind: len(ids) for kind, ids in self.seen.items()}


def export_argv(ansible, seed, disks, run_id):
    play = [
        {
            'hosts': 'localhost',
            'connection': 'local',
            'gather_facts': False,
            'tasks': [
                {
                    'name': 'export',
                    'ostokubevirt.migrate.disk_export': {'cloud': seed['disks']['cloud'], 'servers': server_ids(disks), 'run_id': run_id, 'poll_interval': 1},
                    'register': 'r',
                },
                {'name': 'save', 'ansible.builtin.copy': {'content': '{{ r | to_json }}', 'dest': str(ansible.tmp / f'{run_id}.json')}},
            ],
        }
    ]
    path = ansible.tmp / f'{run_id}.yml'
    path.write_text(yaml.safe_dump(play))
    return [str(ansible.bin / 'ansible-playbook'), '-i', 'localhost,', str(path), '-e', f'ansible_python_interpreter={sys.executable}']


@pytest.fixture(scope='module')
def exported(cloud, disks, seed, source_raw, tmp_path_factory):
    """One export of every disk, killed once (SIGKILL of the playbook's process group) in the middle and resumed."""
    rollback(cloud, disks)
    ansible = Ansible(tmp_path_factory.mktemp('e2e-export'))
    before = source_state(cloud, disks)
    watcher = Watcher(cloud, disks)
    watcher.start()
    started = time.monotonic()
    killed = subprocess.Popen(
        export_argv(ansible, seed, disks, 'e2e-kill'), env=ansible.env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    # killed once the export is under way: an image or a snapshot of ours exists, more are still to come
    deadline = time.monotonic() + 300
    while not (watcher.seen['image'] or watcher.seen['snapshot']):
        assert killed.poll() is None, 'the export finished before it could be killed'
        assert time.monotonic() < deadline, 'the export created nothing within 300 s'
        time.sleep(0.2)
    kill_tree(killed.pid)
    killed.wait()
    at_kill = {kind: sorted(ids) for kind, ids in watcher.seen.items()}
    resumed = subprocess.run(export_argv(ansible, seed, disks, 'e2e-resume'), env=ansible.env, capture_output=True, text=True, timeout=900, check=False)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    created = watcher.stop()
    result = yaml.safe_load((ansible.tmp / 'e2e-resume.json').read_text())
    yield {
        'records': result['records'],
        'before': before,
        'created': created,
        'at_kill': at_kill,
        'output': resumed.stdout + resumed.stderr,
        'seconds': time.monotonic() - started,
    }
    rollback(cloud, disks)


def test_killed_export_resumes_without_exporting_twice(cloud, disks, exported):
    records = exported['records']
    assert sorted(r['source_id'] for r in records) == sorted(d['source_id'] for d in disks.values())
    # one image per disk over both runs; disks-bfv-root and disks-data are in use: one snapshot and one
    # temporary volume each, whichever run made them
    assert exported['created'] == {'image': len(disks), 'snapshot': 2, 'volume': 2}, (exported['created'], exported['at_kill'])
    assert ours(cloud, disks) == {'image': sorted(r['image_id'] for r in records), 'volume': [], 'snapshot': []}
    assert not FERNET.search(exported['output'])
    print(f"\n[e2e] export killed after {exported['at_kill']} and resumed: {len(records)} disks in {exported['seconds']:.1f} s, created {exported['created']}")


def header_token(conn):
    return conn.session.get_token()


def import_disks(plane, conn, disks, records, namespace, url=lambda r: r['url']):
    """DataVolumes (and each VM's header Secret) for every record, created through the real API server."""
    plane.request('POST', '/api/v1/namespaces', {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': namespace}}, direct=True)
    options = TranslationOptions()
    by_source = {r['source_id']: r for r in records}
    token = header_token(conn)
    for vm in sorted({vm_name(n) for n in disks}):
        server_id = next(d['server_id'] for n, d in disks.items() if vm_name(n) == vm)
        secret = disk_import.header_secret(vm, namespace, token, server_id=server_id, server_name=vm)
        plane.request('POST', f'/api/v1/namespaces/{namespace}/secrets', secret, direct=True)
    paths = {}
    for name, disk in disks.items():
        record = dict(by_source[disk['source_id']])
        record['url'] = url(record)
        source = disk_import.datavolume_source(record, vm_name=vm_name(name), options=options, datavolume=dv_name(name))
        body = {
            'apiVersion': 'cdi.kubevirt.io/v1beta1',
            'kind': 'DataVolume',
            'metadata': {'name': dv_name(name)},
            'spec': {'source': source, 'storage': {'resources': {'requests': {'storage': '1Gi'}}}},
        }
        plane.request('POST', f'{CDI}/namespaces/{namespace}/datavolumes', body, direct=True)
        paths[name] = f'{CDI}/namespaces/{namespace}/datavolumes/{dv_name(name)}'
    return paths


def dv_status(plane, path):
    return (plane.get(path) or {}).get('status') or {}


def running_error(status):
    return next((c for c in status.get('conditions') or [] if c['type'] == 'Running' and c.get('reason') == 'Error'), None)


def wait_all(plane, paths, timeout=900):
    """{name: ('Succeeded', status) | ('Error', condition)} once every DataVolume succeeded or its importer failed."""
    deadline = time.monotonic() + timeout
    while True:
        states = {}
        for name, path in paths.items():
            status = dv_status(plane, path)
            if status.get('phase') == 'Succeeded':
                states[name] = ('Succeeded', status)
            elif running_error(status):
                states[name] = ('Error', running_error(status))
        if len(states) == len(paths):
            return states
        assert time.monotonic() < deadline, f'imports not finished within {timeout} s: {sorted(set(paths) - set(states))}'
        time.sleep(1)


def test_every_disk_imported_byte_for_byte(control_plane, conn, disks, exported, source_raw):
    started = time.monotonic()
    paths = import_disks(control_plane, conn, disks, exported['records'], 'e2e-harness')
    states = wait_all(control_plane, paths)
    seconds = time.monotonic() - started
    assert {name: state for name, (state, _s) in states.items()} == dict.fromkeys(disks, 'Succeeded'), states
    imported = control_plane.imported_disks('e2e-harness')
    assert imported == {dv_name(name): digest for name, digest in source_raw.items()}
    log = (control_plane.dir / 'logs' / 'doubles.log').read_text(errors='replace')
    assert header_token(conn) not in log and not FERNET.search(log)
    print(f'\n[e2e] {len(imported)} disks imported byte for byte from Glance in {seconds:.1f} s')


class FlipProxy(http.server.ThreadingHTTPServer):
    """Forwards GET/HEAD to Glance; flips one byte of the file of one image id (a corruption in transit)."""

    daemon_threads = True

    def __init__(self, upstream, image_id):
        """``image_id``: the id whose file is corrupted, or a predicate on the id (asked once per id)."""
        self.upstream = urllib.parse.urlsplit(upstream)
        self.victim = image_id if callable(image_id) else image_id.__eq__
        self.verdicts, self.flipped = {}, 0
        super().__init__(('127.0.0.1', 0), FlipHandler)

    def flips(self, path):
        match = re.search(r'/images/([0-9a-f-]+)/file$', urllib.parse.urlsplit(path).path)
        if not match:
            return False
        if match[1] not in self.verdicts:
            self.verdicts[match[1]] = bool(self.victim(match[1]))
        return self.verdicts[match[1]]

    def base(self, url):
        parts = urllib.parse.urlsplit(url)
        return parts._replace(netloc=f'127.0.0.1:{self.server_address[1]}').geturl()


class FlipHandler(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self):
        self.forward(body=False)

    def do_GET(self):
        self.forward(body=True)

    def forward(self, body):
        upstream = http.client.HTTPConnection(self.server.upstream.hostname, self.server.upstream.port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ('host', 'connection')}
        upstream.request(self.command, self.path, headers=headers)
        answer = upstream.getresponse()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ('connection', 'transfer-encoding'):
                self.send_header(key, value)
        self.send_header('Connection', 'close')
        self.end_headers()
        flip = body and answer.status == 200 and self.server.flips(self.path)
        offset = 0
        while body:
            chunk = answer.read(1 << 20)
            if not chunk:
                break
            if flip and offset <= FLIP_OFFSET < offset + len(chunk):
                chunk = bytearray(chunk)
                chunk[FLIP_OFFSET - offset] ^= 0xFF
                self.server.flipped += 1
            offset += len(chunk)
            self.wfile.write(chunk)
        upstream.close()

    def log_message(self, *args):
        pass


def flipped_checksum(conn, record):
    """The checksum (the record's algorithm) of the image's bytes with the byte at FLIP_OFFSET flipped."""
    algorithm = record['checksum'].split(':', 1)[0]
    response = conn.session.get(record['url'], stream=True)
    digest, offset = hashlib.new(algorithm), 0
    for chunk in response.iter_content(1 << 20):
        if offset <= FLIP_OFFSET < offset + len(chunk):
            chunk = bytearray(chunk)
            chunk[FLIP_OFFSET - offset] ^= 0xFF
        digest.update(chunk)
        offset += len(chunk)
    return f'{algorithm}:{digest.hexdigest()}'


def test_a_byte_flipped_in_transit_fails_only_that_disk(control_plane, conn, cloud, disks, exported, source_raw):
    victim = 'disks-vol/root'
    by_source = {r['source_id']: r for r in exported['records']}
    record = by_source[disks[victim]['source_id']]
    calculated = flipped_checksum(conn, record)
    proxy = FlipProxy(record['url'].split('/v2/', 1)[0], record['image_id'])
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        paths = import_disks(control_plane, conn, disks, exported['records'], 'e2e-flip', url=lambda r: proxy.base(r['url']))
        states = wait_all(control_plane, paths)
    finally:
        proxy.shutdown()
        thread.join()
    assert proxy.flipped >= 1
    state, condition = states.pop(victim)
    assert state == 'Error', condition
    message = condition['message']
    assert f"expected {record['checksum']}" in message and f'calculated {calculated}' in message, message
    assert {name: s for name, (s, _c) in states.items()} == dict.fromkeys(states, 'Succeeded')
    imported = control_plane.imported_disks('e2e-flip')
    assert imported == {dv_name(name): source_raw[name] for name in states}, 'the corrupt disk was written, or another disk differs'
    assert source_state(cloud, disks) == exported['before']
    for name, disk in disks.items():
        assert file_sha256(source_file(disk)) == disk['sha256'], f'{name}: the source disk changed'


def test_cleanup_deletes_only_ours(ansible, conn, cloud, disks, seed, exported):
    image = conn.image.create_image(name='not-ours-e2e', disk_format='raw', container_format='bare', data=b'not ours', allow_duplicates=True)
    volume = conn.block_storage.create_volume(name='not-ours-e2e', size=1)
    try:
        conn.block_storage.wait_for_status(volume, status='available', interval=1, wait=120)
        gone = ansible.module('ostokubevirt.migrate.disk_export', cloud=seed['disks']['cloud'], servers=server_ids(disks), state='absent', poll_interval=1)
        assert not gone.get('failed'), gone.get('msg')
        assert sorted(d['id'] for d in gone['deleted']) == sorted(r['image_id'] for r in exported['records'])
        assert ours(cloud, disks) == {'image': [], 'volume': [], 'snapshot': []}
        assert conn.image.find_image(image.id) is not None and conn.block_storage.find_volume(volume.id) is not None
        assert source_state(cloud, disks) == exported['before']
    finally:
        conn.image.delete_image(image, ignore_missing=True)
        conn.block_storage.delete_volume(volume, ignore_missing=True)
