"""Environment variables found in a server's source, for init's [[env]] proposals."""

from __future__ import annotations

from pathlib import Path

from mcpship.spec.env_detect import MAX_FILE_BYTES, detect_env

PYTHON = """\
import os
from os import environ, getenv as ge

TOKEN = os.environ["NOTES_API_TOKEN"]
FOLDER = os.environ.get("NOTES_DIR")
PORT = ge("NOTES_PORT", 8080)
MODE = os.environ.setdefault("NOTES_MODE", "fast")
LEVEL = environ.get("NOTES_LEVEL", default=compute())
HOME = os.getenv("HOME")
NAME = os.getenv(variable_name)
os.environ["WRITTEN_HERE"] = "x"
"""

NODE = """\
const token = process.env.NOTES_TOKEN;
const base = process.env["NOTES_BASE_URL"] ?? 'https://notes.acme.dev';
const level = process.env.NOTES_LEVEL || config.level;
// process.env.COMMENTED_OUT
const env = process.env.NODE_ENV;
"""


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_python_reads_are_found_with_where_and_whether_code_gives_a_default(tmp_path: Path) -> None:
    write(tmp_path / "src" / "notes" / "server.py", PYTHON)
    found = {env.name: env for env in detect_env(tmp_path, "python")}
    assert list(found) == ["NOTES_API_TOKEN", "NOTES_DIR", "NOTES_PORT", "NOTES_MODE", "NOTES_LEVEL"]
    token = found["NOTES_API_TOKEN"]
    assert (token.file, token.line, token.how, token.required, token.secret) == (
        "src/notes/server.py",
        4,
        'os.environ["NOTES_API_TOKEN"]',
        True,
        True,
    )
    assert (found["NOTES_DIR"].required, found["NOTES_DIR"].secret) == (True, False)
    assert (found["NOTES_PORT"].required, found["NOTES_PORT"].default) == (False, "8080")
    assert (found["NOTES_MODE"].how, found["NOTES_MODE"].default) == ('os.environ.setdefault("NOTES_MODE")', "fast")
    assert (found["NOTES_LEVEL"].required, found["NOTES_LEVEL"].default) == (False, None)  # computed default


def test_node_reads_are_found_by_the_documented_heuristic(tmp_path: Path) -> None:
    write(tmp_path / "src" / "server.ts", NODE)
    found = {env.name: env for env in detect_env(tmp_path, "node")}
    assert list(found) == ["NOTES_TOKEN", "NOTES_BASE_URL", "NOTES_LEVEL"]
    assert (found["NOTES_TOKEN"].required, found["NOTES_TOKEN"].secret, found["NOTES_TOKEN"].line) == (True, True, 1)
    assert (found["NOTES_BASE_URL"].default, found["NOTES_BASE_URL"].how) == (
        "https://notes.acme.dev",
        'process.env["NOTES_BASE_URL"]',
    )
    assert (found["NOTES_LEVEL"].required, found["NOTES_LEVEL"].default) == (False, None)


def test_a_default_anywhere_makes_a_variable_optional_where_it_was_first_seen(tmp_path: Path) -> None:
    write(tmp_path / "a.py", 'import os\nos.environ["X_URL"]\n')
    write(tmp_path / "b.py", 'import os\nos.getenv("X_URL", "https://x")\n')
    (found,) = detect_env(tmp_path, "python")
    assert (found.file, found.line, found.required, found.default) == ("a.py", 2, False, "https://x")


def test_tests_dependencies_hidden_virtualenvs_and_oversized_files_are_not_read(tmp_path: Path) -> None:
    read = 'import os\nos.environ["{}"]\n'
    write(tmp_path / "tests" / "helper.py", read.format("IN_TESTS"))
    write(tmp_path / "test_server.py", read.format("IN_TEST_FILE"))
    write(tmp_path / "node_modules" / "x.py", read.format("IN_DEPENDENCIES"))
    write(tmp_path / ".hidden" / "x.py", read.format("IN_HIDDEN"))
    write(tmp_path / "myenv" / "pyvenv.cfg", "home = /usr\n")
    write(tmp_path / "myenv" / "lib" / "x.py", read.format("IN_VENV"))
    write(tmp_path / "big.py", read.format("IN_BIG") + "#" * MAX_FILE_BYTES)
    write(tmp_path / "broken.py", "def (:\n")
    write(tmp_path / "server.py", read.format("IN_SERVER"))
    assert [env.name for env in detect_env(tmp_path, "python")] == ["IN_SERVER"]
    assert detect_env(tmp_path, "binary") == []
