"""Token exchanges against real local services over real sockets: an OIDC issuer, a GitHub-like API, a web server
publishing ``/.well-known/mcp-registry-auth`` and a DNS server answering TXT queries. The exchange routes are
served by uvicorn and called with httpx, as a publisher would call them."""

from __future__ import annotations

import base64
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import dns.message
import dns.rcode
import dns.rrset
import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from mcpship.registry.auth import DnsTxtResolver, HttpKeyFetcher, Permission, TokenIssuer, auth_routes
from mcpship.registry.config import RegistrySettings
from mcpship.registry.problems import PROBLEM_JSON
from tests.conftest import free_port
from tests.registry_support.oidc_issuer import LocalOidcIssuer, auth_app, serve_in_thread

SEED = bytes(range(32))
SETTINGS = RegistrySettings(database_url="sqlite://", jwt_private_key=SEED)
DNS_STOP_TIMEOUT = 5.0


@contextmanager
def registry(settings: RegistrySettings, **kwargs: Any) -> Iterator[httpx.Client]:
    """The exchange routes on a real port; yields a client for it."""
    app = auth_app(auth_routes(settings, TokenIssuer(SEED), **kwargs))
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=10.0) as client:
        yield client


def granted(response: httpx.Response) -> tuple[str, str, tuple[Permission, ...]]:
    assert response.status_code == 200, response.text
    claims = TokenIssuer(SEED).verify(response.json()["registry_token"])
    assert claims.expires_at == response.json()["expires_at"]
    return claims.auth_method, claims.auth_method_sub, claims.permissions


def refused(response: httpx.Response, detail: str) -> str:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["detail"] == detail
    message: str = response.json()["errors"][0]["message"]
    return message


# --- github-oidc against a real issuer over HTTP -------------------------------------------------------------------


@pytest.fixture(scope="module")
def oidc_registry() -> Iterator[tuple[LocalOidcIssuer, httpx.Client]]:
    issuer = LocalOidcIssuer()
    with issuer.serve() as url, registry(replace(SETTINGS, github_oidc_issuer=url)) as client:
        yield issuer, client


def exchange_oidc(client: httpx.Client, token: str) -> httpx.Response:
    return client.post("/v0.1/auth/github-oidc", json={"oidc_token": token})


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_an_actions_token_from_the_issuer_grants_its_owners_namespace(
    oidc_registry: tuple[LocalOidcIssuer, httpx.Client], algorithm: str
) -> None:
    issuer, client = oidc_registry

    method, subject, permissions = granted(exchange_oidc(client, issuer.mint(issuer.claims(), algorithm=algorithm)))

    assert (method, subject) == ("github-oidc", "repo:octo-org/notes:ref:refs/heads/main")
    assert permissions == (Permission("publish", "io.github.octo-org/*"),)


@pytest.mark.parametrize(
    ("claims", "kid", "expected"),
    [
        ({"aud": "another-registry"}, None, "Audience doesn't match"),
        ({"iss": "https://token.actions.githubusercontent.com"}, None, "Invalid issuer"),
        ({"exp": int(datetime.now(UTC).timestamp()) - 30}, None, "Signature has expired"),
        ({}, "retired-key", "key with ID retired-key not found"),
    ],
    ids=["wrong-audience", "wrong-issuer", "expired", "unknown-kid"],
)
def test_a_bad_actions_token_is_401(
    oidc_registry: tuple[LocalOidcIssuer, httpx.Client], claims: dict[str, Any], kid: str | None, expected: str
) -> None:
    issuer, client = oidc_registry

    message = refused(exchange_oidc(client, issuer.mint(issuer.claims(**claims), kid=kid)), "Token exchange failed")

    assert expected in message


def test_the_registry_fetches_the_issuers_keys_once_for_many_exchanges(
    oidc_registry: tuple[LocalOidcIssuer, httpx.Client],
) -> None:
    issuer, client = oidc_registry
    granted(exchange_oidc(client, issuer.mint(issuer.claims())))
    before = issuer.jwks_requests

    for _ in range(3):
        granted(exchange_oidc(client, issuer.mint(issuer.claims())))

    assert issuer.jwks_requests == before


# --- github-at against a GitHub-like API -----------------------------------------------------------------------------


def fake_github() -> Starlette:
    async def user(request: Request) -> Response:
        if request.headers.get("authorization") != "Bearer gho_alice":
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        return JSONResponse({"login": "alice", "id": 1})

    async def orgs(request: Request) -> Response:
        if request.path_params["login"] != "alice" or request.query_params.get("page") != "1":
            return JSONResponse([])
        return JSONResponse([{"login": "acme", "id": 2}, {"login": "not.valid", "id": 3}])

    return Starlette(routes=[Route("/user", user), Route("/users/{login}/orgs", orgs)])


def test_a_github_access_token_exchanges_through_the_github_api() -> None:
    with serve_in_thread(fake_github()) as api, registry(replace(SETTINGS, github_api_url=api)) as client:
        good = client.post("/v0/auth/github-at", json={"github_token": "gho_alice"})
        bad = client.post("/v0/auth/github-at", json={"github_token": "gho_mallory"})

    assert granted(good) == (
        "github-at",
        "alice",
        (Permission("publish", "io.github.alice/*"), Permission("publish", "io.github.acme/*")),
    )
    assert refused(bad, "Token exchange failed") == "GitHub API error (status 401)"


# --- http: a real web server publishing the key ------------------------------------------------------------------


