# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The CDI importer double: where an imported disk lands, raw, as DIR/volumes/<namespace>/<datavolume>.img.

Two modes. By default (no fetching) it writes a sparse disk of the requested size and never looks at the
source. With fetching on (``--fetch-http``, or ``fetch_http`` in doubles.json for a namespace) an ``http``
source is imported the way CDI v1.66's importer pod does it (``pkg/importer/http-datasource.go``,
``checksum.go``, ``pkg/image/qemu.go``, ``cmd/cdi-importer``), for URLs on loopback only:

* a HEAD (for the size; its failure is ignored), then a GET of ``url`` with User-Agent ``cdi-golang-importer``,
  every ``extraHeaders`` line and every header line of the Secrets named in ``secretExtraHeaders`` (each data
  value of each Secret is one line ``Name: value``, split at the first colon as Go's ``Header.Add`` does;
  lines without a colon are dropped; a value with a line break fails the request as Go's client refuses it),
  and basic auth from ``secretRef`` (keys ``accessKeyId``, ``secretKey``); redirects are followed (up to 10,
  loopback only) with the headers sent again;
* https: the system trust store, plus every certificate in every key of the ``certConfigMap`` ConfigMap (CDI
  mounts the ConfigMap and reads all its files; ``ca.pem`` by convention); ``insecureSkipVerify`` skips the
  verification;
* anything but 200 fails with ``Unable to connect to http data source: expected status code 200, got 401.
  Status: 401 Unauthorized`` (CDI's words);
* the downloaded bytes go to a scratch file while ``checksum`` (``md5|sha1|sha256|sha512:<hex>``) is computed on
  them, before any conversion; a mismatch fails with ``Unable to process data: checksum validation failed:
  checksum mismatch: expected sha256:<hex>, calculated sha256:<hex>`` and nothing is written;
* ``qemu-img info`` tells qcow2 from raw (asked about the first bytes while the rest downloads: a raw image
  needs no second look; anything else is looked at again once complete); other formats, a qcow2 with a backing
  file and a disk larger than the requested storage are refused with CDI's messages (the image is named
  ``/scratch/tmpimage``, CDI's scratch path); qcow2 goes through ``qemu-img convert -O raw``; raw is renamed
  into place as it was downloaded.

Not mirrored: CDI then grows the raw image to the PVC's size; the double leaves it at the disk's virtual size,
so the file's sha256 is the source disk's. gzip/xz sources, ``contentType: archive`` and the direct nbdkit path
are not supported. Header values, Secret data and basic-auth passwords are never logged.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import ipaddress
import json
import logging
import os
import queue
import re
import socket
import ssl
import subprocess
import threading
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

LOG = logging.getLogger("doubles.importer")
_UNITS = {"": 1, "k": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4, "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "Ti": 1024**4}
USER_AGENT = "cdi-golang-importer"
SCRATCH_NAME = "/scratch/tmpimage"  # how CDI's messages name the downloaded image
CHECKSUM_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}
MAX_REDIRECTS = 10
CHUNK = 1 << 20
BUFFERS = 4  # chunks in flight between the download and the digest
PROBE_BYTES = 1 << 16  # qemu-img probes the first 2 KiB; more costs nothing
# RFC 7230 token characters: what Go's ValidHeaderFieldName accepts.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


class ImportFailed(Exception):
    """The import cannot succeed; the message is what CDI's importer writes as its termination message."""


class ImportWaiting(Exception):
    """The importer pod cannot start yet (a Secret or ConfigMap it mounts is missing): ``reason``, ``message``."""

    def __init__(self, reason: str, message: str, log: str):
        super().__init__(log)
        self.reason, self.message = reason, message


def quantity_bytes(quantity: str) -> int:
    match = re.fullmatch(r"(\d+)([kMGT]i?)?", str(quantity).strip())
    if not match:
        raise ImportFailed(f"cannot read the storage request {quantity!r}")
    return int(match[1]) * _UNITS[match[2] or ""]


def requested_size(spec: dict) -> int:
    storage = spec.get("storage") or spec.get("pvc") or {}
    return quantity_bytes(((storage.get("resources") or {}).get("requests") or {}).get("storage", "1Gi"))


def is_loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_checksum(value: str) -> tuple[str, str]:
    """(algorithm, lowercase hex) as CDI's checksum.ParseAndValidate reads ``algorithm:hash``."""
    parts = value.split(":", 1)
    if len(parts) != 2:
        raise ValueError(f"invalid checksum format: expected 'algorithm:hash', got '{value}'")
    algorithm, digest = parts[0].strip().lower(), parts[1].strip().lower()
    if not digest:
        raise ValueError("checksum hash value cannot be empty")
    if algorithm not in CHECKSUM_LENGTHS:
        raise ValueError(f"unsupported hash algorithm '{algorithm}': supported algorithms are: md5, sha1, sha256, sha512")
    if len(digest) != CHECKSUM_LENGTHS[algorithm]:
        raise ValueError(f"invalid {algorithm} hash length: expected {CHECKSUM_LENGTHS[algorithm]} hex characters, got {len(digest)}")
    if not re.fullmatch(r"[0-9a-f]+", digest):
        raise ValueError("checksum hash is not valid hexadecimal")
    return algorithm, digest


def header_fields(lines: list[str | bytes]) -> list[tuple[str, bytes]]:
    """Header lines as Go's addExtraheaders reads them: split at the first colon, dropped without one.

    Go trims spaces and tabs around the value when it writes the request, and refuses a value holding another
    control character (a trailing newline in a Secret, typically) or a name that is not a token.
    """
    fields = []
    for line in lines:
        raw = line if isinstance(line, bytes) else line.encode("utf-8")
        name, colon, value = raw.partition(b":")
        if not colon:
            continue
        fields.append((name.decode("latin-1"), value.strip(b" \t")))
    return fields


def _canonical(name: str) -> str:
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


def _check_fields(fields: list[tuple[str, bytes]]) -> str | None:
    for name, value in fields:
        if not _TOKEN.fullmatch(name):
            return f"net/http: invalid header field name {name!r}"
        if any((b < 0x20 and b != 0x09) or b == 0x7F for b in value):
            return f'net/http: invalid header field value for "{_canonical(name)}"'
    return None


def secret_header_lines(secret: dict) -> list[bytes]:
    """Every data value of a Secret is one header line (CDI mounts it and reads each file; dot-files skipped)."""
    data = secret.get("data") or {}
    return [base64.b64decode(data[key]) for key in sorted(data) if not key.startswith(".")]


def configmap_certificates(configmap: dict) -> list[str]:
    """Each key of the certConfigMap is a file CDI reads certificates from (dot-files skipped)."""
    found = [str(v) for k, v in sorted((configmap.get("data") or {}).items()) if not k.startswith(".")]
    found += [base64.b64decode(v).decode("latin-1") for k, v in sorted((configmap.get("binaryData") or {}).items()) if not k.startswith(".")]
    return found


@dataclass
class HttpSource:
    """What the importer pod of one DataVolume gets: the spec's fields with its Secrets and ConfigMap resolved."""

    url: str
    header_lines: list = field(default_factory=list)  # extraHeaders, then the secretExtraHeaders lines
    basic_auth: tuple[str, str] | None = None
    ca_certificates: list[str] | None = None  # None: no certConfigMap (the system store only)
    insecure: bool = False
    checksum: str = ""

    def __repr__(self) -> str:  # never the header values or the password, wherever this ends up
        return f"HttpSource(url={self.url!r}, {len(self.header_lines)} header lines, checksum={self.checksum!r})"


def _go_error(url: str, exc: BaseException) -> str:
    """The cause as Go's client words it in ``Get "<url>": <cause>``, for the failures a test provokes."""
    parsed = urllib.parse.urlsplit(url)
    if isinstance(exc, ssl.SSLCertVerificationError):
        if exc.verify_code in (18, 19, 20, 21):
            return "tls: failed to verify certificate: x509: certificate signed by unknown authority"
        return f"tls: failed to verify certificate: x509: {exc.verify_message}"
    if isinstance(exc, ConnectionRefusedError):
        return f"dial tcp {parsed.hostname}:{parsed.port or (443 if parsed.scheme == 'https' else 80)}: connect: connection refused"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "EOF"
    return str(exc) or type(exc).__name__


class Transfer:
    """One attempt of one import (one run of an importer pod), on a thread of its own.

    ``downloaded``/``total`` feed ``status.progress``; at the end ``error`` holds the termination message of a
    failed attempt, or the disk is at ``target``.
    """

    def __init__(self, source: HttpSource, target: Path, work: Path, available: int):
        self.source, self.target, self.available = source, target, available
        self.scratch = work.parent / f"{work.name}.scratch"
        self.partial = work.parent / f"{work.name}.img.partial"
        self.head = work.parent / f"{work.name}.head"
        self._probe: subprocess.Popen | None = None
        self.downloaded = 0
        self.total = 0
        self.error: str | None = None
        self.done = threading.Event()
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------ lifecycle
    def start(self) -> Transfer:
        self._thread = threading.Thread(target=self.run, name=f"import-{self.target.name}", daemon=True)
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    def progress(self) -> str:
        if not self.total:
            return "N/A"
        return f"{min(self.downloaded * 100.0 / self.total, 100.0):.2f}%"

    def run(self) -> None:
        try:
            self._import()
        except ImportFailed as exc:
            self.error = str(exc)
        except Exception as exc:  # a bug or an unforeseen OS error must still end the attempt, as a crash would
            LOG.exception("importing into %s", self.target)
            self.error = f"Unable to process data: {exc}"
        finally:
            self.scratch.unlink(missing_ok=True)
            self.partial.unlink(missing_ok=True)
            if self._probe is not None and self._probe.poll() is None:
                self._probe.kill()
                self._probe.wait()
            self.head.unlink(missing_ok=True)
            self.done.set()

    # ------------------------------------------------------------------------------ the importer's phases
    def _import(self) -> None:
        source = self.source
        fields = header_fields(source.header_lines)
        checksum = None
        response, connection = self._connect(fields)
        try:
            if source.checksum:
                try:
                    checksum = parse_checksum(source.checksum)
                except ValueError as exc:
                    raise ImportFailed(f"Unable to connect to http data source: invalid checksum: {exc}") from exc
            hasher = hashlib.new(checksum[0]) if checksum else None
            self.target.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._stream(response, hasher)
            except (OSError, http.client.HTTPException) as exc:
                raise ImportFailed(f"Unable to process data: {_go_error(source.url, exc)}") from exc
        finally:
            connection.close()
        if self.total and self.downloaded < self.total:
            raise ImportFailed("Unable to process data: unexpected EOF")
        if checksum and hasher and hasher.hexdigest() != checksum[1]:
            raise ImportFailed(
                "Unable to process data: checksum validation failed: checksum mismatch: "
                f"expected {checksum[0]}:{checksum[1]}, calculated {checksum[0]}:{hasher.hexdigest()}"
            )
        self._convert()
        os.replace(self.partial, self.target)

    def _stream(self, response, hasher) -> None:
        """Download into the scratch file, hashing the same bytes on a second thread while the next ones arrive.

        hashlib and file writes release the GIL, so the digest (the slow part: sha512 runs well below a loopback
        socket's speed) overlaps the download instead of following each chunk. Buffers are reused (no allocation
        per chunk) and go back to the reader once hashed and written.
        """
        free: queue.Queue = queue.Queue()
        for dummy in range(BUFFERS):
            free.put(bytearray(CHUNK))
        filled: queue.Queue = queue.Queue()
        failed: list[BaseException] = []
        descriptor = os.open(self.scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)  # as open() makes it: the umask decides

        def consume() -> None:
            while True:
                item = filled.get()
                if item is None:
                    return
                buffer, length = item
                try:
                    if not failed:
                        view = memoryview(buffer)[:length]
                        if hasher:
                            hasher.update(view)
                        while view:
                            view = view[os.write(descriptor, view) :]
                except OSError as exc:
                    failed.append(exc)
                free.put(buffer)

        worker = threading.Thread(target=consume, name=f"hash-{self.target.name}", daemon=True)
        worker.start()
        try:
            while not failed:
                if self._cancel.is_set():
                    raise ImportFailed("Unable to process data: import cancelled (the DataVolume is gone)")
                buffer = free.get()
                length = response.readinto(buffer)
                if not length:
                    free.put(buffer)
                    break
                if not self.downloaded:
                    self._start_probe(buffer[: min(length, PROBE_BYTES)])
                filled.put((buffer, length))
                self.downloaded += length
        finally:
            filled.put(None)
            worker.join()
            os.close(descriptor)
        if failed:
            raise failed[0]

    def _tls(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.source.insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        if self.source.ca_certificates is not None:
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            for pem in self.source.ca_certificates:
                try:
                    context.load_verify_locations(cadata=pem)
                except (ssl.SSLError, ValueError):
                    LOG.warning("no certificates in a key of the certConfigMap")
        return context

    def _request(self, method: str, url: str, fields: list[tuple[str, bytes]]):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https"):
            raise ImportFailed(f'Unable to connect to http data source: HTTP request errored: Get "{url}": unsupported protocol scheme "{parsed.scheme}"')
        if not is_loopback(url):
            raise ImportFailed(f'Unable to connect to http data source: HTTP request errored: Get "{url}": the test importer only reaches loopback URLs')
        if parsed.scheme == "https":
            connection = http.client.HTTPSConnection(parsed.hostname, parsed.port, timeout=60, context=self._tls())
        else:
            connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        path = parsed.path or "/"
        if parsed.query:
            path += "?" + parsed.query
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in fields:
            connection.putheader(name, value)
        connection.putheader("User-Agent", USER_AGENT)
        if self.source.basic_auth:
            user, password = self.source.basic_auth
            connection.putheader("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
        connection.endheaders()
        return connection, connection.getresponse()

    def _follow(self, method: str, fields: list[tuple[str, bytes]]):
        """The answer to ``method`` on the URL, redirects followed with the headers sent again, as Go's client does."""
        url = self.source.url
        for dummy in range(MAX_REDIRECTS + 1):
            connection, response = self._request(method, url, fields)
            location = response.getheader("Location")
            if response.status in (301, 302, 303, 307, 308) and location:
                response.read()
                connection.close()
                url = urllib.parse.urljoin(url, location)
                continue
            return url, connection, response
        raise ImportFailed(f'Unable to connect to http data source: HTTP request errored: Get "{url}": stopped after {MAX_REDIRECTS} redirects')

    def _connect(self, fields: list[tuple[str, bytes]]):
        invalid = _check_fields(fields)
        try:
            if not invalid:
                dummy, head_connection, head = self._follow("HEAD", fields)
                if head.status == 200:
                    self.total = int(head.getheader("Content-Length") or 0)
                head_connection.close()
        except (OSError, http.client.HTTPException, ValueError, ImportFailed):
            pass  # CDI only learns the size from the HEAD; without it the GET's Content-Length will do
        if invalid:
            raise ImportFailed(f'Unable to connect to http data source: HTTP request errored: Get "{self.source.url}": {invalid}')
        try:
            url, connection, response = self._follow("GET", fields)
        except (OSError, http.client.HTTPException) as exc:
            cause = _go_error(self.source.url, exc)
            raise ImportFailed(f'Unable to connect to http data source: HTTP request errored: Get "{self.source.url}": {cause}') from exc
        if response.status != 200:
            connection.close()
            raise ImportFailed(
                f"Unable to connect to http data source: expected status code 200, got {response.status}. Status: {response.status} {response.reason}"
            )
        if not self.total:
            self.total = int(response.getheader("Content-Length") or 0)
        LOG.info("importing %s into %s (%s bytes)", url, self.target, self.total or "unknown")
        return response, connection

    def _start_probe(self, head: bytes) -> None:
        """``qemu-img info`` of the first bytes, while the rest downloads: it tells a raw image by them alone.

        qemu-img picks a format from the first 2 KiB (and the file name, which is never a ``.dmg`` here), so
        ``raw`` for the head is ``raw`` for the whole image, whose virtual size is then its length. Any other
        answer (or none) leaves the verdict to ``qemu-img info`` of the complete download, as before.
        """
        try:
            self.head.write_bytes(head)
            self._probe = subprocess.Popen(["qemu-img", "info", "--output=json", str(self.head)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        except OSError:
            self._probe = None  # no qemu-img: _convert says so

    def _probed_raw(self) -> bool:
        if self._probe is None:
            return False
        try:
            out, dummy = self._probe.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            return False
        try:
            return not self._probe.returncode and json.loads(out).get("format") == "raw"
        except ValueError:
            return False

    def _convert(self) -> None:
        if self._probed_raw():
            self._check_size(self.downloaded)
            os.replace(self.scratch, self.partial)  # CDI's raw-to-raw "conversion" is a copy
            return
        try:
            found = subprocess.run(["qemu-img", "info", "--output=json", str(self.scratch)], capture_output=True, text=True, check=False, timeout=120)
        except FileNotFoundError as exc:
            raise ImportFailed("Unable to process data: qemu-img is not installed where the controller doubles run (Debian: qemu-utils)") from exc
        if found.returncode:
            raise ImportFailed(f"Unable to process data: {found.stderr.strip().replace(str(self.scratch), SCRATCH_NAME)}, exit status {found.returncode}")
        info = json.loads(found.stdout)
        image_format = info.get("format")
        if image_format not in ("raw", "qcow2"):
            raise ImportFailed(f"Unable to process data: Invalid format {image_format} for image {SCRATCH_NAME}")
        if info.get("backing-filename"):
            raise ImportFailed(f"Unable to process data: Image {SCRATCH_NAME} is invalid because it has backing file {info['backing-filename']}")
        self._check_size(int(info.get("virtual-size") or 0))
        if image_format == "raw":
            os.replace(self.scratch, self.partial)  # CDI's raw-to-raw "conversion" is a copy
            return
        converted = subprocess.run(
            ["qemu-img", "convert", "-f", "qcow2", "-O", "raw", str(self.scratch), str(self.partial)], capture_output=True, text=True, check=False
        )
        if converted.returncode:
            message = converted.stderr.strip().replace(str(self.scratch), SCRATCH_NAME)
            raise ImportFailed(f"Unable to process data: Conversion to Raw failed: could not stream/convert image to raw: {message}")

    def _check_size(self, virtual: int) -> None:
        if virtual > self.available:
            raise ImportFailed(
                f"Unable to process data: Virtual image size {virtual} is larger than available size {self.available} "
                f"(PVC size {virtual}, reserved overhead {0.0:f}%). A larger PVC is required."
            )


class Importer:
    def __init__(self, volumes: Path, fetch_http: bool = False):
        self.volumes = volumes
        self.fetch_http = fetch_http
        self._sequence = 0

    def path(self, namespace: str, name: str) -> Path:
        return self.volumes / namespace / f"{name}.img"

    def transfer(self, namespace: str, name: str, spec: dict, source: HttpSource) -> Transfer:
        """A new attempt at importing ``source`` (not started); its scratch files are its own."""
        self._sequence += 1
        target = self.path(namespace, name)
        work = target.parent / f".{name}.{os.getpid()}-{self._sequence}"
        return Transfer(source, target, work, requested_size(spec))

    def write(self, namespace: str, name: str, spec: dict, source: HttpSource | None = None) -> Path:
        """Write the disk and return its path: a sparse one, or with ``source`` the imported one (ImportFailed: why not)."""
        target = self.path(namespace, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source is not None:
            attempt = self.transfer(namespace, name, spec, source)
            attempt.run()
            if attempt.error:
                raise ImportFailed(attempt.error)
            return target
        partial = target.with_suffix(".img.partial")
        with partial.open("wb") as out:
            out.truncate(requested_size(spec))
        partial.replace(target)
        return target

    def remove_namespace_leftovers(self, live: set[tuple[str, str]]) -> None:
        """Disks of DataVolumes that are gone are deleted, as their PersistentVolume would be."""
        if not self.volumes.is_dir():
            return
        for image in self.volumes.glob("*/*.img"):
            if (image.parent.name, image.name[: -len(".img")]) not in live:
                image.unlink(missing_ok=True)
