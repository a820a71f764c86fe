"""``mcpship validate`` on a CycloneDX SBOM: each schema error as a problem with its JSON path."""

from __future__ import annotations

import json
from pathlib import Path

from mcpship.validate import detect_kind, validate_paths


def write(path: Path, document: dict[str, object]) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_cyclonedx_document_is_recognised_and_each_schema_error_is_a_problem_at_its_path(tmp_path: Path) -> None:
    broken = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [{"name": "x"}, {}]}
    path = write(tmp_path / "x.cdx.json", broken)
    assert detect_kind(path)[0] == "cyclonedx-sbom"
    problems = validate_paths([path])
    assert [(p.path, p.message) for p in problems] == [
        ("$.components[0]", "'type' is a required property"),
        ("$.components[1]", "'type' is a required property"),
        ("$.components[1]", "'name' is a required property"),
    ]


def test_a_valid_document_has_no_problem_and_an_unknown_version_is_one(tmp_path: Path) -> None:
    valid = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": []}
    assert validate_paths([write(tmp_path / "ok.cdx.json", valid)]) == []
    (problem,) = validate_paths([write(tmp_path / "new.cdx.json", {**valid, "specVersion": "9.9"})])
    assert (problem.path, problem.message) == ("$.specVersion", "unknown CycloneDX version '9.9'")
    assert "1.6" in (problem.hint or "")
