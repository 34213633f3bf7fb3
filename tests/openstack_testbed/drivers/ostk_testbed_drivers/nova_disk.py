# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Nova's fake virt driver with a root disk that holds bytes, so ``createImage`` uploads real data.

Upstream's fake driver keeps no disk and its ``snapshot`` uploads nothing (the image stays
``queued`` forever). Here an image-booted server gets ``<instances_path>/<uuid>/disk``: the bytes
of the Glance image it was booted from, fetched at spawn (or at the first snapshot, when the file
is missing). ``snapshot`` uploads that file to the image Nova created, in the base image's disk
format, like libvirt does.

A hypervisor keeps its guests when nova-compute restarts; upstream's fake driver keeps them in
memory and forgets them, so on a testbed started again over its data (``up.sh`` without
``--purge``) every stop, start or snapshot of an earlier server would fail with InstanceNotFound.
``init_host`` therefore takes back the servers Nova's database places on this host, in the power
state Nova last recorded for them.

nova-compute imports a compute driver only from inside ``nova.virt``; ``nova_compute.py``
starts nova-compute with this module registered there as ``nova.virt.ostk_disk``:

    [DEFAULT]
    compute_driver = ostk_disk.DiskFakeDriver
"""

import os
import shutil
import sys

from nova import context as nova_context
from nova import objects
from nova.compute import power_state, task_states, vm_states
from nova.conf import CONF
from nova.image import glance
from nova.virt import fake
from oslo_log import log as logging

LOG = logging.getLogger(__name__)

sys.modules.setdefault('nova.virt.ostk_disk', sys.modules[__name__])


class DiskFakeDriver(fake.FakeDriverWithoutFakeNodes):
    """FakeDriverWithoutFakeNodes whose image-booted servers have a root disk file."""

    def __init__(self, virtapi, read_only=False):
        super().__init__(virtapi, read_only)
        self._image_api = glance.API()

    def init_host(self, host):
        super().init_host(host)
        self._take_back_guests(host)

    def _take_back_guests(self, host):
        """Nova's servers on ``host`` that this process has not spawned, as the hypervisor still running them."""
        context = nova_context.get_admin_context()
        for instance in objects.InstanceList.get_by_host(context, host, expected_attrs=['flavor']):
            if instance.uuid in self.instances or instance.vm_state == vm_states.BUILDING:
                continue  # a spawn the restart interrupted never reached the hypervisor
            stopped = instance.power_state == power_state.SHUTDOWN or instance.vm_state == vm_states.STOPPED
            self.instances[instance.uuid] = fake.FakeInstance(instance.name, power_state.SHUTDOWN if stopped else power_state.RUNNING, instance.uuid)
            self.resources.claim(vcpus=instance.flavor.vcpus, mem=instance.flavor.memory_mb, disk=instance.flavor.root_gb)
            LOG.info('guest %s (%s) taken back after a restart', instance.uuid, 'shut off' if stopped else 'running')

    @staticmethod
    def _disk_path(instance):
        return os.path.join(CONF.instances_path, instance.uuid, 'disk')

    def _ensure_disk(self, context, instance):
        """The server's root disk file, made from its boot image if missing; None when it boots from a volume."""
        path = self._disk_path(instance)
        if os.path.exists(path):
            return path
        if not instance.image_ref:
            return None
        os.makedirs(os.path.dirname(path), exist_ok=True)
        partial = path + '.part'
        self._image_api.download(context, instance.image_ref, dest_path=partial)
        os.replace(partial, path)
        LOG.info('root disk of %s from image %s: %d bytes', instance.uuid, instance.image_ref, os.path.getsize(path))
        return path

    def spawn(
        self,
        context,
        instance,
        image_meta,
        injected_files,
        admin_password,
        allocations,
        network_info=None,
        block_device_info=None,
        power_on=True,
        accel_info=None,
    ):
        super().spawn(context, instance, image_meta, injected_files, admin_password, allocations, network_info, block_device_info, power_on, accel_info)
        self._ensure_disk(context, instance)

    def destroy(self, context, instance, network_info, block_device_info=None, destroy_disks=True, destroy_secrets=True):
        super().destroy(context, instance, network_info, block_device_info, destroy_disks, destroy_secrets)
        if destroy_disks:
            shutil.rmtree(os.path.dirname(self._disk_path(instance)), ignore_errors=True)

    def snapshot(self, context, instance, image_id, update_task_state):
        update_task_state(task_state=task_states.IMAGE_PENDING_UPLOAD)
        path = self._ensure_disk(context, instance)
        if path is None:
            raise NotImplementedError('the testbed keeps no root disk for a server that boots from a volume')
        image_meta = instance.image_meta
        disk_format = image_meta.disk_format if image_meta.obj_attr_is_set('disk_format') else 'raw'
        container = image_meta.container_format if image_meta.obj_attr_is_set('container_format') else 'bare'
        metadata = {
            'disk_format': disk_format,
            'container_format': container,
            'properties': {'image_location': 'snapshot', 'image_state': 'available', 'owner_id': instance.project_id},
        }
        update_task_state(task_state=task_states.IMAGE_UPLOADING, expected_state=task_states.IMAGE_PENDING_UPLOAD)
        with open(path, 'rb') as data:
            self._image_api.update(context, image_id, metadata, data, purge_props=False)
        LOG.info('snapshot of %s uploaded to image %s (%s)', instance.uuid, image_id, disk_format)
