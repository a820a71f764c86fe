"""Read an untrusted ``.mcpb`` bundle: the one reader behind ``validate``, unpacking and ``verify``.

Opening a bundle costs memory bounded by :class:`BundleLimits`, whatever the file claims. The signature block is
found in the file's tail; the central directory is sized and its records counted before :mod:`zipfile` parses it;
then every entry is judged (name, type, compression, declared size and ratio, overlap with its neighbours,
symlinks, see :mod:`._entries`) before a byte of it is read. Reading an entry streams it and counts the bytes
really decompressed against the same limits, so the sizes in the zip headers are never trusted alone.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import itertools
import json
import os
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Literal, cast

from mcpship._exceptions import InvalidArtifactError
from mcpship._zipdir import count_records, locate_central_directory
from mcpship.targets.mcpb._entries import LinkError, LinkResolver, fold, link_target_problem, name_problem
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

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30

MAX_UNPACKED_BYTES = 1 * GiB
"""All entries together. The largest real bundles (Python with compiled dependencies) unpack to a few hundred MB."""
MAX_ENTRY_BYTES = 512 * MiB
"""One entry: room for a bundled runtime or a single-file server binary (about 100 MB for Node or Bun)."""
MAX_ENTRIES = 100_000
"""Entries (files, folders, links). A Node bundle with its production node_modules has a few thousand."""
MAX_RATIO = 200
"""Uncompressed/compressed per entry. Source, JSON and binaries compress 2-20x; deflate's own ceiling is ~1032x."""
RATIO_GRACE_BYTES = 1 * MiB
"""Entries smaller than this may compress any amount: they cannot hurt, and tiny files often do."""
MAX_MANIFEST_BYTES = 1 * MiB
"""manifest.json: real ones are a few KB, a hundred KB with many tools and prompts."""
CENTRAL_DIRECTORY_BYTES_PER_ENTRY = 320
"""The zip's table of contents, which zipfile reads whole, may take this much per allowed entry (32 MB by default):
a 46-byte record and a long path. Bounds the memory of listing a bundle before its entries can be counted."""
MAX_LINK_BYTES = 1 * KiB
"""One symlink's target."""
MAX_ALL_LINKS_BYTES = 1 * MiB
"""All symlink targets together, which bounds the work of resolving them."""
_CHUNK = 1 * MiB
_SAFE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_UNSAFE_HINT = "do not install it; rebuild the bundle from source with a packer you trust (mcpship build, mcpb pack)"
_DAMAGED_HINT = "download or build the bundle again"
Kind = Literal["file", "dir", "link"]


@dataclass(frozen=True, kw_only=True)
class BundleLimits:
    """What a bundle may unpack to. ``mcpship validate`` and ``mcpship verify`` raise the first two with
    ``--max-unpacked-mib`` and ``--max-entries``; the library takes any of them."""

    max_unpacked_bytes: int = MAX_UNPACKED_BYTES
    max_entries: int = MAX_ENTRIES
    max_entry_bytes: int = MAX_ENTRY_BYTES
    max_ratio: int = MAX_RATIO
    max_manifest_bytes: int = MAX_MANIFEST_BYTES


class BundleError(InvalidArtifactError):
    """A bundle that cannot be read: ``file``, the ``entry`` at fault (None: the archive as a whole), ``reason``
    (a sentence about the entry: "is a symlink to ..."), ``hint`` (the fix). Exit code 9."""

    def __init__(
        self, *, file: str, entry: str | None, reason: str, hint: str | None = None, part: str = "$", doing: str = ""
    ) -> None:
        super().__init__(f"{file}: {doing}{describe(entry, reason)}", hint=hint)
        self.file = file
        self.entry = entry
        self.reason = reason
        self.part = part
        """``$`` for the zip, ``signature`` for the signature block."""


def describe(entry: str | None, reason: str) -> str:
    """The words every reader uses for one finding: ``'esc' is a symlink to ...``."""
    return f"{entry!r} {reason}" if entry is not None else reason


