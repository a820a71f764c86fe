"""Read the metadata a package registry will show from built artifacts: wheel METADATA, sdist PKG-INFO,
npm tarball package.json. Each reader returns the member it read, so problems can name ``file!member``."""

from __future__ import annotations

import tarfile
import zipfile
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path
from typing import IO, Any

from mcpship._archive_members import MAX_MEMBER_BYTES, open_zip, read_tar_member, read_zip_member
from mcpship._exceptions import InvalidArtifactError
from mcpship._safe_load import MAX_FILE_BYTES, parse_json

__all__ = ["PythonMetadata", "archived_json", "read_npm_manifest", "read_python_metadata"]


@dataclass(frozen=True, kw_only=True)
class PythonMetadata:
    member: str
    name: str
    version: str
    description: str
    """The long description (what PyPI's ``info.description`` will be)."""


def read_python_metadata(path: Path, *, limit: int | None = None) -> PythonMetadata:
    """Core metadata of a wheel (``*.dist-info/METADATA``) or sdist (``*/PKG-INFO``).

    Raises OSError or ValueError when the file is unreadable or not a Python distribution. Every archive is read
    within :mod:`mcpship._archive_members`' bounds; ``limit`` lowers the bound on the metadata itself (default
    16 MiB), e.g. for a registry's ownership check.
    """
    bound = MAX_MEMBER_BYTES if limit is None else limit
    try:
        if path.name.endswith(".whl"):
            member, raw = _wheel_metadata(path, bound)
        elif path.name.endswith(".tar.gz"):
            member, raw = _sdist_metadata(path, bound)
        else:
            raise ValueError(f"{path.name} is neither a wheel nor an sdist")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError) as exc:
        raise ValueError(f"{path.name} is not a readable archive: {exc}") from exc
    message = HeaderParser().parsestr(raw.decode("utf-8"))
    return PythonMetadata(
        member=member,
        name=message.get("Name", ""),
        version=message.get("Version", ""),
        description=_description(message),
    )


def _description(message: Message) -> str:
    # Metadata 2.1+ puts the long description in the body; older files use a Description header.
    body = message.get_payload()
    if isinstance(body, str) and body.strip():
        return body
    return message.get("Description", "")


def _wheel_metadata(path: Path, limit: int) -> tuple[str, bytes]:
    with open_zip(path) as archive:
        for info in archive.infolist():
            parts = info.filename.split("/")
            if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
                return info.filename, read_zip_member(archive, info.filename, limit=limit)
    raise ValueError(f"{path.name} has no *.dist-info/METADATA")


def _is_pkg_info(member: tarfile.TarInfo) -> bool:
    parts = member.name.split("/")
    return len(parts) == 2 and parts[1] == "PKG-INFO"


def _sdist_metadata(path: Path, limit: int) -> tuple[str, bytes]:
    found = read_tar_member(path, _is_pkg_info, limit=limit)
    if found is None:
        raise ValueError(f"{path.name} has no top-level PKG-INFO")
    return found


def read_npm_manifest(path: Path) -> tuple[str, dict[str, object]]:
    """``package/package.json`` of an npm tarball (npm pack puts everything under one top folder)."""
    try:
        return _npm_manifest(path)
    except (tarfile.TarError, EOFError) as exc:
        raise ValueError(f"{path.name} is not a readable archive: {exc}") from exc


def _is_package_json(member: tarfile.TarInfo) -> bool:
    parts = member.name.split("/")
    return len(parts) == 2 and parts[1] == "package.json"


def _npm_manifest(path: Path) -> tuple[str, dict[str, object]]:
    found = read_tar_member(path, _is_package_json)
    if found is not None:
        member, raw = found
        try:
            document = parse_json(raw, source=f"{path.name}!{member}", error=InvalidArtifactError)
        except InvalidArtifactError as exc:
            raise ValueError(exc.message) from exc
        if isinstance(document, dict):
            return member, document
    raise ValueError(f"{path.name} has no package/package.json")


def archived_json(handle: IO[bytes], source: str) -> Any:
    """A JSON document read from an archive member; anything malformed (too large or deep too) is a ValueError."""
    data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"{source} is larger than {MAX_FILE_BYTES} bytes")
    try:
        return parse_json(data, source=source, error=InvalidArtifactError)
    except InvalidArtifactError as exc:
        raise ValueError(exc.message) from exc
