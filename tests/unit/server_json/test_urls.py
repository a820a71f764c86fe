"""The registry's URL rules: repository URLs, subfolders, templated transport URLs and public remote URLs."""

from __future__ import annotations

import pytest

from mcpship.server_json._urls import (
    is_valid_remote_url,
    is_valid_repository_url,
    is_valid_subfolder,
    is_valid_templated_url,
    parse_url,
    template_variables,
)


@pytest.mark.parametrize(
    ("source", "url"),
    [
        ("github", "https://github.com/acme/weather-mcp"),
        ("github", "http://www.github.com/acme/weather.mcp/"),
        ("gitlab", "https://gitlab.com/acme-group/weather_mcp"),
    ],
)
def test_a_forge_repository_url_matches_its_source(source: str, url: str) -> None:
    assert is_valid_repository_url(source, url)


@pytest.mark.parametrize(
    ("source", "url"),
    [
        ("github", "https://gitlab.com/acme/weather"),
        ("gitlab", "https://github.com/acme/weather"),
        ("github", "https://github.com/acme"),
        ("github", "https://github.com/acme/weather/tree/main"),
        ("bitbucket", "https://bitbucket.org/acme/weather"),
        ("", "https://github.com/acme/weather"),
    ],
)
def test_a_repository_url_of_another_forge_or_deeper_path_is_refused(source: str, url: str) -> None:
    assert not is_valid_repository_url(source, url)


@pytest.mark.parametrize("path", ["servers", "servers/weather", "a.b/c-d/e_f", "..x/y..", ".config/x"])
def test_a_clean_relative_subfolder_is_accepted(path: str) -> None:
    assert is_valid_subfolder(path)


@pytest.mark.parametrize(
    "path", ["/servers", "servers/", "a//b", "./a", "a/.", "a/../b", "..", ".", "a b", "a\\b", "ä", ""]
)
def test_a_subfolder_that_is_absolute_has_empty_dot_segments_or_other_characters_is_refused(path: str) -> None:
    assert not is_valid_subfolder(path)


def test_template_variables_are_the_names_in_braces_in_order() -> None:
    assert template_variables("https://{tenant}.acme.dev:{port}/{path}/x") == ["tenant", "port", "path"]
    assert template_variables("https://acme.dev/{}") == []


def test_an_unparseable_url_parses_to_none() -> None:
    assert parse_url("https://[::1/mcp") is None
    parsed = parse_url("https://acme.dev:8443/mcp?q=1")
    assert parsed is not None
    assert (parsed.scheme, parsed.netloc, parsed.path) == ("https", "acme.dev:8443", "/mcp")


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:{port}/mcp",
        "https://{host}:{port}/{path}",
        "{scheme}://acme.dev/mcp",
        "{protocol}://{host}/mcp",
        "http://127.0.0.1:8080",
    ],
)
def test_a_templated_http_url_with_every_variable_available_is_valid(url: str) -> None:
    assert is_valid_templated_url(url, ["host", "port", "path", "scheme", "protocol"])


@pytest.mark.parametrize(
    ("url", "available"),
    [
        ("http://localhost:{port}/mcp", []),
        ("http://{host}:{port}/mcp", ["host"]),
        ("ftp://acme.dev/mcp", []),
        ("{transport}://acme.dev/mcp", ["transport"]),
        ("/mcp", []),
        ("http:///mcp", []),
        ("http://[::1/mcp", []),
    ],
)
def test_a_templated_url_that_is_not_http_or_uses_an_unavailable_variable_is_invalid(
    url: str, available: list[str]
) -> None:
    assert not is_valid_templated_url(url, available)


@pytest.mark.parametrize(
    "url",
    [
        "https://mcp.acme.dev/mcp",
        "https://{tenant}.acme.dev/mcp",
        "{scheme}s://acme.dev/mcp",
        "https://localhost.acme.dev/mcp",
        "https://notlocalhost/mcp",
        "https://127.0.0.2/mcp",
    ],
)
def test_a_public_https_remote_url_is_valid(url: str) -> None:
    assert is_valid_remote_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://mcp.acme.dev/mcp",
        "{scheme}://acme.dev/mcp",
        "https://localhost/mcp",
        "https://LOCALHOST:8443/mcp",
        "https://127.0.0.1/mcp",
        "https://mcp.localhost/mcp",
        "https://a.b.localhost:8443/mcp",
        "https://{tenant}.localhost/mcp",
        "https://:443/mcp",
        "https:///mcp",
        "https://[::1/mcp",
        "/mcp",
    ],
)
def test_a_remote_url_that_is_not_https_or_has_no_public_host_is_invalid(url: str) -> None:
    assert not is_valid_remote_url(url)
