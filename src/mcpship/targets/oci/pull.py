"""Pull a base image by digest into mcpship's cache, over the OCI distribution API, without a daemon.

A tag is resolved to the digest the registry names now (``HEAD`` first: Docker Hub does not count those against
its pull limit), and everything after that is fetched by digest and checked against it while it streams: a
manifest list (Docker) or image index (OCI) gives the manifest of the wanted platform, which gives the config and
the layers. Blobs land in one content-addressed folder, ``CACHE/oci/blobs/sha256/<hex>`` (an OCI image layout,
so :class:`~mcpship.targets.oci.layout.BaseImage` reads it as it is), written to a temporary file beside their
place and renamed there only when their digest and size match: a blob in the cache is whole and right, and is
never downloaded again. Sizes are bounded before and while reading (:class:`PullLimits`).

Credentials come from ``docker login`` (:mod:`mcpship._docker_credentials`); the HTTP authentication is the push
channel's (:class:`mcpship._registry_auth.RegistryAuth`). Plain HTTP only for a registry on this machine, or with
``insecure``.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from mcpship._bounded_body import pieces
from mcpship._docker_credentials import docker_credentials
from mcpship._exceptions import BuildError
from mcpship._registry_auth import RegistryAuth
from mcpship._reporter import NullReporter, Reporter
from mcpship._untrusted_json import loads_untrusted
from mcpship.targets.oci.layout import BaseImage, canonical_json, oci_layer_descriptors
from mcpship.targets.oci.reference import BaseReference

__all__ = ["PullLimits", "PulledBase", "host_architecture", "pull_base_image"]

MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
_ACCEPT = ", ".join((*MANIFEST_TYPES, *INDEX_TYPES))
_LAYER_TYPES = frozenset(
    {
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.diff.tar",
    }
)
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_ARCHITECTURES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
_LOGIN_HINT = (
    "log in with `docker login REGISTRY` (its credentials are read from ~/.docker/config.json, or $DOCKER_CONFIG)"
)


@dataclass(frozen=True)
class PullLimits:
    """What a registry may hand over: a hostile or broken one cannot fill the disk or the memory."""

    max_manifest_bytes: int = 4 << 20
    """The distribution server's own limit for manifests and indexes."""
    max_config_bytes: int = 8 << 20
    max_layer_bytes: int = 4 << 30
    max_image_bytes: int = 8 << 30
    """All layers together."""
    max_layers: int = 128
    max_index_entries: int = 1000


@dataclass(frozen=True)
class PulledBase:
    base: BaseImage
    """Read from the cache folder, as a base image layout would be."""
    digest: str
    """What the reference resolved to (an index's digest for a multi-platform image): the pinned ``FROM``."""
    pinned: str
    """``python:3.12-slim@sha256:…``."""
    platform: str
    """``linux/amd64``."""
    downloaded: int
    """Bytes fetched this time (0 when everything was in the cache)."""


def host_architecture() -> str:
    import platform

    machine = platform.machine().lower()
    return _ARCHITECTURES.get(machine, machine)


def pull_base_image(
    reference: BaseReference,
    cache: Path,
    *,
    architecture: str | None = None,
    insecure: bool = False,
    limits: PullLimits | None = None,
    transport: httpx.BaseTransport | None = None,
    reporter: Reporter | None = None,
) -> PulledBase:
    """Pull ``reference`` (its ``linux/<architecture>`` image, default this machine's) into ``cache``; every
    error is a :class:`BuildError` naming the image and the fix."""
    reporter = reporter or NullReporter()
    arch = _ARCHITECTURES.get(architecture or host_architecture(), architecture or host_architecture())
    credentials = docker_credentials(reference.registry, error=BuildError)
    auth = RegistryAuth(
        reference.api_host,
        credentials.username if credentials else None,
        credentials.password if credentials else None,
        error=BuildError,
        login_hint=_LOGIN_HINT,
    )
    if credentials is not None:
        reporter.debug(f"credentials for {reference.registry} from {credentials.source}")
    scheme = "http" if insecure or reference.is_local else "https"
    store = _BlobStore(cache)
    with httpx.Client(transport=transport, timeout=httpx.Timeout(60.0, connect=10.0)) as http:
        puller = _Puller(
            http=http,
            base=httpx.URL(f"{scheme}://{reference.api_host}/v2/{reference.repository}/"),
            reference=reference,
            auth=auth,
            store=store,
            limits=limits or PullLimits(),
            reporter=reporter,
        )
        digest = reference.digest or _resolve_tag(puller, store, reference, reporter)
        top = puller.manifest(digest)
        manifest_digest, manifest = digest, top
        if "manifests" in top:
            manifest_digest = _platform_entry(top, arch, reference, limits or PullLimits())
            manifest = puller.manifest(manifest_digest)
            if "manifests" in manifest:
                raise BuildError(f"{reference.written}: its index points at another index", hint=_PIN_HINT)
        config, layers = puller.image(manifest)
    pinned = reference.pinned(digest)
    base = BaseImage(
        layout=store.root,
        manifest_digest=manifest_digest,
        config=config,
        layers=oci_layer_descriptors(layers),
        reference=pinned,
    )
    found = f"{base.config.get('os', 'linux')}/{base.architecture}"
    if found != f"linux/{arch}":
        raise BuildError(
            f"{reference.written} is an image for {found}, not linux/{arch}",
            hint="pick a base image for this platform, or set platform under [targets.oci]",
        )
    return PulledBase(base=base, digest=digest, pinned=pinned, platform=found, downloaded=puller.downloaded)


