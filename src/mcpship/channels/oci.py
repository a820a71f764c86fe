"""Push an OCI image from a layout (a folder, or the ``.oci.tar`` the ``oci`` target writes) to any registry
that speaks the OCI distribution API (Docker Hub, GHCR, Quay, Harbor, ``registry:2``, Zot, ...).

The steps are the API's own: ``GET /v2/`` (which also triggers the auth challenge), for each blob a ``HEAD``
and, when the registry lacks it, an optional cross-repository mount or ``POST`` + chunked ``PATCH`` + ``PUT
?digest=``, then the manifest by tag. Blobs the registry has are never sent again, so a re-push costs one
``HEAD`` per blob. Authentication is :class:`RegistryAuth`: Basic, or the Bearer token dance with optional
credentials. The ``httpx`` client or transport is injected, so tests use ``MockTransport`` or a real local
registry.
"""

from __future__ import annotations

import re
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import httpx

from mcpship._exceptions import BuildError, PublishError, UsageError
from mcpship._registry_auth import RegistryAuth, is_loopback
from mcpship._safe_load import read_json_file
from mcpship._untrusted_json import loads_untrusted

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "ImageReference",
    "OciPushResult",
    "PushProgress",
    "RegistryAuth",
    "parse_image_reference",
    "push_oci_image",
]

DEFAULT_CHUNK_SIZE = 8 << 20
"""Bytes per ``PATCH``: large enough to keep round trips few, small enough for proxies' body limits."""
_INDEX_TYPES = frozenset(
    {"application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"}
)
_MANIFEST_TYPES = ("application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json")
_REF_NAME = "org.opencontainers.image.ref.name"
_NAME_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_NAME = re.compile(rf"{_NAME_COMPONENT}(?:/{_NAME_COMPONENT})*")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_LOGIN_HINT = "log in: give a user name and a password or token with push rights (--username U --password-stdin)"


@dataclass(frozen=True)
class ImageReference:
    """Where an image goes: ``registry/name[:tag]``."""

    registry: str
    """As written: ``ghcr.io``, ``127.0.0.1:5000``, ``docker.io``."""
    name: str
    tag: str | None = None

    @property
    def api_host(self) -> str:
        """The host serving ``/v2/`` (Docker Hub's differs from its name)."""
        return "registry-1.docker.io" if self.registry == "docker.io" else self.registry

    @property
    def is_local(self) -> bool:
        return is_loopback(self.api_host)

    def __str__(self) -> str:
        return f"{self.registry}/{self.name}" + (f":{self.tag}" if self.tag else "")


def parse_image_reference(text: str) -> ImageReference:
    """``REGISTRY/NAME[:TAG]``; the registry part is required (a host with a dot or port, or ``localhost``)."""
    hint = "write it as REGISTRY/NAME[:TAG], e.g. ghcr.io/acme/notes:1.0 or 127.0.0.1:5000/notes"
    if "@" in text:
        raise UsageError(f"{text!r}: a push destination takes a tag, not a digest", hint=hint)
    registry, slash, rest = text.strip().partition("/")
    if not slash or not rest or not ("." in registry or ":" in registry or registry == "localhost"):
        raise UsageError(f"{text!r} names no registry host", hint=hint)
    name, colon, tag = rest.rpartition(":") if ":" in rest.rsplit("/", 1)[-1] else (rest, "", "")
    if registry == "docker.io" and "/" not in name:
        name = f"library/{name}"  # Docker Hub's official images live under library/
    if not _NAME.fullmatch(name):
        raise UsageError(
            f"{name!r} is not a valid repository name", hint="use lowercase letters, digits, '.', '_', '-' and '/'"
        )
    if colon and not _TAG.fullmatch(tag):
        raise UsageError(f"{tag!r} is not a valid tag", hint="a tag is 1-128 of letters, digits, '_', '.', '-'")
    return ImageReference(registry=registry, name=name, tag=tag or None)


