# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Export records -> the CDI DataVolume sources that import them, and the Glance token's header Secret.

An export record (one per disk, produced at apply time by the Glance/Cinder or TrilioVault export) says
where CDI downloads the disk and what its checksum is. Translation leaves a pending upload source on
every exported disk; these functions fill it in. The token reaches the importer only through the header
Secret: no DataVolume, error message or plan entry ever holds it.
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Mapping

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.disks import DISK_SOURCE_ANNOTATION
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import SERVER_ID_LABEL, SOURCE_ID_ANNOTATION, k8s_object, object_meta
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.options import DISK_GLANCE, DISK_MANUAL, DISK_TVO, TranslationOptions

HEADER_SECRET_SUFFIX = "-disk-token"
# CDI mounts each secretExtraHeaders Secret into the importer and sends every data value as one header line.
HEADER_SECRET_KEY = "token"
HEADER_NAME = "X-Auth-Token"
# The algorithms CDI's http source accepts in "checksum" ("algorithm:hash").
CHECKSUM_ALGORITHMS = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}
EXPORT_METHODS = (DISK_GLANCE, DISK_TVO)
_HEX_RE = re.compile(r"^[0-9a-f]+$")
_URL_RE = re.compile(r"^https?://[^\s/]+\S*$")


class DiskSourceError(ValueError):
    """An export record that cannot become a DataVolume source; names the VM, the disk and the field."""


def header_secret_name(vm_name: str) -> str:
    return f"{vm_name}{HEADER_SECRET_SUFFIX}"


def _disk_label(vm_name: str, datavolume: str, source_id: str) -> str:
    return f"VM {vm_name}: disk {datavolume} ({source_id})"


def _checksum(record: Mapping, label: str) -> str:
    checksum = record.get("checksum")
    if not isinstance(checksum, str) or ":" not in checksum:
        raise DiskSourceError(
            f"{label}: export record field checksum is {checksum!r}, not '<algorithm>:<hex>'; the disk cannot be "
            "verified (verify_disk_checksums: false imports it unverified)"
        )
    algorithm, _colon, digest = checksum.partition(":")
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise DiskSourceError(f"{label}: export record field checksum uses {algorithm!r}; CDI verifies only {sorted(CHECKSUM_ALGORITHMS)}")
    if len(digest) != CHECKSUM_ALGORITHMS[algorithm] or not _HEX_RE.match(digest):
        raise DiskSourceError(f"{label}: export record field checksum is not a {algorithm} digest in lowercase hex: {checksum!r}")
    return checksum


def datavolume_source(record: Mapping, *, vm_name: str, options: TranslationOptions, datavolume: str = "") -> dict:
    """spec.source of the DataVolume that imports one exported disk.

    glance: http.url, secretExtraHeaders [<vm>-disk-token], checksum (unless verification is off) and
    certConfigMap (option disk_ca_configmap); tvo: http.url and checksum.
    """
    source_id = str(record.get("source_id") or "")
    label = _disk_label(vm_name, datavolume or "?", source_id or "?")
    method = record.get("method")
    if method not in EXPORT_METHODS:
        raise DiskSourceError(f"{label}: export record field method must be one of {list(EXPORT_METHODS)}, got {method!r}")
    url = record.get("url")
    if not isinstance(url, str) or not _URL_RE.match(url):
        raise DiskSourceError(f"{label}: export record field url must be an http(s) URL, got {url!r}")
    http: dict = {"url": url}
    if record.get("needs_token", method == DISK_GLANCE):
        http["secretExtraHeaders"] = [header_secret_name(vm_name)]
    if method == DISK_GLANCE and options.disk_ca_configmap:
        http["certConfigMap"] = options.disk_ca_configmap
    if options.verify_disk_checksums:
        http["checksum"] = _checksum(record, label)
    return {"http": http}


