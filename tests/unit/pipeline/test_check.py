"""``check_project``: every gate runs and is reported; one that needs another is skipped, not failed twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcpship import CheckFailedError, SpecError, VersionError
from mcpship.pipeline.check import check_project


def test_an_invalid_spec_skips_the_lock_and_still_checks_the_versions(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "demo", "version": "1.0.0", "bin": {"demo": "x.js"}}\n')
    (tmp_path / "package-lock.json").write_text('{"name": "demo", "version": "0.9.0", "lockfileVersion": 1}\n')
    (tmp_path / "mcpship.toml").write_text('name = "io.github.acme/demo"\nno_such_key = 1\n')

    report = check_project(tmp_path)

    statuses = {gate.name: gate.status for gate in report.gates}
    assert statuses == {"spec": "failed", "lock": "skipped", "versions": "failed", "bump": "skipped"}
    assert not report.ok
    failures = {gate.name: gate.error for gate in report.failed}
    assert isinstance(failures["spec"], SpecError)
    assert isinstance(failures["versions"], VersionError)
    (mismatch,) = report.failed[1].problems
    assert (mismatch.file, mismatch.path) == ("package-lock.json", "version")
    error = report.error()
    assert isinstance(error, CheckFailedError)
    assert error.exit_code == 14
    assert "2 of 4 checks failed (spec, versions)" in error.message
    assert "[spec]" in error.message
    assert "[versions]" in error.message
    assert error.failures == [failures["spec"], failures["versions"]]


def test_a_missing_folder_is_a_spec_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="not a directory"):
        check_project(tmp_path / "missing")
