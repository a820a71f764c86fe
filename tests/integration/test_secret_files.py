"""Secret files in a project (``.aws/credentials``, ``id_rsa``, ``.env``, ``*.pem``) stay out of every package a
build makes, each target says which ones it left out, and one named in ``[files] include`` is packed.

Each test plants the files, builds through the installed ``mcpship`` script (or the library where the artifact
needs a base image), and reads the real artifact: the sdist and wheel, the npm tarball, the MCPB bundle, the OCI
app layer, and the build context buildah really sends for the generated ``Dockerfile.dockerignore``."""

from __future__ import annotations

import json
import re
import tarfile
import zipfile
from pathlib import Path

from mcpship.targets._secret_files import SecretFiles
from mcpship.targets.oci.app import node_app
from mcpship.targets.oci.layout import BaseImage, read_base_layout
from mcpship.targets.pypi.clean import keep_secrets_out
from tests.conftest import run_mcpship
from tests.integration.oci_support import Buildah
from tests.unit.targets.mcpb_support import copy_example, make_context

SECRETS = (".aws/credentials", ".ssh/id_ed25519", "id_rsa", ".env", ".env.production", "server.pem", ".npmrc")
KEPT = ("id_rsa.pub", ".env.example")


def plant(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"secret in {name}\n", encoding="utf-8")


def include(root: Path, *patterns: str) -> None:
    spec = root / "mcpship.toml"
    text = spec.read_text(encoding="utf-8").replace(
        "\n[run]", f"\n[files]\ninclude = {json.dumps(list(patterns))}\n\n[run]"
    )
    spec.write_text(text, encoding="utf-8")


def warned(stderr: str, where: str) -> list[str]:
    """The files the ``warning: left out of <where>`` line lists."""
    match = re.search(
        rf"warning: (?:left|kept) out of {re.escape(where)}, as they look like secrets: (.*?)\. To pack", stderr
    )
    assert match, stderr
    return match.group(1).split(", ")


def tiny_node_project(root: Path) -> Path:
    """A Node server without dependencies: npm pack, the bundle and the image need no network."""
    package = {
        "name": "tiny-node-mcp",
        "version": "1.0.0",
        "description": "A tiny server.",
        "license": "MIT",
        "author": "Acme",
        "mcpName": "io.github.acme/tiny",
        "bin": {"tiny-mcp": "bin/tiny.js"},
        "files": ["bin", "lib"],
        "engines": {"node": ">=18"},
    }
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "tiny.js").write_text("#!/usr/bin/env node\nrequire('../lib/server.js')\n", encoding="utf-8")
    (root / "lib").mkdir()
    (root / "lib" / "server.js").write_text("process.stdin.resume()\n", encoding="utf-8")
    (root / "package.json").write_text(json.dumps(package, indent=2), encoding="utf-8")
    lock = {"name": "tiny-node-mcp", "version": "1.0.0", "lockfileVersion": 3, "packages": {"": {"name": "tiny"}}}
    (root / "package-lock.json").write_text(json.dumps(lock), encoding="utf-8")
    (root / "node_modules").mkdir()
    (root / "node_modules" / ".package-lock.json").write_text(json.dumps({**lock, "packages": {}}), encoding="utf-8")
    (root / "mcpship.toml").write_text(
        'title = "Tiny"\n\n[run]\nruntime = "node"\ncommand = "tiny-mcp"\n\n[targets]\nnpm = {}\n'
        'mcpb = { author = { name = "Acme" } }\noci = { dockerfile_only = true }\n',
        encoding="utf-8",
    )
    return root


def test_the_sdist_and_wheel_leave_secrets_out_say_so_and_pack_an_included_one(tmp_path: Path) -> None:
    root = copy_example("notes-py", tmp_path)
    plant(root, *SECRETS, *KEPT, "src/notes_mcp/server.key", "certs/ca.pem")
    include(root, "certs/ca.pem")
    result = run_mcpship("build", str(root), "--target", "pypi")
    assert result.returncode == 0, result.stderr
    sdist = next((root / "dist").glob("*.tar.gz"))
    with tarfile.open(sdist) as archive:
        packed = {name.split("/", 1)[1] for name in archive.getnames()}
    with zipfile.ZipFile(next((root / "dist").glob("*.whl"))) as wheel:
        in_wheel = set(wheel.namelist())
    assert not packed & {*SECRETS, "src/notes_mcp/server.key"}
    assert {*KEPT, "certs/ca.pem", "src/notes_mcp/server.py"} <= packed
    assert "notes_mcp/server.key" not in in_wheel
    assert "notes_mcp/server.py" in in_wheel
    assert sorted(warned(result.stderr, "the sdist and wheel")) == sorted([*SECRETS, "src/notes_mcp/server.key"])
    assert "[files] of" in result.stderr
    assert "include = [" in result.stderr


