"""``mcpship publish --channel pypi,npm,oci`` against a real pypiserver, verdaccio and docker-registry on loopback
ports: the examples' wheel, sdist and tarball go up, come back byte for byte, a rerun skips them, a run stopped
after a failure or after its first file completes without a duplicate, and a different file (or image) under a
taken version is refused while the index keeps the original."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from mcpship import OciDestination, PublishError, PublishOptions, build_project, publish_channels
from mcpship.channels.npm import publish_npm_tarball, tarball_integrity
from mcpship.channels.pypi import PypiCredentials, upload_distributions
from mcpship.pipeline.report import read_report, sha256_of, write_report
from mcpship.targets import Artifact
from mcpship.targets.oci import pack_layout_tar
from tests.conftest import ROOT, assert_clean_error, json_result, mcpship_executable, run_mcpship
from tests.registry_support.package_registries import running_oci_registry, running_pypiserver, running_verdaccio
from tests.unit.channels.test_oci_push import make_image

pytestmark = pytest.mark.timeout(170)

TOKEN = "pypi-AgEIcHlwaS5vcmc-test-token"
WHEEL = "mcpship_example_notes-0.1.0-py3-none-any.whl"
SDIST = "mcpship_example_notes-0.1.0.tar.gz"
NODE = "mcpship-example-notes-node"
SCHEMA = json.loads((ROOT / "docs" / "cli-json.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def py_dist(tmp_path_factory: pytest.TempPathFactory, notes_py: Path) -> Path:
    out = tmp_path_factory.mktemp("notes-py") / "dist"
    build_project(notes_py, targets=["pypi"], outdir=out)
    return out


@pytest.fixture(scope="module")
def node_dist(tmp_path_factory: pytest.TempPathFactory, notes_node: Path) -> Path:
    out = tmp_path_factory.mktemp("notes-node") / "dist"
    build_project(notes_node, targets=["npm"], outdir=out)
    return out


@pytest.fixture
def npm_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """npm reads no user's ~/.npmrc and caches under tmp_path (npm and mcpship's children inherit this)."""
    home = tmp_path / "npm-home"
    home.mkdir()
    (home / "npmrc").write_text("update-notifier=false\nfund=false\naudit=false\n")
    monkeypatch.setenv("npm_config_userconfig", str(home / "npmrc"))
    monkeypatch.setenv("npm_config_cache", str(home / "cache"))
    for variable in ("NPM_TOKEN", "NODE_AUTH_TOKEN", "CI", "GITHUB_ACTIONS", "MCPSHIP_PYPI_TOKEN", "PYPI_API_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    return home


@pytest.fixture
def index(tmp_path: Path) -> Iterator[str]:
    with running_pypiserver(tmp_path / "index", uploaders={"__token__": TOKEN}) as url:
        yield url


def held_files(index_dir: Path) -> dict[str, str]:
    return {path.name: sha256_of(path) for path in sorted((index_dir / "packages").iterdir())}


def test_the_cli_uploads_wheel_and_sdist_that_download_back_and_a_rerun_skips_both(
    tmp_path: Path, py_dist: Path, index: str, npm_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MCPSHIP_PYPI_TOKEN", "pypi-wrong-token-value")
    refused = run_mcpship("publish", str(py_dist), "--channel", "pypi", "--repository-url", f"{index}/")
    assert_clean_error(refused, 11)
    assert "pypi: " in refused.stderr
    assert "$MCPSHIP_PYPI_TOKEN" in refused.stderr
    assert "rerun the same command" in refused.stderr
    assert "wrong-token-value" not in refused.stdout + refused.stderr
    assert not (tmp_path / "index" / "packages").joinpath(WHEEL).exists()

    monkeypatch.delenv("MCPSHIP_PYPI_TOKEN")
    argv = [mcpship_executable(), "publish", str(py_dist), "--channel", "pypi", "--repository-url", f"{index}/"]
    first = subprocess.run(
        [*argv, "--password-stdin", "--json"], input=f"{TOKEN}\n", capture_output=True, text=True, timeout=120
    )
    assert first.returncode == 0, first.stderr
    (pypi,) = json_result(first.stdout)["channels"]
    assert pypi["status"] == "published"
    assert [(item["name"], item["status"]) for item in pypi["items"]] == [(WHEEL, "published"), (SDIST, "published")]
    assert TOKEN not in first.stdout + first.stderr

    download = tmp_path / "download"
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir", "--only-binary", ":all:"]
    pip += ["--index-url", f"{index}/simple/", "-d", str(download), "mcpship-example-notes==0.1.0"]
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}  # the machine's pip config adds other indexes
    env.pop("PIP_FIND_LINKS", None)
    done = subprocess.run(pip, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sha256_of(download / WHEEL) == sha256_of(py_dist / WHEEL)
    sdist = httpx.get(f"{index}/packages/{SDIST}", timeout=10).content
    assert hashlib.sha256(sdist).hexdigest() == sha256_of(py_dist / SDIST)

    # What a client runs: uvx, with the local index first (its dependencies come from the default index).
    uvx = ["uvx", "--isolated", "--index", f"{index}/simple/", "--from", "mcpship-example-notes==0.1.0", "notes-mcp"]
    served = run_mcpship("inspect", "--json", "--", *uvx)
    assert served.returncode == 0, served.stderr
    tools = [tool["name"] for tool in json_result(served.stdout)["tools"]]
    assert "search_notes" in tools

    monkeypatch.setenv("MCPSHIP_PYPI_TOKEN", TOKEN)
    again = run_mcpship("publish", str(py_dist), "--channel", "pypi", "--repository-url", f"{index}/")
    assert again.returncode == 0, again.stderr
    rows = [line for line in again.stdout.splitlines() if "pypi" in line]
    assert len(rows) == 2, again.stdout
    assert all("skipped" in row for row in rows), again.stdout
    assert f"{index}/packages/{WHEEL}#sha256=" in again.stdout


def test_a_run_stopped_after_the_wheel_completes_without_a_duplicate_and_a_changed_file_is_refused(
    tmp_path: Path, py_dist: Path, index: str
) -> None:
    credentials = PypiCredentials("__token__", TOKEN, "a test")
    (wheel,) = upload_distributions([py_dist / WHEEL], repository_url=f"{index}/", credentials=credentials)
    assert wheel.status == "published"

    rerun = upload_distributions(
        [py_dist / WHEEL, py_dist / SDIST], repository_url=f"{index}/", credentials=credentials
    )
    assert [(o.path.name, o.status) for o in rerun] == [(WHEEL, "skipped"), (SDIST, "published")]
    original = {WHEEL: sha256_of(py_dist / WHEEL), SDIST: sha256_of(py_dist / SDIST)}
    assert held_files(tmp_path / "index") == original

    changed = tmp_path / "changed" / WHEEL
    changed.parent.mkdir()
    shutil.copy2(py_dist / WHEEL, changed)
    with zipfile.ZipFile(changed, "a") as archive:
        archive.comment = b"rebuilt"  # same name, same metadata, other bytes
    with pytest.raises(PublishError) as refused:
        upload_distributions([changed], repository_url=f"{index}/", credentials=credentials)
    assert original[WHEEL] in refused.value.message
    assert sha256_of(changed) in refused.value.message
    assert "bump" in (refused.value.hint or "")
    assert held_files(tmp_path / "index") == original


def combined(dist: Path, *builds: Path) -> Path:
    """One folder holding several builds' artifacts, with one report (a release folder)."""
    dist.mkdir()
    artifacts = []
    for build in builds:
        for artifact in read_report(build):
            shutil.copy2(artifact.path, dist / artifact.path.name)
            artifacts.append(replace(artifact, path=dist / artifact.path.name))
    write_report(dist, artifacts, name="io.github.mcpship/notes", source_date_epoch=0)
    return dist


