"""The build's in-toto Statement v1 with the SLSA Provenance v1 predicate: every subject by digest, the sources
it was built from, who built it, canonical JSON the same on every run."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import rfc8785

from mcpship.pipeline.report import sha256_of
from mcpship.security.provenance import (
    BUILD_TYPE,
    LOCAL_BUILDER,
    BuildInputs,
    build_provenance,
    render_provenance,
)
from tests.unit.security.sbom_support import EPOCH

SUBJECTS = [("tiny-1.0.0-py3-none-any.whl", "a" * 64), ("tiny-1.0.0-py3-none-any.whl.cdx.json", "b" * 64)]
RUN = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "acme/tiny",
    "GITHUB_RUN_ID": "42",
    "GITHUB_RUN_ATTEMPT": "2",
}


def inputs(root: Path, **changes: object) -> BuildInputs:
    values: dict[str, object] = {
        "root": root,
        "server_name": "io.github.acme/tiny",
        "version": "1.0.0",
        "targets": ("pypi", "mcpb"),
        "spec_file": root / "mcpship.toml",
        "interface_lock": None,
        "repository": "https://github.com/acme/tiny",
        "source_date_epoch": EPOCH,
        **changes,
    }
    return BuildInputs.model_validate(values)


def statement(root: Path, environ: dict[str, str] | None = None, **changes: object) -> dict[str, object]:
    rendered = render_provenance(build_provenance(SUBJECTS, inputs(root, **changes), environ=environ or {}))
    document: dict[str, object] = json.loads(rendered)
    return document


def test_the_statement_names_every_subject_with_its_sha256_under_the_slsa_v1_predicate(tmp_path: Path) -> None:
    document = statement(tmp_path)
    assert document["_type"] == "https://in-toto.io/Statement/v1"
    assert document["predicateType"] == "https://slsa.dev/provenance/v1"
    assert document["subject"] == [{"name": name, "digest": {"sha256": digest}} for name, digest in SUBJECTS]
    predicate = document["predicate"]
    assert isinstance(predicate, dict)
    definition = predicate["buildDefinition"]
    assert definition["buildType"] == BUILD_TYPE
    assert definition["externalParameters"]["targets"] == ["pypi", "mcpb"]
    assert definition["externalParameters"]["name"] == "io.github.acme/tiny"


def test_a_local_build_is_reproducible_canonical_json_timed_by_source_date_epoch(tmp_path: Path) -> None:
    first = render_provenance(build_provenance(SUBJECTS, inputs(tmp_path), environ={}))
    assert render_provenance(build_provenance(SUBJECTS, inputs(tmp_path), environ={})) == first
    assert rfc8785.dumps(json.loads(first)) + b"\n" == first
    run = json.loads(first)["predicate"]["runDetails"]
    assert run["builder"] == {"id": LOCAL_BUILDER, "version": {"mcpship": run["builder"]["version"]["mcpship"]}}
    assert run["metadata"] == {"startedOn": "2023-11-14T22:13:20Z", "finishedOn": "2023-11-14T22:13:20Z"}


def test_a_github_actions_run_is_the_builder_and_the_invocation(tmp_path: Path) -> None:
    run = statement(tmp_path, RUN)["predicate"]["runDetails"]  # type: ignore[index]
    assert run["builder"]["id"] == "https://github.com/acme/tiny/actions/runs/42"
    assert run["metadata"]["invocationId"] == "https://github.com/acme/tiny/actions/runs/42/attempts/2"


def test_ci_variables_that_are_not_plain_names_are_left_out(tmp_path: Path) -> None:
    hostile = {**RUN, "GITHUB_REPOSITORY": 'acme/tiny" onload="x', "GITHUB_RUN_ID": "42; rm -rf /"}
    run = statement(tmp_path, hostile)["predicate"]["runDetails"]  # type: ignore[index]
    assert run["builder"]["id"] == LOCAL_BUILDER
    assert "invocationId" not in run["metadata"]


def test_the_source_commit_and_the_input_files_are_resolved_dependencies_by_digest(tmp_path: Path) -> None:
    (tmp_path / "mcpship.toml").write_text('name = "io.github.acme/tiny"\n', encoding="utf-8")
    (tmp_path / "uv.lock").write_text("version = 1\n", encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=30)
    subprocess.run([*git, "-C", str(tmp_path), "add", "-A"], check=True, timeout=30)
    subprocess.run([*git, "-C", str(tmp_path), "commit", "-qm", "one"], check=True, timeout=30)
    commit = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "HEAD"], check=True, capture_output=True, text=True, timeout=30
    ).stdout.strip()
    document = statement(tmp_path, dependency_locks=(tmp_path / "uv.lock",))
    resolved = document["predicate"]["buildDefinition"]["resolvedDependencies"]  # type: ignore[index]
    assert resolved[0] == {
        "name": "source",
        "uri": f"git+https://github.com/acme/tiny@{commit}",
        "digest": {"gitCommit": commit},
    }
    assert resolved[1:] == [
        {"name": "mcpship.toml", "digest": {"sha256": sha256_of(tmp_path / "mcpship.toml")}},
        {"name": "uv.lock", "digest": {"sha256": sha256_of(tmp_path / "uv.lock")}},
    ]


def test_outside_git_there_is_no_source_entry(tmp_path: Path) -> None:
    resolved = statement(tmp_path)["predicate"]["buildDefinition"]["resolvedDependencies"]  # type: ignore[index]
    assert [entry.get("name") for entry in resolved] == []  # no git, and mcpship.toml does not exist here
