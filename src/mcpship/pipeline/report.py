"""``dist/mcpship-build.json`` and ``dist/SHA256SUMS``: what was built, from which spec version and lock."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mcpship._atomic import write_text_atomic
from mcpship._exceptions import McpshipError
from mcpship._safe_load import read_json_file
from mcpship.targets._base import Artifact
from mcpship.targets._outputs import REPORT_FILE, SUMS_FILE

__all__ = ["REPORT_FILE", "SUMS_FILE", "read_report", "read_source_date_epoch", "sha256_of", "write_report"]

REPORT_VERSION = 1


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_report(outdir: Path) -> list[Artifact]:
    """Artifacts of earlier builds whose files are still there unchanged (others are dropped, not trusted).

    The report is read like any file handed to us: a malformed one, or a malformed entry, is dropped, and an
    entry only ever names a file directly in ``outdir`` (never ``../`` or an absolute path)."""
    data = _report_object(outdir)
    entries = data.get("artifacts") if data.get("reportVersion") == REPORT_VERSION else None
    artifacts = []
    for entry in entries if isinstance(entries, list) else []:
        artifact = _artifact(outdir, entry)
        if artifact is not None and artifact.path.is_file() and sha256_of(artifact.path) == artifact.sha256:
            artifacts.append(artifact)
    return artifacts


def _report_object(outdir: Path) -> dict[str, Any]:
    path = outdir / REPORT_FILE
    if not path.is_file():
        return {}
    try:
        data = read_json_file(path, error=McpshipError)
    except McpshipError:
        return {}
    return data if isinstance(data, dict) else {}


def _artifact(outdir: Path, entry: object) -> Artifact | None:
    if not isinstance(entry, dict):
        return None
    text = {key: entry.get(key) for key in ("target", "kind", "file", "sha256", "version")}
    optional = {key: entry.get(key) for key in ("lockDigest", "platform")}
    size = entry.get("size")
    if not all(isinstance(value, str) for value in text.values()) or not isinstance(size, int):
        return None
    if not all(value is None or isinstance(value, str) for value in optional.values()):
        return None
    name = str(text["file"])
    if name in ("", ".", "..") or name != Path(name).name or "\\" in name or "\0" in name:
        return None
    return Artifact(
        target=str(text["target"]),
        kind=str(text["kind"]),
        path=outdir / name,
        sha256=str(text["sha256"]),
        size=size,
        version=str(text["version"]),
        lock_digest=optional["lockDigest"],
        platform=optional["platform"],
    )


def read_source_date_epoch(outdir: Path) -> int | None:
    """The timestamp the recorded build used (to rebuild something byte-for-byte)."""
    value = _report_object(outdir).get("sourceDateEpoch")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def write_report(outdir: Path, artifacts: Iterable[Artifact], *, name: str, source_date_epoch: int) -> None:
    ordered = sorted(artifacts, key=lambda artifact: artifact.path.name)
    entries: list[dict[str, Any]] = []
    for artifact in ordered:
        entry: dict[str, Any] = {
            "target": artifact.target,
            "kind": artifact.kind,
            "file": artifact.path.name,
            "sha256": artifact.sha256,
            "size": artifact.size,
            "version": artifact.version,
            "lockDigest": artifact.lock_digest,
        }
        if artifact.platform:
            entry["platform"] = artifact.platform
        entries.append(entry)
    report = {"reportVersion": REPORT_VERSION, "name": name, "sourceDateEpoch": source_date_epoch, "artifacts": entries}
    write_text_atomic(outdir / REPORT_FILE, json.dumps(report, indent=2, sort_keys=True) + "\n")
    write_text_atomic(outdir / SUMS_FILE, "".join(f"{a.sha256}  {a.path.name}\n" for a in ordered))
