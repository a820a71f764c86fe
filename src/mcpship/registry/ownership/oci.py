"""OCI: the image's config must carry the label ``io.modelcontextprotocol.server.name=<server name>``.

The image is pulled anonymously over the distribution API, as any user would: a ``401`` with a Bearer
challenge is answered by fetching an anonymous token from the challenge's realm. Multi-platform images (an
OCI index or Docker manifest list) are read at their ``linux/amd64`` entry. Like upstream, a ``429`` from
the registry skips the check rather than refusing a publisher for someone else's rate limit.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from dataclasses import dataclass
from typing import Any

import httpx

from mcpship._untrusted_json import loads_untrusted
from mcpship.registry.ownership._common import OwnershipError, PackageCheck
from mcpship.registry.ownership._hosts import HostRule

__all__ = ["MCP_NAME_LABEL", "ImageReference", "check_oci", "parse_reference"]

MCP_NAME_LABEL = "io.modelcontextprotocol.server.name"
_MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
_INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
_ACCEPT = ", ".join(_MANIFEST_TYPES + _INDEX_TYPES)
_DOCKER_HUB = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REFERENCE = re.compile(
    rf"(?:(?P<registry>[^/]*[.:][^/]*|localhost)/)?(?P<name>{_COMPONENT}(?:/{_COMPONENT})*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?"
)
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128}")
"""What the API accepts in a ``/blobs/`` or ``/manifests/`` path segment, and nothing else (the digests come from
documents the publisher pushed)."""


@dataclass(frozen=True)
class ImageReference:
    registry: str
    """As written, with any port: ``ghcr.io``, ``127.0.0.1:5000``."""
    repository: str
    """As the API names it (Docker Hub's official images get ``library/``)."""
    reference: str
    """The tag or digest to pull."""

    @property
    def api_host(self) -> str:
        return "registry-1.docker.io" if self.registry in _DOCKER_HUB else self.registry


def parse_reference(identifier: str) -> ImageReference:
    """``[REGISTRY/]NAME[:TAG][@sha256:…]`` read as go-containerregistry (and so upstream) reads it: the first
    part is a registry when it has a ``.`` or ``:`` or is ``localhost``, else the image is on Docker Hub;
    no tag means ``latest``."""
    match = _REFERENCE.fullmatch(identifier)
    if match is None:
        raise OwnershipError(
            f"'{identifier}' is not an image reference: write REGISTRY/NAME:TAG or REGISTRY/NAME@sha256:…,"
            " e.g. docker.io/acme/notes:1.0.0 or ghcr.io/acme/notes:1.0.0"
        )
    registry = match["registry"] or "docker.io"
    repository = match["name"]
    if registry in _DOCKER_HUB and "/" not in repository:
        repository = f"library/{repository}"
    return ImageReference(registry, repository, match["digest"] or match["tag"] or "latest")


class _RateLimitedError(Exception):
    pass


async def check_oci(check: PackageCheck) -> None:
    image = parse_reference(check.identifier)
    allowed = check.settings.oci_registries
    if not any(fnmatch.fnmatchcase(image.registry.lower(), pattern.lower()) for pattern in allowed):
        raise OwnershipError(
            f"image registry '{image.registry}' is not accepted here (accepted: {', '.join(allowed)});"
            " push the image to one of them"
        )
    try:
        labels = await _ImagePuller(check, image).labels()
    except _RateLimitedError:
        return  # upstream too: a registry's rate limit is not the publisher's fault
    declared = labels.get(MCP_NAME_LABEL)
    name = check.server_name
    if declared is None:
        raise OwnershipError(
            f"OCI image '{check.identifier}' is missing required annotation. Add this to your Dockerfile:"
            f' LABEL {MCP_NAME_LABEL}="{name}", then build and push the image again'
        )
    if declared != name:
        raise OwnershipError(
            f"OCI image ownership validation failed. Expected annotation '{MCP_NAME_LABEL}' = '{name}',"
            f" got '{declared}'"
        )


class _ImagePuller:
    def __init__(self, check: PackageCheck, image: ImageReference) -> None:
        self._check = check
        self._image = image
        insecure = image.registry in check.settings.oci_insecure
        self._base = f"{'http' if insecure else 'https'}://{image.api_host}/v2/{image.repository}"
        # The image's registry itself, plus the CDNs and token realms of ``fetch_hosts`` (auth.docker.io, ...).
        self._hosts = (HostRule.parse(f"{'http://' if insecure else ''}{image.api_host}"), *check.hosts)
        self._token: str | None = None

    async def labels(self) -> dict[str, str]:
        manifest = await self._manifest(self._image.reference)
        config_digest = manifest.get("config", {}).get("digest") if isinstance(manifest.get("config"), dict) else None
        if not isinstance(config_digest, str) or not _DIGEST.fullmatch(config_digest):
            raise OwnershipError(f"OCI image '{self._check.identifier}': its manifest names no config blob digest")
        response = await self._get(f"{self._base}/blobs/{config_digest}", "the image config", accept="*/*")
        content = response.content
        algorithm, _, expected = config_digest.partition(":")
        if algorithm == "sha256" and hashlib.sha256(content).hexdigest() != expected:
            raise OwnershipError(f"OCI image '{self._check.identifier}': the config blob does not match its digest")
        config = _json_object(response, "the image config")
        inner = config.get("config")
        labels = inner.get("Labels") if isinstance(inner, dict) else None
        return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}

    async def _manifest(self, reference: str, *, in_index: bool = False) -> dict[str, Any]:
        response = await self._get(f"{self._base}/manifests/{reference}", "the image manifest", accept=_ACCEPT)
        if reference.startswith("sha256:") and "sha256:" + hashlib.sha256(response.content).hexdigest() != reference:
            raise OwnershipError(f"OCI image '{self._check.identifier}': the manifest does not match {reference}")
        document = _json_object(response, "the image manifest")
        media_type = document.get("mediaType") or response.headers.get("content-type", "").split(";")[0]
        if media_type in _INDEX_TYPES or "manifests" in document:
            if in_index:
                raise OwnershipError(f"OCI image '{self._check.identifier}': its index points at another index")
            return await self._manifest(_platform_digest(document, self._check.identifier), in_index=True)
        return document

    async def _get(self, url: str, what: str, *, accept: str) -> httpx.Response:
        response = await self._check.get(url, what=what, headers=self._headers(accept), hosts=self._hosts)
        if response.status_code == 401 and self._token is None:
            self._token = await self._anonymous_token(response)
            response = await self._check.get(url, what=what, headers=self._headers(accept), hosts=self._hosts)
        if response.status_code == 429:
            raise _RateLimitedError
        if response.status_code in (401, 403):
            raise OwnershipError(
                f"OCI image '{self._check.identifier}' cannot be pulled anonymously (status: {response.status_code});"
                " make the image public"
            )
        if response.status_code == 404:
            raise OwnershipError(f"OCI image '{self._check.identifier}' not found: {what} is missing (status: 404)")
        if response.status_code != 200:
            raise OwnershipError(f"OCI image '{self._check.identifier}': {url} answered status {response.status_code}")
        return response

    def _headers(self, accept: str) -> dict[str, str]:
        headers = {"Accept": accept}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    async def _anonymous_token(self, challenge: httpx.Response) -> str:
        header = challenge.headers.get("www-authenticate", "")
        scheme, _, rest = header.partition(" ")
        params = dict(_CHALLENGE_PARAM.findall(rest))
        if scheme.lower() != "bearer" or "realm" not in params:
            raise OwnershipError(
                f"OCI image '{self._check.identifier}' requires credentials to pull; make the image public"
            )
        query = {"scope": params.get("scope", f"repository:{self._image.repository}:pull")}
        if "service" in params:
            query["service"] = params["service"]
        try:
            url = httpx.URL(params["realm"]).copy_merge_params(query)
        except httpx.InvalidURL as exc:
            what = f"OCI image '{self._check.identifier}'"
            raise OwnershipError(f"{what}: its registry names an invalid token realm") from exc
        response = await self._check.get(url, what="an anonymous pull token", hosts=self._hosts)
        if response.status_code == 429:
            raise _RateLimitedError
        if response.status_code != 200:
            raise OwnershipError(
                f"OCI image '{self._check.identifier}': anonymous pull refused by {params['realm']}"
                f" (status: {response.status_code}); make the image public"
            )
        document = _json_object(response, "the token response")
        token = document.get("token") or document.get("access_token")
        if not isinstance(token, str) or not token:
            raise OwnershipError(f"{params['realm']} answered without a token")
        return token


def _platform_digest(index: dict[str, Any], identifier: str) -> str:
    """The ``linux/amd64`` image of a multi-platform index (the platform the registry's users run most)."""
    listed = index.get("manifests")
    entries = [entry for entry in listed if isinstance(entry, dict)] if isinstance(listed, list) else []
    platforms = []
    for entry in entries:
        platform = entry.get("platform")
        platform = platform if isinstance(platform, dict) else {}
        digest = entry.get("digest")
        if platform.get("os") == "linux" and platform.get("architecture") == "amd64":
            if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
                raise OwnershipError(f"OCI image '{identifier}': its linux/amd64 entry has no valid digest")
            return digest
        platforms.append(f"{platform.get('os')}/{platform.get('architecture')}")
    raise OwnershipError(
        f"OCI image '{identifier}' has no linux/amd64 image (platforms: {', '.join(platforms[:10]) or 'none'}"
        f"{', ...' if len(platforms) > 10 else ''})"
    )


def _json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        document = loads_untrusted(response.content)
    except ValueError as exc:
        raise OwnershipError(f"{what} from {response.url} is not JSON") from exc
    if not isinstance(document, dict):
        raise OwnershipError(f"{what} from {response.url} is not a JSON object")
    return document
