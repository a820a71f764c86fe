"""``mcpship release`` end to end on real local services, through the installed script: the Python example to a
pypiserver, its image to a docker-registry and its server.json to ``mcpship registry serve``; the Node example to
verdaccio and the same MCP registry. Each is installed back (uvx from the index, npm view/pack from verdaccio, the
image by digest with skopeo), the registry lists the new version and the git tag is on the release commit.

A release whose image push cannot reach its registry stops after PyPI; rerun with ``--resume``, it finishes: the
index holds each file once with the bytes of the first upload, nothing is sent twice or overwritten. A release
killed (SIGTERM to mcpship and npm) as publishing starts completes with ``--resume``; verdaccio serves the very
tarball the build made."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from mcpship.pipeline.report import sha256_of
from mcpship.registry_client.tokens import RegistryToken, TokenStore
from tests.conftest import ROOT, assert_clean_error, free_port, json_result, mcpship_executable, run_mcpship
from tests.integration.oci_support import debian_base_layout, require_tool
from tests.integration.registry.conftest import RegistryServer
from tests.registry_support.package_registries import (
    VerdaccioServer,
    running_oci_registry,
    running_pypiserver,
    running_verdaccio,
)

pytestmark = pytest.mark.timeout(170)

TOKEN = "pypi-AgEIcHlwaS5vcmc-release-token"
SCHEMA = json.loads((ROOT / "docs" / "cli-json.schema.json").read_text(encoding="utf-8"))
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Release Test",
    "GIT_AUTHOR_EMAIL": "release@example.invalid",
    "GIT_COMMITTER_NAME": "Release Test",
    "GIT_COMMITTER_EMAIL": "release@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


@dataclass(frozen=True)
class Services:
    index: str
    index_dir: Path
    oci: str
    verdaccio: VerdaccioServer
    registry: RegistryServer
    config_dir: Path


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    root = tmp_path_factory.mktemp("release-services")
    with (
        running_pypiserver(root / "index", uploaders={"__token__": TOKEN}) as index,
        running_oci_registry(root / "oci") as oci,
        running_verdaccio(root / "verdaccio") as verdaccio,
    ):
        registry = RegistryServer(f"sqlite:///{root / 'registry.db'}", root, ("--no-ownership-checks",))
        registry.start()
        try:
            config_dir = root / "config"
            TokenStore(config_dir / "registry-tokens.json").put(
                RegistryToken(registry.base_url, registry.token(), "test")
            )
            yield Services(index, root / "index", oci, verdaccio, registry, config_dir)
        finally:
            registry.stop()


@pytest.fixture
def release_env(services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed mcpship and its children: a git identity, the registry token store, npm with no user config."""
    for name, value in GIT_IDENTITY.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MCPSHIP_CONFIG_DIR", str(services.config_dir))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "no-docker-config"))
    npmrc = tmp_path / "npmrc"
    npmrc.write_text("update-notifier=false\nfund=false\naudit=false\n")
    monkeypatch.setenv("npm_config_userconfig", str(npmrc))
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "npm-cache"))
    for variable in ("NPM_TOKEN", "NODE_AUTH_TOKEN", "CI", "GITHUB_ACTIONS", "MCPSHIP_REGISTRY", "PYPI_API_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("MCPSHIP_PYPI_TOKEN", TOKEN)
    monkeypatch.setenv("NPM_TOKEN", services.verdaccio.token)


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def project_in_git(example: str, destination: Path, targets: str) -> Path:
    """A copy of ``examples/<example>`` with ``targets`` as its [targets] table, committed in a new repository."""
    root = destination / example
    ignored = ("node_modules", "dist", ".venv", "__pycache__")
    shutil.copytree(ROOT / "examples" / example, root, ignore=shutil.ignore_patterns(*ignored))
    if (ROOT / "examples" / example / "node_modules").is_dir():
        (root / "node_modules").symlink_to(ROOT / "examples" / example / "node_modules")
    (root / ".gitignore").write_text("".join(f"{name}\n" for name in ignored))
    spec = root / "mcpship.toml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text[: text.index("[targets]")] + "[targets]\n" + targets, encoding="utf-8")
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", "the example")
    return root


def envelope(stdout: str) -> Any:
    """The ``--json`` envelope, valid against docs/cli-json.schema.json and its release result (if any)."""
    document = json.loads(stdout)
    jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft202012Validator)
    if document["result"] is not None:  # None: refused before any step ran
        release = {"$defs": SCHEMA["$defs"], "$ref": "#/$defs/results/properties/release"}
        jsonschema.validate(document["result"], release, cls=jsonschema.Draft202012Validator)
    return document


def steps(result: dict[str, Any]) -> dict[str, str]:
    return {step["step"]: step["status"] for step in result["steps"]}