class Signer:
    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.record = f"v=MCPv1; k=ed25519; p={base64.b64encode(raw).decode()}"
        self.fingerprint = "ed25519:" + base64.b64encode(raw).decode()[:8]

    def proof(self, domain: str) -> dict[str, str]:
        timestamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"domain": domain, "timestamp": timestamp, "signed_timestamp": self.key.sign(timestamp.encode()).hex()}


SIGNER = Signer()


def key_website() -> Starlette:
    """``/<host>/.well-known/mcp-registry-auth`` plays the role of each host's well-known document."""

    async def well_known(request: Request) -> Response:
        host = request.path_params["host"]
        if host == "example.com":
            return PlainTextResponse(SIGNER.record + "\n")
        if host == "moved.example.com":
            return RedirectResponse("/example.com/.well-known/mcp-registry-auth", status_code=302)
        if host == "huge.example.com":
            return PlainTextResponse(SIGNER.record + " " * 5000)
        return PlainTextResponse("not here", status_code=404)

    return Starlette(routes=[Route("/{host}/.well-known/mcp-registry-auth", well_known)])


@pytest.fixture(scope="module")
def website() -> Iterator[str]:
    with serve_in_thread(key_website()) as url:
        yield url


def local_fetcher(website: str, *, allow_private: bool = True) -> HttpKeyFetcher:
    return HttpKeyFetcher(base_url_for=lambda domain: f"{website}/{domain}", allow_private_addresses=allow_private)


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("example.com", None),
        ("moved.example.com", "HTTP 302"),
        ("huge.example.com", "HTTP auth key response too large"),
        ("missing.example.com", "HTTP 404"),
    ],
)
def test_an_http_proof_is_checked_against_the_published_document(
    website: str, domain: str, expected: str | None
) -> None:
    with registry(SETTINGS, fetcher=local_fetcher(website)) as client:
        response = client.post("/v0/auth/http", json=SIGNER.proof(domain))

    if expected is None:
        assert granted(response) == ("http", "example.com", (Permission("publish", "com.example/*"),))
    else:
        assert expected in refused(response, "HTTP authentication failed")


def test_the_default_fetcher_refuses_loopback_addresses(website: str) -> None:
    with registry(SETTINGS, fetcher=local_fetcher(website, allow_private=False)) as client:
        response = client.post("/v0/auth/http", json=SIGNER.proof("example.com"))

    assert "refusing to connect to private or loopback address" in refused(response, "HTTP authentication failed")


# --- dns: a real DNS server answering TXT queries -----------------------------------------------------------------


@contextmanager
def dns_server(zone: dict[str, list[list[str]]]) -> Iterator[int]:
    """A UDP DNS server on 127.0.0.1: ``zone`` maps names to TXT records, each a list of character-strings."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", free_port()))
    sock.settimeout(0.05)
    stop = threading.Event()

    def answer(query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        name = query.question[0].name
        records = zone.get(name.to_text(omit_final_dot=True))
        if records is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        else:
            texts = [" ".join(f'"{part}"' for part in record) for record in records]
            response.answer.append(dns.rrset.from_text_list(name, 60, "IN", "TXT", texts))
        return response

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            sock.sendto(answer(dns.message.from_wire(data)).to_wire(), peer)

    thread = threading.Thread(target=serve, name="test-dns", daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1]
    finally:
        stop.set()
        thread.join(DNS_STOP_TIMEOUT)
        sock.close()


def split(record: str) -> list[str]:
    """One TXT record as two character-strings, the way long records arrive (the resolver must join them)."""
    return [record[:20], record[20:]]


@pytest.fixture(scope="module")
def dns_registry() -> Iterator[httpx.Client]:
    stale = Signer()
    zone = {
        "example.com": [["v=spf1 -all"], split(SIGNER.record)],
        "rotated.example": [[stale.record], [SIGNER.record]],
        "stale.example": [[stale.record]],
        "_mcp-auth.misplaced.example": [[SIGNER.record]],
    }
    with dns_server(zone) as port, registry(SETTINGS, resolver=DnsTxtResolver(["127.0.0.1"], port=port)) as client:
        yield client


def test_a_dns_proof_grants_the_zone_through_a_real_dns_lookup(dns_registry: httpx.Client) -> None:
    response = dns_registry.post("/v0/auth/dns", json=SIGNER.proof("example.com"))

    assert granted(response) == (
        "dns",
        "example.com",
        (Permission("publish", "com.example/*"), Permission("publish", "com.example.*")),
    )


def test_any_published_key_may_sign_during_rotation(dns_registry: httpx.Client) -> None:
    assert granted(dns_registry.post("/v0/auth/dns", json=SIGNER.proof("rotated.example")))[0] == "dns"


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("stale.example", "signature verification failed (tried published key ed25519:"),
        ("nowhere.example", "no MCP public key found in DNS TXT records"),
        ("misplaced.example", "but one exists at _mcp-auth.misplaced.example"),
    ],
)
def test_a_dns_proof_that_fails_explains_why(dns_registry: httpx.Client, domain: str, expected: str) -> None:
    message = refused(dns_registry.post("/v0/auth/dns", json=SIGNER.proof(domain)), "DNS authentication failed")

    assert expected in message


def test_an_unanswering_dns_server_is_a_clean_401() -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    resolver = DnsTxtResolver(["127.0.0.1"], port=silent.getsockname()[1], timeout_seconds=0.5)
    try:
        with registry(SETTINGS, resolver=resolver) as client:
            response = client.post("/v0/auth/dns", json=SIGNER.proof("example.com"))
    finally:
        silent.close()

    assert "failed to look up DNS TXT records for example.com" in refused(response, "DNS authentication failed")
