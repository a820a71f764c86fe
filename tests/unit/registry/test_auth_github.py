"""GitHub exchanges: access tokens against a fake REST API, Actions OIDC tokens against the local issuer's JWKS."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.testclient import TestClient

from mcpship.registry.auth import Permission, TokenIssuer, auth_routes
from mcpship.registry.auth.github import GitHubIdentityError, GitHubOidcVerifier
from mcpship.registry.config import RegistrySettings
from mcpship.registry.problems import PROBLEM_JSON
from tests.registry_support.oidc_issuer import LocalOidcIssuer, auth_app

SEED = bytes(range(32))
SETTINGS = RegistrySettings(database_url="sqlite://", jwt_private_key=SEED, github_api_url="https://api.github.test")


def granted(response: Any) -> tuple[str, str, tuple[Permission, ...]]:
    assert response.status_code == 200, response.text
    claims = TokenIssuer(SEED).verify(response.json()["registry_token"])
    return claims.auth_method, claims.auth_method_sub, claims.permissions


def refused(response: Any) -> str:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["detail"] == "Token exchange failed"
    message: str = body["errors"][0]["message"]
    return message


def publish(*owners: str) -> tuple[Permission, ...]:
    return tuple(Permission("publish", f"io.github.{owner}/*") for owner in owners)


# --- github-at ------------------------------------------------------------------------------------------------


class FakeGitHub:
    """Just enough of api.github.com: ``/user`` and ``/users/<login>/orgs`` (paginated), for one token."""

    def __init__(self, login: str = "alice", orgs: list[str] | None = None, orgs_status: int = 200) -> None:
        self.login = login
        self.orgs = orgs or []
        self.orgs_status = orgs_status
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("authorization") != "Bearer gho_good":
            return httpx.Response(401, json={"message": "Bad credentials SECRET-UPSTREAM-DETAIL"})
        if request.url.path == "/user":
            return httpx.Response(200, json={"login": self.login, "id": 1})
        if request.url.path == f"/users/{self.login}/orgs":
            if self.orgs_status != 200:
                return httpx.Response(self.orgs_status, json={"message": "boom"})
            per_page, page = int(request.url.params["per_page"]), int(request.url.params["page"])
            batch = self.orgs[(page - 1) * per_page : page * per_page]
            return httpx.Response(200, json=[{"login": org, "id": index} for index, org in enumerate(batch)])
        return httpx.Response(404, json={"message": "Not Found"})


def github_at(fake: FakeGitHub, token: str = "gho_good", settings: RegistrySettings = SETTINGS) -> Any:
    client = httpx.AsyncClient(transport=httpx.MockTransport(fake.handle))
    with TestClient(auth_app(auth_routes(settings, TokenIssuer(SEED), http_client=client))) as http:
        return http.post("/v0/auth/github-at", json={"github_token": token})


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"login": "alice", "id": NaN}'])
def test_a_github_answer_nested_too_deep_or_holding_nan_is_refused_as_not_json(body: bytes) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    with TestClient(auth_app(auth_routes(SETTINGS, TokenIssuer(SEED), http_client=client))) as http:
        response = http.post("/v0/auth/github-at", json={"github_token": "gho_good"})
    assert refused(response) == "GitHub API answered something other than JSON"


def test_a_github_token_grants_the_users_and_their_public_orgs_namespaces() -> None:
    fake = FakeGitHub(orgs=["acme", "Octo-Org"])

    assert granted(github_at(fake)) == ("github-at", "alice", publish("alice", "acme", "Octo-Org"))
    assert [str(request.url) for request in fake.requests] == [
        "https://api.github.test/user",
        "https://api.github.test/users/alice/orgs?per_page=100&page=1",
    ]
    assert fake.requests[0].headers["accept"] == "application/vnd.github+json"


def test_orgs_with_unexpected_names_earn_nothing_but_do_not_spoil_the_rest() -> None:
    fake = FakeGitHub(orgs=["acme", "bad.org", "evil/../x", ""])

    assert granted(github_at(fake))[2] == publish("alice", "acme")


def test_an_unexpected_login_earns_no_permissions_and_is_never_put_in_a_url() -> None:
    fake = FakeGitHub(login="alice.evil", orgs=["acme"])

    assert granted(github_at(fake)) == ("github-at", "alice.evil", ())
    assert [request.url.path for request in fake.requests] == ["/user"]


def test_every_page_of_organisations_is_read() -> None:
    orgs = [f"org{index}" for index in range(101)]

    permissions = granted(github_at(FakeGitHub(orgs=orgs)))[2]

    assert permissions == publish("alice", *orgs)


def test_a_bad_github_token_is_401_without_echoing_githubs_answer() -> None:
    message = refused(github_at(FakeGitHub(), token="gho_bad"))

    assert message == "GitHub API error (status 401)"


def test_a_failing_org_lookup_is_401() -> None:
    assert refused(github_at(FakeGitHub(orgs_status=502))) == "GitHub API error (status 502)"


def test_an_unreachable_github_is_401() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(unreachable))
    with TestClient(auth_app(auth_routes(SETTINGS, TokenIssuer(SEED), http_client=client))) as http:
        response = http.post("/v0/auth/github-at", json={"github_token": "gho_good"})

    assert refused(response) == "cannot reach the GitHub API: ConnectError"


def test_a_blocked_org_refuses_the_whole_grant() -> None:
    settings = replace(SETTINGS, blocked_namespaces=("io.github.acme",))

    assert "blocked" in refused(github_at(FakeGitHub(orgs=["acme"]), settings=settings))


# --- github-oidc ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def oidc() -> LocalOidcIssuer:
    return LocalOidcIssuer(url="https://token.actions.test")


def oidc_exchange(oidc: LocalOidcIssuer, token: str, *, audience: str = "mcp-registry") -> Any:
    settings = replace(SETTINGS, github_oidc_issuer=oidc.url, github_oidc_audience=audience)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=oidc.app))
    with TestClient(auth_app(auth_routes(settings, TokenIssuer(SEED), http_client=client))) as http:
        return http.post("/v0/auth/github-oidc", json={"oidc_token": token})


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_an_actions_token_grants_the_repository_owners_namespace(oidc: LocalOidcIssuer, algorithm: str) -> None:
    token = oidc.mint(oidc.claims(), algorithm=algorithm)

    assert granted(oidc_exchange(oidc, token)) == (
        "github-oidc",
        "repo:octo-org/notes:ref:refs/heads/main",
        publish("octo-org"),
    )


def test_an_audience_list_containing_ours_is_accepted(oidc: LocalOidcIssuer) -> None:
    token = oidc.mint(oidc.claims(aud=["something-else", "mcp-registry"]))
    assert granted(oidc_exchange(oidc, token))[2] == publish("octo-org")


def test_an_unexpected_repository_owner_earns_no_permissions(oidc: LocalOidcIssuer) -> None:
    token = oidc.mint(oidc.claims(repository_owner="octo.org"))
    assert granted(oidc_exchange(oidc, token))[2] == ()


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"aud": "someone-else"}, "Audience doesn't match"),
        ({"iss": "https://evil.test"}, "Invalid issuer"),
        ({"exp": -60}, "Signature has expired"),
        ({"exp": None}, 'Token is missing the "exp" claim'),
        ({"aud": None}, 'Token is missing the "aud" claim'),
        ({"nbf": 600}, "The token is not yet valid"),
        ({"repository_owner": None}, "repository owner claim is required"),
    ],
)
def test_an_actions_token_with_wrong_claims_is_401(
    oidc: LocalOidcIssuer, overrides: dict[str, Any], expected: str
) -> None:
    # exp/nbf are offsets from now, taken when the test runs (not when the module is collected).
    now = int(time.time())
    claims = {key: now + value if key in ("exp", "nbf") and value else value for key, value in overrides.items()}
    assert expected in refused(oidc_exchange(oidc, oidc.mint(oidc.claims(**claims))))


def test_a_token_for_another_audience_setting_is_401(oidc: LocalOidcIssuer) -> None:
    message = refused(oidc_exchange(oidc, oidc.mint(oidc.claims()), audience="my-private-registry"))
    assert "Audience doesn't match" in message


def test_a_token_naming_an_unknown_key_is_401(oidc: LocalOidcIssuer) -> None:
    assert "key with ID nobody not found" in refused(oidc_exchange(oidc, oidc.mint(oidc.claims(), kid="nobody")))


def test_a_token_signed_by_a_foreign_key_under_a_known_kid_is_401(oidc: LocalOidcIssuer) -> None:
    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = oidc.mint(oidc.claims(), key=foreign, kid=oidc.rsa_kid)

    assert "Signature verification failed" in refused(oidc_exchange(oidc, token))


def test_a_token_whose_algorithm_does_not_fit_its_key_is_401(oidc: LocalOidcIssuer) -> None:
    token = oidc.mint(oidc.claims(), algorithm="ES256", kid=oidc.rsa_kid)
    assert "is for RS256, but the token says ES256" in refused(oidc_exchange(oidc, token))


@pytest.mark.parametrize("algorithm", ["HS256", "none"])
def test_symmetric_or_unsigned_actions_tokens_are_401(oidc: LocalOidcIssuer, algorithm: str) -> None:
    secret = "a-shared-secret-long-enough-for-hs256" if algorithm == "HS256" else ""
    token = jwt.encode(oidc.claims(), secret, algorithm=algorithm, headers={"kid": oidc.rsa_kid})
    assert "unexpected signing algorithm" in refused(oidc_exchange(oidc, token))


def test_a_token_without_a_kid_is_401(oidc: LocalOidcIssuer) -> None:
    token = jwt.encode(oidc.claims(), oidc.rsa_key, algorithm="RS256")
    assert refused(oidc_exchange(oidc, token)) == "missing kid in token header"


def test_garbage_instead_of_an_actions_token_is_401(oidc: LocalOidcIssuer) -> None:
    assert refused(oidc_exchange(oidc, "not.a.jwt")).startswith("failed to parse token")


def test_an_unreachable_issuer_is_401(oidc: LocalOidcIssuer) -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    settings = replace(SETTINGS, github_oidc_issuer=oidc.url)
    client = httpx.AsyncClient(transport=httpx.MockTransport(unreachable))
    with TestClient(auth_app(auth_routes(settings, TokenIssuer(SEED), http_client=client))) as http:
        response = http.post("/v0/auth/github-oidc", json={"oidc_token": oidc.mint(oidc.claims())})

    assert "failed to fetch" in refused(response)


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def verifier(oidc: LocalOidcIssuer, clock: Monotonic) -> GitHubOidcVerifier:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=oidc.app))
    return GitHubOidcVerifier(
        oidc.url, "mcp-registry", client=client, max_age_seconds=3600, min_refresh_seconds=30, monotonic=clock
    )


def test_the_key_set_is_cached_refreshed_on_a_new_kid_and_not_hammered() -> None:
    oidc, clock = LocalOidcIssuer(url="https://token.actions.test"), Monotonic()
    checker = verifier(oidc, clock)

    async def scenario() -> None:
        await checker.verify(oidc.mint(oidc.claims()))
        await checker.verify(oidc.mint(oidc.claims()))
        assert oidc.jwks_requests == 1

        rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        oidc.publish_key("rsa-2", rotated)
        new_token = oidc.mint(oidc.claims(), key=rotated, kid="rsa-2")
        with pytest.raises(GitHubIdentityError, match="not found"):
            await checker.verify(new_token)  # within the refresh floor: no new fetch
        assert oidc.jwks_requests == 1

        clock.now += 31
        await checker.verify(new_token)  # an unknown kid after the floor: one refresh finds it
        assert oidc.jwks_requests == 2

        clock.now += 3600
        await checker.verify(new_token)  # the cache ages out
        assert oidc.jwks_requests == 3

    asyncio.run(scenario())


@pytest.mark.parametrize(("jwks_path", "discovery"), [(True, False), (False, True)])
def test_keys_are_found_at_the_github_path_or_through_openid_discovery(jwks_path: bool, discovery: bool) -> None:
    oidc = LocalOidcIssuer(url="https://token.actions.test", serve_jwks_path=jwks_path, serve_discovery=discovery)
    checker = verifier(oidc, Monotonic())

    identity = asyncio.run(checker.verify(oidc.mint(oidc.claims())))

    assert identity.repository_owner == "octo-org"


def test_an_issuer_publishing_no_keys_anywhere_is_an_identity_error() -> None:
    oidc = LocalOidcIssuer(url="https://token.actions.test", serve_jwks_path=False, serve_discovery=False)

    with pytest.raises(GitHubIdentityError, match="answered HTTP 404"):
        asyncio.run(verifier(oidc, Monotonic()).verify(oidc.mint(oidc.claims())))
