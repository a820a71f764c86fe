"""Every HTTP request the ownership proofs of one publish make goes through one :class:`Fetcher`, which bounds it.

- **Where.** Redirects are followed by hand: each hop's URL is checked against the check's host rules (scheme,
  host, port, no credentials) *before* it is requested, so a refused host is never contacted and nothing about
  it can leak into an error. ``Authorization`` is dropped when a hop changes origin.
- **How much.** A body is streamed and counted as it arrives (inflated in bounded pieces if a server compresses
  anyway: :mod:`mcpship._bounded_body`): a document stops at ``max_document_bytes``, a file at ``max_file_bytes``,
  the publish at ``max_publish_bytes``. A file is hashed as it streams and written to disk only when needed.
- **How often.** ``max_fetches`` requests per publish (hops included), ``max_concurrent_fetches`` at once per
  publish, ``max_process_fetches`` at once per server process. The publish's time budget is enforced by the
  dispatcher around all of this.
"""

from __future__ import annotations

import asyncio
import hashlib
import weakref
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import httpx

from mcpship.__about__ import __version__
from mcpship._bounded_body import apieces
from mcpship.registry.config import OwnershipSettings
from mcpship.registry.ownership._hosts import HostRule

__all__ = ["USER_AGENT", "Download", "Fetcher", "OwnershipError", "process_slots"]

USER_AGENT = f"mcpship-registry/{__version__}"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DROPPED_HEADERS = ("content-encoding", "content-length", "transfer-encoding")


class OwnershipError(Exception):
    """The package does not prove the server's ownership; ``str(exc)`` is the reason shown to the publisher."""


@dataclass(frozen=True)
class Download:
    sha256: str
    size: int
    path: Path | None
    """Where the bytes were saved; None when only the hash was wanted."""


_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Semaphore]] = weakref.WeakKeyDictionary()


def process_slots(limit: int) -> asyncio.Semaphore:
    """The process-wide limit on ownership requests in flight. A server process runs one event loop, so one
    semaphore per loop is one per process (and tests that start several loops do not share a dead one)."""
    per_loop = _SLOTS.setdefault(asyncio.get_running_loop(), {})
    return per_loop.setdefault(limit, asyncio.Semaphore(limit))


