"""Read an untrusted ``.mcpb`` bundle: the one reader behind ``validate``, unpacking and ``verify``.

Opening a bundle costs memory bounded by :class:`BundleLimits`, whatever the file claims. The signature block is
found in the file's tail; the central directory is sized and its records counted before :mod:`zipfile` parses it;
then every entry is judged by the listing (name, type, compression, declared size and ratio, overlap with its
neighbours: :mod:`._listing`) and its symlinks resolved (:mod:`._links`) before a byte of any other entry is read.
Reading an entry streams it in chunks, and never yields more than its declared size: zipfile cuts the data there
and checks the CRC, so a header that understates an entry makes it damaged, never larger than the listing allowed.
The limits and the errors live in :mod:`._bundle_limits` and :mod:`._bundle_errors`; their names are importable
from here.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, cast

from mcpship._exceptions import InvalidArtifactError
from mcpship._strict_json import StrictJsonError, loads
from mcpship._zipdir import directory_excess
from mcpship.targets.mcpb._bundle_errors import (
    DAMAGED_HINT,
    UNSAFE_HINT,
    BundleError,
    Finding,
    UnsafeBundleError,
    describe,
)
from mcpship.targets.mcpb._bundle_limits import (
    CENTRAL_DIRECTORY_BYTES_PER_ENTRY,
    MAX_ENTRIES,
    MAX_ENTRY_BYTES,
    MAX_LINK_BYTES,
    MAX_MANIFEST_BYTES,
    MAX_MANIFEST_DEPTH,
    MAX_RATIO,
    MAX_UNPACKED_BYTES,
    RATIO_GRACE_BYTES,
    BundleLimits,
    size_text,
)
from mcpship.targets.mcpb._entries import LinkError, LinkResolver, fold
from mcpship.targets.mcpb._links import resolve_links
from mcpship.targets.mcpb._listing import Entry, Listing, judge_listing
from mcpship.targets.mcpb.signing import read_signature

__all__ = [
    "CENTRAL_DIRECTORY_BYTES_PER_ENTRY",
    "MAX_ENTRIES",
    "MAX_ENTRY_BYTES",
    "MAX_LINK_BYTES",
    "MAX_MANIFEST_BYTES",
    "MAX_RATIO",
    "MAX_UNPACKED_BYTES",
    "RATIO_GRACE_BYTES",
    "BundleArchive",
    "BundleError",
    "BundleLimits",
    "Finding",
    "UnsafeBundleError",
    "describe",
    "open_bundle",
    "parse_manifest",
]

_CHUNK = 1 << 20


def open_bundle(path: Path, *, limits: BundleLimits | None = None) -> BundleArchive:
    """Open ``path`` for reading; :class:`BundleError` if it is not a readable bundle, :class:`UnsafeBundleError`
    if it breaks a limit before its entries can even be listed. Unsafe entries are listed in ``findings``."""
    return BundleArchive(path, limits or BundleLimits())


class BundleArchive:
    """An open bundle. ``findings`` lists every reason not to unpack it; :meth:`scan` and :meth:`extract` refuse
    to run while there is one."""

    # Set by _open: an archive that fails to open is never returned, so these need no placeholder values.
    findings: list[Finding]
    content_length: int
    """Bytes of zip before the signature block: the signed content."""
    signature: bytes | None
    _listing: Listing
    _links: LinkResolver

    def __init__(self, path: Path, limits: BundleLimits) -> None:
        self.path = path
        self.limits = limits
        self.label = str(path)
        self._zip: zipfile.ZipFile | None = None
        try:
            self._handle: BinaryIO = path.open("rb")
        except OSError as exc:
            raise BundleError(file=self.label, entry=None, reason=f"cannot read it: {exc.strerror}") from exc
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> BundleArchive:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
        self._handle.close()

    # -- opening -------------------------------------------------------------------------------------------------

    def _open(self) -> None:
        size = os.fstat(self._handle.fileno()).st_size
        try:
            self.content_length, self.signature = read_signature(self._handle, size)
        except InvalidArtifactError as error:
            raise BundleError(
                file=self.label, entry=None, reason=error.message, hint=error.hint, part="signature"
            ) from None
        # Unbuffered: zipfile seeks before nearly every read, which would refill a buffer each time.
        content = cast(BinaryIO, _Prefix(self._handle, self.content_length))
        self._check_directory(content)
        try:
            self._zip = zipfile.ZipFile(content)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise BundleError(
                file=self.label, entry=None, reason=f"not a zip archive ({exc})", hint="a .mcpb bundle is a zip file"
            ) from None
        infos = self._zip.infolist()
        if len(infos) > self.limits.max_entries:  # the pre-count agrees with zipfile; belt and braces
            raise self._too_many(len(infos))
        self._listing = judge_listing(infos, self.limits)
        self._links, link_findings = resolve_links(self._listing.entries, lambda info: b"".join(self._stream(info)))
        self.findings = self._listing.findings + link_findings

    def _check_directory(self, content: BinaryIO) -> None:
        excess = directory_excess(content, self.content_length, self.limits.max_entries)
        if excess is not None and excess.directory_bytes:
            raise UnsafeBundleError(
                file=self.label,
                entry=None,
                reason=f"its table of contents is {excess.directory_bytes} bytes, more than the"
                f" {size_text(excess.limit_bytes)} allowed",
                hint=UNSAFE_HINT,
            )
        if excess is not None:
            raise self._too_many(excess.entries)

    def _too_many(self, count: int) -> UnsafeBundleError:
        return UnsafeBundleError(
            file=self.label,
            entry=None,
            reason=f"has {count} entries, more than the {self.limits.max_entries} allowed",
            hint="if you trust this bundle, raise the limit with --max-entries",
        )

    # -- reading -------------------------------------------------------------------------------------------------

    def refused(self, name: str) -> bool:
        """Whether a finding is about the entry ``name``: its contents are not to be read."""
        return any(finding.entry is not None and fold(finding.entry) == fold(name) for finding in self.findings)

    def _find(self, name: str) -> tuple[str, Entry | None] | None:
        """The key ``name`` leads to (through links) and the entry there, or None if it leads nowhere safe."""
        try:
            key = self._links.resolve(name)
        except LinkError:
            return None
        return key, self._listing.entries.get(key)

    def exists(self, name: str) -> bool:
        """Whether ``name`` (a file or folder, through links) is in the bundle, as a host would see it unpacked."""
        found = self._find(name)
        if found is None:
            return False
        key, entry = found
        if entry is not None or not key:
            return True
        return self._listing.has_under(key)

    def head(self, name: str, size: int = 16) -> bytes:
        """The first ``size`` bytes of the file ``name`` leads to; empty if it is not a file."""
        found = self._find(name)
        if found is None or found[1] is None or found[1].kind != "file":
            return b""
        return b"".join(self._stream(found[1].info, stop_after=size))

    def read_manifest(self) -> bytes | None:
        """``manifest.json``'s bytes (a regular file at the root, at most ``max_manifest_bytes``); None if absent."""
        entry = self._listing.entries.get("manifest.json")
        if entry is None or entry.info.filename.removeprefix("./") != "manifest.json":
            return None
        limit = self.limits.max_manifest_bytes
        if entry.kind != "file":
            raise UnsafeBundleError(
                file=self.label,
                entry=entry.info.filename,
                reason="is not a regular file; hosts that unpack without links would read the link's text",
                hint="store manifest.json itself at the root of the bundle",
            )
        if entry.info.file_size > limit:
            raise UnsafeBundleError(
                file=self.label,
                entry=entry.info.filename,
                reason=f"is {entry.info.file_size} bytes; a manifest may have at most {size_text(limit)}",
                hint="a manifest describes the server; keep data files out of it",
            )
        return b"".join(self._stream(entry.info))  # never more than the declared size, checked above

    def scan(self) -> None:
        """Decompress every entry once, streamed and counted, as unpacking would: damage and lies surface here."""
        self.require_safe()
        for entry in self._listing.entries.values():
            if entry.kind == "file":
                for _ in self._stream(entry.info):
                    pass

    def extract(self, root: Path) -> None:
        """Write every entry under the empty folder ``root``: files first, then links, so nothing is written
        through a link; modes are 0755 or 0644 (never setuid).

        The bytes written stay within ``max_unpacked_bytes`` without a count here: each entry's stream stops at
        its declared size, and the listing refused a bundle whose declared sizes add up to more."""
        self.require_safe()
        for entry in self._listing.entries.values():
            if entry.kind == "dir":
                (root / entry.info.filename).mkdir(parents=True, exist_ok=True)
            elif entry.kind == "file":
                self._extract_file(entry.info, root)
        for entry in self._listing.entries.values():
            if entry.kind == "link":
                assert entry.target is not None  # require_safe: every link left has an acceptable target
                link = root / entry.info.filename  # a Path drops the trailing "/" of a link named like a folder
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(entry.target)

    def _extract_file(self, info: zipfile.ZipInfo, root: Path) -> None:
        target = root / info.filename
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = 0o755 if (info.external_attr >> 16) & 0o111 else 0o644
        # O_CREAT | O_EXCL: never onto anything already there, a symlink included wherever it points (POSIX open()).
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        with os.fdopen(os.open(target, flags, mode), "wb") as sink:
            for chunk in self._stream(info):
                sink.write(chunk)
        target.chmod(mode)  # the umask may have taken bits away; hosts honour the executable bit

    def require_safe(self) -> None:
        """Raise the first finding (counting the others) as an :class:`UnsafeBundleError`, if there is one."""
        if self.findings:
            raise self.findings[0].error(self.label, doing="refusing to unpack: ", more=len(self.findings) - 1)

    def _stream(self, info: zipfile.ZipInfo, *, stop_after: int | None = None) -> Iterator[bytes]:
        """The entry's bytes in chunks of at most 1 MiB (only the first ``stop_after`` bytes, if given).

        Never more than the entry's declared size, which the listing held to the limits: zipfile cuts what it
        decompresses at that size and checks the CRC there, so a header that understates an entry makes it
        damaged, never larger (``test_headers_that_understate_an_entry_do_not_make_the_reader_produce_more``)."""
        assert self._zip is not None
        produced = 0
        try:
            with self._zip.open(info) as handle:
                while chunk := handle.read(_CHUNK if stop_after is None else min(_CHUNK, stop_after - produced)):
                    produced += len(chunk)
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            raise BundleError(
                file=self.label, entry=info.filename, reason=f"is damaged: {exc}", hint=DAMAGED_HINT
            ) from None

    def content_digest(self, algorithm: str) -> bytes:
        """The digest of the signed bytes (the zip before the signature block), read in chunks."""
        digest = hashlib.new(algorithm)
        self._handle.seek(0)
        left = self.content_length
        while left > 0 and (chunk := self._handle.read(min(_CHUNK, left))):
            digest.update(chunk)
            left -= len(chunk)
        return digest.digest()


