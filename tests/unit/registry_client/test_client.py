"""The MCP registry client against ``httpx.MockTransport``: prefix fallback, refusals, validate output, search."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from mcpship._exceptions import PublishError, UsageError
from mcpship.registry_client.client import (
    RegistryClient,
    RegistryRequestError,
    RegistryToken,
    TokenStore,
    normalize_registry_url,
    publish_server_json,
    read_server_json,
)

REGISTRY = "https://registry.test"
SERVER = {"name": "io.github.alice/notes", "version": "1.0.0", "description": "Notes."}
OFFICIAL = "io.modelcontextprotocol.registry/official"

Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler, seen: list[httpx.Request] | None = None) -> RegistryClient:
    def record(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return handler(request)

    return RegistryClient(REGISTRY, client=httpx.Client(transport=httpx.MockTransport(record)))


def problem(status: int, detail: str, *errors: str) -> httpx.Response:
    body: dict[str, Any] = {"title": "x", "status": status, "detail": detail}
    if errors:
        body["errors"] = [{"message": message} for message in errors]
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


def published(server: dict[str, Any], *, latest: bool = True) -> httpx.Response:
    meta = {"status": "active", "isLatest": latest, "publishedAt": "2026-01-01T00:00:00Z"}
    return httpx.Response(200, json={"server": server, "_meta": {OFFICIAL: meta}})


TOKEN = RegistryToken(REGISTRY, "jwt", "github", expires_at=None)


def test_requests_fall_back_to_v0_and_remember_it_when_the_registry_has_no_v0_1() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/v0.1/"):
            return problem(404, "Endpoint not found")
        return httpx.Response(200, json={"servers": [], "metadata": {"count": 0}})

    client = client_for(handler, seen)
    client.list_servers(limit=5)
    client.list_servers(limit=5)

    assert [request.url.path for request in seen] == ["/v0.1/servers", "/v0/servers", "/v0/servers"]


def test_the_v0_1_prefix_is_kept_when_it_answers() -> None:
    seen: list[httpx.Request] = []
    client = client_for(lambda _: httpx.Response(200, json={"servers": []}), seen)
    client.list_servers()
    client.list_servers()
    assert [request.url.path for request in seen] == ["/v0.1/servers", "/v0.1/servers"]


def test_publish_sends_the_bearer_token_and_reports_the_registrys_metadata() -> None:
    seen: list[httpx.Request] = []
    outcome = client_for(lambda request: published(json.loads(request.content), latest=False), seen).publish(
        SERVER, TOKEN
    )
    assert seen[0].headers["Authorization"] == "Bearer jwt"
    assert (outcome.name, outcome.version, outcome.is_latest, outcome.status) == (
        "io.github.alice/notes",
        "1.0.0",
        False,
        "active",
    )


def test_a_schema_refusal_asks_validate_and_names_file_json_path_and_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/publish"):
            return problem(422, "Failed to publish server, invalid schema: call /validate for details")
        issues = [
            {
                "type": "semantic",
                "path": "packages[0].transport.url",
                "message": "url must be https",
                "severity": "error",
                "reference": "invalid-url",
            },
            {"type": "linter", "path": "description", "message": "consider a longer text", "severity": "warning"},
        ]
        return httpx.Response(200, json={"valid": False, "issues": issues})

    with pytest.raises(RegistryRequestError) as caught:
        client_for(handler).publish(SERVER, TOKEN, source="dist/server.json")

    assert caught.value.status == 422
    assert caught.value.errors == (
        "dist/server.json: packages[0].transport.url: error: url must be https [invalid-url]",
    )
    assert "dist/server.json: packages[0].transport.url" in caught.value.message
    assert "longer text" not in caught.value.message
    assert caught.value.hint is not None
    assert "dist/server.json" in caught.value.hint


def test_a_request_shape_refusal_names_each_located_fault_without_asking_validate() -> None:
    seen: list[httpx.Request] = []
    faults = [
        {"message": "expected length <= 100", "location": "body.description", "value": "x" * 101},
        {"message": "unexpected property", "location": "body.packages[0].extra"},
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        body = {"title": "Unprocessable Entity", "status": 422, "detail": "validation failed", "errors": faults}
        return httpx.Response(422, json=body, headers={"content-type": "application/problem+json"})

    with pytest.raises(RegistryRequestError) as caught:
        client_for(handler, seen).publish(SERVER, TOKEN, source="server.json")
    assert caught.value.errors == (
        "server.json: description: error: expected length <= 100",
        "server.json: packages[0].extra: error: unexpected property",
    )
    assert [request.url.path for request in seen] == ["/v0.1/publish"]


def test_a_schema_refusal_from_a_registry_without_validate_uses_mcpships_own_rules() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/publish"):
            return problem(422, "invalid")
        return problem(404, "Endpoint not found")

    with pytest.raises(RegistryRequestError) as caught:
        client_for(handler).publish({"name": "no-slash", "version": "1.0.0"}, TOKEN)
    assert any("$.name" in error for error in caught.value.errors), caught.value.errors


def test_a_permission_refusal_carries_the_registrys_detail_and_errors_and_a_namespace_hint() -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        return problem(403, "You do not have permission to publish this server", "You have: publish io.github.bob/*")

    with pytest.raises(RegistryRequestError) as caught:
        client_for(handler).publish(SERVER, TOKEN)

    error = caught.value
    assert isinstance(error, PublishError)
    assert error.exit_code == 11
    assert error.status == 403
    assert "You do not have permission" in error.message
    assert "You have: publish io.github.bob/*" in error.message
    assert error.hint is not None
    assert "alice" in error.hint


def test_an_anonymous_token_refused_outside_its_namespace_says_which_namespace_it_may_use() -> None:
    anonymous = RegistryToken(REGISTRY, "jwt", "none")
    with pytest.raises(RegistryRequestError) as caught:
        client_for(lambda _: problem(403, "forbidden")).publish(SERVER, anonymous)
    assert caught.value.hint is not None
    assert "io.modelcontextprotocol.anonymous/*" in caught.value.hint


def test_a_rejected_token_asks_to_log_in_again_with_the_same_method() -> None:
    with pytest.raises(RegistryRequestError) as caught:
        client_for(lambda _: problem(401, "Invalid or expired Registry JWT token")).publish(SERVER, TOKEN)
    assert "Invalid or expired" in caught.value.message
    assert caught.value.hint is not None
    assert f"mcpship login github --registry {REGISTRY}" in caught.value.hint


def test_a_bad_request_shows_the_registrys_detail_and_every_error() -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        return problem(400, "Failed to publish server", "PyPI package notes must appear as 'mcp-name: x'")

    with pytest.raises(RegistryRequestError) as caught:
        client_for(handler).publish(SERVER, TOKEN)
    assert "(400): Failed to publish server\n  PyPI package notes must appear" in caught.value.message


def test_an_unreachable_registry_is_a_clear_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(RegistryRequestError) as caught:
        client_for(handler).list_servers()
    assert caught.value.status is None
    assert "could not reach the registry https://registry.test" in caught.value.message


def test_login_exchanges_the_proof_and_returns_the_token_and_its_expiry() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"registry_token": "jwt-1", "expires_at": 1_900_000_000})

    token = client_for(handler, seen).login("github", {"github_token": "gho_x"})
    assert seen[0].url.path == "/v0.1/auth/github-at"
    assert json.loads(seen[0].content) == {"github_token": "gho_x"}
    assert token == RegistryToken(REGISTRY, "jwt-1", "github", 1_900_000_000)


def test_a_login_method_the_registry_does_not_offer_is_named() -> None:
    with pytest.raises(RegistryRequestError) as caught:
        client_for(lambda _: problem(404, "Endpoint not found")).login("none")
    assert "does not offer the `none` login method" in caught.value.message


def test_a_failed_exchange_shows_the_registrys_reason() -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        return problem(401, "Token exchange failed", "invalid admin token")

    with pytest.raises(RegistryRequestError) as caught:
        client_for(handler).login("admin", {"admin_token": "nope"})
    assert "Token exchange failed" in caught.value.message
    assert "invalid admin token" in caught.value.message


def test_search_uses_mcpships_ranked_extension_when_the_registry_answers_it() -> None:
    seen: list[httpx.Request] = []
    hits = {"servers": [{"server": SERVER, "_meta": {"io.github.mcpship/search": {"rank": 2.5}}}]}
    result = client_for(lambda _: httpx.Response(200, json=hits), seen).search("notes", limit=7)
    assert result.ranked
    assert [entry["server"]["name"] for entry in result.servers] == ["io.github.alice/notes"]
    assert seen[0].url.path == "/v0.1/x/io.github.mcpship/search"
    assert dict(seen[0].url.params) == {"q": "notes", "limit": "7"}
    assert seen[0].headers["cache-control"] == "no-cache"  # a search right after a publish must see it


def test_search_falls_back_to_the_official_name_search_on_latest_versions() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if "/x/" in request.url.path:
            return problem(404, "Endpoint not found")
        return httpx.Response(200, json={"servers": [{"server": SERVER, "_meta": {}}], "metadata": {"count": 1}})

    result = client_for(handler, seen).search("notes", limit=7)
    assert not result.ranked
    assert len(result.servers) == 1
    assert dict(seen[1].url.params) == {"search": "notes", "version": "latest", "limit": "7"}


def test_the_cursor_is_sent_url_encoded_and_pages_are_followed_to_the_end() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if "cursor" not in request.url.params:
            return httpx.Response(200, json={"servers": [{"server": SERVER}], "metadata": {"nextCursor": "a/b:1.0+x"}})
        return httpx.Response(200, json={"servers": [], "metadata": {"count": 0}})

    pages = list(client_for(handler, seen).iter_pages(limit=1))
    assert len(pages) == 2
    assert b"cursor=a%2Fb%3A1.0%2Bx" in seen[1].url.query


def test_versions_of_a_name_are_requested_with_the_name_escaped() -> None:
    seen: list[httpx.Request] = []
    client_for(lambda _: httpx.Response(200, json={"servers": []}), seen).list_versions("io.github.alice/notes")
    assert seen[0].url.raw_path == b"/v0.1/servers/io.github.alice%2Fnotes/versions?include_deleted=true"


def test_registry_urls_are_normalised_to_one_key() -> None:
    assert normalize_registry_url("HTTPS://Registry.Test/") == "https://registry.test"
    assert normalize_registry_url("http://127.0.0.1:8080/mcp/") == "http://127.0.0.1:8080/mcp"
    with pytest.raises(UsageError):
        normalize_registry_url("registry.test")


# -- publishing a build folder ----------------------------------------------------------------------------------


def test_publish_reads_the_server_json_a_build_recorded(tmp_path: Path) -> None:
    from mcpship.pipeline.report import sha256_of, write_report
    from mcpship.targets._base import Artifact

    path = tmp_path / "recorded-server.json"  # another name than the default: only the report can point at it
    path.write_text(json.dumps(SERVER), encoding="utf-8")
    artifact = Artifact(
        target="registry",
        kind="server.json",
        path=path,
        sha256=sha256_of(path),
        size=path.stat().st_size,
        version="1.0.0",
        lock_digest=None,
    )
    write_report(tmp_path, [artifact], name="io.github.alice/notes", source_date_epoch=0)

    file, server = read_server_json(tmp_path)
    assert file == path
    assert server == SERVER


def test_publish_from_a_folder_without_server_json_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(PublishError) as caught:
        read_server_json(tmp_path)
    assert caught.value.hint is not None
    assert "mcpship build --target registry" in caught.value.hint


def test_publish_without_a_login_says_to_log_in(tmp_path: Path) -> None:
    (tmp_path / "server.json").write_text(json.dumps(SERVER), encoding="utf-8")
    with pytest.raises(PublishError) as caught:
        publish_server_json(tmp_path, registry=REGISTRY, store=TokenStore(tmp_path / "tokens.json"))
    assert caught.value.message == f"not logged in to {REGISTRY}"
    assert caught.value.hint is not None
    assert "mcpship login" in caught.value.hint


def test_publish_with_an_expired_token_asks_to_log_in_again_without_sending_it(tmp_path: Path) -> None:
    (tmp_path / "server.json").write_text(json.dumps(SERVER), encoding="utf-8")
    store = TokenStore(tmp_path / "tokens.json")
    store.put(RegistryToken(REGISTRY, "old", "dns", expires_at=1_000))
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return published(SERVER)

    transport = httpx.MockTransport(handler)

    with pytest.raises(PublishError) as caught:
        publish_server_json(
            tmp_path, registry=REGISTRY, store=store, client=httpx.Client(transport=transport), now=2_000
        )
    assert "expired" in caught.value.message
    assert caught.value.hint == f"log in again right before publishing: mcpship login dns --registry {REGISTRY}"
    assert sent == []


def test_publish_with_a_fresh_token_publishes_the_file(tmp_path: Path) -> None:
    (tmp_path / "server.json").write_text(json.dumps(SERVER), encoding="utf-8")
    store = TokenStore(tmp_path / "tokens.json")
    store.put(RegistryToken(REGISTRY + "/", "fresh", "none", expires_at=3_000))
    transport = httpx.MockTransport(lambda request: published(json.loads(request.content)))

    outcome = publish_server_json(
        tmp_path / "server.json", registry=REGISTRY, store=store, client=httpx.Client(transport=transport), now=2_000
    )
    assert (outcome.name, outcome.is_latest) == ("io.github.alice/notes", True)


def test_publish_without_a_registry_goes_to_the_last_login(tmp_path: Path) -> None:
    (tmp_path / "server.json").write_text(json.dumps(SERVER), encoding="utf-8")
    store = TokenStore(tmp_path / "tokens.json")
    store.put(RegistryToken("https://old.test", "old", "none", None), now=1)
    store.put(RegistryToken(REGISTRY, "fresh", "none", None), now=2)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return published(SERVER)

    outcome = publish_server_json(tmp_path, store=store, client=httpx.Client(transport=httpx.MockTransport(handler)))
    assert outcome.registry == REGISTRY
    assert seen[0].url.host == "registry.test"
    assert seen[0].headers["Authorization"] == "Bearer fresh"
