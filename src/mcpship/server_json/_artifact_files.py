"""Read the metadata a package registry will show from built artifacts: wheel METADATA, sdist PKG-INFO,
npm tarball package.json. Each reader returns the member it read, so problems can name ``file!member``."""

from __future__ import annotations

import json
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path

from mcpship._archive_members import open_zip, read_tar_member, read_zip_member

__all__ = ["PythonMetadata", "read_npm_manifest", "read_python_metadata"]


@dataclass(frozen=True, kw_only=True)
class PythonMetadata:
    member: str
    name: str
    version: str
    description: str
    """The long description (what PyPI's ``info.description`` will be)."""


def read_python_metadata(path: Path) -> PythonMetadata:
    """Core metadata of a wheel (``*.dist-info/METADATA``) or sdist (``*/PKG-INFO``).

    Raises OSError or ValueError when the file is unreadable, not a Python distribution, or over the limits of
    :mod:`mcpship._archive_members` (these files may come from an index: bounded memory whatever they hold).
    """
    try:
        if path.name.endswith(".whl"):
            member, raw = _wheel_metadata(path)
        elif path.name.endswith(".tar.gz"):
            member, raw = _sdist_metadata(path)
        else:
            raise ValueError(f"{path.name} is neither a wheel nor an sdist")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error) as exc:
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


def _wheel_metadata(path: Path) -> tuple[str, bytes]:
    with open_zip(path) as archive:
        for name in archive.namelist():
            parts = name.split("/")
            if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
                return name, read_zip_member(archive, name)
    raise ValueError(f"{path.name} has no *.dist-info/METADATA")


def _sdist_metadata(path: Path) -> tuple[str, bytes]:
    found = read_tar_member(path, lambda member: _top_level(member.name) == "PKG-INFO")
    if found is None:
        raise ValueError(f"{path.name} has no top-level PKG-INFO")
    return found


def _top_level(name: str) -> str | None:
    """The file name of a member one folder deep (``pkg-1.0/PKG-INFO`` -> ``PKG-INFO``), else None."""
    parts = name.split("/")
    return parts[1] if len(parts) == 2 else None


def read_npm_manifest(path: Path) -> tuple[str, dict[str, object]]:
    """``package/package.json`` of an npm tarball (npm pack puts everything under one top folder)."""
    try:
        return _npm_manifest(path)
    except (tarfile.TarError, EOFError, zlib.error, RecursionError) as exc:
        raise ValueError(f"{path.name} is not a readable archive: {exc}") from exc


def _npm_manifest(path: Path) -> tuple[str, dict[str, object]]:
    found = read_tar_member(path, lambda member: _top_level(member.name) == "package.json")
    if found is not None:
        document = json.loads(found[1].decode("utf-8"))
        if isinstance(document, dict):
            return found[0], document
    raise ValueError(f"{path.name} has no package/package.json")