def parse_manifest(raw: bytes, *, source: str) -> object:
    """A manifest's JSON as RFC 8259 has it (:mod:`mcpship._strict_json`; a byte order mark is refused, as the
    hosts' parsers refuse it), at most 64 levels deep; :class:`BundleError` naming ``source`` otherwise."""
    try:
        return loads(raw.decode("utf-8"), max_depth=MAX_MANIFEST_DEPTH)
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 (byte {exc.start}); hosts read manifests as UTF-8 JSON"
    except StrictJsonError as exc:
        refusal = exc.refusals[0]
        if refusal.kind == "depth":
            reason = f"nested more than {MAX_MANIFEST_DEPTH} levels deep; no manifest needs that"
        elif refusal.kind == "syntax":
            reason = f"not valid JSON (line {refusal.line}, column {refusal.column}: {refusal.message})"
        else:
            reason = f"not valid JSON ({refusal.message})"
    raise BundleError(file=source, entry=None, reason=reason, hint="write manifest.json as plain UTF-8 JSON")


class _Prefix(io.RawIOBase):
    """The first ``length`` bytes of a file, seekable: the zip without the signature block after it."""

    def __init__(self, raw: BinaryIO, length: int) -> None:
        super().__init__()
        self._raw = raw
        self._length = length
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._length}[whence]
        if base + offset < 0:
            raise OSError(22, "negative seek position")
        self._position = base + offset
        return self._position

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = min(len(buffer), self._length - self._position)
        if count <= 0:
            return 0
        self._raw.seek(self._position)
        data = self._raw.read(count)
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)
