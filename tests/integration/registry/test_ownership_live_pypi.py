"""PyPI ownership proofs against a real pypiserver holding real wheels and sdists built by hatchling and uploaded
with twine. pypiserver has no JSON API, so this also proves the simple-index fallback (download, read METADATA)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mcpship.registry.config import OwnershipSettings
from mcpship.registry.ownership import check_ownership
from tests.registry_support.package_registries import running_pypiserver, upload_to_pypiserver

pytestmark = pytest.mark.timeout(120)

NAME = "io.github.test/x"
MARKED_README = f"# tiny\n\nA tiny MCP server.\n\n<!-- mcp-name: {NAME} -->\n"
UNMARKED_README = "# tiny\n\nA tiny MCP server, released before it learned about the registry.\n"


def build(
    workdir: Path, project: str, version: str, readme: str, *, wheel: bool = True, sdist: bool = False
) -> list[Path]:
    """A real distribution of a one-module project, built by hatchling (no network: the venv's hatchling)."""
    source = workdir / f"{project}-{version}"
    module = project.replace("-", "_")
    (source / "src" / module).mkdir(parents=True)
    (source / "src" / module / "__init__.py").write_text(f'__version__ = "{version}"\n')
    (source / "README.md").write_text(readme)
    (source / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
        f'[project]\nname = "{project}"\nversion = "{version}"\nreadme = "README.md"\n'
        f'[tool.hatch.build.targets.wheel]\npackages = ["src/{module}"]\n'
    )
    out = workdir / "dist"
    out.mkdir(exist_ok=True)
    hooks = [hook for hook, wanted in (("build_wheel", wheel), ("build_sdist", sdist)) if wanted]
    script = "import sys, hatchling.build as b\nfor hook in sys.argv[2:]: print(getattr(b, hook)(sys.argv[1]))"
    done = subprocess.run(
        [sys.executable, "-c", script, str(out), *hooks],
        cwd=source, capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [out / name for name in done.stdout.split()]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("pypi")
    files = [
        *build(work, "tiny-owned", "0.1.0", MARKED_README, sdist=True),
        *build(work, "tiny-owned", "0.2.0", UNMARKED_README),
        *build(work, "tiny-sdist-only", "1.0.0", MARKED_README, wheel=False, sdist=True),
    ]
    with running_pypiserver(work / "server") as url:
        upload_to_pypiserver(url, *files)
        yield url


def check(index: str, server_name: str, identifier: str, version: str, **package: str) -> list[str]:
    server = {
        "name": server_name,
        "packages": [{"registryType": "pypi", "identifier": identifier, "version": version, **package}],
    }

    async def run() -> list[str]:
        async with httpx.AsyncClient() as client:
            return await check_ownership(server, OwnershipSettings(pypi_url=index), client)

    return asyncio.run(run())


def test_a_release_whose_readme_names_the_server_proves_ownership(index: str) -> None:
    assert check(index, NAME, "tiny-owned", "0.1.0") == []


def test_the_project_name_is_matched_as_pypi_normalizes_it(index: str) -> None:
    assert check(index, NAME, "Tiny_Owned", "0.1.0") == []


def test_an_sdist_only_release_is_read_from_its_pkg_info(index: str) -> None:
    assert check(index, NAME, "tiny-sdist-only", "1.0.0") == []


def test_a_readme_naming_another_server_does_not_prove_ownership(index: str) -> None:
    [message] = check(index, "io.github.test/other", "tiny-owned", "0.1.0")
    assert message.startswith("registry validation failed for package 0 (tiny-owned): ")
    assert "must appear as 'mcp-name: io.github.test/other'" in message


def test_a_server_name_that_only_prefixes_the_marker_is_not_proven(index: str) -> None:
    [message] = check(index, "io.github.test/", "tiny-owned", "0.1.0")
    assert "ownership validation failed" in message


def test_a_release_without_the_marker_asks_for_a_new_release(index: str) -> None:
    [message] = check(index, NAME, "tiny-owned", "0.2.0")
    assert f"<!-- mcp-name: {NAME} -->" in message
    assert "publish a new release" in message


def test_a_version_that_was_never_uploaded_is_named_with_the_ones_that_were(index: str) -> None:
    [message] = check(index, NAME, "tiny-owned", "9.9.9")
    assert "has no release 9.9.9" in message
    assert "0.1.0, 0.2.0" in message


def test_an_unknown_project_is_reported_as_not_found(index: str) -> None:
    [message] = check(index, NAME, "never-uploaded", "1.0.0")
    assert "PyPI package 'never-uploaded' not found" in message


def test_a_registry_base_url_other_than_the_configured_index_is_refused(index: str) -> None:
    [message] = check(index, NAME, "tiny-owned", "0.1.0", registryBaseUrl="https://pypi.org")
    assert f"Expected: {index}" in message


def test_the_configured_index_may_be_named_explicitly(index: str) -> None:
    assert check(index, NAME, "tiny-owned", "0.1.0", registryBaseUrl=f"{index}/") == []
