# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Create the service project, service users and the catalog (idempotent).

    catalog.py --clouds WORK/clouds.yaml --service-password PW

Runs once keystone is up (``keystone-manage bootstrap`` made the admin user
and the identity endpoint). One Python process instead of ~40 CLI calls.
"""

import argparse
import os
import sys
import time
import warnings

HOST = 'http://127.0.0.1'
REGION = 'RegionOne'
# user, service name, service type, endpoint URL
SERVICES = [
    ('glance', 'glance', 'image', HOST + ':9292'),
    ('placement', 'placement', 'placement', HOST + ':8778'),
    ('nova', 'nova', 'compute', HOST + ':8774/v2.1'),
    ('neutron', 'neutron', 'network', HOST + ':9696'),
    ('cinder', 'cinderv3', 'volumev3', HOST + ':8776/v3/%(project_id)s'),
]


def connect(clouds, cloud, deadline=120):
    os.environ['OS_CLIENT_CONFIG_FILE'] = clouds
    import openstack

    end = time.monotonic() + deadline
    while True:
        try:
            conn = openstack.connect(cloud=cloud, api_timeout=60)
            conn.authorize()
            return conn
        except Exception as exc:  # keystone's worker may still be loading
            if time.monotonic() > end:
                raise
            print(f'waiting for keystone: {exc}', file=sys.stderr)
            time.sleep(2)


def ensure_role(conn, name):
    return conn.identity.find_role(name) or conn.identity.create_role(name=name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clouds', required=True)
    parser.add_argument('--cloud', default='admin')
    parser.add_argument('--service-password', required=True)
    args = parser.parse_args()
    warnings.filterwarnings('ignore')

    conn = connect(args.clouds, args.cloud)
    ident = conn.identity
    domain = ident.find_domain('default')
    project = ident.find_project('service', domain_id=domain.id) or ident.create_project(name='service', domain_id=domain.id, description='OpenStack services')
    admin = ensure_role(conn, 'admin')
    service_role = ensure_role(conn, 'service')

    for user_name, svc_name, svc_type, url in SERVICES:
        user = ident.find_user(user_name, domain_id=domain.id)
        if user is None:
            user = ident.create_user(name=user_name, domain_id=domain.id, password=args.service_password)
        else:  # keep it in step with secrets.env
            ident.update_user(user, password=args.service_password)
        for role in (admin, service_role):
            ident.assign_project_role_to_user(project, user, role)

        service = next(iter(ident.services(type=svc_type)), None)
        if service is None:
            service = ident.create_service(name=svc_name, type=svc_type)
        have = {e.interface for e in ident.endpoints(service_id=service.id)}
        for interface in ('public', 'internal', 'admin'):
            if interface not in have:
                ident.create_endpoint(service_id=service.id, interface=interface, url=url, region_id=REGION)
        print(f'{svc_type:<9} {user_name:<9} {url}')


if __name__ == '__main__':
    main()
