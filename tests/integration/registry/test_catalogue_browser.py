"""The web catalogue in a real Chromium against a real ``mcpship registry serve``: live search, server pages,
copy buttons, and the same journey with JavaScript off; every page under its Content-Security-Policy with no
violation, and deleted versions offering nothing to install."""

from __future__ import annotations

import json
import os
import struct
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from mcpship.server_json import CURRENT_SCHEMA_URL
from tests.integration.registry.conftest import RegistryServer, encoded
from tests.shared_data import SHARED

SEED_FILE = SHARED / "conformance" / "registry" / "seed.json"
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium-browser", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
CONSOLE: weakref.WeakKeyDictionary[Page, list[str]] = weakref.WeakKeyDictionary()
GONE: dict[str, Any] = {
    "$schema": CURRENT_SCHEMA_URL,
    "name": "io.github.acme/gone",
    "description": "Was here.",
    "version": "1.0.0",
    "packages": [
        {"registryType": "npm", "identifier": "gone-mcp", "version": "1.0.0", "transport": {"type": "stdio"}},
        {
            "registryType": "mcpb",
            "identifier": "https://github.com/acme/gone/releases/download/v1.0.0/gone.mcpb",
            "fileSha256": "a" * 64,
            "transport": {"type": "stdio"},
        },
    ],
}
# Records what the policy blocks, from before the page's own script runs (init scripts are exempt from the CSP).
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""
NOTES: dict[str, Any] = {
    "$schema": CURRENT_SCHEMA_URL,
    "name": "io.github.acme/notes",
    "title": "Notes",
    "description": "Take and search notes from any MCP client.",
    "version": "2.0.0",
    "repository": {"url": "https://github.com/acme/notes-mcp", "source": "github"},
    "packages": [
        {
            "registryType": "pypi",
            "identifier": "notes-mcp",
            "version": "2.0.0",
            "transport": {"type": "stdio"},
            "environmentVariables": [{"name": "NOTES_TOKEN", "isRequired": True, "isSecret": True}],
        }
    ],
    "_meta": {
        "io.modelcontextprotocol.registry/publisher-provided": {
            "io.github.mcpship/interface": {"tools": [{"name": "add_note"}, {"name": "search_notes"}]}
        }
    },
}


def chromium_executable() -> str:
    """Debian's Chromium (the real binary, not the wrapper script); missing is a failure, never a skip."""
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(f"Chromium is missing (looked at {', '.join(CHROMIUM_CANDIDATES)}): apt-get install -y chromium")


