"""Hostile requests against the app in-process (Starlette's TestClient) on a real SQLite store: each attack of
issue 12 items 1 to 3, reproduced, answered with a 4xx naming the place, and nothing stored.

The memory bound of an oversized body against a real server process is in
``tests/integration/registry/test_api_limits.py``."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mcpship.registry.api import create_app
from mcpship.registry.api._responses import encode_json
from mcpship.registry.auth import Permission, TokenIssuer
from mcpship.registry.config import OwnershipSettings, RegistrySettings
from mcpship.registry.limits import DEFAULT_MAX_BODY_BYTES, MAX_QUERY_TEXT_LENGTH, MAX_SEARCH_OFFSET
from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.records import OfficialMeta
from mcpship.registry.service import SqlRegistry

KEY = bytes(range(32))
SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
ADMIN = "admin-secret"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
NAME = "io.github.hostile/app"
PATH = "/v0.1/servers/io.github.hostile%2Fapp/versions/1.0.0"
BODY_ROUTES = [
    ("POST", "/v0.1/publish"),
    ("PUT", PATH),
    ("PATCH", PATH + "/status"),
    ("PATCH", "/v0.1/servers/io.github.hostile%2Fapp/status"),
    ("POST", "/v0.1/validate"),
    ("POST", "/v0.1/auth/admin"),
    ("POST", "/v0/auth/github-at"),
    ("POST", "/v0/auth/dns"),
]


def _settings(tmp_path: Path, **changes: Any) -> RegistrySettings:
    settings = RegistrySettings(
        database_url=f"sqlite:///{tmp_path / 'r.db'}",
        jwt_private_key=KEY,
        ownership=OwnershipSettings(enabled=False),
        admin_tokens=(ADMIN,),
        enable_anonymous_auth=True,
    )
    return replace(settings, **changes)


def _client(settings: RegistrySettings) -> TestClient:
    service = SqlRegistry.open(settings.database_url)
    app = create_app(settings, service, close_service=True)
    return TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with _client(_settings(tmp_path)) as test_client:
        test_client.headers["Authorization"] = _bearer()
        yield test_client


@pytest.fixture(scope="module")
def shared_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """For requests that are all refused: one store for the module (opening one costs its migrations)."""
    with _client(_settings(tmp_path_factory.mktemp("shared"))) as test_client:
        test_client.headers["Authorization"] = _bearer()
        yield test_client


def _bearer() -> str:
    grants = (Permission("publish", "*"), Permission("edit", "*"))
    return "Bearer " + TokenIssuer(KEY).issue(auth_method="test", subject="unit", permissions=grants).registry_token


def _server(name: str = NAME, version: str = "1.0.0", **extra: object) -> dict[str, Any]:
    return {"$schema": SCHEMA, "name": name, "description": "A server", "version": version, **extra}


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    return problem


def _nothing_stored(client: TestClient) -> None:
    assert client.get("/v0.1/servers", headers={"Cache-Control": "no-cache"}).json()["servers"] == []


def _with_meta(token: bytes) -> bytes:
    return (
        b'{"$schema": "' + SCHEMA.encode() + b'", "name": "' + NAME.encode() + b'", "description": "d", '
        b'"version": "1.0.0", "_meta": {"io.modelcontextprotocol.registry/publisher-provided": {"x": ' + token + b"}}}"
    )


@pytest.mark.parametrize("token", [b"NaN", b"Infinity", b"-Infinity", b"1e999", b'"\\ud800"'])
def test_a_publish_holding_what_json_has_not_is_400_naming_where_and_stores_nothing(
    client: TestClient, token: bytes
) -> None:
    problem = _problem(client.post("/v0.1/publish", content=_with_meta(token)), 400)
    assert problem["detail"] == "validation failed"
    [error] = problem["errors"]
    assert error["location"] == "body._meta.io.modelcontextprotocol.registry/publisher-provided.x"
    _nothing_stored(client)


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_every_route_that_reads_a_body_parses_it_strictly(shared_client: TestClient, method: str, path: str) -> None:
    for body in (b'{"status": NaN}', b'{"a": 1, "a": 2}', b"[" * 1000 + b"]" * 1000, b"{"):
        problem = _problem(shared_client.request(method, path, content=body), 400)
        assert problem["errors"][0]["location"].startswith("body")


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_every_route_that_reads_a_body_refuses_one_over_the_limit_with_413(
    shared_client: TestClient, method: str, path: str
) -> None:
    declared = shared_client.request(method, path, content=b" " * (DEFAULT_MAX_BODY_BYTES + 1))
    assert _problem(declared, 413)["detail"] == f"request body is too large limit={DEFAULT_MAX_BODY_BYTES} bytes"
    assert declared.headers["connection"] == "close"

    def streamed() -> Iterator[bytes]:  # no Content-Length: refused once the bytes read pass the limit
        for _ in range(DEFAULT_MAX_BODY_BYTES // 65536 + 2):
            yield b" " * 65536

    _problem(shared_client.request(method, path, content=streamed()), 413)


def test_a_body_of_exactly_the_limit_is_read(client: TestClient) -> None:
    document = json.dumps(_server()).encode()
    padded = document + b" " * (DEFAULT_MAX_BODY_BYTES - len(document))
    assert client.post("/v0.1/publish", content=padded).status_code == 200


def test_the_body_limit_is_a_setting(tmp_path: Path) -> None:
    with _client(_settings(tmp_path, max_body_bytes=8192)) as small:
        small.headers["Authorization"] = _bearer()
        assert small.post("/v0.1/publish", json=_server(description="d" * 9000)).status_code == 413
        assert small.post("/v0.1/validate", json=_server()).status_code == 200


def test_a_version_holding_nul_is_refused_at_publish_and_nothing_is_stored(client: TestClient) -> None:
    problem = _problem(client.post("/v0.1/publish", json=_server(version="1.0.0\x00")), 422)
    assert [error["location"] for error in problem["errors"]] == ["body.version"]
    assert "control character" in problem["errors"][0]["message"]
    _nothing_stored(client)


@pytest.mark.parametrize("version", ["1.0.0\n", "1.0.0\r", "1.0.0\u0085", "\x1b[2J1.0.0"])
def test_versions_with_control_characters_are_refused(client: TestClient, version: str) -> None:
    _problem(client.post("/v0.1/publish", json=_server(version=version)), 422)
    _nothing_stored(client)


def _with_env(name: str) -> dict[str, Any]:
    package = {
        "registryType": "npm",
        "identifier": "pkg",
        "version": "1.0.0",
        "transport": {"type": "stdio"},
        "environmentVariables": [{"name": "OK_NAME"}, {"name": name}],
    }
    return _server(packages=[package])


@pytest.mark.parametrize("env_name", ["API_KEY=x; touch ~/pwned; FOO", "A\nrm -rf ~", "1ABC", "A-B", "", "ÄPI"])
def test_environment_variable_names_clients_cannot_set_are_refused_with_their_path(
    client: TestClient, env_name: str
) -> None:
    location = "body.packages[0].environmentVariables[1].name"
    problem = _problem(client.post("/v0.1/publish", json=_with_env(env_name)), 422)
    assert location in [error["location"] for error in problem["errors"]]
    _nothing_stored(client)
    assert client.post("/v0.1/publish", json=_server()).status_code == 200
    edited = _problem(client.put(PATH, json=_with_env(env_name)), 422)
    assert location in [error["location"] for error in edited["errors"]]
    validated = client.post("/v0.1/validate", json=_with_env(env_name)).json()
    assert validated["valid"] is False
    assert "packages[0].environmentVariables[1].name" in [issue["path"] for issue in validated["issues"]]


QUERIES = [
    ("/v0.1/x/io.github.mcpship/search?q=a&offset=9223372036854775807", 422, "query.offset"),
    ("/v0.1/x/io.github.mcpship/search?q=a&offset=99999999999999999999999999", 422, "query.offset"),
    (f"/v0.1/x/io.github.mcpship/search?q=a&offset={MAX_SEARCH_OFFSET + 1}", 422, "query.offset"),
    ("/v0.1/x/io.github.mcpship/search?q=a&offset=-1", 422, "query.offset"),
    ("/v0.1/x/io.github.mcpship/search?q=a&limit=1_0", 422, "query.limit"),
    ("/v0.1/x/io.github.mcpship/search?q=a&limit=%EF%BC%91", 422, "query.limit"),  # a fullwidth digit one
    ("/v0.1/x/io.github.mcpship/search?q=" + "a" * (MAX_QUERY_TEXT_LENGTH + 1), 422, "query.q"),
    ("/v0.1/x/io.github.mcpship/search?q=a&registry_type=%01", 422, "query.registry_type"),
    ("/v0.1/servers?limit=99999999999999999999999", 422, "query.limit"),
    ("/v0.1/servers?limit=abc", 422, "query.limit"),
    ("/v0.1/servers?limit=-5", 422, "query.limit"),
    ("/v0.1/servers?cursor=" + "a" * (MAX_QUERY_TEXT_LENGTH + 1), 422, "query.cursor"),
    ("/v0.1/servers?cursor=io.github.a%2Fb%3A1%0A", 422, "query.cursor"),
    ("/v0.1/servers?search=" + "x" * 20_000, 422, "query.search"),
    ("/v0.1/servers?version=1.0%1B", 422, "query.version"),
    ("/v0.1/servers?transport=%C2%85", 422, "query.transport"),
    ("/v0.1/servers?updated_since=9999-99-99T99:99:99Z", 400, None),
    ("/v0.1/servers?updated_since=" + "9" * 10_000, 400, None),
    ("/v0.1/servers?include_deleted=maybe", 422, "query.include_deleted"),
    ("/v0.1/servers/io.github.a%2Fb/versions/1.0.0%00", 400, None),
    # Other control characters: "Server not found", as upstream (publishing refuses them: nothing holds one).
    ("/v0.1/servers/io.github.a%2Fb/versions/1.0.0%0A", 404, None),
    ("/v0.1/servers/io.github.a%2Fb%01/versions", 404, None),
    ("/v0.1/servers/io.github.a%2Fb/versions/%C2%9B", 404, None),
    ("/v0.1/servers/io.github.a%2Fb/versions/" + "9" * 10_000, 404, None),
]


@pytest.mark.parametrize(("path", "status", "location"), QUERIES)
def test_absurd_parameters_are_4xx_naming_the_parameter(
    shared_client: TestClient, path: str, status: int, location: str | None
) -> None:
    problem = _problem(shared_client.get(path), status)
    if location is not None:
        assert problem["errors"][0]["location"] == location
        assert len(json.dumps(problem)) < 2 * MAX_QUERY_TEXT_LENGTH  # a long value is not echoed whole


def test_an_updated_since_beyond_the_calendar_in_utc_still_means_after_everything(client: TestClient) -> None:
    assert client.post("/v0.1/publish", json=_server()).status_code == 200
    late = client.get("/v0.1/servers?updated_since=9999-12-31T23:59:59-23:59")
    assert late.status_code == 200
    assert late.json()["servers"] == []
    early = client.get("/v0.1/servers?updated_since=0001-01-01T00:00:00%2B23:59")
    assert [entry["server"]["name"] for entry in early.json()["servers"]] == [NAME]


def test_the_response_encoder_refuses_non_finite_numbers() -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        encode_json({"servers": [{"x": float("nan")}]})


def _strict(text: str) -> Any:
    return json.loads(text, parse_constant=lambda token: pytest.fail(f"served {token}"))


def test_a_row_stored_with_nan_before_the_fix_is_served_with_null_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _settings(tmp_path)
    with SqlRegistry.open(settings.database_url) as service:
        service.publish(_server())
        service.publish(_server("io.github.hostile/other"))
    stored = json.dumps(_server(_meta={"io.modelcontextprotocol.registry/publisher-provided": {"x": float("nan")}}))
    assert "NaN" in stored  # what an older version wrote (Python's json allows it)
    with sqlite3.connect(tmp_path / "r.db") as database:
        database.execute("UPDATE servers SET value = ? WHERE name = ?", (stored, NAME))
    caplog.set_level(logging.WARNING, logger="mcpship.registry")
    with _client(settings) as client:
        client.headers["Authorization"] = _bearer()
        listed = client.get("/v0.1/servers")
        assert listed.status_code == 200
        names = [entry["server"]["name"] for entry in _strict(listed.text)["servers"]]
        assert names == ["io.github.hostile/app", "io.github.hostile/other"]  # the page keeps every row
        for path in (PATH, "/v0.1/servers/io.github.hostile%2Fapp/versions", "/v0.1/x/io.github.mcpship/search?q=A"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert "null" in response.text
            _strict(response.text)
        changed = client.patch(PATH + "/status", json={"status": "deprecated"})  # read back through SQLAlchemy
        assert changed.status_code == 200
        assert _strict(changed.text)["server"]["_meta"]["io.modelcontextprotocol.registry/publisher-provided"] == {
            "x": None
        }
    assert any("NaN or Infinity" in record.getMessage() and NAME in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("value", "says"),
    [(float("nan"), "NaN or Infinity"), (float("inf"), "NaN or Infinity"), ("a\ud800", "surrogate"), ("\x00", "NUL")],
)
def test_the_store_refuses_what_a_mirror_or_library_caller_might_hand_it(
    tmp_path: Path, value: object, says: str
) -> None:
    document = _server(_meta={"io.modelcontextprotocol.registry/publisher-provided": {"x": value}})
    official = OfficialMeta(status="active", status_changed_at=NOW, published_at=NOW, updated_at=NOW, is_latest=True)
    with SqlRegistry.open(f"sqlite:///{tmp_path / 's.db'}") as service:
        for write in (lambda: service.publish(document), lambda: service.import_record(document, official)):
            with pytest.raises(RegistryHTTPError) as refused:
                write()
            assert refused.value.status == 400
            assert says in refused.value.errors[0]["message"]
        assert service.list_versions(NAME, include_deleted=True) == []
