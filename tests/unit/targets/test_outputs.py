"""mcpship's own outputs in a project are found by the build reports it wrote, whatever the folder is called."""

from __future__ import annotations

import json
from pathlib import Path

import pathspec

from mcpship.targets._outputs import Outputs, find_outputs, outputs_of


def report(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    entries = [{"file": name} for name in names]
    (folder / "mcpship-build.json").write_text(json.dumps({"reportVersion": 1, "artifacts": entries}), "utf-8")


def test_a_folder_holding_a_report_is_an_output_folder_whatever_its_name(tmp_path: Path) -> None:
    report(tmp_path / "out", "server.json", "notes-0.1.0.tgz")
    report(tmp_path / "packages" / "a" / "release")
    (tmp_path / "dist").mkdir()  # no report: the server's own code
    outputs = find_outputs(tmp_path)
    assert sorted(outputs.folders) == ["out", "packages/a/release"]
    assert outputs.files == {"out/server.json", "out/notes-0.1.0.tgz"}


def test_outputs_are_the_report_sums_named_files_and_artifact_shaped_files_not_the_folders_code(
    tmp_path: Path,
) -> None:
    report(tmp_path / "dist", "server.json")
    outputs = find_outputs(tmp_path)
    held = [
        "dist/mcpship-build.json",
        "dist/SHA256SUMS",
        "dist/server.json",
        "dist/notes-0.2.0.tgz",
        "dist/notes-0.1.0-py3-none-any.whl",
        "dist/notes-0.1.0.tar.gz",
        "dist/notes-0.1.0.mcpb",
        "dist/notes-0.1.0.oci.tar",
    ]
    kept = ["dist/index.js", "dist/lib/x.tgz", "other.tgz", "dist/data.json", "distx/a.tgz"]
    assert [path for path in held + kept if outputs.holds(path)] == held


def test_node_modules_and_vcs_folders_are_not_searched(tmp_path: Path) -> None:
    report(tmp_path / "node_modules" / "pkg" / "dist")
    report(tmp_path / ".git" / "x")
    assert find_outputs(tmp_path) == Outputs()


def test_the_project_root_as_output_folder_and_this_builds_artifacts_count(tmp_path: Path) -> None:
    report(tmp_path)
    outputs = outputs_of(tmp_path, [tmp_path / "server.json", tmp_path.parent / "elsewhere.tgz"])
    assert outputs.folders == ("",)
    assert outputs.files == {"server.json"}
    assert outputs.holds("notes.mcpb")
    assert not outputs.holds("src/notes.mcpb")


def test_a_report_naming_paths_out_of_its_folder_names_nothing_there(tmp_path: Path) -> None:
    report(tmp_path / "dist", "../package.json", "/etc/passwd", "a/b", "ok.txt")
    assert find_outputs(tmp_path).files == {"dist/ok.txt"}


def test_patterns_match_exactly_what_holds_names_even_with_wildcard_characters(tmp_path: Path) -> None:
    outputs = Outputs(folders=("out [1]",), files=frozenset({"out [1]/x*.json", "!odd"}))
    spec = pathspec.GitIgnoreSpec.from_lines(outputs.gitignore_patterns())
    for path in ["out [1]/x*.json", "out [1]/a.tgz", "out [1]/SHA256SUMS", "!odd", "out [1]/xy.json", "out 1/a.tgz"]:
        assert spec.match_file(path) == outputs.holds(path), path
    assert "out \\[1\\]/*.tgz" in outputs.dockerignore_patterns()