class UnsafeBundleError(BundleError):
    """A bundle refused as hostile: it breaks a limit, or an entry could land outside the unpack folder."""


@dataclass(frozen=True)
class Finding:
    """Why one entry (or, with ``entry`` None, the whole bundle) is unsafe; the same words everywhere."""

    entry: str | None
    reason: str
    hint: str = _UNSAFE_HINT

    def error(self, file: str, *, doing: str = "", more: int = 0) -> UnsafeBundleError:
        reason = self.reason + (f" (and {more} more unsafe entries)" if more else "")
        return UnsafeBundleError(file=file, entry=self.entry, reason=reason, hint=self.hint, doing=doing)


@dataclass
class _Entry:
    info: zipfile.ZipInfo
    kind: Kind
    target: str | None = None
    """A symlink's target."""


def _kind(info: zipfile.ZipInfo) -> Kind:
    if info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16):
        return "link"
    return "dir" if info.filename.endswith("/") else "file"


def open_bundle(path: Path, *, limits: BundleLimits | None = None) -> BundleArchive:
    """Open ``path`` for reading; :class:`BundleError` if it is not a readable bundle, :class:`UnsafeBundleError`
    if it breaks a limit before its entries can even be listed. Unsafe entries are listed in ``findings``."""
    return BundleArchive(path, limits or BundleLimits())


