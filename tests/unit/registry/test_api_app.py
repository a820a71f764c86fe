"""The Starlette app in-process (Starlette's TestClient) on a real SQLite store: the parts a subprocess
would make slow to test, such as metrics labels, 405s, the OpenAPI document and the guards."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.routing import Route
from starlette.testclient import TestClient

from mcpship.registry.api import create_app
from mcpship.registry.auth import Permission, TokenIssuer
from mcpship.registry.config import OwnershipSettings, RegistrySettings
from mcpship.registry.records import Changes
from mcpship.registry.service import SqlRegistry

KEY = bytes(range(32))
SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = RegistrySettings(
        database_url=f"sqlite:///{tmp_path / 'r.db'}", jwt_private_key=KEY, ownership=OwnershipSettings(enabled=False)
    )
    service = SqlRegistry.open(settings.database_url)
    with TestClient(create_app(settings, service, close_service=True), base_url="http://127.0.0.1") as test_client:
        yield test_client


def _token(*permissions: Permission) -> dict[str, str]:
    grants = permissions or (Permission("publish", "*"), Permission("edit", "*"))
    token = TokenIssuer(KEY).issue(auth_method="test", subject="unit", permissions=grants).registry_token
    return {"Authorization": f"Bearer {token}"}


def _server(name: str, version: str = "1.0.0") -> dict[str, str]:
    return {"$schema": SCHEMA, "name": name, "description": "A server", "version": version}


def test_a_wrong_method_is_a_405_problem(client: TestClient) -> None:
    response = client.delete("/v0.1/servers/io.github.a%2Fb/versions/1.0.0")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert client.post("/v0.1/servers").status_code == 405


def test_publish_then_read_through_every_route_shape(client: TestClient) -> None:
    published = client.post("/v0/publish", json=_server("io.github.unit/app"), headers=_token())
    assert published.status_code == 200, published.text
    for path in (
        "/v0.1/servers/io.github.unit%2Fapp/versions/1.0.0",
        "/v0.1/servers/io.github.unit/app/versions/latest",
    ):
        assert client.get(path).json() == published.json()


def test_publish_without_authorization_is_401_and_with_a_narrow_token_403(client: TestClient) -> None:
    assert client.post("/v0.1/publish", json=_server("io.github.unit/x1")).status_code == 401
    narrow = _token(Permission("publish", "io.github.other/*"))
    refused = client.post("/v0.1/publish", json=_server("io.github.unit/x1"), headers=narrow)
    assert refused.status_code == 403
    detail = refused.json()["detail"]
    assert "You have permission to publish: io.github.other/*. Attempting to publish: io.github.unit/x1" in detail


def test_a_body_that_is_no_json_object_is_422_before_authentication(client: TestClient) -> None:
    for body in (b"[]", b'"text"', b"null"):
        response = client.post("/v0.1/publish", content=body)
        assert response.status_code == 422
        assert response.json()["errors"] == [{"message": "expected object", "location": "body"}]


def test_an_empty_or_unparseable_body_is_400_before_authentication_as_upstream(client: TestClient) -> None:
    assert client.post("/v0.1/publish", content=b"").json() == {
        "title": "Bad Request",
        "status": 400,
        "detail": "request body is required",
    }
    for body in (b"not json", b'{"name": "a/b"', b'{"version": NaN}', b'{"n": -Infinity}'):
        response = client.post("/v0.1/publish", content=body)
        assert response.status_code == 400, body
        assert response.json()["detail"] == "validation failed"
        assert response.json()["errors"][0]["location"].startswith("body")


def test_metrics_label_requests_with_route_templates_not_raw_paths(client: TestClient) -> None:
    client.get("/v0.1/servers/io.github.a%2Fb/versions/9")
    client.get("/v0/health")
    client.get("/nowhere")
    text = client.get("/metrics").text
    assert 'route="/v0.1/servers/{serverName}/versions/{version}",status="404"' in text
    assert 'route="/v0/health",status="200"' in text
    assert 'route="unmatched",status="404"' in text
    assert "io.github.a" not in text


def test_openapi_lists_every_operation_under_both_prefixes_with_its_own_schemas(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    for prefix in ("/v0", "/v0.1"):
        assert set(paths[f"{prefix}/servers/{{serverName}}/versions/{{version}}"]) == {"get", "put"}
        assert paths[f"{prefix}/publish"]["post"]["security"] == [{"bearerAuth": []}]
    operation_ids = [op["operationId"] for item in paths.values() for op in item.values() if "operationId" in op]
    assert len(operation_ids) == len(set(operation_ids))
    referenced = {ref.rsplit("/", 1)[-1] for ref in _refs(document)}
    assert referenced <= set(document["components"]["schemas"])
    assert yaml.safe_load(client.get("/openapi.yaml").text) == document


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_status_message_with_active_is_refused(client: TestClient) -> None:
    client.post("/v0.1/publish", json=_server("io.github.unit/status"), headers=_token()).raise_for_status()
    response = client.patch(
        "/v0.1/servers/io.github.unit%2Fstatus/versions/1.0.0/status",
        json={"status": "active", "statusMessage": "hello"},
        headers=_token(),
    )
    assert response.status_code == 400


def test_cache_hits_answered_at_the_edge_still_count_under_their_route_and_carry_cors(client: TestClient) -> None:
    client.post("/v0.1/publish", json=_server("io.github.unit/edge"), headers=_token()).raise_for_status()
    path = "/v0.1/servers/io.github.unit%2Fedge/versions"
    first = client.get(path)
    second = client.get(path, headers={"Origin": "https://example.org"})
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in first.headers
    assert client.get(path, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    text = client.get("/metrics").text
    assert 'route="/v0.1/servers/{serverName}/versions",status="200"} 2.0' in text
    assert 'route="/v0.1/servers/{serverName}/versions",status="304"} 1.0' in text


def test_a_cached_read_still_meets_the_guards_first(client: TestClient) -> None:
    client.post("/v0.1/publish", json=_server("io.github.unit/guard"), headers=_token()).raise_for_status()
    path = "/v0.1/servers/io.github.unit%2Fguard/versions"
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200  # now in the cache
    redirect = client.get(path + "/", follow_redirects=False)
    assert redirect.status_code == 308
    assert redirect.headers["location"] == path
    assert client.get(path + "?x=%00").status_code == 400


def test_an_unexpected_error_is_a_500_problem_that_still_carries_cors_and_is_counted(tmp_path: Path) -> None:
    async def broken(request: Any) -> Any:
        raise RuntimeError("boom")

    settings = RegistrySettings(database_url=f"sqlite:///{tmp_path / 'r.db'}", jwt_private_key=KEY)
    app = create_app(
        settings, SqlRegistry.open(settings.database_url), close_service=True, extra_routes=[Route("/broken", broken)]
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/broken", headers={"Origin": "https://example.org"})
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["access-control-allow-origin"] == "*"
        assert 'route="/broken",status="500"} 1.0' in client.get("/metrics").text


def test_preflights_allow_any_origin_and_patch(client: TestClient) -> None:
    response = client.options(
        "/v0.1/servers/io.github.unit%2Fx/status",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "PATCH"},
    )
    assert response.status_code == 204
    assert "PATCH" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-allow-origin"] == "*"


def test_a_deployment_accepts_packages_from_its_own_registries_and_refuses_others(tmp_path: Path) -> None:
    ownership = OwnershipSettings(enabled=False, oci_registries=("127.0.0.1:5000",))
    settings = RegistrySettings(database_url=f"sqlite:///{tmp_path / 'r.db'}", jwt_private_key=KEY, ownership=ownership)
    image = {"registryType": "oci", "identifier": "127.0.0.1:5000/unit/img:1.0.0", "transport": {"type": "stdio"}}
    local: dict[str, Any] = {**_server("io.github.unit/img"), "packages": [image]}
    public = {**local, "name": "io.github.unit/img2", "packages": [{**image, "identifier": "ghcr.io/unit/img:1.0.0"}]}
    with TestClient(create_app(settings, SqlRegistry.open(settings.database_url), close_service=True)) as client:
        assert client.post("/v0.1/publish", json=local, headers=_token()).status_code == 200
        refused = client.post("/v0.1/publish", json=public, headers=_token())
        assert refused.status_code == 422
        assert "127.0.0.1:5000" in refused.text
        assert client.post("/v0.1/validate", json=local).json()["valid"] is True


def _app_client(tmp_path: Path, read_staleness: float) -> tuple[TestClient, SqlRegistry]:
    settings = RegistrySettings(
        database_url=f"sqlite:///{tmp_path / 'r.db'}", jwt_private_key=KEY, ownership=OwnershipSettings(enabled=False)
    )
    service = SqlRegistry.open(settings.database_url)
    app = create_app(settings, service, close_service=True, read_staleness=read_staleness)
    return TestClient(app, base_url="http://127.0.0.1"), service


def _listed(client: TestClient) -> list[str]:
    return [item["server"]["name"] for item in client.get("/v0.1/servers").json()["servers"]]


def test_writes_through_this_app_are_read_at_once_and_other_writers_after_the_staleness(tmp_path: Path) -> None:
    test_client, service = _app_client(tmp_path, read_staleness=3600)
    with test_client as client:
        assert client.post("/v0/publish", json=_server("io.github.unit/app-a"), headers=_token()).status_code == 200
        assert _listed(client) == ["io.github.unit/app-a"]
        service.publish(_server("io.github.unit/app-b"))  # as another replica would, behind this app's back
        assert _listed(client) == ["io.github.unit/app-a"]  # the remembered counter is still fresh
        status = {"status": "deprecated", "statusMessage": "old"}
        path = "/v0.1/servers/io.github.unit%2Fapp-a/versions/1.0.0/status"
        changed = client.patch(path, json=status, headers=_token())
        assert changed.status_code == 200, changed.text
        # This app's own write made the next read check the counter again: it sees the other writer's too.
        assert _listed(client) == ["io.github.unit/app-a", "io.github.unit/app-b"]


def test_a_read_staleness_of_zero_reads_the_change_counter_for_every_request(tmp_path: Path) -> None:
    test_client, service = _app_client(tmp_path, read_staleness=0)
    reads: list[int] = []
    counter, changes_since = service.change_counter, service.changes_since

    def counted() -> int:
        reads.append(counter())
        return reads[-1]

    def counted_changes(counter: int) -> Changes:
        changes = changes_since(counter)
        reads.append(changes.counter)
        return changes

    service.change_counter = counted  # type: ignore[method-assign]
    service.changes_since = counted_changes  # type: ignore[method-assign]
    with test_client as client:
        assert _listed(client) == []
        service.publish(_server("io.github.unit/other-replica"))
        assert _listed(client) == ["io.github.unit/other-replica"]
        assert _listed(client) == ["io.github.unit/other-replica"]  # a cache hit still checks the counter
    assert reads == [0, 1, 1]


def test_another_replicas_new_version_rebuilds_only_the_reads_it_changed(tmp_path: Path) -> None:
    test_client, service = _app_client(tmp_path, read_staleness=0)
    for version in ("1.0.0", "1.1.0"):
        service.publish(_server("io.github.unit/versions", version))
    built: list[str] = []
    get_version = service.get_version

    def counted(name: str, version: str, **options: bool) -> Any:
        built.append(version)
        return get_version(name, version, **options)

    service.get_version = counted  # type: ignore[method-assign]
    path = "/v0.1/servers/io.github.unit%2Fversions/versions/"
    with test_client as client:
        before = {version: client.get(path + version).json() for version in ("1.0.0", "1.1.0", "latest")}
        service.publish(_server("io.github.unit/versions", "2.0.0"))  # behind this app's back
        after = {version: client.get(path + version).json() for version in ("1.0.0", "1.1.0", "latest")}
    assert built == ["1.0.0", "1.1.0", "latest", "1.1.0", "latest"]  # 1.0.0 came from the cache
    assert after["1.0.0"] == before["1.0.0"]
    official = "io.modelcontextprotocol.registry/official"
    assert (before["1.1.0"]["_meta"][official]["isLatest"], after["1.1.0"]["_meta"][official]["isLatest"]) == (
        True,
        False,
    )
    assert after["latest"]["server"]["version"] == "2.0.0"


def test_a_ranked_search_page_is_rebuilt_from_its_ranking_until_a_write_moves_rankings(tmp_path: Path) -> None:
    test_client, service = _app_client(tmp_path, read_staleness=0)
    ranked: list[str] = []
    search = service.search

    def counted(text: str, **options: Any) -> Any:
        ranked.append(text)
        return search(text, **options)

    service.search = counted  # type: ignore[method-assign]
    described = {"description": "Ranked notes."}
    service.publish({**_server("io.github.unit/ranked"), **described})
    path, fresh = "/v0.1/x/io.github.mcpship/search?q=ranked", {"Cache-Control": "no-cache"}

    def shown(client: TestClient) -> list[tuple[str, str]]:
        hits = client.get(path, headers=fresh).json()["servers"]
        return [(hit["server"]["name"], hit["server"]["version"]) for hit in hits]

    with test_client as client:
        assert shown(client) == [("io.github.unit/ranked", "1.0.0")]
        service.publish({**_server("io.github.unit/ranked", "1.1.0"), **described})  # the same words
        assert shown(client) == [("io.github.unit/ranked", "1.1.0")]
        assert ranked == ["ranked"]  # the new version was shown without ranking again
        service.publish({**_server("io.github.unit/more"), "description": "More ranked notes."})
        assert [name for name, _ in shown(client)] == ["io.github.unit/ranked", "io.github.unit/more"]
        assert ranked == ["ranked", "ranked"]


def test_objects_alive_after_start_up_are_frozen_out_of_the_cyclic_collector(client: TestClient) -> None:
    assert gc.get_freeze_count() > 0


def test_the_change_counter_reads_its_own_connection_and_sees_every_other_writers_commit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    with SqlRegistry.open(url) as reader, SqlRegistry.open(url) as writer:
        assert reader.change_counter() == writer.change_counter() == 0
        checked_out = reader.engine.pool.checkedout()  # type: ignore[attr-defined]
        for expected in (1, 2):
            writer.publish(_server(f"io.github.unit/counted-{expected}"))
            assert reader.change_counter() == expected
        assert reader.engine.pool.checkedout() == checked_out == 0  # type: ignore[attr-defined]
