"""The tag verify runs an image archive by comes from the archive's index.json: a hostile one means no tag (the
version is used), never a traceback."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from mcpship.verify.oci import _tag


def image_archive(path: Path, index: bytes) -> Path:
    with tarfile.open(path, "w") as archive:
        member = tarfile.TarInfo("index.json")
        member.size = len(index)
        archive.addfile(member, io.BytesIO(index))
    return path


def test_the_tag_is_the_ref_name_annotation(tmp_path: Path) -> None:
    index = {"manifests": [{"annotations": {"org.opencontainers.image.ref.name": "1.2.0"}}]}
    assert _tag(image_archive(tmp_path / "image.tar", json.dumps(index).encode())) == "1.2.0"


@pytest.mark.parametrize(
    "index",
    [b"[" * 100_000, b'{"manifests": NaN}', b'["manifests"]', b'{"manifests": [1, {"annotations": []}]}', b"{"],
)
def test_a_hostile_index_gives_no_tag(tmp_path: Path, index: bytes) -> None:
    assert _tag(image_archive(tmp_path / "image.tar", index)) is None
