# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""migrate_cloud.yml against the live testbed: every tenant of two domains exported and rendered in one command.

The seed's acme tenants plus a domain of small tenants (one server each) made here: at least ten tenants.
With migration_fail_on_blocked, a tenant holding a blocked server fails (recorded) and the others are done.
Then assess_cloud.yml assesses the same snapshots: its numbers are the sums of the rendered plans, and its
index.html opens in headless Chromium (screenshot in $OKV_TEST_ARTIFACTS) without a console error.
"""

import json
import sys

from conftest import REPO
from test_live_export import boot

sys.path.insert(0, str(REPO / 'tests' / 'e2e'))
from chromium_cdp import Cdp, artifacts_dir, find_chromium

FLEET_DOMAIN = 'fleet'
FLEET_PROJECTS = 7


def seed_fleet(connect):
    admin = connect('admin')
    ident = admin.identity
    domain = ident.find_domain(FLEET_DOMAIN) or ident.create_domain(name=FLEET_DOMAIN, description='migrate_cloud test')
    admin_user = ident.find_user('admin', domain_id='default', ignore_missing=False)
    role = ident.find_role('admin', ignore_missing=False)
    flavor = admin.compute.find_flavor('m1.small', ignore_missing=False).id
    image = admin.image.find_image('ubuntu-24.04', ignore_missing=False).id
    for index in range(FLEET_PROJECTS):
        name = f'fleet-{index:02d}'
        project = ident.find_project(name, domain_id=domain.id) or ident.create_project(name=name, domain_id=domain.id, description='one server')
        ident.assign_project_role_to_user(project, admin_user, role)
        conn = connect('admin', project_name=name, project_domain_name=FLEET_DOMAIN)
        if next(iter(conn.compute.servers()), None):
            continue
        net = conn.network.find_network('fleet-net', project_id=project.id) or conn.network.create_network(name='fleet-net')
        if not conn.network.find_subnet('fleet-v4', project_id=project.id):
            conn.network.create_subnet(name='fleet-v4', network_id=net.id, ip_version=4, cidr=f'10.{120 + index}.0.0/24')
        boot(conn, net, 1, flavor, image)


def test_render_the_live_cloud_in_one_command(ansible, tmp_path, connect, clouds):
    seed_fleet(connect)
    proc = ansible.playbook(
        REPO / 'playbooks/migrate_cloud.yml',
        '-e',
        'migration_cloud=admin',
        '-e',
        f'domain_pattern=^(acme|{FLEET_DOMAIN})$',
        # The request-count test's tenant holds forty servers: not what this test is about.
        '-e',
        '{"exclude_projects": ["service", "acme/acme-scale"]}',
        '-e',
        'export_dir=snaps',
        '-e',
        'migration_output_dir=out',
        '-e',
        'migration_tenant_batch=5',
        '-e',
        'migration_fail_on_blocked=true',
    )
    output = proc.stdout + proc.stderr
    assert clouds['admin']['auth']['password'] not in output
    fleet = json.loads((tmp_path / 'out/fleet.json').read_text())
    records = fleet['records']
    assert fleet['source'] == 'cloud' and len(records) >= 10, output[-3000:]
    assert [r['domain'] for r in records] == sorted(r['domain'] for r in records)
    assert {f'{FLEET_DOMAIN}/fleet-{i:02d}' for i in range(FLEET_PROJECTS)} <= {f"{r['domain']}/{r['project']}" for r in records}
    plans = {}
    for record in records:
        key = f"{record['domain']}/{record['project']}"
        assert (tmp_path / 'snaps' / record['domain'] / f"{record['project']}.yaml").exists(), key
        plans[key] = json.loads((tmp_path / 'out' / record['namespace'] / 'plan.json').read_text())['summary']
        # A blocked server fails its tenant (fail_on_blocked), after the plan is written; the loop carries on.
        expected = 'failed' if plans[key]['blocked'] else 'done'
        assert record['status'] == expected, (key, record['message'])
        assert f'"msg": "{key}: {expected}' in output
    blocked = [key for key, plan in plans.items() if plan['blocked']]
    assert fleet['tenants']['failed'] == len(blocked) and fleet['tenants']['done'] == len(records) - len(blocked)
    # A failed tenant fails the run at its end (rc 2); without one the run passes.
    assert proc.returncode == (2 if blocked else 0), output[-3000:]
    for status in ('ready', 'warning', 'blocked'):
        assert fleet['vms'][status] == sum(p[status] for p in plans.values())
    assert fleet['bytes_to_move'] == sum(p['disks']['bytes_to_move'] for p in plans.values())
    assert len([p for p in (tmp_path / 'out').iterdir() if p.is_dir()]) == len(records)
    assess_the_same_snapshots(ansible, tmp_path, clouds, records, plans)


def assess_the_same_snapshots(ansible, tmp_path, clouds, records, plans):
    proc = ansible.playbook(REPO / 'playbooks/assess_cloud.yml', '-e', 'migration_snapshot_dir=snaps', '-e', 'assessment_dir=assess')
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    assert clouds['admin']['auth']['password'] not in output
    report = json.loads((tmp_path / 'assess/assessment.json').read_text())
    tenants = {f"{t['domain']}/{t['project']}": t for t in report['tenants']}
    assert set(tenants) == {f"{r['domain']}/{r['project']}" for r in records}
    for key, plan in plans.items():
        assert tenants[key]['status'] == 'assessed', tenants[key]
        assert {s: tenants[key]['vms'][s] for s in ('ready', 'warning', 'blocked')} == {s: plan[s] for s in ('ready', 'warning', 'blocked')}, key
        assert tenants[key]['bytes_to_move'] == plan['disks']['bytes_to_move'], key
    totals = report['totals']
    assert totals['tenants_assessed'] == len(plans)
    for status in ('ready', 'warning', 'blocked'):
        assert totals[f'vms_{status}'] == sum(p[status] for p in plans.values())
    assert totals['vms_total'] == sum(p['servers'] for p in plans.values())

    cdp = Cdp(find_chromium(), tmp_path / 'chromium-profile')
    try:
        cdp.open(tmp_path / 'assess/index.html')
        assert f"{totals['tenants_assessed']} of {totals['tenants']}" in cdp.js("document.getElementById('totals').innerText")
        assert cdp.js("document.querySelectorAll('#tenants tbody tr').length") == len(plans)
        assert cdp.js("document.querySelectorAll('#vms tbody tr').length") == totals['vms_total']
        screenshot = cdp.screenshot(artifacts_dir(tmp_path) / 'assessment-live-cloud.png')
        print(f'assessment of the live cloud, screenshot: {screenshot}')
        assert screenshot.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
        assert not cdp.errors(), cdp.errors()
    finally:
        cdp.close()