@dataclass(frozen=True)
class OciPushResult:
    reference: str
    """``host/name:tag@sha256:…``: what to pull, pinned."""
    digest: str
    """The manifest digest the registry reported (equal to the layout's)."""
    tag: str
    bytes_uploaded: int
    blobs_uploaded: int
    blobs_skipped: int
    """Blobs the registry already had (checked with ``HEAD``), not sent again."""
    blobs_mounted: int = 0
    already_tagged: bool = False
    """``immutable_tag``: the registry held this very manifest under the tag already; nothing was sent."""


@dataclass(frozen=True)
class PushProgress:
    done: int
    """Bytes of blobs dealt with so far (sent, or found already there)."""
    total: int
    message: str


def push_oci_image(
    source: Path,
    destination: ImageReference | str,
    *,
    tag: str | None = None,
    layout_tag: str | None = None,
    username: str | None = None,
    password: str | None = None,
    insecure: bool = False,
    mount_from: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    client: httpx.Client | None = None,
    transport: httpx.BaseTransport | None = None,
    progress: Callable[[PushProgress], None] | None = None,
    immutable_tag: bool = False,
) -> OciPushResult:
    """Push the image of an OCI layout (folder or ``.oci.tar``) to ``destination``.

    ``tag`` overrides the destination's tag; without either, the layout's own tag is used. ``layout_tag``
    picks the image when the layout holds several. Plain HTTP is used for localhost registries, or any
    registry with ``insecure=True``; everything else is HTTPS. Without ``username``, the credentials ``docker
    login`` stored for the registry are used (``$DOCKER_CONFIG/config.json``). ``mount_from`` names a
    repository on the same registry to mount existing blobs from instead of uploading them.
    ``immutable_tag`` treats the tag as a version: the same manifest under it already is left alone (nothing is
    sent), another one is a :class:`PublishError` naming both digests, never an overwrite.
    """
    reference = parse_image_reference(destination) if isinstance(destination, str) else destination
    if chunk_size < 1:
        raise UsageError(f"chunk_size must be positive, not {chunk_size}")
    scheme = "http" if insecure or reference.is_local else "https"
    with _open_layout(source) as layout, _client(client, transport) as http:
        descriptor = layout.select(layout_tag)
        final_tag = tag or reference.tag or descriptor.get("annotations", {}).get(_REF_NAME)
        if not final_tag or not _TAG.fullmatch(str(final_tag)):
            raise UsageError(f"no valid tag to push {source} as", hint="give one: REGISTRY/NAME:TAG")
        pusher = _Pusher(
            http=http,
            base=httpx.URL(f"{scheme}://{reference.api_host}/v2/{reference.name}/"),
            reference=reference,
            layout=layout,
            auth=RegistryAuth(reference.api_host, *_credentials(reference, username, password)),
            mount_from=mount_from,
            chunk_size=chunk_size,
            progress=progress,
        )
        pusher.ping()
        if immutable_tag:
            held = pusher.tagged_digest(str(final_tag))
            local = str(descriptor.get("digest"))
            if held == local:
                pinned = f"{reference.registry}/{reference.name}:{final_tag}@{local}"
                return OciPushResult(pinned, local, str(final_tag), 0, 0, 0, already_tagged=True)
            if held is not None:
                raise PublishError(
                    f"{reference.registry}/{reference.name}:{final_tag} is already the image {held}, but the image"
                    f" to push is {local}; a version's tag is not moved, and mcpship does not try",
                    hint=f"the version {final_tag} is taken: raise the version (`mcpship bump patch`),"
                    " rebuild and publish again",
                )
        digest = pusher.push_manifest(descriptor, str(final_tag))
    return OciPushResult(
        reference=f"{reference.registry}/{reference.name}:{final_tag}@{digest}",
        digest=digest,
        tag=str(final_tag),
        bytes_uploaded=pusher.bytes_uploaded,
        blobs_uploaded=pusher.blobs_uploaded,
        blobs_skipped=pusher.blobs_skipped,
        blobs_mounted=pusher.blobs_mounted,
    )


def _credentials(
    reference: ImageReference, username: str | None, password: str | None
) -> tuple[str | None, str | None]:
    """The credentials given, else those ``docker login`` stored for the registry, else none (anonymous)."""
    if username is not None:
        return username, password
    from mcpship._docker_credentials import docker_credentials

    stored = docker_credentials(reference.registry, error=PublishError)
    return (stored.username, stored.password) if stored is not None else (None, None)


