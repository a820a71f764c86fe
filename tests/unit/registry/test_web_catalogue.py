"""The catalogue's pages through a real Starlette app on the real store: search, browse, server pages, caching."""

from __future__ import annotations

import copy
import json
import re
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

import mcpship.registry.web
from mcpship.registry.config import RegistrySettings
from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.records import OfficialMeta, RegistryService
from mcpship.registry.service import SqlRegistry
from mcpship.registry.web import web_routes
from mcpship.registry.web.routes import PAGE_SIZE, _environment
from mcpship.registry.web.views import MAX_DESCRIPTION, MAX_INSTALL_OPTIONS, MAX_ROWS, MAX_TITLE
from mcpship.server_json import CURRENT_SCHEMA_URL
from tests.shared_data import SHARED

ROOT = Path(__file__).resolve().parents[3]
SEED_FILE = SHARED / "conformance" / "registry" / "seed.json"
SCHEMA = CURRENT_SCHEMA_URL
AIRTABLE = "io.github.domdomegg/airtable-mcp-server"
HOSTILE = "io.github.o-dd/we.ird_name-1"
SCRIPT = "<script>alert('x')</script>"


def entry(name: str, version: str, description: str, **fields: Any) -> dict[str, Any]:
    return {"$schema": SCHEMA, "name": name, "version": version, "description": description, **fields}


def extra_entries() -> list[dict[str, Any]]:
    notes_package = {
        "registryType": "pypi",
        "identifier": "notes-mcp",
        "version": "2.0.0",
        "transport": {"type": "stdio"},
        "environmentVariables": [
            {"name": "NOTES_TOKEN", "description": "API token", "isRequired": True, "isSecret": True},
            {"name": "NOTES_DIR", "default": "~/notes"},
        ],
    }
    tools = {"io.modelcontextprotocol.registry/publisher-provided": {"io.github.mcpship/interface": {"tools": [
        {"name": "add_note"}, {"name": "search_notes"}]}}}  # fmt: skip
    return [
        entry(
            "io.github.acme/notes", "1.0.0", "Take and search notes.", packages=[{**notes_package, "version": "1.0.0"}]
        ),
        entry(
            "io.github.acme/notes",
            "2.0.0",
            "Take and search notes from any MCP client.",
            title="Notes",
            websiteUrl="https://acme.example.com/notes",
            repository={"url": "https://github.com/acme/notes-mcp", "source": "github"},
            packages=[notes_package],
            _meta=tools,
        ),
        entry(
            HOSTILE,
            "0.1.0-beta+build.7",
            f"Escapes {SCRIPT} & “quotes”",
            title=f"Weird {SCRIPT}",
            websiteUrl="javascript:alert(1)",
            remotes=[{"type": "streamable-http", "url": "https://weird.example.com/mcp"}],
        ),
    ]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryService]:
    registry = SqlRegistry.open(f"sqlite:///{tmp_path_factory.mktemp('web') / 'registry.db'}")
    try:
        for server in [*json.loads(SEED_FILE.read_text(encoding="utf-8")), *extra_entries()]:
            registry.publish(copy.deepcopy(server))
        registry.set_status(AIRTABLE, "1.7.2", "deprecated", "Broken token handling; use 1.7.3.")
        yield registry
    finally:
        registry.close()


@pytest.fixture(scope="module")
def http(service: RegistryService) -> Iterator[TestClient]:
    settings = RegistrySettings(database_url="sqlite://", jwt_private_key=bytes(32), version="9.9.9")
    app = Starlette(
        routes=web_routes(settings, service),
        exception_handlers={RegistryHTTPError: lambda request, error: error.response()},
    )
    with TestClient(app) as client:
        yield client


