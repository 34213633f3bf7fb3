# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Guest identity: cloud-init data source, SSH keys, hostname, metadata, tags and power state.

cloud-init decides whether a boot is a first boot by comparing the data source's
instance-id with the one it stored. KubeVirt derives that id from the VM's firmware UUID
(NoCloud instance-id, ConfigDrive uuid), and Nova used the server UUID for both the
SMBIOS UUID and the instance-id. Setting firmware.uuid to the server UUID therefore keeps
cloud-init from re-running first-boot modules (user scripts, SSH host key regeneration,
user creation) on the migrated guest, and keeps the SMBIOS UUID licensed software saw.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.findings import FindingCollector
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import k8s_object, object_meta
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.naming import dns_label, is_label_value, is_qualified_key

USER_DATA_KEY = "OS-EXT-SRV-ATTR:user_data"
METADATA_LABEL_PREFIX = "metadata.ostokubevirt.io/"
TAG_LABEL_PREFIX = "tag.ostokubevirt.io/"
METADATA_ANNOTATION = "ostokubevirt.io/nova-metadata"
TAGS_ANNOTATION = "ostokubevirt.io/nova-tags"
CLOUD_INIT_VOLUME = "cloudinit"
EMPTY_CLOUD_CONFIG = "#cloud-config\n"

# Nova status -> (runStrategy, warning or None); statuses absent here block the server.
RUN_STRATEGIES = {
    "ACTIVE": ("Always", None),
    "SHUTOFF": ("Halted", None),
    "PAUSED": ("Halted", "server is PAUSED; its memory state is not migrated, the VM is created stopped"),
    "SUSPENDED": ("Halted", "server is SUSPENDED; its memory state is not migrated, the VM is created stopped"),
    "SHELVED": ("Halted", "server is SHELVED; the VM is created stopped"),
    "SHELVED_OFFLOADED": ("Halted", "server is SHELVED_OFFLOADED; its root disk is the shelve snapshot image, the VM is created stopped"),
}
TRANSIENT_STATUSES = (
    "BUILD",
    "REBUILD",
    "REBOOT",
    "HARD_REBOOT",
    "RESIZE",
    "VERIFY_RESIZE",
    "REVERT_RESIZE",
    "MIGRATING",
    "PASSWORD",
    "RESCUE",
    "UNKNOWN",
    "DELETED",
    "SOFT_DELETED",
)


def run_strategy(server: dict, collector: FindingCollector) -> str:
    status = str(server.get("status") or "").upper()
    if status in RUN_STRATEGIES:
        strategy, warning = RUN_STRATEGIES[status]
        if warning:
            collector.warn("status", warning)
        return strategy
    if status == "ERROR":
        raise collector.fail("status", "server is in ERROR state; repair or reset it on OpenStack first")
    if status in TRANSIENT_STATUSES:
        raise collector.fail("status", f"server is in transitional state {status}; migrate it once it has settled (e.g. confirm or revert a resize)")
    raise collector.fail("status", f"unknown server status {status!r}")


def hostname(server: dict) -> str:
    return dns_label(server.get("OS-EXT-SRV-ATTR:hostname") or server.get("name") or server.get("id"))


def metadata_labels_and_annotations(server: dict) -> tuple[dict, dict]:
    """Labels for metadata/tags that are valid Kubernetes labels; the complete set in annotations (lossless)."""
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    metadata = server.get("metadata") or {}
    if isinstance(metadata, dict) and metadata:
        annotations[METADATA_ANNOTATION] = json.dumps(metadata, sort_keys=True)
        for key, value in metadata.items():
            label_key = f"{METADATA_LABEL_PREFIX}{key}"
            if is_qualified_key(label_key) and is_label_value(str(value)):
                labels[label_key] = str(value)
    tags = server.get("tags") or []
    if isinstance(tags, list) and tags:
        annotations[TAGS_ANNOTATION] = json.dumps(sorted(str(t) for t in tags))
        for tag in tags:
            label_key = f"{TAG_LABEL_PREFIX}{tag}"
            if is_qualified_key(label_key):
                labels[label_key] = ""
    return labels, annotations


def _user_data_base64(server: dict, collector: FindingCollector) -> str | None:
    raw = server.get(USER_DATA_KEY)
    if raw in (None, ""):
        return None
    try:
        base64.b64decode(str(raw), validate=True)
    except (binascii.Error, ValueError):
        raise collector.fail(USER_DATA_KEY, "user_data is not valid base64 as Nova returns it") from None
    return str(raw)


def readable_user_data(server: dict) -> str:
    """The user data as text for inspection (never output); "" when absent or undecodable."""
    raw = server.get(USER_DATA_KEY)
    if raw in (None, ""):
        return ""
    try:
        data = base64.b64decode(str(raw))
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    except (binascii.Error, ValueError, OSError, EOFError):
        return ""
    return data.decode("utf-8", errors="replace")


def cloud_init(
    server: dict, *, vm_name: str, namespace: str, keypair: dict | None, windows: bool, collector: FindingCollector
) -> tuple[dict, list[dict], dict | None, str]:
    """The cloud-init volume, Secrets to create, accessCredentials entry (or None) and the data source used.

    A data source is always attached: without one cloud-init falls back to DataSourceNone, whose
    instance-id differs from the OpenStack one and triggers a full first-boot run.
    """
    use_config_drive = str(server.get("config_drive") or "").lower() in ("true", "1", "yes") or windows
    source_kind = "configDrive" if use_config_drive else "noCloud"
    secrets: list[dict] = []
    user_data = _user_data_base64(server, collector)
    if user_data is None:
        user_data = base64.b64encode(EMPTY_CLOUD_CONFIG.encode()).decode()
    secret_name = dns_label(f"{vm_name}-cloud-init")
    secrets.append(
        k8s_object(
            "v1",
            "Secret",
            object_meta(secret_name, namespace, source_type="nova.server.user_data", source_id=str(server.get("id")), source_name=server.get("name")),
            type="Opaque",
            data={"userdata": user_data},
        )
    )
    volume_source = {"secretRef": {"name": secret_name}}
    volume = {"name": CLOUD_INIT_VOLUME, ("cloudInitConfigDrive" if use_config_drive else "cloudInitNoCloud"): volume_source}
    access = None
    key_name = server.get("key_name")
    if key_name:
        if keypair is None or not keypair.get("public_key"):
            collector.warn(
                "key_name", f"key pair {key_name!r} is not in the snapshot; its public key is already in the guest's authorized_keys but is not re-injected"
            )
        else:
            access = {"sshPublicKey": {"source": {"secret": {"secretName": keypair_secret_name(key_name)}}, "propagationMethod": {source_kind: {}}}}
    return volume, secrets, access, source_kind


def keypair_secret_name(key_name: str) -> str:
    return dns_label(f"keypair-{key_name}", identity=key_name)


def keypair_secret(keypair: dict, *, namespace: str) -> dict:
    meta = object_meta(
        keypair_secret_name(keypair["name"]),
        namespace,
        source_type="nova.keypair",
        source_id=keypair.get("fingerprint") or keypair["name"],
        source_name=keypair["name"],
    )
    public_key = str(keypair.get("public_key", "")).strip().encode()
    return k8s_object("v1", "Secret", meta, type="Opaque", data={"key": base64.b64encode(public_key).decode()})
