"""Dynamic pyproject fields computed by the project's own PEP 517 backend, and every way that can go wrong.

The backends here live in the project (``backend-path``) and need nothing installed, so the build environment is an
empty uv venv: no network, and one venv for the whole session.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mcpship import SpecError
from mcpship.spec import backend_metadata as backend_module
from mcpship.spec.backend_metadata import backend_metadata
from mcpship.spec.load import load_spec

_WORKING_BACKEND = """
import os, pathlib

def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    counter = os.environ.get("TEST_BACKEND_CALLS")
    if counter:
        with open(counter, "a") as handle:
            handle.write("called\\n")
    version = pathlib.Path("VERSION").read_text().strip()
    dist_info = pathlib.Path(metadata_directory) / f"demo-{version}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.4\\nName: demo\\nVersion: " + version + "\\n"
        "Summary: A demo server computed by its backend.\\nKeywords: mcp,demo\\nLicense-Expression: MIT\\n"
        "Project-URL: Source, https://github.com/acme/demo\\n\\nmcp-name: io.github.acme/demo\\n"
    )
    (dist_info / "entry_points.txt").write_text("[console_scripts]\\ndemo-mcp = demo:main\\n")
    return dist_info.name

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise NotImplementedError
"""


def _project(tmp_path: Path, backend_source: str, *, dynamic: str = '["version"]', spec: str | None = None) -> Path:
    root = tmp_path / "demo"
    (root / "_backend").mkdir(parents=True)
    (root / "_backend" / "demo_backend.py").write_text(textwrap.dedent(backend_source), encoding="utf-8")
    (root / "VERSION").write_text("1.2.3\n", encoding="utf-8")
    (root / "pyproject.toml").write_text(
        textwrap.dedent(f"""\
            [build-system]
            requires = []
            build-backend = "demo_backend"
            backend-path = ["_backend"]

            [project]
            name = "demo"
            dynamic = {dynamic}
            description = "A demo server."

            [project.scripts]
            demo-mcp = "demo:main"
            """),
        encoding="utf-8",
    )
    if spec is not None:
        (root / "mcpship.toml").write_text(spec, encoding="utf-8")
    return root


def _metadata(root: Path) -> dict[str, object]:
    from mcpship.spec.project_metadata import read_toml

    return backend_metadata(root, read_toml(root / "pyproject.toml"), "version")


@pytest.fixture(autouse=True)
def _fresh_memo() -> None:
    backend_module._memo.clear()


def test_the_version_comes_from_the_backends_metadata_hook(tmp_path: Path) -> None:
    root = _project(tmp_path, _WORKING_BACKEND, spec='name = "io.github.acme/demo"\n')
    resolved = load_spec(root)
    assert resolved.spec.version == "1.2.3"
    assert resolved.origins["version"] == "pyproject.toml"


def test_every_dynamic_field_the_spec_needs_is_taken_from_the_backend(tmp_path: Path) -> None:
    dynamic = '["version", "description", "keywords", "license", "urls", "scripts", "readme"]'
    root = _project(tmp_path, _WORKING_BACKEND, dynamic=dynamic)
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    (root / "pyproject.toml").write_text(
        text.replace('description = "A demo server."\n', "").replace('[project.scripts]\ndemo-mcp = "demo:main"\n', "")
    )
    spec = load_spec(root).spec
    assert spec.name == "io.github.acme/demo"  # from the README marker in the built long description
    assert spec.description == "A demo server computed by its backend."
    assert spec.keywords == ["mcp", "demo"]
    assert spec.license == "MIT"
    assert spec.repository == "https://github.com/acme/demo"
    assert spec.run.command == "demo-mcp"


def test_a_second_read_of_the_same_tree_does_not_call_the_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = tmp_path / "calls.txt"
    monkeypatch.setenv("TEST_BACKEND_CALLS", str(calls))
    root = _project(tmp_path, _WORKING_BACKEND)
    assert _metadata(root)["version"] == "1.2.3"
    backend_module._memo.clear()  # a new process: only the disk cache is left
    assert _metadata(root)["version"] == "1.2.3"
    assert calls.read_text().count("called") == 1


def test_a_changed_version_file_is_read_again(tmp_path: Path) -> None:
    root = _project(tmp_path, _WORKING_BACKEND)
    assert _metadata(root)["version"] == "1.2.3"
    (root / "VERSION").write_text("1.2.40\n", encoding="utf-8")  # another size, so even a coarse clock sees it
    assert _metadata(root)["version"] == "1.2.40"


def test_a_backend_that_cannot_be_imported_names_the_file_the_field_and_the_fix(tmp_path: Path) -> None:
    root = _project(tmp_path, _WORKING_BACKEND)
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    text = text.replace('"demo_backend"', '"hatchling.build"').replace('backend-path = ["_backend"]\n', "")
    (root / "pyproject.toml").write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_spec(root)
    message = caught.value.message
    assert str(root / "pyproject.toml") in message
    assert "[project].version is dynamic" in message
    assert "'hatchling.build' cannot be imported" in message
    assert "ModuleNotFoundError" in message
    assert caught.value.hint is not None
    assert "[build-system].requires" in caught.value.hint
    assert 'set version = "X.Y.Z" in mcpship.toml' in caught.value.hint


def test_a_failing_hook_shows_the_backends_own_error(tmp_path: Path) -> None:
    failing = "def prepare_metadata_for_build_wheel(d, c=None):\n    raise RuntimeError('no version file found')\n"
    root = _project(tmp_path, failing)
    with pytest.raises(SpecError) as caught:
        load_spec(root)
    message = caught.value.message
    assert "[project].version is dynamic" in message
    assert "failed to compute it (prepare_metadata_for_build_wheel exited 1)" in message
    assert "RuntimeError: no version file found" in message
    assert caught.value.hint is not None
    assert "mcpship.toml" in caught.value.hint


def test_a_chatty_failing_backend_is_cut_to_its_last_lines(tmp_path: Path) -> None:
    chatty = (
        "import sys\n"
        "def prepare_metadata_for_build_wheel(d, c=None):\n"
        "    sys.stdout.write('noise\\n' * 2_000_000)\n"
        "    raise SystemExit('the last words')\n"
    )
    root = _project(tmp_path, chatty)
    with pytest.raises(SpecError) as caught:
        load_spec(root)
    assert "the last words" in caught.value.message
    assert caught.value.message.count("noise") < 25
    assert len(caught.value.message) < 5000


def test_a_backend_that_hangs_is_stopped_and_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backend_module, "HOOK_TIMEOUT", 1.0)
    hanging = "import threading\ndef prepare_metadata_for_build_wheel(d, c=None):\n    threading.Event().wait()\n"
    root = _project(tmp_path, hanging)
    with pytest.raises(SpecError) as caught:
        load_spec(root)
    assert "prepare_metadata_for_build_wheel timed out" in caught.value.message
    assert "(timed out after 1 s)" in caught.value.message


def test_build_requirements_that_cannot_be_installed_are_an_error_naming_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UV_OFFLINE", "1")  # fails at once, without asking an index
    root = _project(tmp_path, _WORKING_BACKEND)
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    (root / "pyproject.toml").write_text(
        text.replace("requires = []", 'requires = ["mcpship-test-backend-that-does-not-exist==0.0.1"]')
    )
    with pytest.raises(SpecError) as caught:
        load_spec(root)
    message = caught.value.message
    assert "could not be installed (mcpship-test-backend-that-does-not-exist==0.0.1): uv exited" in message
    assert caught.value.hint is not None
    assert "UV_OFFLINE" in caught.value.hint


def test_a_malformed_build_system_table_is_named(tmp_path: Path) -> None:
    root = _project(tmp_path, _WORKING_BACKEND)
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    (root / "pyproject.toml").write_text(text.replace("requires = []", 'requires = "hatchling"'))
    with pytest.raises(SpecError, match=r"\[build-system\]\.requires must be an array of strings"):
        load_spec(root)


def test_a_spec_version_stands_when_the_backend_cannot_run(tmp_path: Path) -> None:
    failing = "def prepare_metadata_for_build_wheel(d, c=None):\n    raise RuntimeError('broken')\n"
    root = _project(tmp_path, failing, spec='name = "io.github.acme/demo"\nversion = "9.9.9"\n')
    assert load_spec(root).spec.version == "9.9.9"


def test_a_spec_version_that_differs_from_the_computed_one_is_refused(tmp_path: Path) -> None:
    root = _project(tmp_path, _WORKING_BACKEND, spec='name = "io.github.acme/demo"\nversion = "9.9.9"\n')
    with pytest.raises(SpecError, match=r'version "9\.9\.9" differs from pyproject\.toml version "1\.2\.3"'):
        load_spec(root)


def test_a_static_project_never_runs_the_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path, "raise RuntimeError('imported')\n", dynamic="[]", spec='name = "io.github.acme/demo"\n')
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    (root / "pyproject.toml").write_text(text.replace('name = "demo"\n', 'name = "demo"\nversion = "0.5.0"\n'))
    monkeypatch.setattr(backend_module, "_build_environment", None)  # any call would fail
    assert load_spec(root).spec.version == "0.5.0"
