# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/migrate_tenant.yml in apply mode, disks by Glance, from the testbed to a real control plane.

Project acme-disks (seed.py: every disk holds known bytes) is migrated with disk_method glance and
stop_source true: the engine stops each server, exports its disks through the real Nova/Cinder/Glance,
imports them with the CDI importer double (fetching from Glance on loopback) and creates the VMs. The first
run is killed (SIGKILL of the ansible-playbook process group) once the export is under way and run again:
every disk is exported once (Glance/Cinder listings of ours, watched throughout), every imported raw disk
is the source's bytes, and the temporaries are gone afterwards. Then a run whose importer reaches Glance
through a proxy (the catalog's admin image endpoint, glance_interface admin) that flips one byte of one
disk: that VM fails naming the disk and both digests and gets no VirtualMachine, the others are done, the
sources keep their bytes, volumes and metadata. Last, rollback_tenant deletes our exports and nothing else.

The playbook runs with the Python of OKV_CONTROL_PLANE_PYTHON when it has ansible, openstacksdk and the
kubernetes client (scripts/test passes its tools venv); otherwise the test is skipped, saying so.
"""

import hashlib
import json
import os
import pathlib
import signal
import subprocess
import threading
import time

import pytest
from conftest import CLOUDS, REPO, Ansible
from test_disk_e2e import FERNET, FLIP_OFFSET, FlipProxy, Watcher, file_sha256, ours, rollback, server_ids, source_file, source_state

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.openstack.disk_cloud import SdkCloud
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import SOURCE_ID_ANNOTATION

PLAYBOOK = REPO / 'playbooks' / 'migrate_tenant.yml'
ROLLBACK = REPO / 'playbooks' / 'rollback_tenant.yml'
CDI = '/apis/cdi.kubevirt.io/v1beta1'
KUBEVIRT = '/apis/kubevirt.io/v1'
NAMESPACE = 'acme-disks-e2e'


@pytest.fixture(scope='module')
def python():
    python = os.environ.get('OKV_CONTROL_PLANE_PYTHON')
    probe = [python, '-c', 'import ansible, openstack, kubernetes'] if python else None
    if not python or not (pathlib.Path(python).parent / 'ansible-playbook').exists() or subprocess.run(probe, capture_output=True, check=False).returncode:
        pytest.skip('the playbook needs a Python with ansible, openstacksdk and kubernetes: OKV_CONTROL_PLANE_PYTHON (scripts/test passes its venv)')
    return pathlib.Path(python)


@pytest.fixture(scope='module')
def disks(seed):
    return {name: disk for name, disk in seed['disks']['disks'].items() if disk['server_id']}


@pytest.fixture(scope='module')
def conn(connect, seed):
    return connect(seed['disks']['cloud'])


@pytest.fixture(scope='module')
def cloud(conn):
    return SdkCloud(conn)


def migrate(plane, python, tmp, seed, background=False, extra=None):
    argv = [str(python.parent / 'ansible-playbook'), '-i', 'localhost,', str(PLAYBOOK)]
    settings = {
        'tenant': seed['disks']['project'],
        'domain': 'acme',
        'migration_cloud': seed['disks']['cloud'],
        'migration_mode': 'apply',
        'migration_kubeconfig': str(plane.kubeconfig),
        'migration_stop_source': True,
        'migration_poll_interval': 1,
        'migration_options': {'disk_method': 'glance', 'namespace': NAMESPACE},
        'export_dir': str(tmp / 'snapshots'),
        'migration_output_dir': str(tmp / 'rendered'),
        'ansible_python_interpreter': str(python),
    }
    argv += ['-e', json.dumps(dict(settings, **(extra or {})))]
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=CLOUDS, ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='0', PYTHONWARNINGS='ignore')
    if background:
        with (tmp / 'background.log').open('w', encoding='utf-8') as log:
            return subprocess.Popen(argv, env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return subprocess.run(argv, env=env, cwd=tmp, capture_output=True, text=True, timeout=1800, check=False)


@pytest.fixture(scope='module')
def migrated(control_plane, python, conn, cloud, disks, seed, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('migrate')
    rollback(cloud, disks)
    watcher = Watcher(cloud, disks)
    watcher.start()
    started = time.monotonic()
    killed = migrate(control_plane, python, tmp, seed, background=True)
    deadline = time.monotonic() + 600
    while not (watcher.seen['image'] or watcher.seen['snapshot']):
        if killed.poll() is not None:
            tail = (tmp / 'background.log').read_text(encoding='utf-8')[-4000:]
            pytest.fail(f'the playbook ended (rc {killed.returncode}) before the export could be killed:\n{tail}')
        assert time.monotonic() < deadline, 'the playbook exported nothing within 600 s'
        time.sleep(0.2)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    at_kill = {kind: sorted(ids) for kind, ids in watcher.seen.items()}
    done = migrate(control_plane, python, tmp, seed)
    created = watcher.stop()
    yield {'done': done, 'created': created, 'at_kill': at_kill, 'seconds': time.monotonic() - started}
    rollback(cloud, disks)
    for sid in server_ids(disks):
        server = conn.compute.get_server(sid)
        if server.status == 'SHUTOFF':
            conn.compute.start_server(server)
            conn.compute.wait_for_server(server, status='ACTIVE', interval=1, wait=120)


def test_migrate_tenant_glance_killed_and_resumed_byte_for_byte(control_plane, cloud, disks, seed, migrated):
    done = migrated['done']
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    namespace = NAMESPACE
    datavolumes = control_plane.items(f'{CDI}/namespaces/{namespace}/datavolumes')
    source_of = {dv['metadata']['name']: dv['metadata']['annotations'][SOURCE_ID_ANNOTATION] for dv in datavolumes}
    imported = {source_of[name]: digest for name, digest in control_plane.imported_disks(namespace).items() if name in source_of}
    assert imported == {d['source_id']: d['sha256'] for d in disks.values()}, 'an imported disk differs from its source, or is missing'
    vms = control_plane.items(f'{KUBEVIRT}/namespaces/{namespace}/virtualmachines')
    assert len(vms) == len(server_ids(disks))
    # one image per disk over both runs; the in-use volumes one snapshot and one temporary volume each
    assert migrated['created'] == {'image': len(disks), 'snapshot': 2, 'volume': 2}, (migrated['created'], migrated['at_kill'])
    assert ours(cloud, disks) == {'image': [], 'volume': [], 'snapshot': []}, 'temporaries left after the imports succeeded'
    assert not FERNET.search(output)
    seconds = migrated['seconds']
    print(f"\n[e2e] migrate_tenant (glance, stop_source) killed after {migrated['at_kill']}, resumed: {len(imported)} disks byte for byte, {seconds:.1f} s")


@pytest.fixture
def admin_image_endpoint(connect):
    """The catalog's admin Glance endpoint, pointed elsewhere for one test and restored afterwards."""
    admin = connect('admin')
    (service,) = [s for s in admin.identity.services() if s.type == 'image']
    (endpoint,) = [e for e in admin.identity.endpoints(service_id=service.id) if e.interface == 'admin']
    original = endpoint.url

    def point(url):
        admin.identity.update_endpoint(endpoint, url=url)

    yield original, point
    admin.identity.update_endpoint(endpoint, url=original)


def test_a_byte_flipped_in_transit_fails_only_that_vm(control_plane, python, conn, cloud, disks, seed, migrated, admin_image_endpoint, tmp_path):
    namespace = NAMESPACE
    control_plane.delete_namespace(namespace)
    rollback(cloud, disks)
    victim = 'disks-vol/root'
    victim_server = disks[victim]['server_id']
    before = source_state(cloud, disks)
    original, point = admin_image_endpoint
    proxy = FlipProxy(original, lambda image_id: conn.image.get_image(image_id).name == f"ostokubevirt-root-{disks[victim]['source_id']}")
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        point(f'http://127.0.0.1:{proxy.server_address[1]}')
        options = {'disk_method': 'glance', 'glance_interface': 'admin', 'namespace': NAMESPACE}
        done = migrate(control_plane, python, tmp_path, seed, extra={'migration_options': options})
    finally:
        proxy.shutdown()
        thread.join()
    output = done.stdout + done.stderr
    assert proxy.flipped >= 1, output[-3000:]
    # Glance's os_hash_value (sha512) of the true bytes, and of the bytes with the one byte flipped
    raw = tmp_path / 'victim.raw'
    subprocess.run(['qemu-img', 'convert', '-O', 'raw', str(source_file(disks[victim])), str(raw)], check=True, timeout=300)
    content = bytearray(raw.read_bytes())
    expected = hashlib.sha512(content).hexdigest()
    content[FLIP_OFFSET] ^= 0xFF
    calculated = hashlib.sha512(content).hexdigest()
    failures = [line for line in output.splitlines() if expected in line and calculated in line]
    assert failures, f'no message names both digests: {output[-4000:]}'
    assert any(disks[victim]['source_id'] in line or 'disks-vol' in line for line in failures), failures
    vms = {vm['metadata']['name'] for vm in control_plane.items(f'{KUBEVIRT}/namespaces/{namespace}/virtualmachines')}
    assert vms == {'disks-img', 'disks-bfv'}, vms
    datavolumes = control_plane.items(f'{CDI}/namespaces/{namespace}/datavolumes')
    source_of = {dv['metadata']['name']: dv['metadata']['annotations'][SOURCE_ID_ANNOTATION] for dv in datavolumes}
    imported = {source_of[n]: digest for n, digest in control_plane.imported_disks(namespace).items() if n in source_of}
    assert disks[victim]['source_id'] not in imported, 'the corrupt disk was written'
    for name, disk in disks.items():
        if disk['server_id'] != victim_server:
            assert imported[disk['source_id']] == disk['sha256'], name
    after = source_state(cloud, disks)
    for name, disk in disks.items():
        # stop_source stopped the servers it exported (the victim's too, before its export): that is asked for
        assert {k: v for k, v in after[name].items() if k != 'server'} == {k: v for k, v in before[name].items() if k != 'server'}, name
        assert after[name]['server']['metadata'] == before[name]['server']['metadata'], name
        assert file_sha256(source_file(disk)) == disk['sha256'], f'{name}: the source disk changed'


def test_rollback_deletes_only_our_temporaries(control_plane, python, conn, cloud, disks, seed, migrated, tmp_path):
    """After the runs above: exports of ours (one made here in case the engine left none), plus an image and a
    volume that are not ours; rollback_tenant deletes ours and only ours."""
    ansible = Ansible(tmp_path)
    # the image-booted server's root (1 MiB): an export of ours whatever the engine left behind
    small = disks['disks-img/root']['server_id']
    made = ansible.module('ostokubevirt.migrate.disk_export', cloud=seed['disks']['cloud'], servers=[small], run_id='e2e-rollback', poll_interval=1)
    assert not made.get('failed'), made.get('msg')
    assert ours(cloud, disks)['image']
    image = conn.image.create_image(name='not-ours-rollback', disk_format='raw', container_format='bare', data=b'not ours', allow_duplicates=True)
    volume = conn.block_storage.create_volume(name='not-ours-rollback', size=1, metadata={'owner': 'someone else'})
    try:
        conn.block_storage.wait_for_status(volume, status='available', interval=1, wait=120)
        argv = [str(python.parent / 'ansible-playbook'), '-i', 'localhost,', str(ROLLBACK)]
        extra = {
            'tenant': seed['disks']['project'],
            'confirm': 'yes',
            'migration_namespace': NAMESPACE,
            'migration_cloud': seed['disks']['cloud'],
            'migration_kubeconfig': str(control_plane.kubeconfig),
            'ansible_python_interpreter': str(python),
        }
        env = dict(os.environ, OS_CLIENT_CONFIG_FILE=CLOUDS, ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='0', PYTHONWARNINGS='ignore')
        done = subprocess.run([*argv, '-e', json.dumps(extra)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=900, check=False)
        assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
        assert ours(cloud, disks) == {'image': [], 'volume': [], 'snapshot': []}, (done.stdout + done.stderr)[-4000:]
        assert conn.image.find_image(image.id) is not None and conn.block_storage.find_volume(volume.id) is not None
        assert not FERNET.search(done.stdout + done.stderr)
    finally:
        conn.image.delete_image(image, ignore_missing=True)
        conn.block_storage.delete_volume(volume, ignore_missing=True)