def _records_by_source(records, vm_name: str) -> dict[str, Mapping]:
    items = list(records.values()) if isinstance(records, Mapping) else list(records or [])
    by_source: dict[str, Mapping] = {}
    for index, record in enumerate(items):
        if not isinstance(record, Mapping) or not record.get("source_id"):
            raise DiskSourceError(f"VM {vm_name}: export record #{index} has no source_id")
        by_source[str(record["source_id"])] = record
    return by_source


def _vm_parts(vm) -> tuple[str, list[dict], list[dict]]:
    """(VM name, DataVolumes, disk transfers) of a ServerResult or of an apply-input VM entry."""
    if isinstance(vm, Mapping):
        if "disk_transfers" not in vm:
            # Without them every disk would look manual and keep its pending source: an empty disk, silently.
            raise DiskSourceError(f"VM {vm.get('name')}: the VM entry has no disk_transfers; cannot tell which disks are exported")
        return str(vm["name"]), list(vm.get("datavolumes") or []), list(vm["disk_transfers"] or [])
    return vm.vm_name, vm.datavolumes, vm.disk_transfers


def datavolumes_with_sources(vm, records, options: TranslationOptions) -> list[dict]:
    """The server's DataVolumes with each exported disk's source filled in from its export record.

    vm: the server's ServerResult (translate/server.py), or a VM entry with name, datavolumes and
    disk_transfers (as apply input carries it); records: export records, a list or a mapping (records of
    other servers' disks are ignored). Disks whose method is manual keep the source translation gave them.
    A disk that needs a record and has none, or one from another method, is an error naming it.
    """
    vm_name, datavolumes, transfers = _vm_parts(vm)
    by_source = _records_by_source(records, vm_name)
    methods = {t["source_id"]: t["method"] for t in transfers}
    filled = []
    for datavolume in datavolumes:
        datavolume = copy.deepcopy(datavolume)
        meta = datavolume["metadata"]
        source_id = str(meta["annotations"][SOURCE_ID_ANNOTATION])
        method = methods.get(source_id, DISK_MANUAL)
        if method == DISK_MANUAL:
            filled.append(datavolume)
            continue
        label = _disk_label(vm_name, meta["name"], source_id)
        record = by_source.get(source_id)
        if record is None:
            raise DiskSourceError(f"{label}: no export record for this disk (method {method}); export it before importing")
        if record.get("method") != method:
            raise DiskSourceError(f"{label}: export record field method is {record.get('method')!r} but the plan exports this disk with {method!r}")
        datavolume["spec"]["source"] = datavolume_source(record, vm_name=vm_name, options=options, datavolume=meta["name"])
        # Still bound at once: the engine imports before the VirtualMachine exists, so a WaitForFirstConsumer
        # class would otherwise wait for a consumer that comes only after the import.
        meta["annotations"][DISK_SOURCE_ANNOTATION] = method
        filled.append(datavolume)
    return filled


def header_secret(vm_name: str, namespace: str, token: str, *, server_id: str, server_name: str | None = None) -> dict:
    """The Secret whose one data value is the line "X-Auth-Token: <token>" CDI sends with each Glance request.

    Labelled and annotated like the VM's other objects, so cleanup and rollback find it by the same rules.
    """
    name = header_secret_name(vm_name)
    if not isinstance(token, str) or not token.strip():
        raise DiskSourceError(f"VM {vm_name}: Secret {name}: the Glance token is empty")
    if any(ch in token for ch in "\r\n\0") or token != token.strip():
        # A line break would let the value add headers of its own; the token itself stays out of the message.
        raise DiskSourceError(f"VM {vm_name}: Secret {name}: the Glance token holds whitespace or a line break and cannot be one header line")
    meta = object_meta(name, namespace, source_type="keystone.token", source_id=server_id, source_name=server_name, labels={SERVER_ID_LABEL: str(server_id)})
    line = f"{HEADER_NAME}: {token}"
    return k8s_object("v1", "Secret", meta, type="Opaque", data={HEADER_SECRET_KEY: base64.b64encode(line.encode()).decode()})