@contextmanager
def _client(client: httpx.Client | None, transport: httpx.BaseTransport | None) -> Iterator[httpx.Client]:
    if client is not None:
        yield client  # the caller's: it closes it
        return
    with httpx.Client(transport=transport, timeout=httpx.Timeout(60.0, connect=10.0)) as own:
        yield own


@dataclass(frozen=True)
class _Layout:
    root: Path
    source: Path

    def select(self, tag: str | None) -> dict[str, Any]:
        index = self.read_json("index.json", self.root / "index.json")
        manifests = [m for m in index.get("manifests", []) if isinstance(m, dict)]
        if tag is not None:
            manifests = [m for m in manifests if m.get("annotations", {}).get(_REF_NAME) == tag]
        if len(manifests) != 1:
            tags = sorted(str(m.get("annotations", {}).get(_REF_NAME)) for m in index.get("manifests", []))
            raise PublishError(
                f"{self.source}: expected {'the tag ' + repr(tag) if tag else 'exactly one image'} in index.json, "
                f"found {len(manifests)} (tags: {', '.join(tags) or 'none'})",
                hint="name the image to push by its tag in the layout",
            )
        return manifests[0]

    def blob(self, digest: str) -> Path:
        path = self.root / "blobs" / "sha256" / digest.removeprefix("sha256:")
        if not _DIGEST.fullmatch(digest) or not path.is_file():
            raise PublishError(f"{self.source}: the blob {digest!r} is missing", hint="build the image again")
        return path

    def read_json(self, what: str, path: Path) -> dict[str, Any]:
        try:
            document = read_json_file(path, error=PublishError)
        except PublishError as exc:
            raise PublishError(f"{self.source}: {what}: {exc.message}", hint="build the image again") from exc
        if not isinstance(document, dict):
            raise PublishError(f"{self.source}: {what} is not a JSON object", hint="build the image again")
        return document


@contextmanager
def _open_layout(source: Path) -> Iterator[_Layout]:
    if source.is_dir():
        yield _Layout(source, source)
        return
    if not source.is_file():
        raise PublishError(f"{source} does not exist", hint="build the image first: mcpship build --target oci")
    from mcpship.targets.oci.layout import extract_layout_tar

    with tempfile.TemporaryDirectory(prefix="mcpship-push-") as scratch:
        try:
            root = extract_layout_tar(source, Path(scratch))
        except (BuildError, OSError, ValueError, tarfile.TarError) as exc:
            raise PublishError(f"{source} is not an OCI layout archive: {exc}", hint="build the image again") from exc
        yield _Layout(root, source)


