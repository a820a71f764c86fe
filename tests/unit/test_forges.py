"""The forges the MCP Registry knows, in one map: hosts, and repository URLs in their one form."""

from __future__ import annotations

import pytest

from mcpship._forges import FORGE_HOSTS, forge_hosts, forge_of, repository_url
from mcpship.server_json.policy import OFFICIAL_MCPB_HOSTS


@pytest.mark.parametrize(
    ("url", "forge"),
    [
        ("https://github.com/acme/notes", "github"),
        ("https://www.github.com/acme/notes", "github"),
        ("https://gitlab.com/acme/notes", "gitlab"),
        ("https://www.gitlab.com/acme/notes", "gitlab"),
        ("https://GitHub.com/acme/notes", "github"),  # hosts compare case-insensitively
        ("https://codeberg.org/acme/notes", None),
        ("https://github.com.evil.example/acme/notes", None),
        ("https://[::1/notes", None),  # not a URL
        ("", None),
    ],
)
def test_a_url_belongs_to_the_forge_of_its_host(url: str, forge: str | None) -> None:
    assert forge_of(url) == forge


def test_each_forge_has_its_hosts_and_the_official_bundle_hosts_are_exactly_them() -> None:
    assert forge_hosts("github") == {"github.com", "www.github.com"}
    assert forge_hosts("gitlab") == {"gitlab.com", "www.gitlab.com"}
    assert set(OFFICIAL_MCPB_HOSTS) == set(FORGE_HOSTS)


@pytest.mark.parametrize(
    ("declared", "normal"),
    [
        ("git+https://github.com/acme/notes.git", "https://github.com/acme/notes"),
        ("git@github.com:acme/notes.git", "https://github.com/acme/notes"),
        ("ssh://git@gitlab.com/acme/notes.git", "https://gitlab.com/acme/notes"),
        ("  https://github.com/acme/notes/  ", "https://github.com/acme/notes"),
        ("https://github.com/acme/notes", "https://github.com/acme/notes"),
        ("https://github.com/ACME/NOTES-XX/", "https://github.com/ACME/NOTES-XX"),  # only the slash is trimmed
    ],
)
def test_repository_urls_take_one_form(declared: str, normal: str) -> None:
    assert repository_url(declared) == normal