def test_the_wheel_a_bundle_installs_is_rebuilt_without_a_secret_inside_the_package(tmp_path: Path) -> None:
    root = copy_example("notes-py", tmp_path)
    plant(root, "src/notes_mcp/deploy.pem", ".env")
    work = tmp_path / "work"
    import subprocess

    from mcpship.probe.pyenv import uv_executable

    built = subprocess.run(
        [uv_executable(), "build", "--wheel", "--quiet", "--out-dir", str(work / "wheel"), str(root)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    wheel = next((work / "wheel").glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        assert "notes_mcp/deploy.pem" in archive.namelist()  # the backend packs it: the attack
    clean = keep_secrets_out(root, wheel=wheel, sdist=None, secrets=SecretFiles(), work=work / "secrets")
    with zipfile.ZipFile(clean.wheel) as archive:
        names = archive.namelist()
    assert "notes_mcp/deploy.pem" not in names
    assert "notes_mcp/server.py" in names
    assert clean.left_out == ("src/notes_mcp/deploy.pem",)  # .env was never in the wheel: not reported


def test_an_mcpb_bundle_of_the_project_tree_leaves_secrets_out(tmp_path: Path) -> None:
    root = copy_example(
        "notes-py", tmp_path, '{ manifest_version = "0.4", server_type = "uv", author = { name = "A" } }'
    )
    plant(root, *SECRETS, *KEPT, "certs/ca.pem")
    include(root, "certs/*.pem")
    result = run_mcpship("build", str(root), "--target", "mcpb")
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(next((root / "dist").glob("*.mcpb"))) as bundle:
        names = set(bundle.namelist())
    assert not names & set(SECRETS)
    assert {*KEPT, "certs/ca.pem", "src/notes_mcp/server.py"} <= names
    assert sorted(warned(result.stderr, "the bundle")) == sorted(SECRETS)


def test_the_npm_tarball_and_a_node_bundle_leave_secrets_out(tmp_path: Path) -> None:
    root = tiny_node_project(tmp_path / "tiny")
    planted = ("bin/.env", "lib/server.pem", "lib/.aws/credentials", "lib/id_rsa")
    plant(root, *planted, "lib/ca.pem", "lib/id_rsa.pub")
    include(root, "lib/ca.pem")
    result = run_mcpship("build", str(root), "--target", "npm,mcpb")
    assert result.returncode == 0, result.stderr
    with tarfile.open(next((root / "dist").glob("*.tgz"))) as archive:
        in_tarball = {name.removeprefix("package/") for name in archive.getnames()}
    with zipfile.ZipFile(next((root / "dist").glob("*.mcpb"))) as bundle:
        in_bundle = set(bundle.namelist())
    for names in (in_tarball, in_bundle):
        assert not names & set(planted)
        assert {"lib/ca.pem", "lib/id_rsa.pub", "lib/server.js", "bin/tiny.js"} <= names
    assert sorted(warned(result.stderr, "the npm tarball")) == sorted(planted)
    assert sorted(warned(result.stderr, "the bundle")) == sorted(planted)


def test_the_image_app_layer_leaves_secrets_out(tmp_path: Path) -> None:
    root = tiny_node_project(tmp_path / "tiny")
    plant(root, "lib/.env", "lib/tls.key")
    context = make_context(root, tmp_path / "out")
    base = BaseImage(
        layout=tmp_path, manifest_digest="", config={"architecture": "amd64", "os": "linux"}, layers=(), reference="b"
    )
    files = node_app(context, base).files
    assert "/app/lib/server.js" in files
    assert not {"/app/lib/.env", "/app/lib/tls.key"} & set(files)


def test_the_dockerignore_keeps_secrets_out_of_the_context_buildah_sends(tmp_path: Path) -> None:
    root = tiny_node_project(tmp_path / "tiny")
    planted = (*SECRETS, "lib/deep/.env", "lib/.docker/config.json", "lib/keys/store.p12")  # 10: all listed
    plant(root, *planted, *KEPT, "lib/ca.pem")
    include(root, "lib/ca.pem")
    result = run_mcpship("build", str(root), "--target", "oci")
    assert result.returncode == 0, result.stderr
    assert sorted(warned(result.stderr, "the Dockerfile's build context (Dockerfile.dockerignore)")) == sorted(planted)
    ignore = root / "dist" / "Dockerfile.dockerignore"
    # What the context holds, as the builder sees it: copy all of it into an empty image and read its one layer.
    probe = tmp_path / "Probe"
    probe.write_text("FROM scratch\nCOPY . /ctx\n", encoding="utf-8")
    buildah = Buildah.at(tmp_path / "buildah")
    buildah(
        "bud",
        "--isolation",
        "chroot",
        "--pull=never",
        "--ignorefile",
        str(ignore),
        "-f",
        str(probe),
        "-t",
        "ctx:1",
        str(root),
    )
    buildah("push", "--disable-compression", "ctx:1", f"oci:{tmp_path / 'layout'}:t")
    image = read_base_layout(tmp_path / "layout", "t")
    (layer,) = image.layers
    with tarfile.open(image.blob(layer["digest"])) as archive:
        context = {m.name.removeprefix("./").removeprefix("ctx/") for m in archive.getmembers() if m.isfile()}
    assert not context & set(planted)
    assert {*KEPT, "lib/ca.pem", "lib/server.js", "package.json"} <= context


def test_a_secret_with_a_default_stops_the_cli_with_exit_3_naming_the_field(tmp_path: Path) -> None:
    root = copy_example("notes-py", tmp_path)
    spec = root / "mcpship.toml"
    spec.write_text(
        spec.read_text(encoding="utf-8").replace("secret = true", 'secret = true\ndefault = "tok-live-123"'),
        encoding="utf-8",
    )
    for command in (("spec", str(root)), ("build", str(root), "--target", "registry"), ("validate", str(spec))):
        result = run_mcpship(*command)
        assert result.returncode == (9 if command[0] == "validate" else 3), result.stderr
        assert (
            'key "default" in [env[0]]: NOTES_TOKEN is a secret (secret = true), so it has no default' in result.stderr
        )
        assert "remove `default`; users pass the value at install" in result.stderr
        assert "tok-live-123" not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr
    assert not (root / "dist" / "server.json").exists()