_PIN_HINT = "pick another base image (base_image under [targets.oci])"


class _UnreachableError(BuildError):
    """The registry could not be reached at all (no HTTP answer)."""


def _resolve_tag(puller: _Puller, store: _BlobStore, reference: BaseReference, reporter: Reporter) -> str:
    """The digest the tag names now, recorded in the cache; offline, the digest it named when last pulled."""
    tag = reference.tag or "latest"
    key = hashlib.sha256(f"{reference.registry}/{reference.repository}:{tag}".encode()).hexdigest()[:32]
    record = store.root / "tags" / key
    try:
        digest = puller.resolve(tag)
    except _UnreachableError:
        known = record.read_text(encoding="ascii").strip() if record.is_file() else ""
        if not _DIGEST.fullmatch(known) or not store.has(known):
            raise
        reporter.warn(
            f"could not reach the registry of {reference.written}; building on {known}, the digest its tag named"
            " when it was last pulled"
        )
        return known
    record.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(record, digest.encode("ascii"))
    return digest


def _platform_entry(index: dict[str, Any], arch: str, reference: BaseReference, limits: PullLimits) -> str:
    listed = index.get("manifests")
    entries = [entry for entry in listed if isinstance(entry, dict)] if isinstance(listed, list) else []
    if len(entries) > limits.max_index_entries:
        raise BuildError(f"{reference.written}: its index lists {len(entries)} images", hint=_PIN_HINT)
    seen = []
    for entry in entries:
        platform = entry.get("platform") if isinstance(entry.get("platform"), dict) else {}
        assert isinstance(platform, dict)
        seen.append(f"{platform.get('os')}/{platform.get('architecture')}")
        if platform.get("os") == "linux" and platform.get("architecture") == arch:
            digest = entry.get("digest")
            if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
                raise BuildError(f"{reference.written}: its linux/{arch} entry has no valid sha256 digest")
            if entry.get("mediaType") not in MANIFEST_TYPES:
                raise BuildError(
                    f"{reference.written}: its linux/{arch} entry is a {entry.get('mediaType')!r},"
                    " not an image manifest",
                    hint=_PIN_HINT,
                )
            return digest
    shown = ", ".join(sorted(set(seen))[:12]) or "none"
    raise BuildError(
        f"{reference.written} has no linux/{arch} image (it has: {shown})",
        hint="pick a base image published for this platform, or set platform under [targets.oci]",
    )


