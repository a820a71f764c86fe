"""``login_registry`` / ``logout_registry`` / ``search_registry`` against ``httpx.MockTransport``: the proof each
method sends, the token and the last login stored, the device code shown through the caller's callback, and
registry failures as ``RegistryError`` (exit code 12)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from mcpship import (
    LoginOutcome,
    LoginRequest,
    PublishError,
    RegistryError,
    UsageError,
    login_registry,
    logout_registry,
    search_registry,
)
from mcpship.registry_client.proofs import DeviceCode, load_signing_key, public_key_record
from mcpship.registry_client.tokens import RegistryToken, TokenStore

REGISTRY = "https://registry.test"


class Registry:
    """Exchanges any proof for a token (``/auth/<method>``), serves ``/health`` and the ranked search."""

    def __init__(self, *, refuse: int | None = None, client_id: str = "") -> None:
        self.refuse = refuse
        self.client_id = client_id
        self.proofs: dict[str, object] = {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path.startswith("/v0.1/auth/"):
            if self.refuse is not None:
                return httpx.Response(self.refuse, json={"detail": "Token exchange failed"})
            self.proofs[path.removeprefix("/v0.1/auth/")] = json.loads(request.content or b"null")
            return httpx.Response(200, json={"registry_token": "jwt", "expires_at": 4_000_000_000})
        if path == "/v0.1/health":
            return httpx.Response(200, json={"status": "ok", "github_client_id": self.client_id})
        if path == "/login/device/code":
            return httpx.Response(
                200,
                json={
                    "user_code": "ABCD-1234",
                    "verification_uri": "https://gh/device",
                    "device_code": "dc",
                    "interval": 0,
                    "expires_in": 60,
                },
            )
        if path == "/login/oauth/access_token":
            return httpx.Response(200, json={"access_token": "gho_from_device"})
        if path == "/v0.1/x/io.github.mcpship/search":
            return httpx.Response(200, json={"servers": [{"server": {"name": "io.github.acme/notes"}}]})
        return httpx.Response(404, json={"detail": "not found"})


def login(
    request: LoginRequest,
    registry: Registry,
    store: TokenStore,
    *,
    environ: dict[str, str] | None = None,
    show_device_code: Callable[[DeviceCode], None] | None = None,
) -> LoginOutcome:
    with httpx.Client(transport=httpx.MockTransport(registry)) as client:
        return login_registry(request, store=store, client=client, environ=environ, show_device_code=show_device_code)


@pytest.fixture
def store(tmp_path: Path) -> TokenStore:
    return TokenStore(tmp_path / "config" / "tokens.json")


def test_a_login_stores_the_token_and_makes_the_registry_the_last_one(store: TokenStore) -> None:
    store.put(RegistryToken("https://other.test", "o", "none", None))
    outcome = login(LoginRequest("admin", REGISTRY + "/", token="secret"), Registry(), store)

    assert (outcome.registry, outcome.method, outcome.token_file) == (REGISTRY, "admin", store.path)
    assert outcome.expires_at is not None
    assert outcome.expires_at.year == 2096
    assert store.get(REGISTRY) == RegistryToken(REGISTRY, "jwt", "admin", 4_000_000_000)
    assert store.most_recent() == REGISTRY


def test_each_method_sends_its_own_proof(store: TokenStore, tmp_path: Path) -> None:
    registry = Registry()
    key = tmp_path / "key.hex"
    key.write_text(os.urandom(32).hex(), encoding="ascii")
    environ = {"GITHUB_TOKEN": "ghp_env", "MCP_GITHUB_TOKEN": ""}

    login(LoginRequest("none", REGISTRY), registry, store)
    login(LoginRequest("admin", REGISTRY, token="secret"), registry, store)
    login(LoginRequest("github", REGISTRY), registry, store, environ=environ)
    login(LoginRequest("github-oidc", REGISTRY, token="oidc"), registry, store)
    login(LoginRequest("dns", REGISTRY, domain=" Example.COM ", private_key_file=key), registry, store)

    assert registry.proofs["none"] is None
    assert registry.proofs["admin"] == {"admin_token": "secret"}
    assert registry.proofs["github-at"] == {"github_token": "ghp_env"}
    assert registry.proofs["github-oidc"] == {"oidc_token": "oidc"}
    dns = registry.proofs["dns"]
    assert isinstance(dns, dict)
    assert dns["domain"] == "example.com"
    assert set(dns) == {"domain", "timestamp", "signed_timestamp"}


def test_a_github_login_without_a_token_shows_the_device_code_through_the_callback(store: TokenStore) -> None:
    shown: list[DeviceCode] = []
    registry = Registry(client_id="Iv1.app")
    request = LoginRequest("github", REGISTRY)

    with pytest.raises(UsageError, match="needs a GitHub token"):
        login(request, registry, store, environ={})
    login(request, registry, store, environ={}, show_device_code=shown.append)

    assert [code.user_code for code in shown] == ["ABCD-1234"]
    assert registry.proofs["github-at"] == {"github_token": "gho_from_device"}


def test_a_refused_domain_login_is_a_registry_error_naming_the_record_to_publish(
    store: TokenStore, tmp_path: Path
) -> None:
    key = tmp_path / "key.hex"
    key.write_text(os.urandom(32).hex(), encoding="ascii")
    record = public_key_record(load_signing_key(key))

    with pytest.raises(RegistryError) as caught:
        login(LoginRequest("http", REGISTRY, domain="example.com", private_key_file=key), Registry(refuse=401), store)

    assert caught.value.exit_code == 12
    assert caught.value.status == 401
    assert caught.value.hint == f"serve this at https://example.com/.well-known/mcp-registry-auth: {record}"
    assert not store.path.exists()


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (LoginRequest("admin", REGISTRY), "needs the registry's admin token"),
        (LoginRequest("dns", REGISTRY, domain="example.com"), "needs --domain and --private-key-file"),
        (LoginRequest("magic", REGISTRY), "unknown login method 'magic'"),  # type: ignore[arg-type]
    ],
)
def test_a_request_missing_what_its_method_needs_fails_before_any_request(
    store: TokenStore, request_: LoginRequest, message: str
) -> None:
    registry = Registry()
    with pytest.raises(UsageError, match=message):
        login(request_, registry, store)
    assert registry.requests == []


def test_logout_forgets_the_token_and_says_whether_there_was_one(store: TokenStore) -> None:
    store.put(RegistryToken(REGISTRY, "jwt", "none", None))
    assert logout_registry(REGISTRY + "/", store=store).removed
    again = logout_registry(REGISTRY, store=store)
    assert (again.registry, again.removed) == (REGISTRY, False)


def test_search_asks_the_registry_of_the_last_login(store: TokenStore) -> None:
    registry = Registry()
    store.put(RegistryToken(REGISTRY, "jwt", "none", None))
    with httpx.Client(transport=httpx.MockTransport(registry)) as client:
        result = search_registry("notes", store=store, client=client, environ={}, limit=5)

    assert (result.registry, result.ranked) == (REGISTRY, True)
    assert [entry["server"]["name"] for entry in result.servers] == ["io.github.acme/notes"]
    assert [str(request.url.copy_with(query=None)) for request in registry.requests] == [
        f"{REGISTRY}/v0.1/x/io.github.mcpship/search"
    ]


def test_a_search_the_registry_cannot_answer_is_a_registry_error_not_a_publish_error(store: TokenStore) -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with httpx.Client(transport=httpx.MockTransport(unreachable)) as client, pytest.raises(RegistryError) as caught:
        search_registry("notes", registry=REGISTRY, store=store, client=client)

    assert caught.value.exit_code == 12
    assert not isinstance(caught.value, PublishError)
    assert "could not reach the registry https://registry.test" in caught.value.message
