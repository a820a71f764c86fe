"""Finding every place a project's version lives, and writing each back with only the version changed."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from mcpship import VersionError
from mcpship.versioning import bump_project, check_versions_in_sync, find_version_places, plan_bump


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(textwrap.dedent(text).lstrip("\n").encode())
    return path


def places_of(root: Path) -> list[tuple[str, str, str | None]]:
    places, _files = find_version_places(root)
    return [(place.relative(root), place.field, place.value) for place in places]


def only_version_changed(before: bytes, after: bytes, old: str, new: str) -> None:
    """Byte for byte the same file, with each ``old`` version replaced by ``new``."""
    assert after == before.replace(old.encode(), new.encode()), after.decode()


# -- TOML ----------------------------------------------------------------------------------------------------------

PYPROJECT = """
    # top comment
    [build-system]
    requires = ["hatchling"]
    build-backend = "hatchling.build"

    [project]
    name   =  "demo-server"     # aligned on purpose
    version = '1.4.0'   # literal string, trailing comment
    dependencies = [
        "mcp>=2",  # why
    ]

    [tool.mcpship]
    name = "io.github.acme/demo"
    version = "1.4.0"
"""


def test_pyproject_keeps_quotes_comments_and_alignment(tmp_path: Path) -> None:
    pyproject = write(tmp_path, "pyproject.toml", PYPROJECT)
    before = pyproject.read_bytes()

    bump_project(tmp_path, "minor", pre="rc")

    only_version_changed(before, pyproject.read_bytes(), "1.4.0", "1.5.0rc1")
    assert places_of(tmp_path) == [
        ("pyproject.toml", "[project].version", "1.5.0rc1"),
        ("pyproject.toml", "[tool.mcpship].version", "1.5.0rc1"),
    ]


def test_mcpship_toml_version_is_a_place_only_when_set(tmp_path: Path) -> None:
    write(tmp_path, "package.json", '{"name": "demo", "version": "2.0.0"}\n')
    spec = write(tmp_path, "mcpship.toml", 'name = "io.github.acme/demo"  # n\n\n[run]\ncommand = "demo"\n')
    assert places_of(tmp_path) == [("package.json", "version", "2.0.0")]
    spec.write_text('name = "io.github.acme/demo"\nversion = "2.0.0"  # keep me\n', encoding="utf-8")
    before = spec.read_bytes()

    bump_project(tmp_path, "patch", pre="beta")

    only_version_changed(before, spec.read_bytes(), "2.0.0", "2.0.1-beta.1")


# -- JSON ----------------------------------------------------------------------------------------------------------


def test_package_json_and_lock_keep_indent_key_order_escapes_and_the_missing_final_newline(tmp_path: Path) -> None:
    package = tmp_path / "package.json"
    package.write_bytes(b'{\n\t"version": "0.3.0",\n\t"name": "caf\\u00e9",\n\t"n": 1.50,\n\t"x": [ 1,2 ]\n}')
    lock = tmp_path / "package-lock.json"
    lock_doc = {
        "name": "cafe",
        "version": "0.3.0",
        "lockfileVersion": 3,
        "packages": {"": {"name": "cafe", "version": "0.3.0"}, "node_modules/dep": {"version": "0.3.0"}},
    }
    lock.write_text(json.dumps(lock_doc, indent=2) + "\n", encoding="utf-8")
    before_package, before_lock = package.read_bytes(), lock.read_bytes()

    bump_project(tmp_path, "minor")

    only_version_changed(before_package, package.read_bytes(), "0.3.0", "0.4.0")
    after_lock = json.loads(lock.read_text(encoding="utf-8"))
    assert after_lock["packages"]["node_modules/dep"]["version"] == "0.3.0"  # a dependency is not ours
    expected = before_lock.decode().replace('"version": "0.3.0"', '"version": "0.4.0"', 1)
    ours = '"name": "cafe",\n      "version": "0.3.0"'
    expected = expected.replace(ours, ours.replace("0.3.0", "0.4.0"))
    assert lock.read_text(encoding="utf-8") == expected


def test_crlf_and_a_byte_order_mark_survive(tmp_path: Path) -> None:
    package = tmp_path / "package.json"
    package.write_bytes(b'\xef\xbb\xbf{\r\n  "name": "demo",\r\n  "version": "1.0.0"\r\n}\r\n')
    before = package.read_bytes()
    bump_project(tmp_path, "major")
    only_version_changed(before, package.read_bytes(), "1.0.0", "2.0.0")


def test_server_json_updates_the_servers_own_packages_only(tmp_path: Path) -> None:
    write(tmp_path, "package.json", '{"name": "@acme/demo", "version": "1.0.0"}\n')
    server = {
        "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
        "name": "io.github.acme/demo",
        "version": "1.0.0",
        "packages": [
            {"registryType": "npm", "identifier": "@acme/demo", "version": "1.0.0"},
            {"registryType": "npm", "identifier": "@someone/else", "version": "1.0.0"},
            {"registryType": "mcpb", "identifier": "https://x/demo-1.0.0.mcpb", "version": "1.0.0"},
        ],
    }
    path = tmp_path / "server.json"
    path.write_text(json.dumps(server, indent=2) + "\n", encoding="utf-8")

    bump_project(tmp_path, "patch")

    after = json.loads(path.read_text(encoding="utf-8"))
    assert after["version"] == "1.0.1"
    assert [package["version"] for package in after["packages"]] == ["1.0.1", "1.0.0", "1.0.1"]
    assert places_of(tmp_path)[1:] == [
        ("server.json", "version", "1.0.1"),
        ("server.json", "packages[0].version", "1.0.1"),
        ("server.json", "packages[2].version", "1.0.1"),
    ]


def test_an_mcpb_manifest_is_a_place_and_another_manifest_json_is_not(tmp_path: Path) -> None:
    write(tmp_path, "package.json", '{"name": "demo", "version": "1.0.0"}\n')
    manifest = write(tmp_path, "manifest.json", '{"start_url": "/", "version": "9"}\n')
    assert places_of(tmp_path) == [("package.json", "version", "1.0.0")]
    manifest.write_text('{\n    "manifest_version": "0.3",\n    "version": "1.0.0"\n}\n', encoding="utf-8")
    before = manifest.read_bytes()
    bump_project(tmp_path, "minor", pre="alpha")
    only_version_changed(before, manifest.read_bytes(), "1.0.0", "1.1.0-alpha.1")


# -- Python and Dockerfile -----------------------------------------------------------------------------------------


def test_hatch_dynamic_version_writes_the_version_file(tmp_path: Path) -> None:
    pyproject = write(
        tmp_path,
        "pyproject.toml",
        """
        [project]
        name = "demo"
        dynamic = ["version"]

        [tool.hatch.version]
        path = "src/demo/__about__.py"
        """,
    )
    about = write(tmp_path, "src/demo/__about__.py", '"""About."""\n\n# __version__ = "0.0.1"\n__version__ = "0.9.0"\n')
    before_pyproject, before_about = pyproject.read_bytes(), about.read_bytes()

    bump_project(tmp_path, "major", pre="rc")

    assert pyproject.read_bytes() == before_pyproject
    assert about.read_bytes() == before_about.replace(b'__version__ = "0.9.0"', b'__version__ = "1.0.0rc1"')


def test_setuptools_attr_and_file_versions_are_found(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        """
        [project]
        name = "demo"
        dynamic = ["version"]
        [tool.setuptools.dynamic]
        version = {attr = "demo.__version__"}
        """,
    )
    write(tmp_path, "src/demo/__init__.py", "__version__: str = '3.1.4'\n")
    assert places_of(tmp_path) == [("src/demo/__init__.py", "__version__", "3.1.4")]
    write(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "demo"\ndynamic = ["version"]\n[tool.setuptools.dynamic]\nversion = {file = "VERSION"}\n',
    )
    version_file = write(tmp_path, "VERSION", "3.1.4\n")
    bump_project(tmp_path, "patch", from_version="3.1.4")
    assert version_file.read_text(encoding="utf-8") == "3.1.5\n"


@pytest.mark.parametrize(
    "tool",
    [
        '[tool.hatch.version]\nsource = "vcs"\n',
        "[tool.setuptools_scm]\n",
        '[tool.pdm.version]\nsource = "scm"\n',
    ],
)
def test_a_version_from_git_tags_is_reported_with_nothing_to_write(tmp_path: Path, tool: str) -> None:
    write(tmp_path, "pyproject.toml", f'[project]\nname = "demo"\ndynamic = ["version"]\n{tool}')
    (place,) = find_version_places(tmp_path)[0]
    assert place.value is None
    assert place.locator is None
    plan = plan_bump(tmp_path, "minor", from_version="1.2.0")
    assert [change.new for change in plan.changes] == [None]
    assert plan.tag == "v1.3.0"


def test_a_dynamic_version_mcpship_cannot_locate_is_an_error_with_the_fix(tmp_path: Path) -> None:
    pyproject = '[build-system]\nbuild-backend = "mystery"\n[project]\nname = "d"\ndynamic = ["version"]\n'
    write(tmp_path, "pyproject.toml", pyproject)
    with pytest.raises(VersionError) as caught:
        find_version_places(tmp_path)
    assert "pyproject.toml: [project].version is dynamic" in caught.value.message
    assert caught.value.hint is not None
    assert "static" in caught.value.hint


def test_a_version_file_outside_the_project_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "project"
    pyproject = '[project]\nname = "d"\ndynamic = ["version"]\n[tool.hatch.version]\npath = "../x.py"\n'
    write(root, "pyproject.toml", pyproject)
    write(tmp_path, "x.py", '__version__ = "1.0.0"\n')
    with pytest.raises(VersionError, match="points outside the project"):
        find_version_places(root)


def test_dockerfile_arg_and_oci_label_are_replaced_but_references_and_comments_are_not(tmp_path: Path) -> None:
    write(tmp_path, "package.json", '{"name": "demo", "version": "1.2.3"}\n')
    dockerfile = write(
        tmp_path,
        "Dockerfile",
        """
        FROM node:22-slim
        # ARG VERSION=0.0.1 is an old note
        ARG VERSION=1.2.3
        LABEL org.opencontainers.image.title="demo" \\
              org.opencontainers.image.version="1.2.3"
        LABEL org.opencontainers.image.revision=$VERSION
        RUN echo 1.2.3
        """,
    )
    before = dockerfile.read_bytes()
    assert places_of(tmp_path)[1:] == [
        ("Dockerfile", "ARG VERSION (line 3)", "1.2.3"),
        ("Dockerfile", "LABEL org.opencontainers.image.version (line 5)", "1.2.3"),
    ]

    bump_project(tmp_path, "minor")

    expected = before.replace(b"ARG VERSION=1.2.3", b"ARG VERSION=1.3.0")
    expected = expected.replace(b'version="1.2.3"', b'version="1.3.0"')
    assert dockerfile.read_bytes() == expected  # `RUN echo 1.2.3` is not a version place


# -- sync, dry run, refusal ----------------------------------------------------------------------------------------


def test_places_in_different_schemes_agree_when_they_mean_the_same_release(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "demo"\nversion = "0.4.0rc1"\n')
    write(tmp_path, "server.json", '{"name": "io.github.a/b", "version": "0.4.0-rc.1"}\n')
    assert check_versions_in_sync(tmp_path).in_sync


def test_a_mismatch_names_the_file_the_field_and_the_value_to_set(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "demo"\nversion = "0.4.0rc1"\n')
    write(tmp_path, "server.json", '{"name": "io.github.a/b", "version": "0.3.0"}\n')
    report = check_versions_in_sync(tmp_path)
    (problem,) = report.mismatches
    assert (problem.file, problem.path) == ("server.json", "version")
    assert problem.hint == 'set version in server.json to "0.4.0-rc.1"'


def test_bump_refuses_places_that_disagree_and_from_syncs_them(tmp_path: Path) -> None:
    package = write(tmp_path, "package.json", '{"name": "demo", "version": "1.0.0"}\n')
    lock = write(tmp_path, "package-lock.json", '{"name": "demo", "version": "0.9.0", "lockfileVersion": 1}\n')
    with pytest.raises(VersionError) as caught:
        bump_project(tmp_path, "patch")
    assert "package-lock.json: version:" in caught.value.message
    assert caught.value.hint is not None
    assert "--from 1.0.0" in caught.value.hint
    assert lock.read_text(encoding="utf-8").count("0.9.0") == 1  # nothing written

    bump_project(tmp_path, "patch", from_version="1.0.0")
    assert json.loads(package.read_text(encoding="utf-8"))["version"] == "1.0.1"
    assert json.loads(lock.read_text(encoding="utf-8"))["version"] == "1.0.1"


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    package = write(tmp_path, "package.json", '{"name": "demo", "version": "1.0.0"}\n')
    plan = bump_project(tmp_path, "major", dry_run=True)
    assert (str(plan.current), str(plan.new), plan.written) == ("1.0.0", "2.0.0", False)
    assert package.read_text(encoding="utf-8") == '{"name": "demo", "version": "1.0.0"}\n'


def test_a_file_changed_after_it_was_read_is_not_clobbered_and_nothing_is_written(tmp_path: Path) -> None:
    package = write(tmp_path, "package.json", '{"name": "demo", "version": "1.0.0"}\n')
    lock = write(tmp_path, "package-lock.json", '{"name": "demo", "version": "1.0.0", "lockfileVersion": 1}\n')
    plan = plan_bump(tmp_path, "minor")
    lock.write_text('{"name": "demo", "version": "1.0.0", "lockfileVersion": 1, "edited": true}\n', encoding="utf-8")
    from mcpship.versioning import apply_bump

    with pytest.raises(VersionError, match=r"package-lock\.json: changed while mcpship was bumping"):
        apply_bump(plan)
    assert '"version": "1.0.0"' in package.read_text(encoding="utf-8")
    assert '"edited": true' in lock.read_text(encoding="utf-8")


def test_a_project_without_any_version_says_where_to_set_one(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "hello\n")
    with pytest.raises(VersionError, match="no version found"):
        find_version_places(tmp_path)


@pytest.mark.parametrize(
    "dynamic", ['version = {attr = "__version__"}', "version = {file = []}", 'version = {attr = ".x"}']
)
def test_an_empty_setuptools_version_source_is_an_error_not_a_crash(tmp_path: Path, dynamic: str) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        f'[project]\nname = "d"\ndynamic = ["version"]\n[tool.setuptools.dynamic]\n{dynamic}\n',
    )
    with pytest.raises(VersionError) as caught:
        find_version_places(tmp_path)
    assert caught.value.hint


def _git(root: Path, *args: str) -> None:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t"}
    env |= {"GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(root), "PATH": os.environ["PATH"]}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, timeout=30)


def test_a_git_tag_version_bumps_from_the_nearest_tag(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "demo"\ndynamic = ["version"]\n[tool.hatch.version]\nsource = "vcs"\n',
    )
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "first")
    with pytest.raises(VersionError, match="found no tag") as caught:
        plan_bump(tmp_path, "minor")
    assert caught.value.hint is not None
    assert "--from" in caught.value.hint
    _git(tmp_path, "tag", "v1.2.0")

    plan = plan_bump(tmp_path, "minor", pre="beta")

    assert (str(plan.current), plan.tag, plan.changes[0].new) == ("1.2.0", "v1.3.0-beta.1", None)


def test_a_linked_version_file_is_written_through_the_link_and_a_link_outside_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "project"
    real = write(root, "shared/package.json", '{"name": "demo", "version": "1.0.0"}\n')
    (root / "package.json").symlink_to(real)
    bump_project(root, "patch")
    assert (root / "package.json").is_symlink()
    assert json.loads(real.read_text(encoding="utf-8"))["version"] == "1.0.1"

    outside = write(tmp_path, "elsewhere/package.json", '{"name": "demo", "version": "1.0.0"}\n')
    (root / "package.json").unlink()
    (root / "package.json").symlink_to(outside)
    with pytest.raises(VersionError, match="outside the project"):
        bump_project(root, "patch")
    assert json.loads(outside.read_text(encoding="utf-8"))["version"] == "1.0.0"