class Fetcher:
    """The HTTP of one publish's ownership proofs: one per publish, shared by its package checks."""

    def __init__(self, client: httpx.AsyncClient, settings: OwnershipSettings) -> None:
        self._client = client
        self._settings = settings
        self._publish_slots = asyncio.Semaphore(settings.max_concurrent_fetches)
        self._process_slots = process_slots(settings.max_process_fetches)
        self.fetches = 0
        self.downloaded = 0

    async def document(
        self,
        url: str | httpx.URL,
        *,
        hosts: Sequence[HostRule],
        what: str,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """GET ``url``; a 2xx answer's body is read (at most ``max_document_bytes``), any other status keeps only
        its headers. The response's ``url`` is the last hop's."""
        async with self._final(url, hosts=hosts, what=what, headers=headers, verb="fetch") as response:
            body = bytearray()
            if response.is_success:
                await self._read(response, self._settings.max_document_bytes, f"{what} at {url}", body.extend)
            kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _DROPPED_HEADERS]
            return httpx.Response(response.status_code, headers=kept, content=bytes(body), request=response.request)

    async def file(
        self, url: str | httpx.URL, *, hosts: Sequence[HostRule], what: str, destination: Path | None = None
    ) -> Download:
        """Stream ``url`` (at most ``max_file_bytes``), hashing as it goes, into ``destination`` if given."""
        async with self._final(url, hosts=hosts, what=what, headers=None, verb="download") as response:
            if response.status_code != 200:
                raise OwnershipError(f"{what} at {url} is not publicly accessible (status: {response.status_code})")
            digest = hashlib.sha256()
            try:
                with destination.open("wb") if destination is not None else nullcontext() as sink:

                    def take(piece: bytes) -> None:
                        digest.update(piece)
                        if sink is not None:
                            sink.write(piece)

                    size = await self._read(response, self._settings.max_file_bytes, f"{what} at {url}", take)
            except OSError as exc:  # the registry's own disk, not the publisher's fault, but no proof either
                raise OwnershipError(f"cannot keep {what} from {url} to read it: {exc.strerror}") from exc
            return Download(digest.hexdigest(), size, destination)

    @asynccontextmanager
    async def _final(
        self,
        url: str | httpx.URL,
        *,
        hosts: Sequence[HostRule],
        what: str,
        headers: Mapping[str, str] | None,
        verb: str,
    ) -> AsyncIterator[httpx.Response]:
        """The first non-redirect answer to ``url``, its body not yet read; a slot is held until the caller is done.
        Errors name ``url`` as given, never a later hop (signed CDN URLs stay out of messages)."""
        try:
            current = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise OwnershipError(f"cannot {verb} {what}: {url} is not a valid URL") from exc
        sent = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **(headers or {})}
        for hop in range(self._settings.max_redirects + 1):
            async with self._publish_slots, self._process_slots:
                self._admit(current, hosts, what, url, first=hop == 0)  # with a slot: the counts are current
                try:
                    request = self._client.build_request(
                        "GET", current, headers=sent, timeout=self._settings.timeout_seconds
                    )
                    response = await self._client.send(request, stream=True, follow_redirects=False)
                except httpx.HTTPError as exc:
                    raise OwnershipError(f"cannot {verb} {what} from {url}: {_describe(exc)}") from exc
                try:
                    location = response.headers.get("location")
                    if response.status_code not in _REDIRECTS or location is None:
                        try:
                            yield response
                        except httpx.HTTPError as exc:
                            raise OwnershipError(f"cannot {verb} {what} from {url}: {_describe(exc)}") from exc
                        return
                    following = _join(response.url, location, what, url)
                finally:
                    await response.aclose()
            if (following.scheme, following.host, following.port) != (current.scheme, current.host, current.port):
                sent = {key: value for key, value in sent.items() if key.lower() != "authorization"}
            current = following
        raise OwnershipError(
            f"{what} at {url} redirects more than {self._settings.max_redirects} times, the most this registry follows"
        )

    def _admit(
        self, url: httpx.URL, hosts: Sequence[HostRule], what: str, given: str | httpx.URL, *, first: bool
    ) -> None:
        """Refuse before connecting: a host outside the rules, or a publish that has used up its requests."""
        if not any(rule.allows(url) for rule in hosts):
            accepted = ", ".join(str(rule) for rule in hosts)
            if first:
                raise OwnershipError(f"{what} at {given} is not on a host this registry fetches from ({accepted})")
            origin = f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port is not None else "")
            raise OwnershipError(
                f"{what} at {given} redirects to {origin}, a host this registry does not fetch from (accepted:"
                f" {accepted}); nothing was fetched from it. Publish a URL that serves the file itself"
            )
        if self.downloaded >= self._settings.max_publish_bytes:
            raise self._publish_bytes_spent()
        if self.fetches >= self._settings.max_fetches:
            raise OwnershipError(
                f"proving this server's packages takes more than {self._settings.max_fetches} requests, the most"
                " this registry makes for one publish; publish fewer packages per version"
            )
        self.fetches += 1

    def _publish_bytes_spent(self) -> OwnershipError:
        return OwnershipError(
            f"proving this server's packages downloads more than {_size(self._settings.max_publish_bytes)},"
            " the most this registry downloads for one publish; publish fewer or smaller packages"
        )

    async def _read(self, response: httpx.Response, limit: int, what: str, take: Callable[[bytes], None]) -> int:
        size = 0

        def count(piece: bytes) -> None:
            nonlocal size
            size += len(piece)
            self.downloaded += len(piece)
            if size > limit:
                raise OwnershipError(f"{what} exceeds {_size(limit)}, the most this registry downloads")
            if self.downloaded > self._settings.max_publish_bytes:
                raise self._publish_bytes_spent()
            take(piece)

        try:
            async for piece in apieces(response):
                count(piece)
        except ValueError as exc:
            raise OwnershipError(f"{what}: {exc}") from exc
        return size


def _join(base: httpx.URL, location: str, what: str, given: str | httpx.URL) -> httpx.URL:
    try:
        return base.join(location)
    except httpx.InvalidURL as exc:
        raise OwnershipError(f"{what} at {given} redirects to an invalid URL") from exc


def _size(count: int) -> str:
    return f"{count >> 20} MiB" if count >= 1 << 20 and count % (1 << 20) == 0 else f"{count} bytes"


def _describe(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    return str(exc) or type(exc).__name__
