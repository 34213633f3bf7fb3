# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Serve one OpenStack WSGI application with gunicorn on 127.0.0.1.

    serve.py --name NAME --port PORT --app module:attr [--threads N] [-- APP ARGS]

``--app module:factory()`` calls an application factory (keystone).

Why not the gunicorn CLI: keystone, nova, neutron and cinder parse
``sys.argv`` with oslo.config when their WSGI module is imported, so
gunicorn's own flags make the worker crash and restart forever while the
port stays open (clients then hang). Here gunicorn is configured in code
and ``sys.argv`` holds only NAME plus the APP ARGS (e.g. cinder's
``--config-file``) before the application module is imported.
"""

import argparse
import importlib
import sys

from gunicorn.app.base import BaseApplication


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--name', required=True, help='process/log name')
    parser.add_argument('--port', required=True, type=int)
    parser.add_argument('--app', required=True, help='module:attr, or module:factory() to call it')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--workers', type=int, default=1)
    parser.add_argument('--threads', type=int, default=8)
    parser.add_argument('app_args', nargs='*', help='arguments the application sees in sys.argv')
    return parser.parse_args(argv)


def load_target(target):
    module_name, _sep, attr = target.partition(':')
    module = importlib.import_module(module_name)
    if attr.endswith('()'):
        return getattr(module, attr[:-2])()
    return getattr(module, attr)


class WSGIServer(BaseApplication):
    def __init__(self, args):
        self.args = args
        super().__init__()

    def load_config(self):
        settings = {
            'bind': f'{self.args.host}:{self.args.port:d}',
            'workers': self.args.workers,
            'threads': self.args.threads,
            'timeout': 300,
            'graceful_timeout': 5,
            'proc_name': self.args.name,
            # gunicorn >= 27 opens a control socket in ~/.gunicorn otherwise
            'control_socket_disable': True,
        }
        for key, value in settings.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self):
        return load_target(self.args.app)


def main():
    args = parse_args(sys.argv[1:])
    sys.argv = [args.name, *args.app_args]
    WSGIServer(args).run()


if __name__ == '__main__':
    main()
