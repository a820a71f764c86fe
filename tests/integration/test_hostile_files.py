"""Malformed files through the installed ``mcpship`` script: invalid UTF-8, binary content, a BOM, nesting 100,000
levels deep (tomllib and json raised RecursionError, a traceback with exit 1). Each is now one ``error:`` line
naming the file (and line and column where there is one), a ``hint:``, and the exit code of its kind: 3 for the
spec's files, 9 for a file given to ``validate`` or ``publish``, 6 for the interface lock."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, mcpship_executable, run_mcpship
from tests.peak_memory import run_measured
from tests.unit.targets.mcpb_support import copy_example

NOT_UTF8 = b'name = "io.github.acme/\xff"\n'
BINARY = bytes(range(256)) * 4
BOM = b'\xef\xbb\xbfname = "io.github.acme/x"\n'
DEEP_TOML = b"a = " + b"[" * 100_000 + b"]" * 100_000 + b"\n"
DEEP_JSON = b'{"a":' * 100_000 + b"1" + b"}" * 100_000


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (NOT_UTF8, "is not UTF-8 (byte 0xff at line 1, column 24 cannot be decoded)"),
        (BINARY, "is a binary file (a NUL byte at line 1, column 1), not TOML"),
        (BOM, "starts with a byte order mark (BOM)"),
        (DEEP_TOML, "nested more than 128 levels deep"),
    ],
    ids=["not-utf8", "binary", "bom", "deep"],
)
def test_a_malformed_mcpship_toml_is_a_spec_error(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "mcpship.toml").write_bytes(content)
    result = run_mcpship("spec", str(tmp_path))
    assert_clean_error(result, 3)
    assert f"error: {tmp_path / 'mcpship.toml'}: {message}" in result.stderr


@pytest.mark.parametrize(("file", "content"), [("pyproject.toml", DEEP_TOML), ("package.json", BINARY)])
def test_a_malformed_project_metadata_file_is_a_spec_error(tmp_path: Path, file: str, content: bytes) -> None:
    root = copy_example("notes-node" if file == "package.json" else "notes-py", tmp_path)
    (root / file).write_bytes(content)
    result = run_mcpship("spec", str(root))
    assert_clean_error(result, 3)
    assert f"error: {root / file}: " in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"name": "\xff"}', "is not UTF-8 (byte 0xff at line 1, column 11 cannot be decoded)"),
        (BINARY, "is a binary file (a NUL byte at line 1, column 1), not JSON"),
        (DEEP_JSON, "nested more than 128 levels deep"),
        (b'{"name": "io.github.acme/x", "packages": [], "x": NaN}', "not valid JSON: NaN is not a JSON number"),
    ],
    ids=["not-utf8", "binary", "deep", "nan"],
)
def test_validate_of_a_malformed_server_json_exits_9(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "server.json"
    path.write_bytes(content)
    result = run_mcpship("validate", str(path))
    assert_clean_error(result, 9)
    assert f"{path}: $: {message}" in result.stderr


def test_publish_of_a_malformed_server_json_exits_9_before_anything_is_sent(tmp_path: Path) -> None:
    path = tmp_path / "server.json"
    path.write_bytes(DEEP_JSON)
    result = run_mcpship("publish", "--channel", "registry", "--registry", "http://127.0.0.1:9", str(path))
    assert_clean_error(result, 9)
    assert f"error: {path}: nested more than 128 levels deep" in result.stderr


def test_a_malformed_interface_lock_is_a_lock_error(tmp_path: Path) -> None:
    root = copy_example("notes-py", tmp_path)
    (root / "mcp-interface.json").write_bytes(DEEP_JSON)
    result = run_mcpship("build", str(root), "--target", "smithery")
    assert_clean_error(result, 6)
    assert f"error: {root / 'mcp-interface.json'}: nested more than 128 levels deep" in result.stderr


def test_a_malformed_or_hostile_build_report_is_not_trusted(tmp_path: Path) -> None:
    root = copy_example("notes-py", tmp_path)
    (root / "dist").mkdir()
    (root / "dist" / "mcpship-build.json").write_bytes(DEEP_JSON)
    built = run_mcpship("build", str(root), "--target", "smithery")
    assert built.returncode == 0, built.stderr  # the unreadable report is replaced
    outside = tmp_path / "outside.txt"
    outside.write_text("not an artifact", encoding="utf-8")
    report = json.loads((root / "dist" / "mcpship-build.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256(outside.read_bytes()).hexdigest()  # a matching digest: only the path gives it away
    entry = {**report["artifacts"][0], "file": "../../outside.txt", "kind": "server.json", "sha256": digest}
    (root / "dist" / "mcpship-build.json").write_text(json.dumps({**report, "artifacts": [entry]}), encoding="utf-8")
    verified = run_mcpship("verify", str(root / "dist"))
    assert_clean_error(verified, 10)
    assert "no artifacts recorded" in verified.stderr  # the entry naming a file outside dist/ was dropped


def test_a_registry_key_file_that_is_not_text_is_a_usage_error(tmp_path: Path) -> None:
    key = tmp_path / "jwt.key"
    key.write_bytes(b"\xff\xfe\x00\x01")
    result = run_mcpship("registry", "serve", "--jwt-key-file", str(key))
    assert_clean_error(result, 2)
    assert f"error: {key}: is UTF-16 text; text files are UTF-8" in result.stderr


@pytest.mark.parametrize("name", ["server.json", "mcpship.toml"])
def test_a_huge_file_is_refused_after_reading_only_the_cap(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with path.open("wb") as handle:
        handle.truncate(4 * 1024**3)  # 4 GiB, sparse: reading it all would take gigabytes of memory
    command = ("validate", str(path)) if name == "server.json" else ("spec", str(tmp_path))
    measured = run_measured([mcpship_executable(), *command])
    assert_clean_error(measured, 9 if name == "server.json" else 3)
    assert f"{path}: " in measured.stderr
    assert "larger than 8 MiB" in measured.stderr
    assert measured.peak_kib < 300 * 1024, f"peak RSS {measured.peak_kib // 1024} MiB"
