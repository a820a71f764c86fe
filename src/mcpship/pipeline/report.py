"""``dist/mcpship-build.json`` and ``dist/SHA256SUMS``: what was built, from which spec version and lock."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcpship._atomic import write_text_atomic
from mcpship._exceptions import McpshipError
from mcpship._safe_load import read_json_file
from mcpship.targets._base import Artifact
from mcpship.targets._outputs import REPORT_FILE, SUMS_FILE

if TYPE_CHECKING:
    from mcpship.security.records import SupplyChainRecord

__all__ = [
    "REPORT_FILE",
    "SUMS_FILE",
    "read_report",
    "read_source_date_epoch",
    "read_supply_chain",
    "sha256_of",
    "write_report",
]

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
    if not _plain_name(name):
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


def read_supply_chain(outdir: Path) -> list[SupplyChainRecord]:
    """The supply-chain records (SBOMs, provenance) the report lists whose files are still there unchanged."""
    from mcpship.security.records import SupplyChainRecord

    entries = _report_object(outdir).get("supplyChain")
    records = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        name, kind, sha256, media_type = (
            entry.get("file"),
            entry.get("kind"),
            entry.get("sha256"),
            entry.get("mediaType"),
        )
        describes, size = entry.get("describes"), entry.get("size")
        if not (
            isinstance(name, str) and isinstance(sha256, str) and isinstance(media_type, str) and _plain_name(name)
        ):
            continue
        if kind not in ("sbom", "provenance") or not isinstance(size, int):
            continue
        if not (describes is None or isinstance(describes, str)):
            continue
        path = outdir / name
        if path.is_file() and sha256_of(path) == sha256:
            records.append(
                SupplyChainRecord(
                    kind="sbom" if kind == "sbom" else "provenance",
                    path=path,
                    sha256=sha256,
                    size=size,
                    media_type=media_type,
                    describes=describes,
                )
            )
    return records


def write_report(
    outdir: Path,
    artifacts: Iterable[Artifact],
    *,
    name: str,
    source_date_epoch: int,
    records: Iterable[SupplyChainRecord] = (),
) -> None:
    """The report, and SHA256SUMS: every artifact and every record with ``in_sums`` (the SBOMs)."""
    ordered = sorted(artifacts, key=lambda artifact: artifact.path.name)
    listed = sorted(records, key=lambda record: record.path.name)
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
    report: dict[str, Any] = {
        "reportVersion": REPORT_VERSION,
        "name": name,
        "sourceDateEpoch": source_date_epoch,
        "artifacts": entries,
    }
    if listed:
        report["supplyChain"] = [
            {
                "kind": record.kind,
                "file": record.path.name,
                "sha256": record.sha256,
                "size": record.size,
                "mediaType": record.media_type,
                "describes": record.describes,
            }
            for record in listed
        ]
    summed = sorted([(a.path.name, a.sha256) for a in ordered] + [(r.path.name, r.sha256) for r in listed if r.in_sums])
    write_text_atomic(outdir / REPORT_FILE, json.dumps(report, indent=2, sort_keys=True) + "\n")
    write_text_atomic(outdir / SUMS_FILE, "".join(f"{sha256}  {file}\n" for file, sha256 in summed))


def _plain_name(name: str) -> bool:
    """A file directly in the output folder: never ``../`` or an absolute path."""
    return name not in ("", ".", "..") and name == Path(name).name and "\\" not in name and "\0" not in name
