# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Seed the testbed with a realistic tenant, using openstacksdk only.

    seed.py --clouds WORK/clouds.yaml [--summary FILE]

Needs the cloud ``admin`` in clouds.yaml (written by up.sh). Adds the clouds
``demo-member`` (alice: a NON-admin member of acme/acme-prod) and
``demo-appcred`` (an application credential of alice) to the same file,
which stays mode 0600. Prints a JSON summary of what exists (names -> IDs)
on stdout and writes it to --summary.

Idempotent: every object is looked up by name first and only created when
missing, so a re-run on a seeded cloud changes nothing (it reports
``"created": []``) and a re-run after a partial failure completes the seed.

What the tenant holds (domain ``acme``, project ``acme-prod``):
  identity  users alice (member), bob (reader), carol; groups acme-admins
            (carol; admin role) and acme-ops (alice, bob; member on acme-dev);
            carol reader on the domain
  compute   flavors m1.small, m1.numa-pinned (dedicated CPUs, huge pages,
            1 NUMA node, 1 socket), acme.private (private, project access),
            m1.legacy (ephemeral + swap; deleted after legacy-1 booted);
            key pair alice-key; server group web-group; quotas
  image     ubuntu-24.04 (linux, virtio disk/vif), windows-2022-uefi (UEFI,
            secure boot, TPM, os_type windows; shared with acme-prod),
            acme-golden (private raw image with known bytes)
  network   external public (flat) + public-v4; acme-app with IPv4 + IPv6
            (SLAAC) subnets; acme-db (IPv4, no DHCP, no gateway); router
            acme-router; security groups web and db (remote group, ICMP, UDP
            range, IPv6, egress restricted); port db-1-port with a fixed IP
            and an allowed address pair; floating IPs fip-web (associated)
            and fip-spare (not)
  volume    type standard; web-1-data, db-1-data (attached), bfv-1-root
            (bootable, from acme-golden), spare + snapshot spare-snap,
            win-root (bootable, from the shared Windows image, unattached)
  servers   web-1 (user_data, key, metadata, tags, config drive, server
            group, data volume, floating IP), db-1 (pinned flavor, fixed
            port, volume, then stopped: SHUTOFF), bfv-1 (boots from
            bfv-1-root), bfv-2 (nova-created boot volume from an image),
            legacy-1 (its flavor is deleted afterwards)

Project ``acme-disks`` (same domain; alice is a member; cloud ``demo-disks``) holds servers
whose every disk has known bytes, for the disk export tests: disks-img (image-booted: its root
disk is the bytes of image disks-root-a, see drivers/ostk_testbed_drivers/nova_disk.py),
disks-bfv (boots from volume disks-bfv-root), disks-vol (image-booted from disks-root-b, with
volume disks-data attached: in-use) and the unattached volume disks-spare. Each volume is made
from a 1 MiB raw image of its own, so its content is that image's bytes and zeros up to 1 GiB.
The summary's ``disks`` gives, per disk, the source id and the sha256 of its raw content.
"""

import argparse
import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import warnings

import yaml

AUTH_URL = 'http://127.0.0.1:5000/v3'
DOMAIN = 'acme'
PROJECT = 'acme-prod'
WAIT = 300  # seconds, per object

USER_DATA = """#cloud-config
hostname: web-1
fqdn: web-1.acme.test
package_update: true
packages: [nginx]
write_files:
  - path: /etc/motd
    content: "seeded by ostokubevirt testbed"
runcmd:
  - [systemctl, enable, --now, nginx]
