# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One server's flavor + image properties -> the VirtualMachine's spec.template.spec.domain (KubeVirt's "domain",
not Keystone's), without disks and interfaces.

server.py adds devices.disks / devices.interfaces (using disk_bus, cdrom_bus and nic_model from here) and
firmware.uuid.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import extra_specs as _extra_specs
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import flavor as _flavor
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate import image_props as _image_props
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import Finding, FindingCollector, type_name
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import TranslationOptions


@dataclasses.dataclass
class DomainSpec:
    domain: dict
    node_selector: dict
    disk_bus: str
    nic_model: str
    os_windows: bool
    findings: list[Finding]
    cdrom_bus: str = "sata"

    def as_dict(self) -> dict:
        return {
            "domain": self.domain,
            "node_selector": self.node_selector,
            "disk_bus": self.disk_bus,
            "cdrom_bus": self.cdrom_bus,
            "nic_model": self.nic_model,
            "os_windows": self.os_windows,
            "findings": [f.as_dict() for f in self.findings],
        }


def build_domain(flavor: Mapping, image_props: Mapping | None, *, collector: FindingCollector, options: TranslationOptions) -> DomainSpec:
    """Translate; raises TranslationError (from collector.fail) when the server cannot be translated at all.

    findings holds only what this call added to the collector (it may be shared with other translations of
    the same server).
    """
    first = len(collector.findings)
    if not isinstance(flavor, Mapping):
        raise collector.fail("flavor", f"expected the server's embedded flavor (a dict), got {type_name(flavor)}")
    if image_props is not None and not isinstance(image_props, Mapping):
        raise collector.fail("image", f"expected image properties as a dict, got {type_name(image_props)}")
    specs = flavor.get("extra_specs") or {}
    if not isinstance(specs, Mapping):
        raise collector.fail("flavor.extra_specs", f"expected a dict, got {type_name(specs)}")
    props = dict(image_props or {})

    classified = _extra_specs.classify(specs, collector=collector, options=options)
    sized = _flavor.translate_flavor(flavor, props, collector=collector)
    image = _image_props.translate_image(props, specs, collector=collector)

    node_selector = dict(classified.node_selector)
    for key, value in image.node_selector.items():
        if node_selector.get(key, value) != value:
            collector.warn(
                "image.hw_architecture",
                f"nodeSelector {key}={node_selector[key]!r} from the flavor conflicts with the image architecture ({value!r}); the image wins",
            )
        node_selector[key] = value

    domain: dict = {"cpu": sized.cpu, "memory": sized.memory}
    if sized.resources:
        domain["resources"] = sized.resources
    if image.firmware:
        domain["firmware"] = image.firmware
    if image.features:
        domain["features"] = image.features
    if image.machine:
        domain["machine"] = image.machine
    if image.clock:
        domain["clock"] = image.clock
    domain["devices"] = image.devices
    return DomainSpec(
        domain=domain,
        node_selector=node_selector,
        disk_bus=image.disk_bus,
        nic_model=image.nic_model,
        os_windows=image.os_windows,
        findings=list(collector.findings[first:]),
        cdrom_bus=image.cdrom_bus,
    )
