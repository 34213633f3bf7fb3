# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The in-cluster, read-only HTTP server of the TrilioVault backup target (a Deployment and a Service).

CDI's importer reads ``http(s)`` sources, not NFS: this server mounts the NFS export that TVO
writes its backups to, read-only, and serves its files so that each DataVolume's
``source.http.url`` can point at ``<base URL>/workload_<w>/snapshot_<s>/...``. The default image
is nginx, whose static file handler answers ``Range`` requests and ``HEAD`` with the size, which
CDI uses. Pure: plain dicts in, plain dicts out.
"""

from __future__ import annotations

import re

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.k8s_meta import k8s_object, object_meta

DEFAULT_NAME = "ostokubevirt-tvo-http"
DEFAULT_IMAGE = "docker.io/library/nginx:1.27-alpine"
DEFAULT_PORT = 8080
# nginx's unprivileged image layout is not assumed: the default image serves /usr/share/nginx/html on port 80
DEFAULT_DOCROOT = "/usr/share/nginx/html"
CONTAINER_PORT = 80
COMPONENT_LABEL = "app.kubernetes.io/component"
NAME_LABEL = "app.kubernetes.io/name"
COMPONENT = "tvo-backup-http"
_DNS1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


class TvoHttpError(ValueError):
    """A setting that cannot make a valid server; the message names the setting."""


def base_url(name: str, namespace: str, port: int = DEFAULT_PORT) -> str:
    """The URL inside the cluster that serves the backup target's root (``tvo_backup``'s ``http_base_url``)."""
    return f"http://{name}.{namespace}.svc:{port}"


def server_objects(
    namespace: str,
    nfs_server: str,
    nfs_path: str,
    *,
    name: str = DEFAULT_NAME,
    image: str = DEFAULT_IMAGE,
    port: int = DEFAULT_PORT,
    docroot: str = DEFAULT_DOCROOT,
    container_port: int = CONTAINER_PORT,
    replicas: int = 1,
) -> list[dict]:
    """[Deployment, Service] serving the NFS export ``nfs_server:nfs_path`` read-only in ``namespace``."""
    _check(namespace, nfs_server, nfs_path, name, image, port, container_port, docroot, replicas)
    source_id = f"{nfs_server}:{nfs_path}"
    selector = {NAME_LABEL: name, COMPONENT_LABEL: COMPONENT}

    def meta():
        return object_meta(name, namespace, source_type="trilio.backup_target", source_id=source_id, labels=dict(selector))

    container = {
        "name": "http",
        "image": image,
        "ports": [{"name": "http", "containerPort": container_port, "protocol": "TCP"}],
        "volumeMounts": [
            {"name": "backup-target", "mountPath": docroot, "readOnly": True},
            # nginx writes its pid, temp and cache files: the backup target never sees them
            {"name": "scratch", "mountPath": "/var/cache/nginx"},
            {"name": "run", "mountPath": "/var/run"},
        ],
        "readinessProbe": {"tcpSocket": {"port": "http"}, "periodSeconds": 5},
        "livenessProbe": {"tcpSocket": {"port": "http"}, "periodSeconds": 20},
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True},
    }
    deployment = k8s_object(
        "apps/v1",
        "Deployment",
        meta(),
        spec={
            "replicas": replicas,
            "selector": {"matchLabels": dict(selector)},
            "template": {
                "metadata": {"labels": {**meta()["labels"]}},
                "spec": {
                    "automountServiceAccountToken": False,
                    "containers": [container],
                    "volumes": [
                        {"name": "backup-target", "nfs": {"server": nfs_server, "path": nfs_path, "readOnly": True}},
                        {"name": "scratch", "emptyDir": {}},
                        {"name": "run", "emptyDir": {}},
                    ],
                },
            },
        },
    )
    service = k8s_object(
        "v1",
        "Service",
        meta(),
        spec={"type": "ClusterIP", "selector": dict(selector), "ports": [{"name": "http", "port": port, "targetPort": "http", "protocol": "TCP"}]},
    )
    return [deployment, service]


def _check(namespace, nfs_server, nfs_path, name, image, port, container_port, docroot, replicas) -> None:
    if not isinstance(name, str) or len(name) > 63 or not _DNS1035.match(name):
        raise TvoHttpError(f"tvo http server name {name!r} must be a DNS-1035 label (lower case, digits, '-', at most 63, starting with a letter)")
    if not isinstance(namespace, str) or not namespace:
        raise TvoHttpError("tvo http server: namespace must be set")
    if not isinstance(nfs_server, str) or not nfs_server.strip():
        raise TvoHttpError("tvo http server: nfs_server must name the NFS server of the backup target")
    if not isinstance(nfs_path, str) or not nfs_path.startswith("/"):
        raise TvoHttpError(f"tvo http server: nfs_path must be the absolute exported path, got {nfs_path!r}")
    if not isinstance(image, str) or not image.strip():
        raise TvoHttpError("tvo http server: image must be set")
    if not isinstance(docroot, str) or not docroot.startswith("/"):
        raise TvoHttpError(f"tvo http server: docroot must be an absolute path, got {docroot!r}")
    for field, value in (("port", port), ("container_port", container_port)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
            raise TvoHttpError(f"tvo http server: {field} must be a port number (1-65535), got {value!r}")
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 1:
        raise TvoHttpError(f"tvo http server: replicas must be a positive number, got {replicas!r}")
