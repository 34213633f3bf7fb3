# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/migrate_tenant.yml in apply mode, disks by Glance, from the testbed to a real control plane.

Project acme-disks (seed.py: every disk holds known bytes) is migrated with disk_method glance and
stop_source true: the engine stops each server (module server_power), exports its disks through the real
Nova/Cinder/Glance (a cold copy), imports them with the CDI importer double
(fetching from Glance on loopback) and creates the VMs. The first run is killed (SIGKILL of the
ansible-playbook process group) once the export is under way and run again: every disk is exported once
(Glance/Cinder listings of ours, watched throughout), every imported raw disk is the source's bytes, and the
temporaries are gone afterwards.
"""

import json
import time

import pytest
from playbook_live import CDI, KUBEVIRT, NAMESPACE, kill_when, migrate
from test_disk_e2e import FERNET, Watcher, ours, rollback, server_ids

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import SOURCE_ID_ANNOTATION


@pytest.fixture(scope='module')
def migrated(control_plane, python, conn, cloud, disks, seed, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('migrate')
    rollback(cloud, disks)
    watcher = Watcher(cloud, disks)
    watcher.start()
    started = time.monotonic()
    killed = migrate(control_plane, python, tmp, seed, background=True)
    kill_when(killed, tmp, lambda: watcher.seen['image'] or watcher.seen['snapshot'], 'an export under way')
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


def test_migrate_tenant_glance_killed_and_resumed_byte_for_byte(control_plane, conn, cloud, disks, seed, migrated):
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
    # stop_source: every source server was stopped (server_power) before its disks were exported, and stays so
    assert {conn.compute.get_server(sid).status for sid in server_ids(disks)} == {'SHUTOFF'}
    # The resumed run read the servers SHUTOFF (our stop); the stop records kept their status before it (ACTIVE),
    # which won: every VM runs (Always), as the killed run applied it, not Halted.
    progress = control_plane.get(f'/api/v1/namespaces/{namespace}/configmaps/ostokubevirt-progress')['data']
    assert {sid: json.loads(progress[f'stopped.{sid}'])['source_status'] for sid in server_ids(disks)} == dict.fromkeys(server_ids(disks), 'ACTIVE')
    assert {vm['metadata']['name']: vm['spec'].get('runStrategy') for vm in vms} == {vm['metadata']['name']: 'Always' for vm in vms}
    assert 'Status before our stop (progress record)' in done.stdout
    seconds = migrated['seconds']
    print(f"\n[e2e] migrate_tenant (glance, stop_source) killed after {migrated['at_kill']}, resumed: {len(imported)} disks byte for byte, {seconds:.1f} s")