class BundleArchive:
    """An open bundle. ``findings`` lists every reason not to unpack it; :meth:`scan` and :meth:`extract` refuse
    to run while there is one."""

    def __init__(self, path: Path, limits: BundleLimits) -> None:
        self.path = path
        self.limits = limits
        self.label = str(path)
        self.findings: list[Finding] = []
        self.content_length = 0
        """Bytes of zip before the signature block: the signed content."""
        self.signature: bytes | None = None
        self._zip: zipfile.ZipFile | None = None
        self._entries: dict[str, _Entry] = {}
        """Folded key -> entry, for the entries whose name and type are acceptable, in archive order."""
        self._keys: list[str] = []
        self._links = LinkResolver({})
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
        self._judge(infos)

    def _check_directory(self, content: BinaryIO) -> None:
        directory = locate_central_directory(content, self.content_length)
        if directory is None:
            return  # not a zip: zipfile says so in its own words
        limit = self.limits.max_entries * CENTRAL_DIRECTORY_BYTES_PER_ENTRY
        if directory.size > limit:
            raise UnsafeBundleError(
                file=self.label,
                entry=None,
                reason=f"its table of contents is {directory.size} bytes, more than the {_size(limit)} allowed",
                hint=_UNSAFE_HINT,
            )
        if directory.declared_entries > self.limits.max_entries:
            raise self._too_many(directory.declared_entries)
        if directory.start < 0:
            return
        content.seek(directory.start)
        records = count_records(content.read(directory.size))
        if records > self.limits.max_entries:
            raise self._too_many(records)

    def _too_many(self, count: int) -> UnsafeBundleError:
        return UnsafeBundleError(
            file=self.label,
            entry=None,
            reason=f"has {count} entries, more than the {self.limits.max_entries} allowed",
            hint="if you trust this bundle, raise the limit with --max-entries",
        )

    def _judge(self, infos: list[zipfile.ZipInfo]) -> None:
        """Fill ``findings``: every reason not to unpack this bundle that its directory shows."""
        declared_total = 0
        first_name: dict[str, str] = {}
        for info in infos:
            declared_total += info.file_size
            kind = _kind(info)
            # orig_filename: zipfile cuts the name at a NUL byte, other unpackers may not
            reason = name_problem(info.orig_filename, folder=kind == "dir") or self._entry_problem(info)
            key = fold(info.filename)
            if reason is None and key in first_name:
                reason = self._collision(info, first_name[key])
            if reason is not None:
                self.findings.append(Finding(info.orig_filename, reason))
            first_name.setdefault(key, info.filename)
            if reason is None and key not in self._entries:
                self._entries[key] = _Entry(info, kind)
        if declared_total > self.limits.max_unpacked_bytes:
            self.findings.append(
                Finding(
                    None,
                    f"unpacks to {declared_total} bytes, more than the {_size(self.limits.max_unpacked_bytes)} allowed",
                    "if you trust this bundle, raise the limit with --max-unpacked-mib",
                )
            )
        self._keys = sorted(self._entries)
        self.findings += self._overlaps(infos)
        self.findings += self._under_files()
        self._read_links()

    def _entry_problem(self, info: zipfile.ZipInfo) -> str | None:
        mode = info.external_attr >> 16
        # Many packers (the official CLI, Python's writestr) store permission bits without a file type: a file.
        if info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR, stat.S_IFLNK):
            return "is a device, FIFO or socket, not a file"
        if info.flag_bits & 0x1:
            return "is encrypted; hosts cannot unpack it"
        if info.compress_type not in _SAFE_METHODS:
            return f"uses compression method {info.compress_type}; hosts read only stored and deflated entries"
        if info.file_size > self.limits.max_entry_bytes:
            return f"unpacks to {info.file_size} bytes, more than the {_size(self.limits.max_entry_bytes)} allowed"
        if info.file_size > RATIO_GRACE_BYTES and info.file_size > self.limits.max_ratio * max(info.compress_size, 1):
            return (
                f"expands {info.file_size // max(info.compress_size, 1)}:1 ({info.compress_size} bytes to"
                f" {info.file_size}), more than the {self.limits.max_ratio}:1 allowed: a zip bomb"
            )
        return None

    @staticmethod
    def _collision(info: zipfile.ZipInfo, first: str) -> str | None:
        if info.filename.endswith("/") and first.endswith("/"):
            return None  # one folder listed twice: harmless
        if info.filename == first:
            return "appears twice; which copy wins would depend on the unpacker"
        return (
            f"collides with {first!r}: both unpack to the same path (on macOS and Windows at least, which compare"
            " names without case), so one would overwrite the other"
        )

    def _overlaps(self, infos: list[zipfile.ZipInfo]) -> list[Finding]:
        """Entries whose data runs into the next entry: the trick of zip bombs that reuse one compressed stream."""
        findings: list[Finding] = []
        ordered = sorted(infos, key=lambda info: info.header_offset)
        for info, after in itertools.pairwise(ordered):
            encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
            name_length = len(info.orig_filename.encode(encoding, "replace"))
            minimum_end = info.header_offset + 30 + name_length + info.compress_size
            if minimum_end > after.header_offset:
                findings.append(
                    Finding(info.filename, f"overlaps {after.filename!r} in the file (a zip bomb technique)")
                )
        return findings

    def _under_files(self) -> list[Finding]:
        """Entries inside a path that is a file or a symlink: unpacking would fail, or write through the link."""
        findings: list[Finding] = []
        for key, entry in self._entries.items():
            if entry.kind == "dir":
                continue
            index = bisect.bisect_left(self._keys, key + "/")
            while index < len(self._keys) and self._keys[index].startswith(key + "/"):
                inner = self._keys[index]
                index += 1
                what = "a symlink" if entry.kind == "link" else "a file"
                reason = f"lies under {entry.info.filename!r}, which is {what}: unpacking would write through it"
                findings.append(Finding(self._entries[inner].info.filename, reason))
        return findings

    def _read_links(self) -> None:
        links = {key: entry for key, entry in self._entries.items() if entry.kind == "link"}
        budget = MAX_ALL_LINKS_BYTES
        targets: dict[str, str] = {}
        for key, entry in links.items():
            name = entry.info.filename
            if entry.info.file_size > MAX_LINK_BYTES or entry.info.file_size > budget:
                limit = "1 KiB" if entry.info.file_size > MAX_LINK_BYTES else "1 MiB for all links together"
                self.findings.append(Finding(name, f"is a symlink whose target is longer than {limit}"))
                continue
            budget -= entry.info.file_size
            raw = b"".join(self._stream(entry.info))
            try:
                target = raw.decode("utf-8")
            except UnicodeDecodeError:
                self.findings.append(Finding(name, "is a symlink whose target is not UTF-8"))
                continue
            problem = link_target_problem(target)
            if problem is not None:
                self.findings.append(Finding(name, problem))
                continue
            entry.target = targets[key] = target
        self._links = LinkResolver(targets)
        for key in targets:
            try:
                self._links.resolve_link(key)
            except LinkError as error:
                self.findings.append(Finding(links[key].info.filename, self._describe(key, error)))

    def _describe(self, key: str, error: LinkError) -> str:
        entry = self._entries[key]
        text = f"is a symlink to {entry.target!r}, which {error.reason}"
        others = [self._entries[link] for link in error.chain if link != key and link in self._entries]
        if others:
            text += " through " + ", ".join(f"{other.info.filename!r} -> {other.target!r}" for other in others)
        return text

    # -- reading -------------------------------------------------------------------------------------------------

    def refused(self, name: str) -> bool:
        """Whether a finding is about the entry ``name``: its contents are not to be read."""
        return any(finding.entry is not None and fold(finding.entry) == fold(name) for finding in self.findings)

    def _find(self, name: str) -> tuple[str, _Entry | None] | None:
        """The key ``name`` leads to (through links) and the entry there, or None if it leads nowhere safe."""
        try:
            key = self._links.resolve(name)
        except LinkError:
            return None
        return key, self._entries.get(key)

    def exists(self, name: str) -> bool:
        """Whether ``name`` (a file or folder, through links) is in the bundle, as a host would see it unpacked."""
        found = self._find(name)
        if found is None:
            return False
        key, entry = found
        if entry is not None or not key:
            return True
        index = bisect.bisect_left(self._keys, key + "/")
        return index < len(self._keys) and self._keys[index].startswith(key + "/")

    def head(self, name: str, size: int = 16) -> bytes:
        """The first ``size`` bytes of the file ``name`` leads to; empty if it is not a file."""
        found = self._find(name)
        if found is None or found[1] is None or found[1].kind != "file":
            return b""
        data = b""
        for chunk in self._stream(found[1].info, stop_after=size):
            data += chunk
        return data[:size]

    def read_manifest(self) -> bytes | None:
        """``manifest.json``'s bytes (a regular file at the root, at most ``max_manifest_bytes``); None if absent."""
        entry = self._entries.get("manifest.json")
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
            raise self._manifest_too_big(entry.info.filename, f"is {entry.info.file_size} bytes")
        data = b""
        for chunk in self._stream(entry.info, stop_after=limit + 1):
            data += chunk
            if len(data) > limit:
                raise self._manifest_too_big(entry.info.filename, f"is over {limit} bytes")
        return data

    def _manifest_too_big(self, name: str, size: str) -> UnsafeBundleError:
        return UnsafeBundleError(
            file=self.label,
            entry=name,
            reason=f"{size}; a manifest may have at most {_size(self.limits.max_manifest_bytes)}",
            hint="a manifest describes the server; keep data files out of it",
        )

    def scan(self) -> None:
        """Decompress every entry once, streamed and counted, as unpacking would: damage and lies surface here."""
        self._require_safe()
        total = 0
        for entry in self._entries.values():
            if entry.kind == "file":
                for chunk in self._stream(entry.info):
                    total = self._count(total, len(chunk))

    def extract(self, root: Path) -> None:
        """Write every entry under the empty folder ``root``: files first, then links, so nothing is written
        through a link; modes are 0755 or 0644 (never setuid)."""
        self._require_safe()
        total = 0
        for entry in self._entries.values():
            if entry.kind == "dir":
                (root / entry.info.filename).mkdir(parents=True, exist_ok=True)
            elif entry.kind == "file":
                total = self._extract_file(entry.info, root, total)
        for entry in self._entries.values():
            if entry.kind == "link" and entry.target is not None:
                link = root / entry.info.filename.rstrip("/")
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(entry.target)

    def _extract_file(self, info: zipfile.ZipInfo, root: Path, total: int) -> int:
        target = root / info.filename
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = 0o755 if (info.external_attr >> 16) & 0o111 else 0o644
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        with os.fdopen(os.open(target, flags, mode), "wb") as sink:
            for chunk in self._stream(info):
                total = self._count(total, len(chunk))
                sink.write(chunk)
        target.chmod(mode)  # the umask may have taken bits away; hosts honour the executable bit
        return total

    def _count(self, total: int, more: int) -> int:
        total += more
        if total > self.limits.max_unpacked_bytes:
            raise UnsafeBundleError(
                file=self.label,
                entry=None,
                reason=f"unpacks to more than the {_size(self.limits.max_unpacked_bytes)} allowed",
                hint="if you trust this bundle, raise the limit with --max-unpacked-mib",
            )
        return total

    def _require_safe(self) -> None:
        if self.findings:
            raise self.findings[0].error(self.label, doing="refusing to unpack: ", more=len(self.findings) - 1)

    def _stream(self, info: zipfile.ZipInfo, *, stop_after: int | None = None) -> Iterator[bytes]:
        """The entry's bytes in chunks, counted as they are decompressed: never more than its declared size, the
        per-entry limit or the ratio allows, whatever the headers say."""
        assert self._zip is not None
        limit = min(info.file_size, self.limits.max_entry_bytes)
        ratio_limit = max(RATIO_GRACE_BYTES, self.limits.max_ratio * max(info.compress_size, 1))
        produced = 0
        try:
            with self._zip.open(info) as handle:
                while chunk := handle.read(_CHUNK if stop_after is None else min(_CHUNK, stop_after - produced)):
                    produced += len(chunk)
                    if produced > limit or produced > ratio_limit:
                        raise UnsafeBundleError(
                            file=self.label,
                            entry=info.filename,
                            reason=f"decompresses to more than its headers declare or the limits allow ({produced}"
                            f" bytes from {info.compress_size})",
                            hint=_UNSAFE_HINT,
                        )
                    yield chunk
                    if stop_after is not None and produced >= stop_after:
                        return
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            raise BundleError(
                file=self.label, entry=info.filename, reason=f"is damaged: {exc}", hint=_DAMAGED_HINT
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
    """A manifest's JSON as RFC 8259 has it (no NaN or Infinity), at most 64 levels deep; :class:`BundleError`
    naming ``source`` otherwise."""
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 (byte {exc.start}); hosts read manifests as UTF-8 JSON"
    except json.JSONDecodeError as exc:
        reason = f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
    except (ValueError, RecursionError) as exc:
        reason = f"not valid JSON ({exc})" if isinstance(exc, ValueError) else "not valid JSON: nested too deeply"
    else:
        if not _deeper_than(data, _MAX_DEPTH):
            return data
        reason = f"nested more than {_MAX_DEPTH} levels deep; no manifest needs that"
    raise BundleError(file=source, entry=None, reason=reason, hint="write manifest.json as plain UTF-8 JSON")


_MAX_DEPTH = 64


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _deeper_than(value: object, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels (walked level by level, without recursion)."""
    level, depth = [value], 0
    while level := [item for item in level if isinstance(item, dict | list)]:
        depth += 1
        if depth > limit:
            return True
        level = [child for item in level for child in (item.values() if isinstance(item, dict) else item)]
    return False


def _size(count: int) -> str:
    for unit, name in ((GiB, "GiB"), (MiB, "MiB"), (KiB, "KiB")):
        if count >= unit and count % unit == 0:
            return f"{count // unit} {name}"
    return f"{count} bytes"


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