class _Text(HTMLParser):
    """The page's visible text and its links, as a browser would see them (entities decoded)."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self.pre: list[str] = []
        self._in_pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.extend(value or "" for key, value in attrs if key == "href")
        if tag == "pre":
            self._in_pre += 1
            self.pre.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._in_pre -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_pre:
            self.pre[-1] += data


def page(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def test_home_lists_the_latest_version_of_each_server_with_package_badges(http: TestClient) -> None:
    response = http.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert html.count('class="result"') == 5  # one per name: two versions each of airtable and notes collapse
    assert "v1.7.3" in html
    assert "v1.7.2" not in html
    for badge in ("npm", "pypi", "oci", "mcpb", "nuget", "remote"):
        assert f'class="badge badge-{badge}"' in html, badge
    assert '<a href="/servers/io.github.acme/notes">Notes</a>' in html


def test_search_ranks_matches_and_renders_the_same_list_as_the_live_fragment(http: TestClient) -> None:
    full = http.get("/", params={"q": "notes"}).text
    fragment = http.get("/_catalogue/results", params={"q": "notes"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert fragment.text.strip() in full
    assert page(fragment.text).links[0] == "/servers/io.github.acme/notes"
    assert "for “notes”" in fragment.text


def test_search_finds_servers_by_tool_name(http: TestClient) -> None:
    assert "/servers/io.github.acme/notes" in page(http.get("/_catalogue/results?q=search_notes").text).links


def test_filters_map_to_the_registry_type_and_transport_parameters(http: TestClient) -> None:
    pypi = page(http.get("/_catalogue/results?registry_type=pypi").text).links
    assert sorted(pypi) == ["/servers/io.github.acme/notes", "/servers/io.github.domdomegg/time-mcp-pypi"]
    remote = page(http.get("/_catalogue/results?transport=streamable-http").text).links
    assert remote == [f"/servers/{HOSTILE}"]
    selected = http.get("/?q=notes&registry_type=pypi").text
    assert '<option value="pypi" selected>' in selected


def test_nothing_found_says_so(http: TestClient) -> None:
    html = http.get("/?q=zzzznothing").text
    assert "No servers match “zzzznothing”" in html


def test_user_text_is_escaped_everywhere_and_unsafe_links_are_dropped(http: TestClient) -> None:
    for url in ("/", f"/?q={SCRIPT}", f"/servers/{HOSTILE}", "/?q=weird"):
        html = http.get(url).text
        assert "<script>alert" not in html, url
        assert "javascript:" not in html, url
    html = http.get(f"/servers/{HOSTILE}").text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "Escapes <script>alert('x')</script> & “quotes”" in "".join(page(html).text)


def test_pages_are_paginated_with_a_next_link_that_carries_the_filters(tmp_path: Path) -> None:
    settings = RegistrySettings(database_url="sqlite://", jwt_private_key=bytes(32))
    registry = SqlRegistry.open(f"sqlite:///{tmp_path / 'bulk.db'}")
    for index in range(PAGE_SIZE + 5):
        registry.publish(entry(f"io.github.bulk/server-{index:02d}", "1.0.0", "Bulk server"))
    with registry, TestClient(Starlette(routes=web_routes(settings, registry))) as client:
        first = page(client.get("/").text)
        next_href = [link for link in first.links if "cursor=" in link]
        assert len(next_href) == 1
        assert sum(link.startswith("/servers/") for link in first.links) == PAGE_SIZE
        second = page(client.get(next_href[0]).text)
        seen = {link for link in first.links + second.links if link.startswith("/servers/")}
        assert len(seen) == PAGE_SIZE + 5
        search = page(client.get("/?q=bulk&registry_type=").text)
        [search_next] = [link for link in search.links if "offset=" in link]
        assert search_next == f"/?q=bulk&offset={PAGE_SIZE}"
        assert sum(link.startswith("/servers/") for link in page(client.get(search_next).text).links) == 5


def test_server_page_shows_links_packages_tools_and_all_versions_with_status(http: TestClient) -> None:
    html = http.get("/servers/io.github.acme/notes").text
    text = " ".join(" ".join(page(html).text).split())
    assert "<h1>Notes</h1>" in html
    assert 'href="https://github.com/acme/notes-mcp"' in html
    assert 'href="https://acme.example.com/notes"' in html
    assert "NOTES_TOKEN required secret" in text
    assert "add_note" in text
    assert "search_notes" in text
    assert 'href="/servers/io.github.acme/notes/versions/1.0.0"' in html
    assert 'href="/servers/io.github.acme/notes/versions/2.0.0"' in html
    airtable = " ".join(" ".join(page(http.get(f"/servers/{AIRTABLE}").text).text).split())
    assert "deprecated Broken token handling; use 1.7.3." in airtable


def test_server_page_snippets_parse_and_hold_placeholders_for_secrets(http: TestClient) -> None:
    snippets = page(http.get("/servers/io.github.acme/notes").text).pre
    assert len(snippets) == 6
    desktop, cursor, vscode, claude_code, codex, command = snippets
    assert json.loads(desktop)["mcpServers"]["notes"] == {
        "command": "uvx",
        "args": ["notes-mcp==2.0.0"],
        "env": {"NOTES_TOKEN": "<NOTES_TOKEN>", "NOTES_DIR": "~/notes"},
    }
    assert "mcpServers" in json.loads(cursor)
    assert json.loads(vscode)["servers"]["notes"]["type"] == "stdio"
    assert claude_code.startswith("claude mcp add --env 'NOTES_TOKEN=<NOTES_TOKEN>'")
    assert tomllib.loads(codex)["mcp_servers"]["notes"]["env_vars"] == ["NOTES_TOKEN"]
    assert command == "env 'NOTES_TOKEN=<NOTES_TOKEN>' 'NOTES_DIR=~/notes' uvx notes-mcp==2.0.0"


def test_server_page_offers_one_click_links_for_cursor_and_vscode(http: TestClient) -> None:
    html = http.get("/servers/io.github.acme/notes").text
    assert re.search(r'<a href="cursor://anysphere\.cursor-deeplink/mcp/install\?name=notes&amp;config=[^"]+"', html)
    assert re.search(r'<a href="vscode:mcp/install\?%7B%22name%22%3A%22notes%22[^"]+"', html)


def test_version_page_pins_snippets_to_that_version(http: TestClient) -> None:
    html = http.get("/servers/io.github.acme/notes/versions/1.0.0").text
    assert "notes-mcp==1.0.0" in html
    assert "notes-mcp==2.0.0" not in html
    odd = http.get(f"/servers/{HOSTILE}/versions/0.1.0-beta%2Bbuild.7")
    assert odd.status_code == 200
    assert "https://weird.example.com/mcp" in odd.text


def test_mcpb_packages_link_to_their_download(http: TestClient) -> None:
    html = http.get(f"/servers/{AIRTABLE}/versions/1.7.2").text
    assert re.search(r'<a class="download" href="https://github.com/domdomegg/[^"]+\.mcpb"', html)


@pytest.mark.parametrize(
    "url", ["/servers/io.github.nobody/nothing", f"/servers/{AIRTABLE}/versions/9.9.9", "/servers/"]
)
def test_unknown_servers_get_an_html_404_page(http: TestClient, url: str) -> None:
    response = http.get(url)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not found" in response.text


def test_a_bad_page_parameter_is_an_html_400(http: TestClient) -> None:
    response = http.get("/?q=notes&offset=-3")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")


def test_pages_carry_an_etag_from_the_change_counter_and_answer_304(http: TestClient, service: Any) -> None:
    first = http.get("/servers/io.github.acme/notes")
    etag = first.headers["etag"]
    assert etag == f'W/"catalogue-9.9.9-{service.change_counter()}"'
    assert first.headers["cache-control"] == "no-cache"
    again = http.get("/servers/io.github.acme/notes", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    service.publish(entry("io.github.acme/another", "1.0.0", "Changes the counter"))
    assert http.get("/", headers={"If-None-Match": etag}).status_code == 200


def test_static_assets_are_served_from_the_package(http: TestClient) -> None:
    css = http.get("/_catalogue/static/catalogue.css")
    assert css.status_code == 200
    assert "prefers-color-scheme: dark" in css.text
    js = http.get("/_catalogue/static/catalogue.js")
    assert js.status_code == 200
    assert "/_catalogue/results" in js.text
    html = http.get("/").text
    assets = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', html)
    assert assets == ["/_catalogue/static/catalogue.css", "/_catalogue/static/catalogue.js"]  # no CDN, no externals


def test_partial_server_urls_lead_somewhere_useful(http: TestClient) -> None:
    assert http.get("/servers", follow_redirects=False).headers["location"] == "/"
    versions = http.get("/servers/io.github.acme/notes/versions", follow_redirects=False)
    assert versions.status_code == 307
    assert versions.headers["location"] == "/servers/io.github.acme/notes#versions-heading"


@pytest.mark.parametrize("query", ['"unbalanced', "a AND OR", "*", "NEAR(", "(", "%", "日本語", "x" * 500])
def test_search_syntax_in_the_query_is_just_text(http: TestClient, query: str) -> None:
    response = http.get("/", params={"q": query})
    assert response.status_code == 200
    assert "No servers match" in response.text


# --- hostile and retired entries ------------------------------------------------------------------------------------

NPM_AND_BUNDLE = [
    {"registryType": "npm", "identifier": "gone-mcp", "version": "1.0.0", "transport": {"type": "stdio"}},
    {
        "registryType": "mcpb",
        "identifier": "https://github.com/acme/gone/releases/download/v1.0.0/gone.mcpb",
        "fileSha256": "a" * 64,
        "transport": {"type": "stdio"},
    },
]
REMOTE = [{"type": "streamable-http", "url": "https://gone.example.com/mcp"}]


@pytest.fixture(scope="module")
def lifecycle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Servers with deleted and deprecated versions, and one listing 10,000 packages."""
    registry = SqlRegistry.open(f"sqlite:///{tmp_path_factory.mktemp('lifecycle') / 'registry.db'}")
    gone, retired = "io.github.acme/gone", "io.github.acme/retired"
    registry.publish(entry(gone, "1.0.0", "Was here.", packages=NPM_AND_BUNDLE, remotes=REMOTE))
    registry.set_status(gone, "1.0.0", "deleted", "Leaked a token; removed.")
    for version in ("1.0.0", "2.0.0", "3.0.0"):
        registry.publish(entry(retired, version, "Retiring.", packages=NPM_AND_BUNDLE[:1]))
    registry.set_status(retired, "3.0.0", "deleted", None)
    registry.set_status(retired, "2.0.0", "deprecated", "Moved to io.github.acme/next.")
    many = [
        {"registryType": "npm", "identifier": f"p{index}", "version": "1.0.0", "transport": {"type": "stdio"}}
        for index in range(10_000)
    ]
    tools = {"io.modelcontextprotocol.registry/publisher-provided": {"io.github.stacklok": {"img": {"tools": [
        f"t{index}" for index in range(300)]}}}}  # fmt: skip
    registry.publish(entry("io.github.acme/huge", "1.0.0", "Lists many packages.", packages=many, _meta=tools))
    for index in range(MAX_ROWS + 5):
        registry.publish(entry("io.github.acme/busy", f"1.0.{index}", "Many versions."))
    odd_types = [{"registryType": f"kind-{index}-" + "k" * 100, "identifier": "x"} for index in range(1000)]
    registry.publish(entry("io.github.acme/wordy", "1.0.0", "w" * 200_000, title="T" * 10_000, packages=odd_types))
    settings = RegistrySettings(database_url="sqlite://", jwt_private_key=bytes(32))
    with registry, TestClient(Starlette(routes=web_routes(settings, registry))) as client:
        yield client