class _Pusher:
    """One push: the HTTP conversation plus the counts for the result."""

    def __init__(
        self,
        *,
        http: httpx.Client,
        base: httpx.URL,
        reference: ImageReference,
        layout: _Layout,
        auth: RegistryAuth,
        mount_from: str | None,
        chunk_size: int,
        progress: Callable[[PushProgress], None] | None,
    ) -> None:
        self.http, self.base, self.reference, self.layout, self.auth = http, base, reference, layout, auth
        self.mount_from, self.chunk_size, self.progress = mount_from, chunk_size, progress
        self.bytes_uploaded = self.blobs_uploaded = self.blobs_skipped = self.blobs_mounted = 0
        self._done = self._total = 0
        self._seen: set[str] = set()

    # -- the conversation ------------------------------------------------------------------------------------

    def ping(self) -> None:
        response = self._send("GET", self.base.join("/v2/"), "reach the registry")
        if response.status_code == 401:
            self._fail(response, "log in to the registry")
        if response.status_code == 404:
            raise PublishError(
                f"{self.reference.api_host} does not serve the OCI distribution API (GET /v2/ gave 404)",
                hint="check the registry host in the destination",
            )
        if response.status_code != 200:
            self._fail(response, "reach the registry")

    def push_manifest(self, descriptor: dict[str, Any], reference: str) -> str:
        """Push what a manifest (or index) needs, then the manifest itself under ``reference``; its digest."""
        digest, media_type = str(descriptor.get("digest")), str(descriptor.get("mediaType"))
        content = self.layout.blob(digest).read_bytes()
        document = self.layout.read_json(f"the manifest {digest}", self.layout.blob(digest))
        if media_type in _INDEX_TYPES:
            for child in document.get("manifests", []):
                self.push_manifest(child, str(child["digest"]))
        else:
            blobs = [document["config"], *document.get("layers", [])]
            self._total += sum(int(b.get("size", 0)) for b in blobs if b["digest"] not in self._seen)
            for blob in blobs:
                self._push_blob(str(blob["digest"]))
        response = self._send(
            "PUT",
            self.base.join(f"manifests/{reference}"),
            f"push the manifest {digest[:19]}…",
            content=content,
            headers={"Content-Type": media_type},
        )
        if response.status_code not in (200, 201):
            self._fail(response, f"push the manifest {digest}")
        reported = response.headers.get("Docker-Content-Digest", digest)
        if reported != digest:
            raise PublishError(
                f"the registry stored the manifest as {reported}, not {digest}",
                hint="the registry rewrote the manifest; push to a registry that keeps OCI manifests as they are",
            )
        return digest

    def _push_blob(self, digest: str) -> None:
        if digest in self._seen:
            return
        self._seen.add(digest)
        path = self.layout.blob(digest)
        size = path.stat().st_size
        if self._blob_exists(digest):
            self.blobs_skipped += 1
            self._advance(size, f"{digest[:19]}… already there")
            return
        location = self._start_upload(digest)
        if location is None:
            self.blobs_mounted += 1
            self._advance(size, f"{digest[:19]}… mounted from {self.mount_from}")
            return
        location = self._upload_chunks(location, path, digest)
        response = self._send(
            "PUT",
            location.copy_merge_params({"digest": digest}),  # keep the upload's own query (its state)
            f"finish the upload of {digest}",
            headers={"Content-Length": "0"},
        )
        if response.status_code not in (201, 204):
            self._fail(response, f"finish the upload of {digest}")
        self.blobs_uploaded += 1

    def tagged_digest(self, tag: str) -> str | None:
        """The digest of the manifest the registry holds under ``tag``, None when the tag is free."""
        accept = ", ".join([*_INDEX_TYPES, *_MANIFEST_TYPES])
        url = self.base.join(f"manifests/{tag}")
        response = self._send("HEAD", url, f"look up the tag {tag}", headers={"Accept": accept})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            self._fail(response, f"look up the tag {tag}")
        digest = response.headers.get("Docker-Content-Digest", "")
        if _DIGEST.fullmatch(digest):
            return str(digest)
        raise PublishError(
            f"{self.reference.registry}/{self.reference.name}:{tag} exists, but the registry did not say its digest",
            hint="compare the image by hand (skopeo inspect); mcpship does not move a version's tag",
        )

    def _blob_exists(self, digest: str) -> bool:
        response = self._send("HEAD", self.base.join(f"blobs/{digest}"), f"check the blob {digest}")
        if response.status_code not in (200, 404):
            self._fail(response, f"check the blob {digest}")
        return response.status_code == 200

    def _start_upload(self, digest: str) -> httpx.URL | None:
        """The upload session's URL, or None when the registry mounted the blob from ``mount_from``."""
        params = {"mount": digest, "from": self.mount_from} if self.mount_from else None
        response = self._send("POST", self.base.join("blobs/uploads/"), "start an upload", params=params)
        if response.status_code == 201 and self.mount_from:
            return None
        if response.status_code != 202 or "Location" not in response.headers:
            self._fail(response, f"start the upload of {digest}")
        minimum = response.headers.get("OCI-Chunk-Min-Length", "")
        if minimum.isdigit():
            self.chunk_size = max(self.chunk_size, int(minimum))
        return response.url.join(response.headers["Location"])

    def _upload_chunks(self, location: httpx.URL, path: Path, digest: str) -> httpx.URL:
        offset = 0
        with path.open("rb") as handle:
            while chunk := handle.read(self.chunk_size):
                response = self._send(
                    "PATCH",
                    location,
                    f"upload {digest}",
                    content=chunk,
                    headers={
                        "Content-Type": "application/octet-stream",
                        "Content-Range": f"{offset}-{offset + len(chunk) - 1}",
                    },
                )
                if response.status_code != 202:
                    self._fail(response, f"upload {digest} (bytes from {offset})")
                location = response.url.join(response.headers.get("Location", str(location)))
                offset += len(chunk)
                self.bytes_uploaded += len(chunk)
                self._advance(len(chunk), f"uploading {digest[:19]}…")
        return location

    # -- plumbing --------------------------------------------------------------------------------------------

    def _advance(self, size: int, message: str) -> None:
        self._done += size
        if self.progress is not None:
            self.progress(PushProgress(done=min(self._done, self._total), total=self._total, message=message))

    def _send(self, method: str, url: httpx.URL, action: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.http.request(method, url, auth=self.auth, follow_redirects=True, **kwargs)
        except httpx.HTTPError as exc:
            hint = "check the address and that the registry is running"
            if url.scheme == "https" and "ssl" in str(exc).lower():
                hint = "the registry may speak plain HTTP: on a trusted network, allow it (--insecure)"
            raise PublishError(f"could not {action} at {url.host}: {exc}", hint=hint) from exc

    def _fail(self, response: httpx.Response, action: str) -> NoReturn:
        raise _error_for(response, action, self.reference)


def _error_for(response: httpx.Response, action: str, reference: ImageReference) -> PublishError:
    """The registry's refusal as a message and a hint (its error code decides, the status otherwise)."""
    code, detail = _registry_error(response)
    status = response.status_code
    where = f"{reference.registry}/{reference.name}"
    said = f" ({code}: {detail})" if code else (f" ({detail})" if detail else "")
    if status == 401:
        return PublishError(f"{where}: the registry wants credentials to {action}{said}", hint=_LOGIN_HINT)
    if status == 403 or code == "DENIED":
        return PublishError(
            f"{where}: the account may not {action}{said}",
            hint="use credentials with push rights on this repository (a token with write:packages on GHCR)",
        )
    if code == "NAME_UNKNOWN" or (status == 404 and not code):
        return PublishError(
            f"{where}: the registry does not know this repository{said}",
            hint="create the repository on the registry first (some do not create it on push), or fix its name",
        )
    if code == "NAME_INVALID":
        return PublishError(f"{where}: the registry rejects this name{said}", hint="check the registry's naming rules")
    if code in ("DIGEST_INVALID", "SIZE_INVALID", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN"):
        return PublishError(
            f"{where}: could not {action}: the registry rejected the upload{said}",
            hint="push again; if it repeats, rebuild the image (a blob may be corrupt)",
        )
    if code in ("MANIFEST_INVALID", "MANIFEST_BLOB_UNKNOWN", "MANIFEST_UNKNOWN", "UNSUPPORTED"):
        return PublishError(
            f"{where}: the registry refused the manifest{said}",
            hint="this registry may not accept OCI image manifests; check its documentation",
        )
    if status == 429 or code == "TOOMANYREQUESTS":
        return PublishError(f"{where}: the registry limits the request rate{said}", hint="wait a little, then retry")
    if status == 413:
        return PublishError(
            f"{where}: the registry (or a proxy) found a request too large{said}", hint="push with smaller chunks"
        )
    if status >= 500:
        return PublishError(
            f"{where}: the registry failed to {action}: HTTP {status}{said}", hint="retry later (the registry failed)"
        )
    return PublishError(f"{where}: could not {action}: HTTP {status}{said}", hint="see the registry's message")


def _registry_error(response: httpx.Response) -> tuple[str, str]:
    """The first ``{"errors": [{"code", "message"}]}`` entry of a distribution API error body."""
    try:
        errors = loads_untrusted(response.content).get("errors") or []
        first = errors[0] if isinstance(errors[0], dict) else {}
        return str(first.get("code", "")), str(first.get("message", ""))
    except (ValueError, AttributeError, IndexError, httpx.ResponseNotRead):
        text = response.text.strip() if response.request.method != "HEAD" else ""
        return "", text[:200]
