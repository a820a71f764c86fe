"""Supply-chain records are not artifacts: a package's own SBOM (PEP 770 puts them in ``.dist-info/sboms/``) is
not flagged by the "no artifact inside another" check."""

from __future__ import annotations

from pathlib import Path

from mcpship.verify.contents import nested_outputs
from tests.unit.verify.test_contents import artifact, bundle


def test_an_sbom_or_provenance_file_inside_an_artifact_is_not_an_artifact_inside_it(tmp_path: Path) -> None:
    wheel = artifact(
        bundle(
            tmp_path / "notes-0.1.0-py3-none-any.whl",
            {
                "notes-0.1.0.dist-info/sboms/notes.cdx.json": b"{}",
                "notes/attestations/build.intoto.json": b"{}",
                "notes/dist/notes-0.0.9.tgz": b"an old artifact",
            },
        ),
        "wheel",
    )
    assert nested_outputs(wheel, [wheel]) == ["notes/dist/notes-0.0.9.tgz (an artifact file)"]