def install_paths(html: str) -> list[str]:
    """Everything on a page that installs something: snippets, one-click links, bundle downloads."""
    parsed = page(html)
    links = [link for link in parsed.links if link.startswith(("cursor:", "vscode:")) or link.endswith(".mcpb")]
    return parsed.pre + links


def test_a_deleted_version_shows_a_deleted_banner_and_no_install_path(lifecycle: TestClient) -> None:
    for url in ("/servers/io.github.acme/gone", "/servers/io.github.acme/gone/versions/1.0.0"):
        response = lifecycle.get(url)
        assert response.status_code == 200, url
        html = response.text
        assert install_paths(html) == [], url
        assert 'class="download"' not in html
        text = " ".join(" ".join(page(html).text).split())
        assert "Deleted. This version was deleted from the registry: it is no longer installable" in text
        assert "The publisher says: Leaked a token; removed." in text
        assert "Nothing to install: this version is deleted." in text
        assert "gone-mcp" in text  # what it was stays readable


def test_a_server_whose_latest_is_deleted_opens_on_its_newest_installable_version(lifecycle: TestClient) -> None:
    html = lifecycle.get("/servers/io.github.acme/retired").text
    assert "gone-mcp@1.0.0" in "".join(page(html).pre)  # 2.0.0 is deprecated but installable; 3.0.0 is deleted
    deleted = lifecycle.get("/servers/io.github.acme/retired/versions/3.0.0").text
    assert install_paths(deleted) == []
    assert "Pick a version that is not deleted" in deleted


