"""Small artifacts of every kind an SBOM is made for, written on the spot, and the library's own validator."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path
from typing import Any

from mcpship.targets._base import Artifact

EPOCH = 1_700_000_000


def artifact(path: Path, kind: str, version: str = "1.0.0", platform: str | None = None) -> Artifact:
    return Artifact(
        target=kind,
        kind=kind,
        path=path,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        size=path.stat().st_size,
        version=version,
        lock_digest=None,
        platform=platform,
    )


def metadata(name: str, version: str, requires: tuple[str, ...] = ()) -> bytes:
    lines = ["Metadata-Version: 2.4", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {requirement}" for requirement in requires]
    return ("\n".join(lines) + "\n\n").encode()


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return path


def write_tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def package_json(name: str, version: str, **extra: Any) -> bytes:
    return json.dumps({"name": name, "version": version, **extra}).encode()


def validation_error(text: str) -> object:
    """The library's strict CycloneDX 1.6 validator's first error (None: valid)."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    return JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
