"""The ``none`` and ``admin`` exchanges, blocked namespaces and body validation, through a real Starlette app."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from starlette.testclient import TestClient

from mcpship.registry.auth import Permission, TokenIssuer, auth_routes
from mcpship.registry.config import RegistrySettings
from mcpship.registry.problems import PROBLEM_JSON
from tests.registry_support.oidc_issuer import auth_app

SEED = bytes(range(32))
SETTINGS = RegistrySettings(database_url="sqlite://", jwt_private_key=SEED)


def client(settings: RegistrySettings, **kwargs: Any) -> TestClient:
    return TestClient(auth_app(auth_routes(settings, TokenIssuer(SEED), **kwargs)))


def assert_problem(response: Any, status: int, detail: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert (body["status"], body["detail"]) == (status, detail)
    return body


def test_anonymous_auth_grants_publish_and_edit_on_the_anonymous_namespace_only() -> None:
    with client(replace(SETTINGS, enable_anonymous_auth=True)) as http:
        response = http.post("/v0.1/auth/none")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"registry_token", "expires_at"}
    claims = TokenIssuer(SEED).verify(body["registry_token"])
    assert (claims.auth_method, claims.auth_method_sub) == ("none", "anonymous")
    assert claims.permissions == (
        Permission("publish", "io.modelcontextprotocol.anonymous/*"),
        Permission("edit", "io.modelcontextprotocol.anonymous/*"),
    )
    assert claims.expires_at == body["expires_at"]
    assert claims.allows("publish", "io.modelcontextprotocol.anonymous/demo")
    assert not claims.allows("publish", "io.github.alice/demo")
    assert not claims.allows("publish", "io.modelcontextprotocol.anonymousx/demo")


def test_anonymous_auth_is_absent_unless_enabled() -> None:
    with client(SETTINGS) as http:
        assert http.post("/v0/auth/none").status_code == 404


def test_an_admin_token_exchanges_for_publish_and_edit_on_everything() -> None:
    with client(replace(SETTINGS, admin_tokens=("first-secret", "second-secret"))) as http:
        response = http.post("/v0/auth/admin", json={"admin_token": "second-secret"})

    assert response.status_code == 200
    claims = TokenIssuer(SEED).verify(response.json()["registry_token"])
    assert claims.auth_method == "admin"
    assert claims.permissions == (Permission("publish", "*"), Permission("edit", "*"))


@pytest.mark.parametrize("offered", ["wrong", "", "second-secre", "second-secret ", "ünïcode"])
def test_a_wrong_admin_token_is_401(offered: str) -> None:
    with client(replace(SETTINGS, admin_tokens=("second-secret",))) as http:
        response = http.post("/v0/auth/admin", json={"admin_token": offered})

    assert_problem(response, 401, "Token exchange failed")


def test_admin_auth_is_absent_without_configured_tokens() -> None:
    with client(SETTINGS) as http:
        assert http.post("/v0/auth/admin", json={"admin_token": ""}).status_code == 404


@pytest.mark.parametrize("body", [b"", b"[]", b'{"admin_token": 5}', b'{"token": "x"}'])
def test_a_malformed_exchange_body_is_422_with_field_errors(body: bytes) -> None:
    with client(replace(SETTINGS, admin_tokens=("s",))) as http:
        response = http.post("/v0/auth/admin", content=body, headers={"content-type": "application/json"})

    problem = assert_problem(response, 422, "validation failed")
    assert problem["errors"]
    assert all("message" in error for error in problem["errors"])


def test_a_blocked_namespace_refuses_the_anonymous_grant_but_not_an_admin_one() -> None:
    settings = replace(
        SETTINGS,
        enable_anonymous_auth=True,
        admin_tokens=("s",),
        blocked_namespaces=("io.modelcontextprotocol.anonymous",),
    )
    with client(settings) as http:
        refused = http.post("/v0/auth/none")
        admin = http.post("/v0/auth/admin", json={"admin_token": "s"})

    body = assert_problem(refused, 401, "Token exchange failed")
    assert "blocked" in body["errors"][0]["message"]
    assert admin.status_code == 200


def test_exchanges_answer_only_post() -> None:
    with client(replace(SETTINGS, enable_anonymous_auth=True)) as http:
        assert http.get("/v0/auth/none").status_code == 405
