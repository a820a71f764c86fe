"""``dist/mcpship-build.json`` and ``dist/SHA256SUMS``: what was built, from which spec version and lock."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mcpship._atomic import write_text_atomic
from mcpship.targets._base import Artifact

__all__ = ["REPORT_FILE", "SUMS_FILE", "read_report", "read_source_date_epoch", "sha256_of", "write_report"]

REPORT_FILE = "mcpship-build.json"
SUMS_FILE = "SHA256SUMS"
REPORT_VERSION = 1


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_report(outdir: Path) -> list[Artifact]:
    """Artifacts of earlier builds whose files are still there unchanged (others are dropped, not trusted)."""
    path = outdir / REPORT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["artifacts"] if data.get("reportVersion") == REPORT_VERSION else []
    except (OSError, ValueError, KeyError, TypeError):
        return []
    artifacts = []
    for entry in entries:
        file = outdir / entry["file"]
        if file.is_file() and sha256_of(file) == entry["sha256"]:
            artifacts.append(
                Artifact(
                    target=entry["target"],
                    kind=entry["kind"],
                    path=file,
                    sha256=entry["sha256"],
                    size=entry["size"],
                    version=entry["version"],
                    lock_digest=entry.get("lockDigest"),
                    platform=entry.get("platform"),
                )
            )
    return artifacts


def read_source_date_epoch(outdir: Path) -> int | None:
    """The timestamp the recorded build used (to rebuild something byte-for-byte)."""
    try:
        value = json.loads((outdir / REPORT_FILE).read_text(encoding="utf-8")).get("sourceDateEpoch")
    except (OSError, ValueError):
        return None
    return value if isinstance(value, int) else None


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