def test_a_deprecated_version_keeps_its_snippets_under_a_warning(lifecycle: TestClient) -> None:
    html = lifecycle.get("/servers/io.github.acme/retired/versions/2.0.0").text
    assert install_paths(html) != []
    text = " ".join(" ".join(page(html).text).split())
    assert "Deprecated. The publisher advises against this version: Moved to io.github.acme/next." in text


def test_a_server_with_10000_packages_renders_a_bounded_page(lifecycle: TestClient) -> None:
    response = lifecycle.get("/servers/io.github.acme/huge")
    assert response.status_code == 200
    assert len(response.content) < 250_000  # was 28 MB
    html = response.text
    assert html.count('<div class="install-option">') == MAX_INSTALL_OPTIONS
    assert html.count('<span class="badge badge-npm">') == MAX_ROWS
    assert html.count("<li><code>t") == MAX_ROWS
    text = " ".join(" ".join(page(html).text).split())
    assert f"Showing the first {MAX_INSTALL_OPTIONS} of 10000 install options" in text
    assert f"Showing the first {MAX_ROWS} of 10000 packages" in text
    assert f"Showing {MAX_ROWS} of 300 tools." in text
    assert '<a href="/v0.1/servers/io.github.acme%2Fhuge/versions/1.0.0">' in html


