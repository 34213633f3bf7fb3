# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Faults of a whole-tenant migration through the playbooks, from the testbed to a real control plane.

One flow on project acme-disks, disks by Glance, stop_source true, so CI pays for two migrate runs only:

1. migrate_tenant.yml with ``glance_interface: admin`` given in migration_options, while the catalog's admin
   image endpoint points at a proxy (test_disk_e2e.FlipProxy) that flips one byte of disks-vol's root image.
   Imports in the namespace are slowed (doubles' settings) and the run is SIGKILLed (process group) once a
   DataVolume exists: a kill during import.
2. The same run again (resume). Nothing is exported twice (every image, snapshot and volume of ours is
   watched in the Glance/Cinder listings throughout), every other disk arrives byte for byte, disks-vol fails
   with a message naming its disk and both digests and gets no VirtualMachine, the sources keep their bytes.
3. rollback_tenant.yml --check lists and changes nothing; then rollback_tenant.yml deletes our temporaries
   (not a look-alike of the same name without our metadata), restarts the servers the run stopped and
   removes the namespace's objects.
"""

import hashlib
import threading
import time

import pytest
from playbook_live import CDI, KUBEVIRT, kill_when, migrate, rollback_tenant
from test_disk_e2e import FERNET, FLIP_OFFSET, FlipProxy, Watcher, file_sha256, ours, rollback, server_ids, source_file, source_state

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import SOURCE_ID_ANNOTATION

NAMESPACE = 'acme-disks-faults'
VICTIM = 'disks-vol/root'
IMPORT_SECONDS = 4  # long enough to SIGKILL the run while a DataVolume imports; restored right after the kill


@pytest.fixture(scope='module')
def admin_image_endpoint(connect):
    """The catalog's admin Glance endpoint: (original url, point(url)); restored afterwards."""
    admin = connect('admin')
    (service,) = [s for s in admin.identity.services() if s.type == 'image']
    (endpoint,) = [e for e in admin.identity.endpoints(service_id=service.id) if e.interface == 'admin']
    original = endpoint.url

    def point(url):
        admin.identity.update_endpoint(endpoint, url=url)

    yield original, point
    admin.identity.update_endpoint(endpoint, url=original)


def restart_stopped(conn, disks):
    for sid in server_ids(disks):
        server = conn.compute.get_server(sid)
        if server.status == 'SHUTOFF':
            conn.compute.start_server(server)
            conn.compute.wait_for_server(server, status='ACTIVE', interval=1, wait=120)


def datavolumes(plane):
    try:
        return plane.items(f'{CDI}/namespaces/{NAMESPACE}/datavolumes')
    except Exception:  # the namespace is not there yet
        return []


@pytest.fixture(scope='module')
def faulted(control_plane, python, conn, cloud, disks, seed, admin_image_endpoint, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('faults')
    rollback(cloud, disks)
    restart_stopped(conn, disks)
    before = source_state(cloud, disks)
    victim_source = disks[VICTIM]['source_id']
    victim_images = {}

    def is_victim(image_id):
        image = conn.image.get_image(image_id)
        if victim_source in (image.name or ''):
            victim_images[image_id] = image
            return True
        return False

    original, point = admin_image_endpoint
    proxy = FlipProxy(original, is_victim)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    watcher = Watcher(cloud, disks)
    extra = {'migration_options': {'disk_method': 'glance', 'glance_interface': 'admin', 'namespace': NAMESPACE}}
    try:
        point(f'http://127.0.0.1:{proxy.server_address[1]}')
        control_plane.set_timings(namespaces={NAMESPACE: {'import_seconds': IMPORT_SECONDS}})
        watcher.start()
        started = time.monotonic()
        killed = migrate(control_plane, python, tmp, seed, background=True, extra=extra, namespace=NAMESPACE)
        kill_when(killed, tmp, lambda: datavolumes(control_plane), 'a DataVolume (an import under way)')
        killed_after = time.monotonic() - started
        at_kill = {
            'datavolumes': sorted(dv['metadata']['name'] for dv in datavolumes(control_plane)),
            'vms': sorted(vm['metadata']['name'] for vm in control_plane.items(f'{KUBEVIRT}/namespaces/{NAMESPACE}/virtualmachines')),
            **{kind: sorted(ids) for kind, ids in watcher.seen.items()},
        }
        control_plane.set_timings()
        resumed = time.monotonic()
        done = migrate(control_plane, python, tmp, seed, extra=extra, namespace=NAMESPACE)
        created = watcher.stop()
    finally:
        if watcher.is_alive():
            watcher.stop()
        point(original)
        proxy.shutdown()
        thread.join()
        control_plane.set_timings()
    yield {
        'done': done,
        'output': done.stdout + done.stderr,
        'created': created,
        'at_kill': at_kill,
        'before': before,
        'flipped': proxy.flipped,
        'victim_images': victim_images,
        'seconds': {'to kill': killed_after, 'resume': time.monotonic() - resumed},
        'tmp': tmp,
    }
    rollback(cloud, disks)
    restart_stopped(conn, disks)
    control_plane.delete_namespace(NAMESPACE)


def imported_by_source(plane):
    source_of = {dv['metadata']['name']: dv['metadata']['annotations'][SOURCE_ID_ANNOTATION] for dv in datavolumes(plane)}
    return {source_of[name]: digest for name, digest in plane.imported_disks(NAMESPACE).items() if name in source_of}


def test_killed_during_import_resumes_without_exporting_twice(control_plane, cloud, disks, faulted):
    at_kill = faulted['at_kill']
    assert at_kill['datavolumes'], at_kill
    # one image per disk over both runs; the in-use volumes (disks-bfv-root, disks-data) one snapshot and one temporary volume each
    assert faulted['created'] == {'image': len(disks), 'snapshot': 2, 'volume': 2}, (faulted['created'], at_kill)
    victim_server = disks[VICTIM]['server_id']
    imported = imported_by_source(control_plane)
    expected = {d['source_id']: d['sha256'] for name, d in disks.items() if name != VICTIM}
    assert {source: imported.get(source) for source in expected} == expected, 'an imported disk differs from its source, or is missing'
    vms = {vm['metadata']['name'] for vm in control_plane.items(f'{KUBEVIRT}/namespaces/{NAMESPACE}/virtualmachines')}
    assert vms == {name.split('/', 1)[0] for name, d in disks.items() if d['server_id'] != victim_server}, vms
    assert not FERNET.search(faulted['output'])
    seconds = faulted['seconds']
    print(f"\n[faults] killed during import after {seconds['to kill']:.1f} s ({at_kill}), resumed in {seconds['resume']:.1f} s: created {faulted['created']}")


def flipped_digests(conn, image):
    """(Glance's digest of the image, the same algorithm over the bytes with the byte at FLIP_OFFSET flipped)."""
    algorithm = image.hash_algo or 'sha512'
    digest, offset = hashlib.new(algorithm), 0
    for chunk in conn.image.download_image(image, stream=True).iter_content(1 << 20):
        if offset <= FLIP_OFFSET < offset + len(chunk):
            chunk = bytearray(chunk)
            chunk[FLIP_OFFSET - offset] ^= 0xFF
        digest.update(chunk)
        offset += len(chunk)
    return image.hash_value, digest.hexdigest()


def test_a_byte_flipped_in_transit_fails_only_that_vm(control_plane, conn, cloud, disks, faulted):
    output = faulted['output']
    assert faulted['flipped'] >= 1, f'no request for the victim reached the proxy of the admin endpoint:\n{output[-3000:]}'
    assert faulted['done'].returncode != 0, output[-3000:]
    (image,) = faulted['victim_images'].values()
    expected, calculated = flipped_digests(conn, image)
    failures = [line for line in output.splitlines() if expected in line and calculated in line]
    assert failures, f'no message names both digests {expected} / {calculated}:\n{output[-4000:]}'
    assert any(disks[VICTIM]['source_id'] in line or 'disks-vol' in line for line in failures), failures
    assert disks[VICTIM]['source_id'] not in imported_by_source(control_plane), 'the corrupt disk was written'
    names = {vm['metadata']['name'] for vm in control_plane.items(f'{KUBEVIRT}/namespaces/{NAMESPACE}/virtualmachines')}
    assert 'disks-vol' not in names
    after = source_state(cloud, disks)
    for name, disk in disks.items():
        # stop_source stopped every server it exported (the victim's too): that is asked for; nothing else changed
        assert {k: v for k, v in after[name].items() if k != 'server'} == {k: v for k, v in faulted['before'][name].items() if k != 'server'}, name
        assert after[name]['server']['metadata'] == faulted['before'][name]['server']['metadata'], name
        assert file_sha256(source_file(disk)) == disk['sha256'], f'{name}: the source disk changed'


def test_rollback_lists_then_deletes_only_ours_and_restarts_the_sources(control_plane, python, conn, cloud, disks, seed, faulted, tmp_path):
    started = time.monotonic()
    left = ours(cloud, disks)
    assert left['image'], f'the failed VM kept no export to roll back: {left}'
    victim_source = disks[VICTIM]['source_id']
    # look-alikes: our names, without our metadata
    image = conn.image.create_image(
        name=f'ostokubevirt-root-{victim_source}', disk_format='raw', container_format='bare', data=b'not ours', allow_duplicates=True
    )
    volume = conn.block_storage.create_volume(name=f'ostokubevirt-volume-{victim_source}', size=1, metadata={'owner': 'someone else'})
    try:
        conn.block_storage.wait_for_status(volume, status='available', interval=1, wait=120)
        assert {conn.compute.get_server(sid).status for sid in server_ids(disks)} == {'SHUTOFF'}

        check = rollback_tenant(control_plane, python, tmp_path, seed, NAMESPACE, check=True)
        output = check.stdout + check.stderr
        assert check.returncode == 0, output[-4000:]
        assert all(i in output for i in left['image']), output[-4000:]
        assert 'Would restart source server(s)' in output and all(sid in output for sid in server_ids(disks)), output[-4000:]
        assert ours(cloud, disks) == left, 'rollback --check deleted something'
        assert {conn.compute.get_server(sid).status for sid in server_ids(disks)} == {'SHUTOFF'}
        assert control_plane.items(f'{KUBEVIRT}/namespaces/{NAMESPACE}/virtualmachines')

        done = rollback_tenant(control_plane, python, tmp_path, seed, NAMESPACE)
        output = done.stdout + done.stderr
        assert done.returncode == 0, output[-4000:]
        assert ours(cloud, disks) == {'image': [], 'volume': [], 'snapshot': []}, output[-4000:]
        assert conn.image.find_image(image.id) is not None and conn.block_storage.find_volume(volume.id) is not None
        assert {conn.compute.get_server(sid).status for sid in server_ids(disks)} == {'ACTIVE'}
        assert not control_plane.items(f'{KUBEVIRT}/namespaces/{NAMESPACE}/virtualmachines')
        assert not datavolumes(control_plane)
        assert not FERNET.search(output)
    finally:
        conn.image.delete_image(image, ignore_missing=True)
        conn.block_storage.delete_volume(volume, ignore_missing=True)
    print(f'\n[faults] rollback --check then rollback: {time.monotonic() - started:.1f} s')