def npm_view_integrity(registry: str, spec: str) -> str:
    npm = shutil.which("npm")
    assert npm is not None
    argv = [npm, "view", spec, "dist.integrity", "--registry", f"{registry}/"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_pypi_and_npm_in_one_run_stop_at_the_first_failure_and_the_rerun_completes_then_skips(
    tmp_path: Path, py_dist: Path, node_dist: Path, index: str, npm_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = combined(tmp_path / "release", py_dist, node_dist)
    tarball = dist / f"{NODE}-0.1.0.tgz"
    with running_verdaccio(tmp_path / "verdaccio") as verdaccio:
        channels = ["publish", str(dist), "--channel", "npm,pypi", "--repository-url", f"{index}/"]
        channels += ["--npm-registry", verdaccio.url, "--json"]
        monkeypatch.setenv("NPM_TOKEN", verdaccio.token)

        preview = run_mcpship(*channels, "--dry-run")
        assert preview.returncode == 0, preview.stderr
        planned = json_result(preview.stdout)
        valid_envelope(preview.stdout)
        assert planned["dryRun"] is True
        assert [(c["channel"], c["status"]) for c in planned["channels"]] == [
            ("pypi", "would-publish"),
            ("npm", "would-publish"),
        ]

        monkeypatch.setenv("MCPSHIP_PYPI_TOKEN", "pypi-not-the-token")
        stopped = run_mcpship(*channels)
        assert stopped.returncode == 11
        statuses = [(c["channel"], c["status"]) for c in json_result_of_failure(stopped.stdout)["channels"]]
        assert statuses == [("pypi", "failed"), ("npm", "not-run")]

        monkeypatch.setenv("MCPSHIP_PYPI_TOKEN", TOKEN)
        completed = run_mcpship(*channels)
        assert completed.returncode == 0, completed.stderr
        outcome = valid_envelope(completed.stdout)["result"]["channels"]
        assert [(c["channel"], c["status"]) for c in outcome] == [("pypi", "published"), ("npm", "published")]
        assert outcome[1]["items"][0]["url"] == f"{verdaccio.url}/{NODE}/0.1.0"
        assert verdaccio.token not in completed.stdout + completed.stderr

        assert npm_view_integrity(verdaccio.url, f"{NODE}@0.1.0") == tarball_integrity(tarball)
        fetched = tmp_path / "fetched"
        fetched.mkdir()
        npm = shutil.which("npm")
        assert npm is not None
        pack = [npm, "pack", f"{NODE}@0.1.0", "--registry", f"{verdaccio.url}/", "--pack-destination", str(fetched)]
        done = subprocess.run(pack, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        assert sha256_of(fetched / tarball.name) == sha256_of(tarball)

        rerun = run_mcpship(*channels)
        assert rerun.returncode == 0, rerun.stderr
        assert [c["status"] for c in json_result(rerun.stdout)["channels"]] == ["skipped", "skipped"]

        other = tmp_path / "other" / tarball.name
        other.parent.mkdir()
        data = bytearray(tarball.read_bytes())
        data[4:8] = b"\x01\x00\x00\x00"  # the gzip header's mtime: the same package, other bytes
        other.write_bytes(bytes(data))
        assert gzip.decompress(bytes(data)) == gzip.decompress(tarball.read_bytes())
        with pytest.raises(PublishError) as refused:
            publish_npm_tarball(other, registry=verdaccio.url)
        assert tarball_integrity(tarball) in refused.value.message
        assert tarball_integrity(other) in refused.value.message
        assert npm_view_integrity(verdaccio.url, f"{NODE}@0.1.0") == tarball_integrity(tarball)


def valid_envelope(stdout: str) -> Any:
    """The ``--json`` envelope, checked against docs/cli-json.schema.json (its result against publish's)."""
    envelope = json.loads(stdout)
    jsonschema.validate(envelope, SCHEMA, cls=jsonschema.Draft202012Validator)
    publish = {"$defs": SCHEMA["$defs"], "$ref": "#/$defs/results/properties/publish"}
    jsonschema.validate(envelope["result"], publish, cls=jsonschema.Draft202012Validator)
    return envelope


def json_result_of_failure(stdout: str) -> Any:
    """The ``result`` of a failed command's ``--json`` envelope, which stopped with a publish error."""
    envelope = valid_envelope(stdout)
    assert envelope["ok"] is False
    assert envelope["problems"][0]["exitCode"] == 11
    return envelope["result"]


def oci_dist(folder: Path, layer_sizes: tuple[int, ...]) -> tuple[Path, str]:
    """A build folder recording one image at version 0.1.0; with its manifest digest."""
    image = make_image(folder / "layout", layer_sizes)
    dist = folder / "dist"
    dist.mkdir()
    archive = dist / "notes-0.1.0.oci.tar"
    pack_layout_tar(image.layout, archive, epoch=0)
    artifact = Artifact(
        target="oci",
        kind="oci",
        path=archive,
        sha256=sha256_of(archive),
        size=archive.stat().st_size,
        version="0.1.0",
        lock_digest=None,
    )
    write_report(dist, [artifact], name="io.github.mcpship/notes", source_date_epoch=0)
    return dist, image.manifest_digest


def test_an_image_under_its_version_is_skipped_when_there_and_never_replaced_by_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "no-docker-config"))
    first, digest = oci_dist(tmp_path / "first", (10, 25))
    other, other_digest = oci_dist(tmp_path / "other", (11, 25))
    with running_oci_registry(tmp_path / "registry") as host:
        options = PublishOptions(oci=OciDestination(f"{host}/notes"))
        pushed = publish_channels(first, ["oci"], options)
        assert [(r.status, r.items[0].url) for r in pushed.results] == [("published", f"{host}/notes:0.1.0@{digest}")]
        assert publish_channels(first, ["oci"], options).results[0].status == "skipped"

        refused = publish_channels(other, ["oci"], options).failure
        assert refused is not None
        assert refused.error is not None
        assert digest in refused.error.message
        assert other_digest in refused.error.message
        held = httpx.head(
            f"http://{host}/v2/notes/manifests/0.1.0",
            headers={"Accept": "application/vnd.oci.image.manifest.v1+json"},
            timeout=10,
        )
        assert held.headers["Docker-Content-Digest"] == digest

        moving = PublishOptions(oci=OciDestination(f"{host}/notes:latest"))  # a tag given in --to may move
        assert publish_channels(first, ["oci"], moving).results[0].status == "published"
        assert publish_channels(other, ["oci"], moving).results[0].status == "published"
