"""The supply-chain records of a build, written beside its artifacts: one CycloneDX SBOM per artifact that
carries software (``<artifact>.cdx.json``) and one in-toto / SLSA provenance statement (``provenance.intoto.json``)
whose subjects are exactly the files SHA256SUMS lists (the artifacts and their SBOMs). Channels attach them with
:func:`supply_chain_records` (paths and media types), e.g. as GitHub release assets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mcpship._atomic import write_text_atomic
from mcpship.security.provenance import PROVENANCE_FILE, PROVENANCE_MEDIA_TYPE, BuildInputs
from mcpship.security.sbom import SBOM_KINDS, SBOM_MEDIA_TYPE, SbomInputs, build_sbom, sbom_name
from mcpship.targets._base import Artifact

__all__ = ["RecordKind", "SupplyChainRecord", "supply_chain_records", "write_supply_chain_records"]

RecordKind = Literal["sbom", "provenance"]


@dataclass(frozen=True, kw_only=True)
class SupplyChainRecord:
    kind: RecordKind
    path: Path
    sha256: str
    size: int
    media_type: str
    describes: str | None = None
    """The artifact file an SBOM is of; None for the provenance statement (it describes them all)."""

    @property
    def in_sums(self) -> bool:
        """Whether SHA256SUMS (and so the provenance's subjects) lists it: SBOMs yes; the statement itself no,
        as it names the others and carries the CI run, which differs between two runs of the same commit."""
        return self.kind == "sbom"


def write_supply_chain_records(
    outdir: Path, artifacts: Sequence[Artifact], inputs: BuildInputs, *, stale: Iterable[Path] = ()
) -> list[SupplyChainRecord]:
    """Write the SBOMs of ``artifacts`` and the provenance of the whole build into ``outdir``; delete the
    ``stale`` records of an earlier build that this one did not rewrite. :class:`BuildError` when an SBOM
    cannot be made or does not validate (nothing half-written is left: every file is replaced atomically)."""
    from mcpship.pipeline.report import sha256_of
    from mcpship.security.provenance import build_provenance, render_provenance

    sbom_inputs = SbomInputs(
        root=inputs.root, fallback_name=_server_part(inputs.server_name), source_date_epoch=inputs.source_date_epoch
    )
    records: list[SupplyChainRecord] = []
    for artifact in sorted(artifacts, key=lambda a: a.path.name):
        if artifact.kind not in SBOM_KINDS:
            continue
        path = outdir / sbom_name(artifact)
        write_text_atomic(path, build_sbom(artifact, sbom_inputs))
        records.append(_record("sbom", path, SBOM_MEDIA_TYPE, describes=artifact.path.name, sha256=sha256_of(path)))
    subjects = sorted(
        [(a.path.name, a.sha256) for a in artifacts] + [(r.path.name, r.sha256) for r in records if r.in_sums]
    )
    statement = build_provenance(subjects, inputs)
    provenance = outdir / PROVENANCE_FILE
    write_text_atomic(provenance, render_provenance(statement).decode())
    records.append(_record("provenance", provenance, PROVENANCE_MEDIA_TYPE, sha256=sha256_of(provenance)))
    written = {record.path.name for record in records}
    for path in stale:
        if path.parent == outdir and path.name not in written:
            path.unlink(missing_ok=True)
    return records


def supply_chain_records(outdir: Path | str) -> list[SupplyChainRecord]:
    """The records the build report in ``outdir`` lists whose files are still there unchanged: what a channel
    attaches to a release (path, media type)."""
    from mcpship.pipeline.report import read_supply_chain

    return read_supply_chain(Path(outdir))


def _record(
    kind: RecordKind, path: Path, media_type: str, *, sha256: str, describes: str | None = None
) -> SupplyChainRecord:
    return SupplyChainRecord(
        kind=kind, path=path, sha256=sha256, size=path.stat().st_size, media_type=media_type, describes=describes
    )


def _server_part(name: str) -> str:
    """``notes-py`` of ``io.github.acme/notes-py``: how artifacts name the server."""
    return name.rpartition("/")[2] or name