def held(index_dir: Path) -> dict[str, str]:
    return {path.name: sha256_of(path) for path in sorted((index_dir / "packages").iterdir())}


def registry_versions(services: Services, name: str) -> list[str]:
    response = httpx.get(f"{services.registry.base_url}/v0.1/servers/{name.replace('/', '%2F')}/versions", timeout=10)
    assert response.status_code == 200, response.text
    return sorted(entry["server"]["version"] for entry in response.json()["servers"])


def test_a_python_release_stopped_at_the_image_resumes_without_a_second_upload_and_installs_back(
    services: Services, release_env: None, tmp_path: Path
) -> None:
    base = debian_base_layout("python")
    oci = f'{{ base_layout = {json.dumps(str(base))}, base_tag = "bookworm" }}'
    # server.json names the image where the MCP Registry accepts images; this release pushes it to a local one.
    targets = f'pypi = {{}}\noci = {oci}\nserver-json = {{ oci_image = "ghcr.io/mcpship/notes-py:{{version}}" }}\n'
    project = project_in_git("notes-py", tmp_path, targets)
    unreachable = f"127.0.0.1:{free_port()}/notes-py"  # nothing listens there: the push fails after PyPI
    argv = ["release", "minor", "--project", str(project), "--repository-url", f"{services.index}/"]
    argv += ["--registry", services.registry.base_url, "--json"]

    stopped = run_mcpship(*argv, "--to", unreachable, timeout=170)
    assert stopped.returncode == 11, stopped.stdout + stopped.stderr
    first = envelope(stopped.stdout)
    assert first["ok"] is False
    assert "mcpship release --resume" in first["problems"][0]["hint"]
    assert first["result"]["version"] == "0.2.0"
    assert steps(first["result"]) == {
        "check": "done", "bump": "done", "lock": "done", "commit": "done", "build": "done", "verify": "done",
        "publish": "failed", "tag": "not-run",
    }  # fmt: skip
    assert [(row["channel"], row["status"]) for row in first["result"]["published"]] == [
        ("pypi", "published"),
        ("pypi", "published"),
    ]
    uploaded = held(services.index_dir)
    assert sorted(uploaded) == ["mcpship_example_notes-0.2.0-py3-none-any.whl", "mcpship_example_notes-0.2.0.tar.gz"]
    assert (project / ".mcpship" / "release.json").is_file()
    assert git(project, "status", "--porcelain") == ""  # the state is git-ignored
    assert git(project, "tag", "--list") == ""

    again = run_mcpship("release", "minor", "--project", str(project))
    assert_clean_error(again, 16)
    assert "--resume" in again.stderr

    resumed = run_mcpship(
        "release", "--resume", "--project", str(project), "--to", f"{services.oci}/notes-py", "--json", timeout=170
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    result = envelope(resumed.stdout)["result"]
    assert result["resumed"] is True
    assert set(steps(result).values()) == {"done"}
    rows = {(row["channel"], row["status"]) for row in result["published"]}
    assert rows == {("pypi", "skipped"), ("oci", "published"), ("registry", "published")}
    assert held(services.index_dir) == uploaded  # each file once, the bytes of the first upload
    assert not (project / ".mcpship" / "release.json").exists()

    head = git(project, "rev-parse", "HEAD")
    assert git(project, "log", "-1", "--format=%s") == "release v0.2.0"
    assert git(project, "rev-parse", "v0.2.0^{commit}") == head
    assert git(project, "cat-file", "-t", "v0.2.0") == "tag"  # annotated
    assert 'version = "0.2.0"' in (project / "pyproject.toml").read_text(encoding="utf-8")

    assert registry_versions(services, "io.github.mcpship/notes-py") == ["0.2.0"]
    (image,) = [row["url"] for row in result["published"] if row["channel"] == "oci"]
    digest = image.rpartition("@")[2]
    skopeo = require_tool("skopeo", "skopeo")
    inspected = subprocess.run(
        [skopeo, "inspect", "--tls-verify=false", f"docker://{services.oci}/notes-py@{digest}"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert inspected.returncode == 0, inspected.stderr
    assert json.loads(inspected.stdout)["Digest"] == digest

    # What a client runs: uvx from the local index (its dependencies come from the default index).
    uvx = ["uvx", "--isolated", "--index", f"{services.index}/simple/"]
    uvx += ["--from", "mcpship-example-notes==0.2.0", "notes-mcp"]
    served = run_mcpship("inspect", "--json", "--", *uvx)
    assert served.returncode == 0, served.stderr
    assert "search_notes" in [tool["name"] for tool in json_result(served.stdout)["tools"]]


def test_a_node_release_killed_as_it_starts_publishing_resumes_to_verdaccio_and_the_registry(
    services: Services, release_env: None, tmp_path: Path
) -> None:
    project = project_in_git("notes-node", tmp_path, "npm = {}\nserver-json = {}\n")
    argv = ["release", "minor", "--project", str(project), "--npm-registry", services.verdaccio.url]
    argv += ["--registry", services.registry.base_url]

    preview = run_mcpship(*argv, "--dry-run", "--json")
    assert preview.returncode == 0, preview.stderr
    planned = envelope(preview.stdout)["result"]
    assert (planned["dryRun"], planned["version"], planned["channels"]) == (True, "0.2.0", ["npm", "registry"])
    assert git(project, "status", "--porcelain") == ""  # a dry run changes nothing

    # SIGTERM to mcpship and its children (npm) once the state says verify is done: publishing starts then.
    state = project / ".mcpship" / "release.json"
    killed = subprocess.Popen(
        [mcpship_executable(), *argv], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 150
        while killed.poll() is None and time.monotonic() < deadline:
            if state.is_file() and "verify" in json.loads(state.read_text(encoding="utf-8"))["done"]:
                os.killpg(killed.pid, signal.SIGTERM)
                break
            time.sleep(0.02)
    finally:
        if killed.poll() is None:
            os.killpg(killed.pid, signal.SIGTERM)
        killed.wait(timeout=30)
    assert killed.returncode == -signal.SIGTERM
    assert "tag" not in json.loads(state.read_text(encoding="utf-8"))["done"]

    done = run_mcpship("release", "--resume", "--project", str(project), timeout=170)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "released 0.2.0" in done.stdout
    assert f"{services.verdaccio.url}/mcpship-example-notes-node/0.2.0" in done.stdout
    assert not state.exists()

    package = json.loads((project / "package.json").read_text(encoding="utf-8"))
    assert package["version"] == "0.2.0"
    assert git(project, "rev-parse", "v0.2.0^{commit}") == git(project, "rev-parse", "HEAD")
    assert registry_versions(services, "io.github.mcpship/notes-node") == ["0.2.0"]  # listed once

    # verdaccio has no uplinks, so npx could not resolve the SDK the package depends on: npm view and npm pack
    # fetch the published package itself and compare it with the build.
    npm = shutil.which("npm")
    assert npm is not None
    view = [npm, "view", "mcpship-example-notes-node@0.2.0", "version", "--registry", f"{services.verdaccio.url}/"]
    viewed = subprocess.run(view, capture_output=True, text=True, timeout=60, check=False)
    assert viewed.stdout.strip() == "0.2.0", viewed.stderr
    fetched = tmp_path / "fetched"
    fetched.mkdir()
    pack = [npm, "pack", "mcpship-example-notes-node@0.2.0", "--registry", f"{services.verdaccio.url}/"]
    packed = subprocess.run(
        [*pack, "--pack-destination", str(fetched)], capture_output=True, text=True, timeout=60, check=False
    )
    assert packed.returncode == 0, packed.stderr
    tarball = "mcpship-example-notes-node-0.2.0.tgz"
    assert sha256_of(fetched / tarball) == sha256_of(project / "dist" / tarball)

    nothing_left = run_mcpship("release", "--resume", "--project", str(project))
    assert_clean_error(nothing_left, 16)


def test_release_auto_takes_the_bump_the_interface_needs_and_a_too_small_level_is_refused(
    release_env: None, tmp_path: Path
) -> None:
    from tests.integration.test_bump_auto import add_required_parameter

    project = project_in_git("notes-py", tmp_path, "pypi = {}\n")
    git(project, "tag", "v0.1.0")
    add_required_parameter(project)  # a breaking change: under 0.x it needs the minor
    git(project, "commit", "--quiet", "--all", "-m", "add_note takes a folder")
    argv = ["--project", str(project), "--dry-run", "--json"]

    refused = run_mcpship("release", "patch", *argv)
    assert refused.returncode == 15, refused.stdout + refused.stderr
    problem = envelope(refused.stdout)["problems"][0]
    assert problem["kind"] == "InterfaceChangeError"
    assert "input.property.required-added" in problem["message"]

    auto = run_mcpship("release", "auto", *argv)
    assert auto.returncode == 0, auto.stderr
    planned = envelope(auto.stdout)["result"]
    assert (planned["previous"], planned["version"]) == ("0.1.0", "0.2.0")
    bump = next(step for step in planned["steps"] if step["step"] == "bump")
    assert "interface change" in bump["detail"]

    forced = run_mcpship("release", "patch", "--force", *argv)
    assert forced.returncode == 0, forced.stderr
    assert envelope(forced.stdout)["result"]["version"] == "0.1.1"
    assert git(project, "status", "--porcelain") == ""