@pytest.fixture(scope="module")
def registry_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``mcpship registry serve`` on SQLite; servers published through its API, one version deprecated and
    one server deleted."""
    workdir = tmp_path_factory.mktemp("catalogue")
    server = RegistryServer(f"sqlite:///{workdir / 'registry.db'}", workdir, ("--no-ownership-checks",))
    server.start()
    try:
        with server.client() as api:
            seed = json.loads(SEED_FILE.read_text(encoding="utf-8"))
            for document in [*seed, {**NOTES, "version": "1.0.0", "description": "Take notes."}, NOTES, GONE]:
                api.post("/v0.1/publish", json=document).raise_for_status()
            status = {"status": "deprecated", "statusMessage": "Use 2.0.0"}
            api.patch(f"/v0.1/servers/{encoded(NOTES['name'])}/versions/1.0.0/status", json=status).raise_for_status()
            deleted = {"status": "deleted", "statusMessage": "Leaked a token."}
            api.patch(f"/v0.1/servers/{encoded(GONE['name'])}/versions/1.0.0/status", json=deleted).raise_for_status()
        yield server.base_url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_executable()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def new_page(browser: Browser, *, javascript: bool = True) -> Page:
    context = browser.new_context(
        java_script_enabled=javascript,
        permissions=["clipboard-read", "clipboard-write"] if javascript else [],
        viewport={"width": 1000, "height": 800},
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(CSP_RECORDER)
    page = context.new_page()
    console = CONSOLE.setdefault(page, [])
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(f"uncaught: {error}"))
    return page


def csp_problems(page: Page) -> list[str]:
    """Violations the current document saw, and console reports of them on every document the page showed
    (Chromium logs each refused load or inline script), and uncaught script errors."""
    recorded: list[str] = page.evaluate("window.__cspViolations")
    console = [text for text in CONSOLE[page] if "Content Security Policy" in text or text.startswith("uncaught")]
    return [*recorded, *console]


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_typing_shows_live_results_then_a_server_page_with_versions_and_a_copyable_snippet(
    browser: Browser, registry_url: str, tmp_path: Path
) -> None:
    page = new_page(browser)
    try:
        page.goto(f"{registry_url}/")
        expect(page.locator("#results .result")).to_have_count(4)
        page.evaluate("window.__sameDocument = true")

        page.locator("#q").press_sequentially("notes", delay=30)

        expect(page.locator("#results .count")).to_contain_text("for “notes”")
        expect(page.locator("#results .result")).to_have_count(1)
        expect(page.get_by_role("status").first).to_have_text("1 result for “notes”")
        assert page.evaluate("window.__sameDocument === true"), "typing reloaded the page"
        assert page.url == f"{registry_url}/?q=notes"

        page.get_by_role("link", name="Notes").click()
        page.wait_for_url(f"{registry_url}/servers/io.github.acme/notes")
        expect(page.get_by_role("heading", level=1)).to_have_text("Notes")
        versions = page.locator("table.versions tbody tr")
        expect(versions).to_have_count(2)
        expect(versions.nth(1)).to_contain_text("deprecated")
        expect(versions.nth(1)).to_contain_text("Use 2.0.0")
        expect(page.locator(".tools")).to_contain_text("search_notes")

        desktop = page.locator('details[data-client="claude-desktop"]')
        snippet = desktop.locator("pre")
        expect(snippet).to_contain_text('"uvx"')
        expected = json.loads(snippet.inner_text())
        assert expected["mcpServers"]["notes"]["env"] == {"NOTES_TOKEN": "<NOTES_TOKEN>"}
        desktop.get_by_role("button", name="Copy the Claude Desktop snippet").click()
        expect(page.locator(".copy-status")).to_have_text("Claude Desktop snippet copied to the clipboard.")
        assert json.loads(page.evaluate("navigator.clipboard.readText()")) == expected

        assert csp_problems(page) == []

        shot = tmp_path / "server-page.png"
        page.screenshot(path=str(shot), full_page=True)
        width, height = png_size(shot)
        assert width == 1000
        assert height >= 800
        assert shot.stat().st_size > 20_000, "the screenshot looks blank"
    finally:
        page.context.close()


def test_without_javascript_the_search_form_and_filters_work_by_full_page_submit(
    browser: Browser, registry_url: str
) -> None:
    page = new_page(browser, javascript=False)
    try:
        page.goto(f"{registry_url}/")
        page.locator("#q").fill("time")
        page.get_by_label("Package", exact=True).select_option("pypi")
        with page.expect_navigation():
            page.get_by_role("button", name="Search").click()
        assert page.url == f"{registry_url}/?q=time&registry_type=pypi&transport="
        results = page.locator("#results .result")
        expect(results).to_have_count(1)
        expect(results).to_contain_text("io.github.domdomegg/time-mcp-pypi")

        results.get_by_role("link").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("io.github.domdomegg/time-mcp-pypi")
        expect(page.locator('details[data-client="command-line"] pre')).to_have_text("uvx time-mcp-pypi==1.0.6")
        expect(page.get_by_role("button", name="Copy")).to_have_count(0)
    finally:
        page.context.close()


def test_unknown_servers_show_the_html_not_found_page(browser: Browser, registry_url: str) -> None:
    page = new_page(browser, javascript=False)
    try:
        response = page.goto(f"{registry_url}/servers/io.github.nobody/nothing")
        assert response is not None
        assert response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    finally:
        page.context.close()


def test_pages_run_under_a_strict_content_security_policy_without_a_violation(
    browser: Browser, registry_url: str
) -> None:
    page = new_page(browser)
    try:
        response = page.goto(f"{registry_url}/servers/io.github.acme/notes")
        assert response is not None
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        expect(page.get_by_role("button", name="Copy the Claude Desktop snippet")).to_be_visible()  # the script ran
        for path in ("/", "/?q=time", "/servers/io.github.acme/notes/versions/1.0.0", "/servers/x.y/none"):
            page.goto(f"{registry_url}{path}")
            page.wait_for_load_state("load")
        assert csp_problems(page) == []

        # The recorder does see what the policy blocks: an inline script a hostile page could carry.
        page.evaluate("""() => {
            const script = document.createElement("script");
            script.textContent = "window.__ran = true";
            document.body.appendChild(script);
        }""")
        page.wait_for_function("window.__cspViolations.length > 0", timeout=TIMEOUT_MS)
        assert page.evaluate("window.__ran === undefined")
        problems = csp_problems(page)
        assert problems[0].startswith("script-src-elem")
        assert any("violates the following Content Security Policy directive" in problem for problem in problems)
    finally:
        page.context.close()


def test_a_deleted_server_shows_a_banner_and_nothing_to_install_while_deprecated_ones_warn(
    browser: Browser, registry_url: str
) -> None:
    page = new_page(browser)
    try:
        page.goto(f"{registry_url}/servers/io.github.acme/gone")
        expect(page.get_by_role("alert")).to_contain_text("Deleted. This version was deleted from the registry")
        expect(page.get_by_role("alert")).to_contain_text("Leaked a token.")
        expect(page.locator("#install-heading + p")).to_have_text("Nothing to install: this version is deleted.")
        expect(page.locator("pre")).to_have_count(0)
        expect(page.get_by_role("link", name="Add to Cursor")).to_have_count(0)
        expect(page.get_by_role("link", name="Download the bundle")).to_have_count(0)
        expect(page.get_by_role("button", name="Copy")).to_have_count(0)

        page.goto(f"{registry_url}/servers/io.github.acme/notes/versions/1.0.0")
        expect(page.locator(".install-deprecated")).to_have_text(
            "Deprecated. The publisher advises against this version: Use 2.0.0"
        )
        expect(page.get_by_role("link", name="Add to Cursor").first).to_be_visible()
        expect(page.get_by_role("button", name="Copy the Claude Desktop snippet")).to_be_visible()
        assert csp_problems(page) == []
    finally:
        page.context.close()
