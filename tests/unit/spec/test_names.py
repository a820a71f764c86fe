"""The server's name and repository from the git remote; the placeholder refused with the name to use."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mcpship._exceptions import SpecError
from mcpship.spec.model import PLACEHOLDER_NAMESPACE, is_placeholder_name
from mcpship.spec.names import parse_remote_url, read_git_remote, refuse_placeholder_name, suggest_name


def git(root: Path, *arguments: str) -> None:
    subprocess.run(["git", "-C", str(root), *arguments], check=True, capture_output=True, timeout=30)


def checkout(root: Path, *remotes: tuple[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    for name, url in remotes:
        git(root, "remote", "add", name, url)
    return root


@pytest.mark.parametrize(
    ("url", "host", "path", "forge"),
    [
        ("https://github.com/acme/notes-mcp.git", "github.com", ("acme", "notes-mcp"), "github"),
        ("https://github.com/acme/notes-mcp", "github.com", ("acme", "notes-mcp"), "github"),
        ("git@github.com:acme/notes-mcp.git", "github.com", ("acme", "notes-mcp"), "github"),
        ("ssh://git@github.com:22/acme/notes-mcp.git", "github.com", ("acme", "notes-mcp"), "github"),
        ("git+https://github.com/acme/notes-mcp.git", "github.com", ("acme", "notes-mcp"), "github"),
        ("https://user:s3cret@GitHub.com/acme/notes-mcp.git", "github.com", ("acme", "notes-mcp"), "github"),
        ("https://gitlab.com/acme/notes.git", "gitlab.com", ("acme", "notes"), "gitlab"),
        ("git@git.acme.dev:tools/notes.git", "git.acme.dev", ("tools", "notes"), None),
    ],
)
def test_remote_urls_of_every_form_give_host_and_path(url: str, host: str, path: tuple[str, ...], forge: str) -> None:
    remote = parse_remote_url(url)
    assert remote is not None
    assert (remote.host, remote.path, remote.forge) == (host, path, forge)
    assert "s3cret" not in remote.https_url


@pytest.mark.parametrize(
    "url", ["", "/srv/git/notes.git", "file:///srv/git/notes.git", "https://github.com/", "x" * 3000]
)
def test_local_paths_and_urls_without_a_repository_give_none(url: str) -> None:
    assert parse_remote_url(url) is None


def test_origin_is_read_and_the_project_folder_below_the_root_is_the_subfolder(tmp_path: Path) -> None:
    root = checkout(
        tmp_path / "repo", ("upstream", "https://github.com/other/x.git"), ("origin", "git@github.com:acme/tools.git")
    )
    (root / "servers" / "notes").mkdir(parents=True)
    remote, subfolder = read_git_remote(root / "servers" / "notes")
    assert remote is not None
    assert remote.path == ("acme", "tools")
    assert subfolder == "servers/notes"
    suggestion = suggest_name(root / "servers" / "notes")
    assert (suggestion.name, suggestion.repository, suggestion.subfolder, suggestion.note) == (
        "io.github.acme/notes",
        "https://github.com/acme/tools",
        "servers/notes",
        None,
    )


def test_the_only_remote_is_used_when_there_is_no_origin_and_two_are_ambiguous(tmp_path: Path) -> None:
    single = checkout(tmp_path / "single", ("fork", "https://github.com/acme/notes-mcp.git"))
    assert suggest_name(single).name == "io.github.acme/notes-mcp"
    two = checkout(tmp_path / "two", ("a", "https://github.com/acme/x.git"), ("b", "https://github.com/other/x.git"))
    assert suggest_name(two).name == f"{PLACEHOLDER_NAMESPACE}/two"


def test_gitlab_and_other_hosts_keep_the_placeholder_and_say_why(tmp_path: Path) -> None:
    gitlab = suggest_name(checkout(tmp_path / "gl", ("origin", "https://gitlab.com/acme/notes.git")))
    assert is_placeholder_name(gitlab.name)
    assert gitlab.repository == "https://gitlab.com/acme/notes"
    assert gitlab.note is not None
    assert "GitLab" in gitlab.note
    assert "only GitHub namespaces" in gitlab.note
    other = suggest_name(checkout(tmp_path / "oh", ("origin", "https://git.acme.dev/tools/notes.git")))
    assert is_placeholder_name(other.name)
    assert other.repository is None
    assert other.note is not None
    assert "dev.acme.git/notes" in other.note
    assert "DNS or HTTP proof" in other.note


def test_without_a_checkout_a_declared_github_repository_names_the_server(tmp_path: Path) -> None:
    assert suggest_name(tmp_path, declared_repository="https://github.com/acme/demo.git").name == "io.github.acme/demo"
    deep = suggest_name(tmp_path, declared_repository="https://github.com/acme/servers/tree/main/src/time")
    assert (deep.repository, deep.subfolder) == ("https://github.com/acme/servers", "src/time")
    bare = suggest_name(tmp_path)
    assert bare.name == f"{PLACEHOLDER_NAMESPACE}/{tmp_path.name}"
    assert bare.note is not None


def test_the_placeholder_is_refused_naming_the_file_the_field_and_the_name_from_the_remote(tmp_path: Path) -> None:
    root = checkout(tmp_path / "notes", ("origin", "https://github.com/acme/notes-mcp.git"))
    with pytest.raises(SpecError) as raised:
        refuse_placeholder_name(f"{PLACEHOLDER_NAMESPACE}/notes", root=root, source=root / "mcpship.toml")
    assert raised.value.message.startswith(f"{root / 'mcpship.toml'}: name: ")
    assert (
        raised.value.hint == f'set name = "io.github.acme/notes-mcp" in {root / "mcpship.toml"} (from the git remote)'
    )
    refuse_placeholder_name("io.github.acme/notes-mcp", root=root, source=None)  # a real name passes


def test_without_a_remote_the_refusal_says_which_namespace_to_choose(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as raised:
        refuse_placeholder_name(f"{PLACEHOLDER_NAMESPACE}/x", root=tmp_path, source=tmp_path / "pyproject.toml")
    assert raised.value.hint is not None
    assert raised.value.hint.startswith(
        f'set name = "io.github.<your GitHub user or org>/{tmp_path.name}" in [tool.mcpship]'
    )
