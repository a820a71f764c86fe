"""The one list of secret files, ``[files] include``, the warning, the .dockerignore form, and rewriting a
``.tar.gz`` without some members (reproducibly)."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from mcpship.spec import load_spec
from mcpship.targets._archive import tar_gz_names, without_tar_members
from mcpship.targets._secret_files import SecretFiles, dockerignore_lines, warn_left_out
from mcpship.targets.mcpb.target import _without_secrets
from tests.conftest import RecordingReporter

LEFT_OUT = [
    ".env",
    "config/.env.local",
    ".env.production",
    ".envrc",
    ".aws/credentials",
    "deploy/.aws/config",
    ".ssh/id_ed25519",
    "id_rsa",
    "keys/id_ecdsa",
    "server.pem",
    "certs/tls.key",
    "store.p12",
    "store.pfx",
    "app.jks",
    "putty.ppk",
    ".npmrc",
    "web/.yarnrc.yml",
    ".pypirc",
    ".netrc",
    ".git-credentials",
    ".docker/config.json",
    "ci/.docker/config.json",
    ".kube/config",
    "client_secret_123.apps.googleusercontent.com.json",
    "terraform.tfstate",
    "terraform.tfstate.backup",
]
KEPT = [
    ".env.example",
    "config/.env.sample",
    ".env.template",
    "id_rsa.pub",
    "src/id_utils.py",
    "keyboard.py",
    "docs/pem.md",
    ".docker/daemon.json",
    "README.md",
    "src/app/keys.py",
    "environment.yml",
]


@pytest.mark.parametrize("path", LEFT_OUT)
def test_well_known_secret_files_are_left_out_at_any_depth(path: str) -> None:
    assert SecretFiles().left_out(path)
    assert SecretFiles().left_out(f"nested/deeper/{path}")


@pytest.mark.parametrize("path", KEPT)
def test_templates_public_keys_and_look_alikes_are_kept(path: str) -> None:
    assert not SecretFiles().left_out(path)


def test_include_packs_what_it_names_and_nothing_else() -> None:
    secrets = SecretFiles(["certs/ca.pem", "*.key"])
    assert not secrets.left_out("certs/ca.pem")
    assert not secrets.left_out("deep/tls.key")
    assert secrets.left_out("other/ca.pem")  # "certs/ca.pem" holds a slash: anchored at the project root
    assert secrets.left_out(".env")
    assert secrets.looks_secret("certs/ca.pem")


def test_split_keeps_the_rest_and_sorts_what_it_leaves_out() -> None:
    files = {"src/a.py": 1, "z.pem": 2, ".env": 3, "README.md": 4}
    kept, left_out = SecretFiles().split(files)
    assert kept == {"src/a.py": 1, "README.md": 4}
    assert left_out == [".env", "z.pem"]


def test_the_bundles_node_modules_are_never_filtered() -> None:
    files = {"lib/server.pem": Path("a"), "node_modules/certifi/cacert.pem": Path("b"), "lib/x.js": Path("c")}
    kept, left_out = _without_secrets(files, SecretFiles())
    assert sorted(kept) == ["lib/x.js", "node_modules/certifi/cacert.pem"]
    assert left_out == ["lib/server.pem"]


def test_in_tree_lists_secret_files_but_skips_vcs_dependencies_and_symlinks(tmp_path: Path) -> None:
    for name in (".env", "src/.aws/credentials", ".git/x.pem", "node_modules/p/k.pem", ".venv/lib/c.pem", "a.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    (outside / ".ssh").mkdir(parents=True)
    (outside / ".ssh" / "id_rsa").write_text("x", encoding="utf-8")
    (tmp_path / "linked").symlink_to(outside, target_is_directory=True)
    assert SecretFiles().in_tree(tmp_path) == [".env", "src/.aws/credentials"]


def test_dockerignore_lines_match_at_any_depth_and_end_with_the_includes() -> None:
    lines = dockerignore_lines(SecretFiles(["certs/ca.pem", "*.key", "/root.pem", "conf/"]))
    assert {"**/.env", "**/.env.*", "!**/.env.example", "**/.aws", "**/*.pem", "**/.docker/config.json"} <= set(lines)
    assert lines[-4:] == ["!certs/ca.pem", "!**/*.key", "!root.pem", "!**/conf"]  # conf/ matches at any depth
    assert lines.index("**/.env.*") < lines.index("!**/.env.example")  # the exception comes after its rule


def test_the_warning_lists_ten_names_counts_the_rest_and_shows_how_to_include(tmp_path: Path) -> None:
    (tmp_path / "mcpship.toml").write_text(
        'name = "io.github.a/bb"\ndescription = "d"\nversion = "1.0.0"\n[run]\nruntime = "python"\ncommand = "x"\n',
        encoding="utf-8",
    )
    resolved = load_spec(tmp_path)
    reporter = RecordingReporter()
    names = [f"k{index:02}.pem" for index in range(12)]
    warn_left_out(reporter, resolved, where="the bundle", left_out=names)
    warn_left_out(reporter, resolved, where="the bundle", left_out=[])
    (warning,) = reporter.warnings
    assert warning.startswith("left out of the bundle, as they look like secrets: k00.pem, k01.pem,")
    assert "k09.pem and 2 more." in warning
    assert f'name it in [files] of {tmp_path / "mcpship.toml"}, e.g. include = ["k00.pem"]' in warning


def test_the_warning_escapes_names_with_control_characters(tmp_path: Path) -> None:
    (tmp_path / "mcpship.toml").write_text(
        'name = "io.github.a/bb"\ndescription = "d"\nversion = "1.0.0"\n[run]\nruntime = "python"\ncommand = "x"\n',
        encoding="utf-8",
    )
    reporter = RecordingReporter()
    warn_left_out(reporter, load_spec(tmp_path), where="x", left_out=["\x1b]0;t\x07.pem"])
    assert "\x1b" not in reporter.warnings[0]
    assert "\x07" not in reporter.warnings[0]


def _tar_gz(path: Path, names: list[str], *, mtime: int = 1_700_000_000) -> Path:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in names:
            data = f"content of {name}".encode()
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), mtime, 0o644
            archive.addfile(info, io.BytesIO(data))
    path.write_bytes(gzip.compress(raw.getvalue(), mtime=mtime))
    return path


def test_rewriting_a_tar_gz_drops_only_the_chosen_members_and_is_reproducible(tmp_path: Path) -> None:
    names = ["pkg-1.0/src/a.py", "pkg-1.0/.env", "pkg-1.0/PKG-INFO", "pkg-1.0/id_rsa"]
    first, second = _tar_gz(tmp_path / "a.tar.gz", names), _tar_gz(tmp_path / "b.tar.gz", names)
    for path in (first, second):
        dropped = without_tar_members(path, lambda name: SecretFiles().left_out(name.split("/", 1)[1]))
        assert dropped == ["pkg-1.0/.env", "pkg-1.0/id_rsa"]
    assert first.read_bytes() == second.read_bytes()
    assert tar_gz_names(first) == ["pkg-1.0/src/a.py", "pkg-1.0/PKG-INFO"]
    with tarfile.open(first) as archive:
        member = archive.getmember("pkg-1.0/PKG-INFO")
        assert (member.mtime, member.mode) == (1_700_000_000, 0o644)
        reader = archive.extractfile(member)
        assert reader is not None
        assert reader.read() == b"content of pkg-1.0/PKG-INFO"
    assert int.from_bytes(first.read_bytes()[4:8], "little") == 1_700_000_000  # gzip header time kept
