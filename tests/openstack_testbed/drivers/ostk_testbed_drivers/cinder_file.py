# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Cinder volume driver keeping each volume as a sparse raw file.

Needs no LVM, iSCSI or device-mapper (none exists in a container), yet keeps
real bytes: create-from-image, upload-to-image, snapshots and clones copy
data, so a test can download a volume's content through glance.
Attachments hand out a ``local`` connection with the file path; nova's fake
virt driver accepts it without touching it.

    [file]
    volume_driver = ostk_testbed_drivers.cinder_file.SparseFileVolumeDriver
    sparse_file_volume_dir = /some/dir
"""

import os
import subprocess

from cinder.image import image_utils
from cinder.volume import driver, volume_utils
from oslo_config import cfg
from oslo_log import log as logging

LOG = logging.getLogger(__name__)
GiB = 1024**3

OPTS = [
    cfg.StrOpt('sparse_file_volume_dir', default='/var/lib/cinder/sparse-volumes', help='Directory holding one sparse raw file per volume.'),
    cfg.IntOpt('sparse_file_capacity_gb', default=1000, help='Capacity reported to the scheduler.'),
]
cfg.CONF.register_opts(OPTS, group='backend_defaults')


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _copy(src, dest):
    """A sparse copy: a 1 GiB volume holding 1 MiB of data stays 1 MiB on disk, for every snapshot and clone."""
    subprocess.run(['cp', '--sparse=always', src, dest], check=True)


def _resize(path, size_gb):
    with open(path, 'ab') as f:
        f.truncate(size_gb * GiB)


class SparseFileVolumeDriver(driver.VolumeDriver):
    """One sparse file per volume (and per snapshot) in a directory."""

    VERSION = '0.1.0'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.configuration.append_config_values(OPTS)

    # paths -----------------------------------------------------------------
    @property
    def _dir(self):
        return self.configuration.sparse_file_volume_dir

    def local_path(self, volume):
        return os.path.join(self._dir, f'volume-{volume.id}')

    def _snapshot_path(self, snapshot):
        return os.path.join(self._dir, f'snapshot-{snapshot.id}')

    # setup and stats ---------------------------------------------------------
    def do_setup(self, context):
        os.makedirs(self._dir, exist_ok=True)

    def check_for_setup_error(self):
        if not os.access(self._dir, os.W_OK):
            raise OSError(f'{self._dir} is not writable')

    def get_volume_stats(self, refresh=False):
        if refresh or not self._stats:
            capacity = self.configuration.sparse_file_capacity_gb
            self._stats = {
                'volume_backend_name': (self.configuration.safe_get('volume_backend_name') or 'file'),
                'vendor_name': 'ostokubevirt testbed',
                'driver_version': self.VERSION,
                'storage_protocol': 'local',
                'total_capacity_gb': capacity,
                'free_capacity_gb': capacity,
                'reserved_percentage': 0,
                'thin_provisioning_support': True,
                'multiattach': True,
            }
        return self._stats

    # volume lifecycle --------------------------------------------------------
    def create_volume(self, volume):
        _resize(self.local_path(volume), volume.size)

    def delete_volume(self, volume):
        _unlink(self.local_path(volume))

    def extend_volume(self, volume, new_size):
        _resize(self.local_path(volume), new_size)

    def create_cloned_volume(self, volume, src_vref):
        _copy(self.local_path(src_vref), self.local_path(volume))
        _resize(self.local_path(volume), volume.size)

    def create_snapshot(self, snapshot):
        _copy(self.local_path(snapshot.volume), self._snapshot_path(snapshot))

    def delete_snapshot(self, snapshot):
        _unlink(self._snapshot_path(snapshot))

    def create_volume_from_snapshot(self, volume, snapshot):
        _copy(self._snapshot_path(snapshot), self.local_path(volume))
        _resize(self.local_path(volume), volume.size)

    # image transfer (real bytes) ---------------------------------------------
    def copy_image_to_volume(self, context, volume, image_service, image_id, disable_sparse=False):
        path = self.local_path(volume)
        image_utils.fetch_to_raw(context, image_service, image_id, path, self.configuration.volume_dd_blocksize, size=volume.size, run_as_root=False)
        # qemu-img convert wrote the image's virtual size: grow to volume size
        _resize(path, volume.size)

    def copy_volume_to_image(self, context, volume, image_service, image_meta):
        volume_utils.upload_volume(context, image_service, image_meta, self.local_path(volume), volume, run_as_root=False)

    # exports and attachments: nothing to export ------------------------------
    def create_export(self, context, volume, connector):
        return None

    def ensure_export(self, context, volume):
        return None

    def remove_export(self, context, volume):
        return None

    def initialize_connection(self, volume, connector):
        return {'driver_volume_type': 'local', 'data': {'device_path': self.local_path(volume)}}

    def terminate_connection(self, volume, connector, **kwargs):
        return None
