# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Thread-safe object storage with resourceVersion, uid, generation and creationTimestamp.

Every stored object is a plain dict.  Callers always get deep copies, so nothing outside
the store can change stored state without going through ``put``.  One global counter
provides resourceVersions, as etcd's revision does on a real cluster.
"""
from __future__ import annotations

import copy
import datetime
import threading
import time
import uuid
from collections.abc import Callable, Iterable

from . import errors
from .resources import RESOURCES, ResourceType

Key = tuple[str, str, str, str]  # (group, plural, namespace, name)

DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
_HISTORY = 1000


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def key_of(rtype: ResourceType, namespace: str | None, name: str) -> Key:
    return (rtype.group, rtype.plural, namespace or "" if rtype.namespaced else "", name)


class Store:
    """All objects of all kinds, guarded by one re-entrant lock.

    ``lock`` is public so that read-modify-write sequences (update with a resourceVersion
    precondition, server-side apply) run atomically; ``changed`` is notified on every write.
    """

    def __init__(self, namespace_grace: float = 0.0) -> None:
        # Seconds a deleted Namespace stays Terminating (0: it goes at once).
        self.namespace_grace = namespace_grace
        self._terminating: dict[str, float] = {}
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._objects: dict[Key, dict] = {}
        self._revision = 0
        self.events: list[tuple[int, str, ResourceType, dict]] = []
        # Watches from before this revision cannot be served any more (410 Expired, like etcd compaction).
        self.compacted = 0
        self.seed()

    # -- bookkeeping ---------------------------------------------------------------------
    def seed(self) -> None:
        ns_type = next(r for r in RESOURCES if r.kind == "Namespace")
        for name in DEFAULT_NAMESPACES:
            obj = {"apiVersion": "v1", "kind": "Namespace",
                   "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
                   "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
            self.create(ns_type, obj)

    def reset(self) -> None:
        with self.lock:
            self._objects.clear()
            self.events.clear()
            self._terminating.clear()
            self.compacted = self._revision
            self.seed()
            self.changed.notify_all()

    @property
    def revision(self) -> int:
        with self.lock:
            return self._revision

    def _bump(self) -> str:
        self._revision += 1
        return str(self._revision)

    def _record(self, event_type: str, rtype: ResourceType, obj: dict) -> None:
        self.events.append((self._revision, event_type, rtype, copy.deepcopy(obj)))
        if len(self.events) > _HISTORY:
            self.compacted = self.events[-_HISTORY - 1][0]
            del self.events[:-_HISTORY]
        self.changed.notify_all()

    # -- reads ---------------------------------------------------------------------------
    def get(self, rtype: ResourceType, namespace: str | None, name: str) -> dict:
        with self.lock:
            obj = self._objects.get(key_of(rtype, namespace, name))
            if obj is None:
                raise errors.not_found(rtype, name)
            return copy.deepcopy(obj)

    def find(self, rtype: ResourceType, namespace: str | None, name: str) -> dict | None:
        with self.lock:
            obj = self._objects.get(key_of(rtype, namespace, name))
            return copy.deepcopy(obj) if obj is not None else None

    def list(self, rtype: ResourceType, namespace: str | None = None,
             predicate: Callable[[dict], bool] | None = None) -> tuple[list[dict], str]:
        """Objects of one kind (in one namespace, or all), sorted by namespace/name, and the list resourceVersion."""
        with self.lock:
            items = [
                copy.deepcopy(obj) for (group, plural, ns, _name), obj in sorted(self._objects.items())
                if (group, plural) == (rtype.group, rtype.plural)
                and (namespace is None or ns == namespace)
                and (predicate is None or predicate(obj))
            ]
            return items, str(self._revision)

    # -- writes --------------------------------------------------------------------------
    def create(self, rtype: ResourceType, obj: dict, dry_run: bool = False) -> dict:
        """Store a new object; fills uid, resourceVersion, generation and creationTimestamp."""
        meta = obj.setdefault("metadata", {})
        with self.lock:
            if not meta.get("name") and meta.get("generateName"):
                while True:
                    meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
                    if key_of(rtype, meta.get("namespace"), meta["name"]) not in self._objects:
                        break
            key = key_of(rtype, meta.get("namespace"), meta["name"])
            if key in self._objects:
                raise errors.already_exists(rtype, meta["name"])
            if rtype.namespaced:
                # Also under dryRun, as on a real server (NamespaceLifecycle admission, kubernetes#83562).
                self._require_active_namespace(rtype, meta.get("namespace"))
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = now()
            meta["generation"] = 1
            meta.pop("deletionTimestamp", None)
            if dry_run:
                meta.pop("resourceVersion", None)
                return copy.deepcopy(obj)
            meta["resourceVersion"] = self._bump()
            self._objects[key] = copy.deepcopy(obj)
            self._record("ADDED", rtype, obj)
            return copy.deepcopy(obj)

    def _require_active_namespace(self, rtype: ResourceType, namespace: str | None) -> None:
        ns_type = next(r for r in RESOURCES if r.kind == "Namespace")
        found = self._objects.get(key_of(ns_type, None, namespace or ""))
        if found is not None and found["metadata"].get("deletionTimestamp"):
            raise errors.StatusError(
                403, "Forbidden", f'{rtype.group_resource} is forbidden: unable to create new content in namespace '
                f'{namespace} because it is being terminated',
                {"kind": rtype.plural, **({"group": rtype.group} if rtype.group else {}), "causes": [
                    {"reason": "NamespaceTerminating", "message": f"namespace {namespace} is being terminated",
                     "field": "metadata.namespace"}]})
        if found is None:
            raise errors.StatusError(404, "NotFound", f'namespaces "{namespace}" not found',
                                     {"name": namespace, "kind": "namespaces"})

    def put(self, rtype: ResourceType, obj: dict, expected_rv: str | None = None, dry_run: bool = False) -> dict:
        """Replace a stored object.  A write that changes nothing keeps the resourceVersion.

        ``expected_rv`` is the precondition from the request (409 Conflict when stale).
        ``metadata.generation`` rises when anything outside metadata and status changes.
        """
        meta = obj["metadata"]
        with self.lock:
            key = key_of(rtype, meta.get("namespace"), meta["name"])
            current = self._objects.get(key)
            if current is None:
                raise errors.not_found(rtype, meta["name"])
            if expected_rv and expected_rv != current["metadata"]["resourceVersion"]:
                raise errors.conflict(rtype, meta["name"])
            for field in ("uid", "creationTimestamp", "generation", "resourceVersion", "deletionTimestamp"):
                if field in current["metadata"]:
                    meta[field] = current["metadata"][field]
                else:
                    meta.pop(field, None)
            if _spec_part(obj) != _spec_part(current):
                meta["generation"] = current["metadata"].get("generation", 1) + 1
            if obj == current:
                return copy.deepcopy(current)
            if dry_run:
                return copy.deepcopy(obj)
            meta["resourceVersion"] = self._bump()
            self._objects[key] = copy.deepcopy(obj)
            self._record("MODIFIED", rtype, obj)
            return copy.deepcopy(obj)

    def delete(self, rtype: ResourceType, namespace: str | None, name: str, dry_run: bool = False,
               precondition_uid: str | None = None, precondition_rv: str | None = None,
               finalize: bool = False) -> dict:
        """Remove an object.  A Namespace first empties and, with ``namespace_grace``, stays Terminating
        until ``finalize_namespaces`` removes it (``finalize=True``)."""
        with self.lock:
            key = key_of(rtype, namespace, name)
            current = self._objects.get(key)
            if current is None:
                raise errors.not_found(rtype, name)
            if precondition_uid and precondition_uid != current["metadata"]["uid"]:
                raise errors.StatusError(
                    409, "Conflict", f'Operation cannot be fulfilled on {rtype.group_resource} "{name}": '
                    f'Precondition failed: UID in precondition: {precondition_uid}, '
                    f'UID in object meta: {current["metadata"]["uid"]}', {"name": name, "kind": rtype.plural})
            if precondition_rv and precondition_rv != current["metadata"]["resourceVersion"]:
                raise errors.conflict(rtype, name)
            gone = copy.deepcopy(current)
            if dry_run:
                return gone
            if rtype.kind == "Namespace" and not rtype.group:
                self._delete_namespace_contents(name)
                if self.namespace_grace > 0 and not finalize:
                    if not current["metadata"].get("deletionTimestamp"):
                        current["metadata"]["deletionTimestamp"] = now()
                        current.setdefault("status", {})["phase"] = "Terminating"
                        current["metadata"]["resourceVersion"] = self._bump()
                        self._terminating[name] = time.monotonic()
                        self._record("MODIFIED", rtype, current)
                    return copy.deepcopy(current)
                self._terminating.pop(name, None)
            del self._objects[key]
            gone["metadata"]["resourceVersion"] = self._bump()
            self._record("DELETED", rtype, gone)
            return gone

    def finalize_namespaces(self) -> None:
        """Remove Terminating namespaces whose grace period is over (called by the controllers)."""
        ns_type = next(r for r in RESOURCES if r.kind == "Namespace")
        with self.lock:
            due = [n for n, since in self._terminating.items() if time.monotonic() - since >= self.namespace_grace]
            for name in due:
                try:
                    self.delete(ns_type, None, name, finalize=True)
                except errors.StatusError:
                    self._terminating.pop(name, None)

    def _delete_namespace_contents(self, namespace: str) -> None:
        by_key = {(r.group, r.plural): r for r in RESOURCES}
        for key in [k for k in self._objects if k[2] == namespace]:
            obj = self._objects.pop(key)
            obj["metadata"]["resourceVersion"] = self._bump()
            self._record("DELETED", by_key[(key[0], key[1])], obj)

    def events_since(self, revision: int) -> Iterable[tuple[int, str, ResourceType, dict]]:
        with self.lock:
            return [e for e in self.events if e[0] > revision]


def _spec_part(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}