class _BlobStore:
    """``root/blobs/sha256/<hex>``, written only whole and verified."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blobs = root / "blobs" / "sha256"

    def path(self, digest: str) -> Path:
        return self.blobs / digest.removeprefix("sha256:")

    def has(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def write(
        self, digest: str, chunks: Callable[[], Any], *, limit: int, what: str, on_bytes: Callable[[int], None]
    ) -> None:
        """Stream ``chunks()`` into a temporary file beside the blob's place; rename it there when its sha256 and
        size are right; :class:`BuildError` (and nothing left behind) otherwise."""
        self.blobs.mkdir(parents=True, exist_ok=True)
        layout_marker = self.root / "oci-layout"
        if not layout_marker.is_file():
            _write_atomic(layout_marker, canonical_json({"imageLayoutVersion": "1.0.0"}))
        fd, partial = tempfile.mkstemp(prefix=f".{digest[7:19]}.", suffix=".partial", dir=self.blobs)
        try:
            sha256, size = hashlib.sha256(), 0
            with os.fdopen(fd, "wb") as handle:
                for piece in chunks():
                    size += len(piece)
                    if size > limit:
                        raise BuildError(
                            f"{what} is larger than the {limit} bytes its descriptor or mcpship's limit allows;"
                            " the download was stopped",
                            hint="the registry sent more than the image declares: pull from a registry you trust",
                        )
                    sha256.update(piece)
                    handle.write(piece)
                    on_bytes(len(piece))
                handle.flush()
                os.fsync(handle.fileno())
            got = f"sha256:{sha256.hexdigest()}"
            if got != digest:
                raise BuildError(
                    f"{what}: the registry sent bytes whose digest is {got}, not {digest}; refused",
                    hint="pull again; if it repeats, the registry (or a proxy) alters the image: do not use it",
                )
            Path(partial).replace(self.path(digest))
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise


def _write_atomic(path: Path, data: bytes) -> None:
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(partial).replace(path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


class _Puller:
    def __init__(
        self,
        *,
        http: httpx.Client,
        base: httpx.URL,
        reference: BaseReference,
        auth: RegistryAuth,
        store: _BlobStore,
        limits: PullLimits,
        reporter: Reporter,
    ) -> None:
        self.http, self.base, self.reference, self.auth = http, base, reference, auth
        self.store, self.limits, self.reporter = store, limits, reporter
        self.downloaded = 0

    def resolve(self, tag: str) -> str:
        """The digest ``tag`` names now (a ``HEAD``; a ``GET`` when the registry gives no digest header)."""
        self.reporter.step(f"resolving {self.reference.written}")
        url = self.base.join(f"manifests/{tag}")
        with self._stream("HEAD", url, f"resolve the tag {tag!r}", accept=_ACCEPT) as response:
            if response.status_code in (401, 403, 404, 429):
                self._check(response, f"resolve the tag {tag!r}")
            digest = response.headers.get("Docker-Content-Digest", "") if response.status_code == 200 else ""
        if not _DIGEST.fullmatch(digest):
            # Without the header, the digest is the sha256 of the manifest the tag names.
            document = self._fetch(url, "its manifest", self.limits.max_manifest_bytes, accept=_ACCEPT)
            digest = f"sha256:{hashlib.sha256(document).hexdigest()}"
            if not self.store.has(digest):
                self.store.write(
                    digest, lambda: iter((document,)), limit=len(document), what="the manifest", on_bytes=_ignore
                )
        return digest

    def manifest(self, digest: str) -> dict[str, Any]:
        """The manifest or index ``digest``, from the cache or fetched by digest and checked."""
        what = f"{self.reference.written}: the manifest {digest}"
        if not self.store.has(digest):
            self._download(digest, f"manifests/{digest}", what, self.limits.max_manifest_bytes, accept=_ACCEPT)
        document = self._json(digest, what)
        if document.get("schemaVersion") != 2 or not ("manifests" in document or "layers" in document):
            raise BuildError(
                f"{what} is neither an OCI/Docker v2 image manifest nor an index (schema 1 images are not supported)",
                hint=_PIN_HINT,
            )
        return document

    def image(self, manifest: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The config (parsed) and the layer descriptors of ``manifest``, every blob in the cache afterwards."""
        config_descriptor = manifest.get("config")
        layers = manifest.get("layers")
        if not isinstance(config_descriptor, dict) or not isinstance(layers, list):
            raise BuildError(f"{self.reference.written}: its manifest has no config or no layers", hint=_PIN_HINT)
        if len(layers) > self.limits.max_layers:
            raise BuildError(
                f"{self.reference.written} has {len(layers)} layers, more than the {self.limits.max_layers}"
                " mcpship takes",
                hint=_PIN_HINT,
            )
        config_digest = self._blob(config_descriptor, "its config", self.limits.max_config_bytes)
        config = self._json(config_digest, f"{self.reference.written}: the config")
        descriptors = [layer for layer in layers if isinstance(layer, dict)]
        total = sum(_size(layer) for layer in descriptors)
        if total > self.limits.max_image_bytes:
            raise BuildError(
                f"{self.reference.written}: its layers declare {total} bytes, more than the"
                f" {self.limits.max_image_bytes} mcpship takes",
                hint=_PIN_HINT,
            )
        for number, layer in enumerate(descriptors, start=1):
            media_type = layer.get("mediaType")
            if media_type not in _LAYER_TYPES:
                raise BuildError(
                    f"{self.reference.written}: layer {number} is {media_type!r}; mcpship builds on tar and tar+gzip"
                    " layers",
                    hint=_PIN_HINT,
                )
            self._blob(layer, f"layer {number}/{len(descriptors)}", self.limits.max_layer_bytes)
        return config, descriptors

    # -- plumbing --------------------------------------------------------------------------------------------

    def _blob(self, descriptor: dict[str, Any], what: str, limit: int) -> str:
        digest, size = descriptor.get("digest"), descriptor.get("size")
        label = f"{self.reference.written}: {what} ({digest})"
        if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
            raise BuildError(f"{self.reference.written}: {what} has no valid sha256 digest", hint=_PIN_HINT)
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise BuildError(f"{label} has no valid size in the manifest", hint=_PIN_HINT)
        if size > limit:
            raise BuildError(
                f"{label} declares {size} bytes, more than the {limit} mcpship takes; not downloaded", hint=_PIN_HINT
            )
        if not self.store.has(digest):
            self.reporter.step(f"pulling {self.reference.written}: {what}, {size / 1e6:.1f} MB")
            self._download(digest, f"blobs/{digest}", label, size, accept="*/*", exact=size)
        return digest

    def _download(
        self, digest: str, path: str, what: str, limit: int, *, accept: str, exact: int | None = None
    ) -> None:
        url = self.base.join(path)
        with self._stream("GET", url, f"download {what}", accept=accept) as response:
            self._check(response, f"download {what}")

            def counted(amount: int) -> None:
                self.downloaded += amount

            self.store.write(digest, lambda: _pieces(response, what), limit=limit, what=what, on_bytes=counted)
        if exact is not None and self.store.path(digest).stat().st_size != exact:
            self.store.path(digest).unlink(missing_ok=True)
            raise BuildError(f"{what} is shorter than its descriptor's {exact} bytes; refused", hint=_PIN_HINT)

    def _fetch(self, url: httpx.URL, what: str, limit: int, *, accept: str) -> bytes:
        with self._stream("GET", url, f"download {what}", accept=accept) as response:
            self._check(response, f"download {what}")
            body = bytearray()
            for piece in _pieces(response, what):
                body += piece
                if len(body) > limit:
                    raise BuildError(f"{self.reference.written}: {what} is larger than {limit} bytes; refused")
            return bytes(body)

    def _json(self, digest: str, what: str) -> dict[str, Any]:
        path = self.store.path(digest)
        try:
            document = loads_untrusted(path.read_bytes())
        except ValueError as exc:
            raise BuildError(f"{what} is not JSON: {exc}", hint=_PIN_HINT) from exc
        if not isinstance(document, dict):
            raise BuildError(f"{what} is not a JSON object", hint=_PIN_HINT)
        return document

    def _stream(self, method: str, url: httpx.URL, action: str, *, accept: str) -> Any:
        headers = {"Accept": accept, "Accept-Encoding": "identity"}
        try:
            request = self.http.build_request(method, url, headers=headers)
            response = self.http.send(request, auth=self.auth, follow_redirects=True, stream=True)
        except httpx.HTTPError as exc:
            raise self._unreachable(url, action, exc) from exc
        return _Closing(response, self, url, action)

    def _unreachable(self, url: httpx.URL, action: str, exc: Exception) -> BuildError:
        hint = (
            "check the address, your network (or proxy), and that the registry is running; offline, build on a"
            " local layout (base_layout) or set dockerfile_only = true under [targets.oci]"
        )
        if url.scheme == "https" and "ssl" in str(exc).lower():
            hint = "the registry may speak plain HTTP: on a trusted network, set insecure = true under [targets.oci]"
        return _UnreachableError(f"could not {action} of {self.reference.written} at {url.host}: {exc}", hint=hint)

    def _check(self, response: httpx.Response, action: str) -> None:
        status = response.status_code
        where = f"{self.reference.registry}/{self.reference.repository}"
        if status == 200:
            return
        if status in (401, 403):
            given = "the credentials from docker login were refused" if self.auth.has_credentials else "no credentials"
            raise BuildError(f"{where}: the registry refused to {action} (HTTP {status}; {given})", hint=_LOGIN_HINT)
        if status == 404:
            raise BuildError(
                f"{where}: the registry has no such image or blob ({action}: HTTP 404)",
                hint="check the name and the tag of the base image (base_image under [targets.oci])",
            )
        if status == 429:
            raise BuildError(
                f"{where}: the registry limits the pull rate (HTTP 429)",
                hint="wait, log in (`docker login`: authenticated pulls get a higher limit) or use a mirror",
            )
        raise BuildError(f"{where}: could not {action}: HTTP {status}", hint="retry later, or check the registry")


class _Closing:
    """A streamed response as a context manager that closes it, and turns transport errors into BuildError."""

    def __init__(self, response: httpx.Response, puller: _Puller, url: httpx.URL, action: str) -> None:
        self.response, self.puller, self.url, self.action = response, puller, url, action

    def __enter__(self) -> httpx.Response:
        return self.response

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        self.response.close()
        if isinstance(error, httpx.HTTPError):
            raise self.puller._unreachable(self.url, self.action, error) from error


def _pieces(response: httpx.Response, what: str) -> Any:
    try:
        yield from pieces(response)
    except ValueError as exc:
        raise BuildError(f"{what}: {exc}", hint=_PIN_HINT) from exc


def _size(descriptor: dict[str, Any]) -> int:
    size = descriptor.get("size")
    return size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else 0


def _ignore(_: int) -> None:
    pass