"""
# 1 MiB of deterministic bytes, so tests can check a download
GOLDEN_BYTES = b''.join(hashlib.sha256(b'acme-golden-%d' % i).digest() for i in range(1024 * 1024 // 32))


# acme-disks: 1 MiB of deterministic bytes per disk, each different
DISK_CONTENT_SIZE = 1024 * 1024
DISK_IMAGES = ('disks-root-a', 'disks-root-b', 'disks-bfv', 'disks-data', 'disks-spare')


def disk_bytes(label):
    return b''.join(hashlib.sha256(b'%s-%d' % (label.encode(), i)).digest() for i in range(DISK_CONTENT_SIZE // 32))


def volume_sha256(content, size_gib):
    """sha256 of a volume made from ``content``: the bytes, then zeros up to its size."""
    digest = hashlib.sha256(content)
    zeros = bytes(8 * 1024 * 1024)
    left = size_gib * 1024**3 - len(content)
    while left > 0:
        chunk = zeros if left >= len(zeros) else zeros[:left]
        digest.update(chunk)
        left -= len(chunk)
    return digest.hexdigest()


def log(msg):
    print('[seed {}] {}'.format(time.strftime('%H:%M:%S'), msg), file=sys.stderr)


class Seeder:
    def __init__(self, clouds_path):
        self.clouds_path = clouds_path
        os.environ['OS_CLIENT_CONFIG_FILE'] = clouds_path
        import openstack

        self.openstack = openstack
        self.admin = openstack.connect(cloud='admin', api_timeout=120)
        self.user = None  # alice's connection, after identity()
        self.created = []
        self.ids = {}
        self.tmp = tempfile.mkdtemp(prefix='ostk-seed-')

    # -- helpers -------------------------------------------------------------
    def ensure(self, kind, name, find, create):
        """Return find() or, if that is None, create() (and remember it)."""
        obj = find()
        if obj is None:
            obj = create()
            self.created.append(f'{kind}/{name}')
            log(f'created {kind} {name}')
        self.ids.setdefault(kind, {})[name] = obj.id
        return obj

    def wait_volume(self, block_storage, volume, status='available'):
        return block_storage.wait_for_status(volume, status=status, failures=['error', 'error_restoring'], interval=1, wait=WAIT)

    def clouds(self):
        with open(self.clouds_path) as f:
            return yaml.safe_load(f) or {}

    def write_clouds(self, data):
        fd = os.open(self.clouds_path + '.tmp', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as f:
            f.write('# generated by tests/openstack_testbed (up.sh, seed.py) - contains secrets, keep private\n')
            yaml.safe_dump(data, f, default_flow_style=False, sort_keys=False)
        os.chmod(self.clouds_path + '.tmp', 0o600)
        os.replace(self.clouds_path + '.tmp', self.clouds_path)

    def image_file(self, name, fmt, size='64M'):
        path = os.path.join(self.tmp, name)
        subprocess.run(['qemu-img', 'create', '-q', '-f', fmt, path, size], check=True)
        return path

    # -- identity --------------------------------------------------------------
    def identity(self):
        ident = self.admin.identity
        domain = self.ensure('domain', DOMAIN, lambda: ident.find_domain(DOMAIN), lambda: ident.create_domain(name=DOMAIN, description='ACME Corp'))
        projects = {}
        for name, desc in ((PROJECT, 'ACME production'), ('acme-dev', 'ACME development')):
            projects[name] = self.ensure(
                'project',
                name,
                lambda n=name: ident.find_project(n, domain_id=domain.id),
                lambda n=name, d=desc: ident.create_project(name=n, domain_id=domain.id, description=d, tags=['seeded']),
            )
        prod = projects[PROJECT]

        clouds = self.clouds()
        member = clouds.get('clouds', {}).get('demo-member', {}).get('auth', {})
        alice_pw = member.get('password') or secrets.token_urlsafe(18)
        users = {}
        for name, email in (('alice', 'alice@acme.test'), ('bob', 'bob@acme.test'), ('carol', 'carol@acme.test')):
            users[name] = self.ensure(
                'user',
                name,
                lambda n=name: ident.find_user(n, domain_id=domain.id),
                lambda n=name, e=email: ident.create_user(
                    name=n, domain_id=domain.id, email=e, default_project_id=prod.id, description=f'{n} (seeded)', password=secrets.token_urlsafe(18)
                ),
            )
        # the password may be lost (fresh clouds.yaml): set the one we keep
        ident.update_user(users['alice'], password=alice_pw)

        groups = {}
        for name, members in (('acme-admins', ['carol']), ('acme-ops', ['alice', 'bob'])):
            groups[name] = self.ensure(
                'group',
                name,
                lambda n=name: ident.find_group(n, domain_id=domain.id),
                lambda n=name: ident.create_group(name=n, domain_id=domain.id, description=f'{n} (seeded)'),
            )
            for m in members:
                ident.add_user_to_group(users[m], groups[name])

        role = {r: ident.find_role(r, ignore_missing=False) for r in ('admin', 'member', 'reader')}
        ident.assign_project_role_to_user(prod, users['alice'], role['member'])
        ident.assign_project_role_to_user(prod, users['bob'], role['reader'])
        ident.assign_project_role_to_group(prod, groups['acme-admins'], role['admin'])
        ident.assign_project_role_to_group(projects['acme-dev'], groups['acme-ops'], role['member'])
        ident.assign_domain_role_to_user(domain, users['carol'], role['reader'])

        clouds.setdefault('clouds', {})['demo-member'] = {
            'auth': {
                'auth_url': AUTH_URL,
                'username': 'alice',
                'password': alice_pw,
                'user_domain_name': DOMAIN,
                'project_name': PROJECT,
                'project_domain_name': DOMAIN,
            },
            'region_name': 'RegionOne',
            'identity_api_version': 3,
            'interface': 'public',
        }
        self.write_clouds(clouds)
        self.user = self.openstack.connect(cloud='demo-member', api_timeout=120)
        self.domain, self.prod, self.users = domain, prod, users

    def application_credential(self):
        ident, alice = self.user.identity, self.users['alice']
        clouds = self.clouds()
        known = clouds['clouds'].get('demo-appcred', {}).get('auth', {})
        cred = ident.find_application_credential(alice, 'ostk-export')
        if cred is not None and cred.id != known.get('application_credential_id'):
            ident.delete_application_credential(alice, cred)  # secret unknown
            cred = None
        if cred is None:
            cred = ident.create_application_credential(
                alice, 'ostk-export', description='read-only export of acme-prod (seeded)', secret=secrets.token_urlsafe(24)
            )
            self.created.append('application_credential/ostk-export')
            clouds['clouds']['demo-appcred'] = {
                'auth_type': 'v3applicationcredential',
                'auth': {'auth_url': AUTH_URL, 'application_credential_id': cred.id, 'application_credential_secret': cred.secret},
                'region_name': 'RegionOne',
                'identity_api_version': 3,
                'interface': 'public',
            }
            self.write_clouds(clouds)
        self.ids['application_credential'] = {'ostk-export': cred.id}

    # -- compute: flavors, quotas, key pair ------------------------------------
    def flavors(self):
        compute = self.admin.compute

        def flavor(name, vcpus, ram, disk, specs, is_public=True, **extra):
            def create():
                f = compute.create_flavor(name=name, vcpus=vcpus, ram=ram, disk=disk, is_public=is_public, description=f'{name} (seeded)', **extra)
                compute.create_flavor_extra_specs(f, specs)
                return f

            return self.ensure('flavor', name, lambda: compute.find_flavor(name, is_public=None), create)

        flavor('m1.small', 1, 512, 1, {'hw:cpu_max_sockets': '2', 'hw_rng:allowed': 'True'})
        flavor(
            'm1.numa-pinned',
            2,
            1024,
            1,
            {
                'hw:cpu_policy': 'dedicated',
                'hw:cpu_thread_policy': 'prefer',
                'hw:mem_page_size': 'large',
                'hw:numa_nodes': '1',
                'hw:cpu_sockets': '1',
                'hw:cpu_cores': '2',
                'hw:cpu_threads': '1',
            },
        )
        private = flavor('acme.private', 2, 2048, 2, {'quota:disk_read_iops_sec': '500', 'hw:watchdog_action': 'reset'}, is_public=False)
        if not any(a['tenant_id'] == self.prod.id for a in compute.get_flavor_access(private)):
            compute.flavor_add_tenant_access(private, self.prod.id)
        if self.user.compute.find_server('legacy-1') is None:
            flavor('m1.legacy', 1, 256, 1, {'hw:boot_menu': 'true'}, ephemeral=1, swap=128)

    def quotas(self):
        self.admin.set_compute_quotas(self.prod.id, instances=20, cores=40, ram=65536, key_pairs=10, server_groups=5, server_group_members=8)
        self.admin.set_network_quotas(self.prod.id, network=10, subnet=20, port=80, router=3, floatingip=10, security_group=15, security_group_rule=200)
        self.admin.set_volume_quotas(self.prod.id, volumes=20, gigabytes=200, snapshots=10)

    def keypair(self):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519

        def create():
            key = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
            return self.user.compute.create_keypair(name='alice-key', public_key=key.decode() + ' alice@acme.test')

        kp = self.ensure('keypair', 'alice-key', lambda: self.user.compute.find_keypair('alice-key'), create)
        self.ids['keypair']['alice-key'] = kp.name

    # -- images ----------------------------------------------------------------
    def images(self):
        admin, user = self.admin.image, self.user.image

        def image(conn, name, create_kwargs):
            def find():
                return next(iter(conn.images(name=name)), None)

            def create():
                img = conn.create_image(name, disable_vendor_agent=False, wait=True, timeout=WAIT, **create_kwargs)
                return img

            return self.ensure('image', name, find, create)

        image(
            admin,
            'ubuntu-24.04',
            {
                'filename': self.image_file('ubuntu.qcow2', 'qcow2'),
                'disk_format': 'qcow2',
                'container_format': 'bare',
                'visibility': 'public',
                'min_disk': 1,
                'min_ram': 256,
                'tags': ['linux', 'seeded'],
                'hw_disk_bus': 'virtio',
                'hw_vif_model': 'virtio',
                'hw_scsi_model': 'virtio-scsi',
                'hw_qemu_guest_agent': 'yes',
                'hw_rng_model': 'virtio',
                'hw_video_model': 'virtio',
                'os_type': 'linux',
                'os_distro': 'ubuntu',
                'os_version': '24.04',
                'hw_architecture': 'x86_64',
            },
        )
        win = image(
            admin,
            'windows-2022-uefi',
            {
                'filename': self.image_file('windows.qcow2', 'qcow2'),
                'disk_format': 'qcow2',
                'container_format': 'bare',
                'visibility': 'shared',
                'min_disk': 1,
                'min_ram': 512,
                'tags': ['windows', 'seeded'],
                'hw_firmware_type': 'uefi',
                'hw_machine_type': 'q35',
                'os_secure_boot': 'required',
                'hw_tpm_version': '2.0',
                'hw_tpm_model': 'tpm-crb',
                'os_type': 'windows',
                'os_distro': 'windows',
                'os_version': '2022',
                'hw_disk_bus': 'sata',
                'hw_vif_model': 'e1000e',
                'hw_video_model': 'qxl',
                'os_require_quiesce': 'yes',
            },
        )
        members = {m.member_id: m for m in admin.members(win)}
        if self.prod.id not in members:
            admin.add_member(win, member_id=self.prod.id)
        if members.get(self.prod.id) is None or members[self.prod.id].status != 'accepted':
            user.update_member(self.prod.id, win, status='accepted')
        golden = os.path.join(self.tmp, 'golden.raw')
        with open(golden, 'wb') as f:
            f.write(GOLDEN_BYTES)
        image(
            user,
            'acme-golden',
            {
                'filename': golden,
                'disk_format': 'raw',
                'container_format': 'bare',
                'visibility': 'private',
                'tags': ['golden'],
                'hw_disk_bus': 'scsi',
                'hw_scsi_model': 'virtio-scsi',
                'os_type': 'linux',
                'os_distro': 'debian',
            },
        )

    # -- network -----------------------------------------------------------------
    def networks(self):
        anet, net = self.admin.network, self.user.network
        public = self.ensure(
            'network',
            'public',
            lambda: anet.find_network('public'),
            lambda: anet.create_network(
                name='public',
                is_router_external=True,
                provider_network_type='flat',
                provider_physical_network='public',
                description='external network (seeded)',
            ),
        )
        self.ensure(
            'subnet',
            'public-v4',
            lambda: anet.find_subnet('public-v4'),
            lambda: anet.create_subnet(
                name='public-v4',
                network_id=public.id,
                ip_version=4,
                cidr='203.0.113.0/24',
                gateway_ip='203.0.113.1',
                is_dhcp_enabled=False,
                allocation_pools=[{'start': '203.0.113.10', 'end': '203.0.113.200'}],
            ),
        )

        def network(name, **kw):
            return self.ensure('network', name, lambda: net.find_network(name), lambda: net.create_network(name=name, **kw))

        def subnet(name, **kw):
            return self.ensure('subnet', name, lambda: net.find_subnet(name), lambda: net.create_subnet(name=name, **kw))

        app = network('acme-app', description='application network', mtu=1450)
        db = network('acme-db', description='database network', port_security_enabled=True)
        app4 = subnet(
            'acme-app-v4',
            network_id=app.id,
            ip_version=4,
            cidr='10.10.0.0/24',
            gateway_ip='10.10.0.1',
            dns_nameservers=['10.10.0.2', '10.10.0.3'],
            allocation_pools=[{'start': '10.10.0.10', 'end': '10.10.0.200'}],
            host_routes=[{'destination': '192.168.100.0/24', 'nexthop': '10.10.0.254'}],
            description='app IPv4',
        )
        app6 = subnet(
            'acme-app-v6', network_id=app.id, ip_version=6, cidr='fd00:ac::/64', ipv6_ra_mode='slaac', ipv6_address_mode='slaac', description='app IPv6'
        )
        db4 = subnet(
            'acme-db-v4', network_id=db.id, ip_version=4, cidr='10.20.0.0/24', gateway_ip=None, is_dhcp_enabled=False, description='db IPv4, no gateway'
        )
        router = self.ensure(
            'router',
            'acme-router',
            lambda: net.find_router('acme-router'),
            lambda: net.create_router(name='acme-router', description='edge router', external_gateway_info={'network_id': public.id}),
        )
        attached = {ip['subnet_id'] for p in net.ports(device_id=router.id) for ip in p.fixed_ips}
        for sn in (app4, app6):
            if sn.id not in attached:
                net.add_interface_to_router(router, subnet_id=sn.id)
        self.net = {'public': public, 'app': app, 'db': db, 'db4': db4}
        self.security_groups()
        self.net['db_port'] = self.ensure(
            'port',
            'db-1-port',
            lambda: net.find_port('db-1-port'),
            lambda: net.create_port(
                name='db-1-port',
                network_id=db.id,
                description='db-1 fixed address',
                fixed_ips=[{'subnet_id': db4.id, 'ip_address': '10.20.0.50'}],
                security_group_ids=[self.sg['db'].id],
                allowed_address_pairs=[{'ip_address': '10.20.0.100'}],
            ),
        )

    def security_groups(self):
        net = self.user.network

        def group(name, desc):
            return self.ensure(
                'security_group',
                name,
                lambda: net.find_security_group(name, project_id=self.prod.id),
                lambda: net.create_security_group(name=name, description=desc),
            )

        def rules(sg, wanted):
            sg = net.get_security_group(sg.id)
            have = {
                (r['direction'], r['ethertype'], r['protocol'], r['port_range_min'], r['port_range_max'], r['remote_ip_prefix'], r['remote_group_id'])
                for r in sg.security_group_rules
            }
            for w in wanted:
                rule = {
                    'direction': 'ingress',
                    'ethertype': 'IPv4',
                    'protocol': None,
                    'port_range_min': None,
                    'port_range_max': None,
                    'remote_ip_prefix': None,
                    'remote_group_id': None,
                }
                rule.update(w)
                key = tuple(rule[k] for k in ('direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'remote_group_id'))
                if key not in have:
                    net.create_security_group_rule(security_group_id=sg.id, **rule)

        web = group('web', 'web tier')
        db = group('db', 'database tier, egress restricted')
        rules(
            web,
            [
                {'protocol': 'tcp', 'port_range_min': 22, 'port_range_max': 22, 'remote_ip_prefix': '0.0.0.0/0', 'description': 'ssh'},
                {'protocol': 'tcp', 'port_range_min': 80, 'port_range_max': 443, 'remote_ip_prefix': '198.51.100.0/24', 'description': 'http(s) from partner'},
                {'protocol': 'icmp', 'port_range_min': 8, 'port_range_max': 0, 'remote_ip_prefix': '0.0.0.0/0', 'description': 'echo request'},
                {'protocol': 'udp', 'port_range_min': 5000, 'port_range_max': 5100, 'remote_ip_prefix': '10.0.0.0/8', 'description': 'rtp range'},
                {'ethertype': 'IPv6', 'protocol': 'tcp', 'port_range_min': 22, 'port_range_max': 22, 'remote_ip_prefix': '::/0', 'description': 'ssh v6'},
                {'ethertype': 'IPv6', 'protocol': 'ipv6-icmp', 'description': 'icmpv6'},
            ],
        )
        # egress restricted: drop the default allow-all egress rules of db
        for r in net.get_security_group(db.id).security_group_rules:
            if r['direction'] == 'egress' and r['remote_ip_prefix'] is None and r['protocol'] is None and r['remote_group_id'] is None:
                net.delete_security_group_rule(r['id'])
        rules(
            db,
            [
                {'protocol': 'tcp', 'port_range_min': 5432, 'port_range_max': 5432, 'remote_group_id': web.id, 'description': 'postgres from web'},
                {'protocol': 'tcp', 'remote_group_id': db.id, 'description': 'db cluster (self)'},
                {
                    'direction': 'egress',
                    'protocol': 'tcp',
                    'port_range_min': 443,
                    'port_range_max': 443,
                    'remote_ip_prefix': '10.0.0.0/8',
                    'description': 'https to internal',
                },
                {
                    'direction': 'egress',
                    'protocol': 'udp',
                    'port_range_min': 53,
                    'port_range_max': 53,
                    'remote_ip_prefix': '10.10.0.2/32',
                    'description': 'dns',
                },
            ],
        )
        self.sg = {'web': web, 'db': db}

    # -- volumes -------------------------------------------------------------
    def volumes(self):
        bs_admin, bs = self.admin.block_storage, self.user.block_storage
        self.ensure(
            'volume_type',
            'standard',
            lambda: bs_admin.find_type('standard'),
            lambda: bs_admin.create_type(name='standard', description='sparse-file backend (seeded)', extra_specs={'volume_backend_name': 'file'}),
        )

        def volume(name, **kw):
            def create():
                return self.wait_volume(bs, bs.create_volume(name=name, **kw))

            return self.ensure('volume', name, lambda: bs.find_volume(name), create)

        golden = self.user.image.find_image('acme-golden')
        self.vol = {
            'web-1-data': volume('web-1-data', size=1, volume_type='standard', description='web logs', metadata={'purpose': 'logs'}),
            'db-1-data': volume('db-1-data', size=2, volume_type='standard', description='postgres data', metadata={'purpose': 'db', 'fs': 'xfs'}),
            'bfv-1-root': volume('bfv-1-root', size=1, volume_type='standard', image_id=golden.id, description='boot disk of bfv-1'),
            'spare': volume('spare', size=1, description='detached, with a snapshot'),
            # The fake virt driver reports no secure-boot/TPM traits, so no server can boot
            # the Windows image; a bootable volume made from it still references it.
            'win-root': volume(
                'win-root',
                size=1,
                volume_type='standard',
                image_id=self.user.image.find_image('windows-2022-uefi').id,
                description='prepared Windows boot disk (UEFI, TPM)',
            ),
        }
        self.ensure(
            'snapshot',
            'spare-snap',
            lambda: bs.find_snapshot('spare-snap'),
            lambda: bs.wait_for_status(
                bs.create_snapshot(volume_id=self.vol['spare'].id, name='spare-snap', description='seeded snapshot', metadata={'kind': 'test'}),
                status='available',
                failures=['error'],
                interval=1,
                wait=WAIT,
            ),
        )

    # -- servers ---------------------------------------------------------------
    def servers(self):
        compute, net = self.user.compute, self.user.network
        cf = self.admin.compute
        ubuntu = self.user.image.find_image('ubuntu-24.04')
        group = self.ensure(
            'server_group',
            'web-group',
            lambda: compute.find_server_group('web-group'),
            lambda: compute.create_server_group(name='web-group', policy='soft-anti-affinity'),
        )

        def server(name, **kw):
            def create():
                s = compute.create_server(name=name, **kw)
                return compute.wait_for_server(s, status='ACTIVE', interval=1, wait=WAIT)

            return self.ensure('server', name, lambda: compute.find_server(name), create)

        def attach(srv, vol):
            vol = self.user.block_storage.get_volume(vol.id)
            if not any(a['server_id'] == srv.id for a in vol.attachments):
                compute.create_volume_attachment(srv, volume_id=vol.id)
                self.wait_volume(self.user.block_storage, vol, status='in-use')

        web = server(
            'web-1',
            flavor_id=cf.find_flavor('m1.small', ignore_missing=False).id,
            image_id=ubuntu.id,
            networks=[{'uuid': self.net['app'].id}],
            security_groups=[{'name': 'web'}],
            key_name='alice-key',
            user_data=base64.b64encode(USER_DATA.encode()).decode(),
            metadata={'role': 'web', 'tier': 'frontend', 'owner': 'alice'},
            tags=['prod', 'web'],
            config_drive=True,
            description='nginx frontend',
            scheduler_hints={'group': group.id},
        )
        attach(web, self.vol['web-1-data'])

        db = server(
            'db-1',
            flavor_id=cf.find_flavor('m1.numa-pinned', ignore_missing=False).id,
            image_id=ubuntu.id,
            networks=[{'port': self.net['db_port'].id}],
            key_name='alice-key',
            metadata={'role': 'db', 'tier': 'backend'},
            tags=['prod', 'db'],
            description='postgres, pinned CPUs',
        )
        attach(db, self.vol['db-1-data'])
        db = compute.get_server(db.id)
        if db.status != 'SHUTOFF':
            compute.stop_server(db)
            compute.wait_for_server(db, status='SHUTOFF', interval=1, wait=WAIT)

        server(
            'bfv-1',
            flavor_id=cf.find_flavor('m1.small', ignore_missing=False).id,
            networks=[{'uuid': self.net['app'].id}],
            key_name='alice-key',
            metadata={'role': 'batch'},
            description='boots from an existing volume',
            block_device_mapping=[
                {'boot_index': 0, 'uuid': self.vol['bfv-1-root'].id, 'source_type': 'volume', 'destination_type': 'volume', 'delete_on_termination': False}
            ],
        )
        private = cf.find_flavor('acme.private', is_public=None, ignore_missing=False)
        server(
            'bfv-2',
            flavor_id=private.id,
            networks=[{'uuid': self.net['app'].id}],
            description='nova-created boot volume from an image',
            block_device_mapping=[
                {'boot_index': 0, 'uuid': ubuntu.id, 'source_type': 'image', 'destination_type': 'volume', 'volume_size': 1, 'delete_on_termination': True}
            ],
        )

        legacy_flavor = cf.find_flavor('m1.legacy', is_public=None)
        if compute.find_server('legacy-1') is None:
            server(
                'legacy-1',
                flavor_id=legacy_flavor.id,
                image_id=ubuntu.id,
                networks=[{'uuid': self.net['app'].id}],
                metadata={'role': 'legacy'},
                description='its flavor was deleted',
            )
        else:
            self.ids.setdefault('server', {})['legacy-1'] = compute.find_server('legacy-1').id
        if legacy_flavor is not None:
            cf.delete_flavor(legacy_flavor)
            log('deleted flavor m1.legacy (legacy-1 keeps its embedded copy)')
        self.ids['deleted_flavor'] = {'m1.legacy': legacy_flavor.id if legacy_flavor else self.ids.get('flavor', {}).get('m1.legacy')}
        self.ids.get('flavor', {}).pop('m1.legacy', None)

        # floating IPs: one on web-1's port, one kept unassociated
        port = next(net.ports(device_id=web.id, network_id=self.net['app'].id))
        fips = {f.description: f for f in net.ips(project_id=self.prod.id)}
        self.ensure(
            'floating_ip',
            'fip-web',
            lambda: fips.get('fip-web'),
            lambda: net.create_ip(floating_network_id=self.net['public'].id, port_id=port.id, description='fip-web'),
        )
        self.ensure(
            'floating_ip', 'fip-spare', lambda: fips.get('fip-spare'), lambda: net.create_ip(floating_network_id=self.net['public'].id, description='fip-spare')
        )

    # -- acme-disks: disks with known bytes ------------------------------------------
    def disks(self):
        ident = self.admin.identity
        project = self.ensure(
            'project',
            'acme-disks',
            lambda: ident.find_project('acme-disks', domain_id=self.domain.id),
            lambda: ident.create_project(name='acme-disks', domain_id=self.domain.id, description='servers whose disks hold known bytes', tags=['seeded']),
        )
        ident.assign_project_role_to_user(project, self.users['alice'], ident.find_role('member', ignore_missing=False))
        clouds = self.clouds()
        entry = dict(clouds['clouds']['demo-member'], auth=dict(clouds['clouds']['demo-member']['auth'], project_name='acme-disks'))
        if clouds['clouds'].get('demo-disks') != entry:
            clouds['clouds']['demo-disks'] = entry
            self.write_clouds(clouds)
        conn = self.openstack.connect(cloud='demo-disks', api_timeout=120)
        net = conn.network
        network = self.ensure(
            'network', 'disks-net', lambda: net.find_network('disks-net', project_id=project.id), lambda: net.create_network(name='disks-net')
        )
        self.ensure(
            'subnet',
            'disks-net-v4',
            lambda: net.find_subnet('disks-net-v4', project_id=project.id),
            lambda: net.create_subnet(name='disks-net-v4', network_id=network.id, ip_version=4, cidr='10.30.0.0/24'),
        )
        images = {}
        for label in DISK_IMAGES:
            path = os.path.join(self.tmp, label + '.raw')
            with open(path, 'wb') as f:
                f.write(disk_bytes(label))

            def create(label=label, path=path):
                return conn.image.wait_for_status(
                    conn.image.create_image(name=label, filename=path, disk_format='raw', container_format='bare', visibility='private', tags=['seeded']),
                    status='active',
                    failures=['killed'],
                    interval=1,
                    wait=WAIT,
                )

            images[label] = self.ensure('image', label, lambda label=label: next(iter(conn.image.images(name=label, owner=project.id)), None), create)
        bs = conn.block_storage

        def volume(name, image):
            return self.ensure(
                'volume',
                name,
                lambda: bs.find_volume(name),
                lambda: self.wait_volume(bs, bs.create_volume(name=name, size=1, image_id=images[image].id, description=f'known bytes ({image})')),
            )

        vols = {name: volume(name, image) for name, image in (('disks-bfv-root', 'disks-bfv'), ('disks-data', 'disks-data'), ('disks-spare', 'disks-spare'))}
        compute = conn.compute
        flavor = self.admin.compute.find_flavor('m1.small', ignore_missing=False).id

        def server(name, **kw):
            def create():
                return compute.wait_for_server(
                    compute.create_server(name=name, flavor_id=flavor, networks=[{'uuid': network.id}], **kw), status='ACTIVE', interval=1, wait=WAIT
                )

            return self.ensure('server', name, lambda: compute.find_server(name), create)

        img = server('disks-img', image_id=images['disks-root-a'].id)
        bfv = server(
            'disks-bfv',
            block_device_mapping=[
                {'boot_index': 0, 'uuid': vols['disks-bfv-root'].id, 'source_type': 'volume', 'destination_type': 'volume', 'delete_on_termination': False}
            ],
        )
        vol = server('disks-vol', image_id=images['disks-root-b'].id)
        data = bs.get_volume(vols['disks-data'].id)
        if not any(a['server_id'] == vol.id for a in data.attachments):
            compute.create_volume_attachment(vol, volume_id=data.id)
            self.wait_volume(bs, data, status='in-use')
        content = {label: disk_bytes(label) for label in DISK_IMAGES}
        self.disk_summary = {
            'project': 'acme-disks',
            'project_id': project.id,
            'cloud': 'demo-disks',
            'disks': {
                'disks-img/root': {'server_id': img.id, 'source_id': img.id, 'sha256': hashlib.sha256(content['disks-root-a']).hexdigest()},
                'disks-vol/root': {'server_id': vol.id, 'source_id': vol.id, 'sha256': hashlib.sha256(content['disks-root-b']).hexdigest()},
                'disks-bfv/disks-bfv-root': {'server_id': bfv.id, 'source_id': vols['disks-bfv-root'].id, 'sha256': volume_sha256(content['disks-bfv'], 1)},
                'disks-vol/disks-data': {'server_id': vol.id, 'source_id': data.id, 'sha256': volume_sha256(content['disks-data'], 1)},
                'disks-spare': {'server_id': None, 'source_id': vols['disks-spare'].id, 'sha256': volume_sha256(content['disks-spare'], 1)},
            },
        }

    def run(self):
        steps = [
            self.identity,
            self.application_credential,
            self.flavors,
            self.quotas,
            self.keypair,
            self.images,
            self.networks,
            self.volumes,
            self.servers,
            self.disks,
        ]
        for step in steps:
            t = time.monotonic()
            step()
            log(f'{step.__name__} done in {time.monotonic() - t:.1f}s')
        return {
            'domain': DOMAIN,
            'project': PROJECT,
            'project_id': self.prod.id,
            'clouds': ['admin', 'demo-member', 'demo-appcred', 'demo-disks'],
            'created': self.created,
            'ids': self.ids,
            'golden_image_sha256': hashlib.sha256(GOLDEN_BYTES).hexdigest(),
            'user_data': USER_DATA,
            'disks': self.disk_summary,
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clouds', required=True, help='clouds.yaml with cloud "admin"')
    parser.add_argument('--summary', help='also write the JSON summary here')
    args = parser.parse_args()
    warnings.filterwarnings('ignore')
    t0 = time.monotonic()
    summary = Seeder(os.path.abspath(args.clouds)).run()
    summary['seconds'] = round(time.monotonic() - t0, 1)
    suffix = '' if summary['created'] else ' (cloud was already seeded)'
    log(f"seeded in {summary['seconds']:.1f}s; {len(summary['created'])} object(s) created{suffix}")
    text = json.dumps(summary, indent=2, sort_keys=True)
    if args.summary:
        with open(args.summary, 'w') as f:
            f.write(text + '\n')
    print(text)


if __name__ == '__main__':
    main()