def test_result_lists_stay_small_whatever_titles_descriptions_and_package_types_hold(lifecycle: TestClient) -> None:
    for url in ("/", "/?q=wordy", "/_catalogue/results"):
        html = lifecycle.get(url).text
        assert len(html) < 20_000, url
        assert "w" * (MAX_DESCRIPTION + 1) not in html
        assert "T" * (MAX_TITLE + 1) not in html
    assert "kind-" not in lifecycle.get("/").text
    assert '<li class="badge badge-other">other</li>' in lifecycle.get("/?q=wordy").text


def test_a_server_with_many_versions_lists_the_newest_and_links_the_rest(lifecycle: TestClient) -> None:
    html = lifecycle.get("/servers/io.github.acme/busy").text
    assert html.count('href="/servers/io.github.acme/busy/versions/') == MAX_ROWS
    assert f"Showing the newest {MAX_ROWS} of {MAX_ROWS + 5} versions" in " ".join(" ".join(page(html).text).split())
    assert 'href="/v0.1/servers/io.github.acme%2Fbusy/versions"' in html


def test_an_env_var_name_carrying_a_command_is_shown_as_text_and_kept_out_of_every_snippet(tmp_path: Path) -> None:
    variable = {"name": "API_KEY=x; touch ~/pwned; FOO", "value": "a", "isRequired": True}
    package = {"registryType": "npm", "identifier": "pkg", "version": "1.0.0", "environmentVariables": [variable]}
    registry = SqlRegistry.open(f"sqlite:///{tmp_path / 'hostile.db'}")
    # Publish refuses such a name; a mirror copies what its source serves, as an older registry stored it.
    now = datetime.now(UTC)
    official = OfficialMeta(status="active", status_changed_at=now, published_at=now, updated_at=now, is_latest=True)
    assert registry.import_record(entry("io.github.acme/hostile", "1.0.0", "Hostile.", packages=[package]), official)
    settings = RegistrySettings(database_url="sqlite://", jwt_private_key=bytes(32))
    with registry, TestClient(Starlette(routes=web_routes(settings, registry))) as client:
        html = client.get("/servers/io.github.acme/hostile").text
    snippets = page(html).pre
    assert len(snippets) == 6
    assert not any("pwned" in snippet for snippet in snippets)
    assert "env" not in json.loads(snippets[0])["mcpServers"]["hostile"]
    assert snippets[-1] == "npx -y pkg@1.0.0"
    assert "Left out the environment variable &#39;API_KEY=x; touch ~/pwned; FOO&#39;" in html


SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/", 200),
        ("/?q=notes&registry_type=pypi", 200),
        ("/_catalogue/results?q=notes", 200),
        ("/servers/io.github.acme/notes", 200),
        ("/servers/io.github.acme/notes/versions/1.0.0", 200),
        ("/servers/io.github.nobody/nothing", 404),
        ("/servers/io.github.acme/notes/versions/9.9.9", 404),
        ("/?q=notes&offset=-3", 400),
        ("/servers", 307),
        ("/_catalogue/static/catalogue.js", 200),
        ("/_catalogue/static/catalogue.css", 200),
    ],
)
def test_every_catalogue_response_carries_the_security_headers(http: TestClient, url: str, status: int) -> None:
    response = http.get(url, follow_redirects=False)
    assert response.status_code == status
    assert {name: response.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS


def test_a_304_revalidation_carries_the_security_headers_too(http: TestClient) -> None:
    etag = http.get("/").headers["etag"]
    again = http.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["content-security-policy"] == SECURITY_HEADERS["content-security-policy"]


class _Scripts(HTMLParser):
    """What a policy without 'unsafe-inline' would block: inline scripts, event-handler and style attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script":
            self._in_script = True
            if "src" not in names:
                self.blocked.append("<script> without src")
        self.blocked += [f"{tag} {name}=" for name in names if name.startswith("on") or name == "style"]
        self.blocked += [
            f"{tag} {name}=javascript:" for name, value in attrs if (value or "").startswith("javascript:")
        ]

    def handle_endtag(self, tag: str) -> None:
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.blocked.append("inline script text")


@pytest.mark.parametrize(
    "url", ["/", "/?q=notes", "/servers/io.github.acme/notes", f"/servers/{HOSTILE}", "/servers/io.github.x/y"]
)
def test_pages_hold_nothing_the_policy_would_block(http: TestClient, url: str) -> None:
    parser = _Scripts()
    parser.feed(http.get(url).text)
    assert parser.blocked == []


def test_every_template_autoescapes_and_none_marks_data_safe() -> None:
    environment = _environment(RegistrySettings(database_url="sqlite://", jwt_private_key=bytes(32)))
    templates = Path(mcpship.registry.web.__file__).parent / "templates"
    names = sorted(path.name for path in templates.glob("*.html"))
    assert names == sorted(environment.list_templates())
    for name in names:
        autoescape = environment.autoescape
        assert (autoescape(name) if callable(autoescape) else autoescape) is True, name
        source = (templates / name).read_text(encoding="utf-8")
        assert not re.search(r"\|\s*safe\b|Markup|autoescape\s+false", source), name
