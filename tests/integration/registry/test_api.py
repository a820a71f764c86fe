"""The registry API over real HTTP against ``mcpship registry serve``, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from sqlalchemy import text

from mcpship.registry.config import RegistrySettings
from mcpship.registry.records import ListQuery, ServerPage, ServerRecord, records_wire_bytes
from mcpship.registry.service import SqlRegistry
from tests.integration.registry.conftest import CONFORMANCE, DatabaseFactory, RegistryServer, encoded, server_json

OFFICIAL = "io.modelcontextprotocol.registry/official"


def _publish(client: httpx.Client, document: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v0.1/publish", json=document)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_spliced_wire_bytes_are_the_json_of_to_wire_for_every_seed_entry(new_database: DatabaseFactory) -> None:
    """The read path splices the stored JSON text into responses: same JSON value as ``to_wire()``, and the
    lazily decoded ``server`` equals what was published (both backends)."""
    seed = json.loads((CONFORMANCE / "seed.json").read_text())
    with SqlRegistry.open(new_database()) as store:
        for entry in seed:
            store.publish(entry)
        first = seed[0]
        store.set_status(first["name"], first["version"], "deprecated", 'use "the next one" \u2014 ünïcode')
        page = store.list_servers(ListQuery(limit=100))
        assert len(page.servers) == len(seed)
        assert all(record.stored_json is not None for record in page.servers)
        assert json.loads(page.to_wire_bytes()) == page.to_wire()
        assert json.loads(ServerPage(page.servers[:2], "a:b").to_wire_bytes()) == {
            "servers": [record.to_wire() for record in page.servers[:2]],
            "metadata": {"count": 2, "nextCursor": "a:b"},
        }
        for entry in seed:
            record = store.get_version(entry["name"], entry["version"])
            assert record is not None
            assert record.server == entry
            assert json.loads(record.to_wire_bytes()) == record.to_wire()
            versions = store.list_versions(entry["name"])
            assert json.loads(records_wire_bytes(versions, {"count": len(versions)})) == {
                "servers": [version.to_wire() for version in versions],
                "metadata": {"count": len(versions)},
            }
            published = ServerRecord(entry, record.official)
            assert published == record
            assert json.loads(published.to_wire_bytes()) == record.to_wire()


def test_every_seed_entry_publishes_and_reads_back_identically(registry: RegistryServer) -> None:
    seed = json.loads((CONFORMANCE / "seed.json").read_text())
    with registry.client() as client:
        for entry in seed:
            assert _publish(client, entry)["server"] == entry
        for entry in seed:
            name, version = entry["name"], entry["version"]
            one = client.get(f"/v0.1/servers/{encoded(name)}/versions/{version}")
            assert one.status_code == 200
            assert one.json()["server"] == entry
            versions = client.get(f"/v0.1/servers/{encoded(name)}/versions").json()["servers"]
            assert entry in [item["server"] for item in versions]
            listed = client.get("/v0.1/servers", params={"search": name, "limit": 100}).json()["servers"]
            assert entry in [item["server"] for item in listed]
    latest = client_get(registry, f"/v0.1/servers/{encoded(seed[0]['name'])}/versions/latest")
    assert latest["server"]["version"] == "1.7.3"
    assert latest["_meta"][OFFICIAL]["isLatest"] is True


def client_get(registry: RegistryServer, path: str, **params: Any) -> dict[str, Any]:
    response = httpx.get(registry.base_url + path, params=params, timeout=10)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_paging_250_servers_returns_each_exactly_once(registry: RegistryServer) -> None:
    names = [f"io.github.paging/server-{index:03d}" for index in range(250)]
    with registry.client() as client:
        for name in names:
            _publish(client, server_json(name))
        for limit in (100, 37):
            seen: list[str] = []
            cursor: str | None = None
            for _ in range(100):
                params: dict[str, Any] = {"search": "io.github.paging/", "limit": limit}
                if cursor:
                    params["cursor"] = cursor
                page = client.get("/v0.1/servers", params=params).json()
                seen += [item["server"]["name"] for item in page["servers"]]
                assert page["metadata"]["count"] == len(page["servers"]) <= limit
                cursor = page["metadata"].get("nextCursor")
                if not cursor:
                    break
            assert seen == names


def test_v0_and_v0_1_answer_identically(registry: RegistryServer) -> None:
    name = "io.github.prefixes/same"
    with registry.client() as client:
        _publish(client, server_json(name))
        for path in (
            "/servers?search=io.github.prefixes",
            f"/servers/{encoded(name)}/versions",
            f"/servers/{encoded(name)}/versions/1.0.0",
            "/health",
            "/ping",
            "/version",
        ):
            old, new = client.get("/v0" + path), client.get("/v0.1" + path)
            assert (old.status_code, old.json()) == (new.status_code, new.json()), path


def test_names_work_url_encoded_in_either_case_and_unencoded(registry: RegistryServer) -> None:
    name = "io.github.encoding/name-test"
    with registry.client() as client:
        _publish(client, server_json(name, "2.0.0+build.7"))
        for spelled in ("io.github.encoding%2Fname-test", "io.github.encoding%2fname-test", name):
            for version in ("2.0.0%2Bbuild.7", "2.0.0+build.7", "latest"):
                response = client.get(f"/v0.1/servers/{spelled}/versions/{version}")
                assert response.status_code == 200, (spelled, version, response.text)
                assert response.json()["server"]["version"] == "2.0.0+build.7"
            assert client.get(f"/v0.1/servers/{spelled}/versions").json()["metadata"]["count"] == 1


def test_unknown_paths_are_404_problems_with_upstreams_hint(registry: RegistryServer) -> None:
    response = httpx.get(f"{registry.base_url}/no-such/endpoint")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["title"] == "Not Found"
    assert problem["status"] == 404
    assert "Did you mean '/v0.1/no-such/endpoint' or '/v0/no-such/endpoint'?" in problem["detail"]
    missing = httpx.get(f"{registry.base_url}/v0.1/servers/{encoded('io.github.none/such')}/versions/1.0.0")
    assert (missing.status_code, missing.json()["detail"]) == (404, "Server not found")
    assert httpx.get(f"{registry.base_url}/v0.1/servers/io.github.none%2Fsuch/versions").status_code == 404


def test_a_trailing_slash_is_a_308_to_the_path_without_it(registry: RegistryServer) -> None:
    response = httpx.get(f"{registry.base_url}/v0.1/servers/?limit=5", follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == "/v0.1/servers?limit=5"
    sneaky = httpx.get(f"{registry.base_url}//evil.example/", follow_redirects=False)
    assert sneaky.headers["location"] == "/evil.example"


BAD_UPDATED_SINCE = "Invalid updated_since format: expected RFC3339 timestamp (e.g., 2025-08-07T13:15:04.280Z)"


@pytest.mark.parametrize(
    ("query", "status", "detail"),
    [
        ("limit=0", 422, "validation failed"),
        ("limit=101", 422, "validation failed"),
        ("limit=ten", 422, "validation failed"),
        ("include_deleted=maybe", 422, "validation failed"),
        ("updated_since=yesterday", 400, BAD_UPDATED_SINCE),
        ("updated_since=2025-01-01", 400, BAD_UPDATED_SINCE),
        ("updated_since=2025-01-01T00:00:00Z&include_deleted=false", 400, None),
        ("search=a%00b", 400, None),
        ("search=%20ab%20", 422, "search must contain at least 3 characters after trimming surrounding whitespace"),
    ],
)
def test_bad_list_parameters_are_problems(
    registry: RegistryServer, query: str, status: int, detail: str | None
) -> None:
    response = httpx.get(f"{registry.base_url}/v0.1/servers?{query}")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status
    if detail is not None:
        assert response.json()["detail"] == detail


def test_updated_since_lists_changes_including_deleted_versions(registry: RegistryServer) -> None:
    name = "io.github.since/gone"
    with registry.client() as client:
        before = client.get("/v0.1/health").headers["date"]
        assert before
        published = _publish(client, server_json(name))
        since = published["_meta"][OFFICIAL]["publishedAt"].replace("Z", "+00:00")
        moment = since[:19] + "Z"  # a second boundary at or before the publish
        client.patch(f"/v0.1/servers/{encoded(name)}/status", json={"status": "deleted"}).raise_for_status()
        changed = client.get("/v0.1/servers", params={"updated_since": moment, "search": name}).json()["servers"]
        assert [item["_meta"][OFFICIAL]["status"] for item in changed] == ["deleted"]
        assert client.get("/v0.1/servers", params={"search": name}).json()["servers"] == []


def test_a_nul_byte_in_the_path_is_a_400(registry: RegistryServer) -> None:
    response = httpx.get(f"{registry.base_url}/v0.1/servers/a%00b%2Fc/versions")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_reads_carry_an_etag_and_answer_304_until_something_changes(registry: RegistryServer) -> None:
    with registry.client() as client:
        _publish(client, server_json("io.github.etag/one"))
        first = client.get("/v0.1/servers", params={"search": "io.github.etag"})
        etag = first.headers["etag"]
        assert etag.startswith('W/"')
        assert first.headers["cache-control"] == "public, max-age=30"
        again = client.get("/v0.1/servers", params={"search": "io.github.etag"}, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        _publish(client, server_json("io.github.etag/two"))
        after = client.get("/v0.1/servers", params={"search": "io.github.etag"}, headers={"If-None-Match": etag})
        assert after.status_code == 200
        assert [s["server"]["name"] for s in after.json()["servers"]] == ["io.github.etag/one", "io.github.etag/two"]


def test_metrics_count_requests_by_route_template(registry: RegistryServer) -> None:
    httpx.get(f"{registry.base_url}/v0.1/servers/{encoded('io.github.metrics/x')}/versions")
    text = httpx.get(f"{registry.base_url}/metrics").text
    assert 'route="/v0.1/servers/{serverName}/versions"' in text
    assert "mcpship_registry_http_requests_total{" in text
    assert "mcpship_registry_http_request_duration_seconds_bucket{" in text


def test_openapi_json_describes_what_is_served(registry: RegistryServer) -> None:
    document = httpx.get(f"{registry.base_url}/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    for prefix in ("/v0", "/v0.1"):
        for path, method in [
            ("/servers", "get"),
            ("/servers/{serverName}/versions", "get"),
            ("/servers/{serverName}/versions/{version}", "get"),
            ("/servers/{serverName}/versions/{version}", "put"),
            ("/servers/{serverName}/versions/{version}/status", "patch"),
            ("/servers/{serverName}/status", "patch"),
            ("/publish", "post"),
            ("/validate", "post"),
            ("/health", "get"),
            ("/x/io.github.mcpship/search", "get"),
            ("/auth/admin", "post"),
            ("/auth/none", "post"),
        ]:
            assert method in document["paths"][prefix + path], (prefix + path, method)
    listed = httpx.get(f"{registry.base_url}/v0.1/servers", params={"limit": 3}).json()
    schema = {
        **document["paths"]["/v0.1/servers"]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
        "components": document["components"],
    }
    jsonschema.validate(listed, schema)
    problem = httpx.get(f"{registry.base_url}/v0.1/servers?limit=0").json()
    jsonschema.validate(problem, {"$ref": "#/components/schemas/ErrorModel", "components": document["components"]})


def test_publish_failures_follow_upstreams_order_and_codes(registry: RegistryServer) -> None:
    url = f"{registry.base_url}/v0.1/publish"
    name = "io.github.orders/server"
    not_object = httpx.post(url, json=[1, 2], headers={"Authorization": f"Bearer {registry.token()}"})
    assert not_object.status_code == 422
    no_auth = httpx.post(url, json=server_json(name))
    assert no_auth.status_code == 401
    assert no_auth.headers["content-type"] == "application/problem+json"
    bad_token = httpx.post(url, json=server_json(name), headers={"Authorization": "Bearer nope"})
    assert bad_token.status_code == 401
    narrow = registry.token("io.github.someone-else/*", actions=("publish",))
    forbidden = httpx.post(url, json=server_json(name), headers={"Authorization": f"Bearer {narrow}"})
    assert forbidden.status_code == 403
    assert "io.github.someone-else/*" in forbidden.json()["detail"]
    with registry.client() as client:
        invalid = client.post("/v0.1/publish", json=server_json(name, "^1.0.0"))
        assert invalid.status_code == 422
        assert invalid.json()["detail"] == "Failed to publish server, invalid schema: call /validate for details"
        _publish(client, server_json(name))
        duplicate = client.post("/v0.1/publish", json=server_json(name))
        assert duplicate.status_code == 400
        assert duplicate.json()["detail"] == "Failed to publish server"
        assert duplicate.json()["errors"][0]["message"]


def test_status_changes_one_version_and_all_versions(registry: RegistryServer) -> None:
    name = "io.github.status/server"
    with registry.client() as client:
        for version in ("1.0.0", "1.1.0", "2.0.0"):
            _publish(client, server_json(name, version))
        one = client.patch(
            f"/v0.1/servers/{encoded(name)}/versions/2.0.0/status",
            json={"status": "deprecated", "statusMessage": "use 3"},
        )
        assert one.status_code == 200, one.text
        assert one.json()["_meta"][OFFICIAL]["status"] == "deprecated"
        assert one.json()["_meta"][OFFICIAL]["statusMessage"] == "use 3"
        bad = client.patch(f"/v0.1/servers/{encoded(name)}/versions/2.0.0/status", json={"status": "gone"})
        assert bad.status_code == 422
        everything = client.patch(f"/v0.1/servers/{encoded(name)}/status", json={"status": "deleted"})
        assert everything.status_code == 200, everything.text
        assert everything.json()["updatedCount"] == 3
        assert len(everything.json()["servers"]) == 3
        assert client.get(f"/v0.1/servers/{encoded(name)}/versions").status_code == 404
        kept = client.get(f"/v0.1/servers/{encoded(name)}/versions", params={"include_deleted": "true"}).json()
        assert kept["metadata"]["count"] == 3
    anonymous = httpx.patch(f"{registry.base_url}/v0.1/servers/{encoded(name)}/status", json={"status": "active"})
    assert anonymous.status_code == 401


def test_edit_replaces_a_version_but_never_renames(registry: RegistryServer) -> None:
    name = "io.github.edit/server"
    with registry.client() as client:
        _publish(client, server_json(name))
        path = f"/v0.1/servers/{encoded(name)}/versions/1.0.0"
        renamed = client.put(path, json=server_json("io.github.edit/other"))
        assert (renamed.status_code, renamed.json()["detail"]) == (400, "Cannot rename server")
        edited = client.put(path, json={**server_json(name), "description": "Edited"})
        assert edited.status_code == 200, edited.text
        assert client.get(path).json()["server"]["description"] == "Edited"
    publisher_only = registry.token("io.github.edit/*", actions=("publish",))
    refused = httpx.put(
        registry.base_url + path, json=server_json(name), headers={"Authorization": f"Bearer {publisher_only}"}
    )
    assert refused.status_code == 403


def test_validate_answers_200_with_issues_once_the_body_has_upstreams_request_shape(registry: RegistryServer) -> None:
    ok = httpx.post(f"{registry.base_url}/v0.1/validate", json=server_json("io.github.valid/one"))
    assert ok.status_code == 200
    assert ok.json() == {"valid": True, "issues": []}
    bad = httpx.post(f"{registry.base_url}/v0.1/validate", json=server_json("io.github.valid/-one", "^1"))
    assert bad.status_code == 200
    assert bad.json()["valid"] is False
    assert {"type", "path", "message", "severity", "reference"} <= set(bad.json()["issues"][0])
    misshapen = httpx.post(f"{registry.base_url}/v0.1/validate", json=server_json("nonsense", "^1"))
    assert misshapen.status_code == 422
    assert misshapen.json()["errors"][0]["location"] == "body.name"
    garbage = httpx.post(f"{registry.base_url}/v0.1/validate", content=b"{not json")
    assert garbage.status_code == 400  # upstream's framework answers before its handler runs
    assert garbage.json()["errors"][0]["location"] == "body"


def test_ranked_search_extension_returns_server_responses_with_a_rank(registry: RegistryServer) -> None:
    with registry.client() as client:
        _publish(client, {**server_json("io.github.search/weather-now"), "description": "Weather forecasts"})
        _publish(client, {**server_json("io.github.search/notes"), "description": "Take notes about weather"})
        for prefix in ("/v0", "/v0.1"):
            found = client.get(f"{prefix}/x/io.github.mcpship/search", params={"q": "weather", "limit": 1}).json()
            assert found["metadata"]["count"] == 1
            assert found["metadata"]["nextOffset"] == 1
            hit = found["servers"][0]
            assert hit["server"]["name"].startswith("io.github.search/")
            assert isinstance(hit["_meta"]["io.github.mcpship/search"]["rank"], float | int)
            assert OFFICIAL in hit["_meta"]
        assert client.get("/v0.1/x/io.github.mcpship/search").status_code == 422


def test_health_ping_version_and_cors(registry: RegistryServer) -> None:
    assert client_get(registry, "/v0.1/health") == {"status": "ok"}  # no client id: left out, as upstream
    assert client_get(registry, "/v0/ping") == {"pong": True}
    assert set(client_get(registry, "/v0.1/version")) == {"version", "git_commit", "build_time"}
    preflight = httpx.options(
        f"{registry.base_url}/v0.1/publish",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    simple = httpx.get(f"{registry.base_url}/v0.1/servers?limit=1", headers={"Origin": "https://example.org"})
    assert simple.headers["access-control-allow-origin"] == "*"


def test_admin_and_anonymous_exchanges_are_mounted_under_both_prefixes(registry: RegistryServer) -> None:
    from tests.integration.registry.conftest import ADMIN_SECRET

    for prefix in ("/v0", "/v0.1"):
        admin = httpx.post(f"{registry.base_url}{prefix}/auth/admin", json={"admin_token": ADMIN_SECRET})
        assert admin.status_code == 200, admin.text
        token = admin.json()["registry_token"]
        published = httpx.post(
            f"{registry.base_url}{prefix}/publish",
            json=server_json(f"io.github.admin{prefix.replace('.', '-').replace('/', '-')}/exchanged"),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert published.status_code == 200, published.text
        anonymous = httpx.post(f"{registry.base_url}{prefix}/auth/none")
        assert anonymous.status_code == 200, anonymous.text


def test_registry_type_and_transport_filters_narrow_the_list(registry: RegistryServer) -> None:
    npm = {"registryType": "npm", "identifier": "@acme/filters", "version": "1.0.0", "transport": {"type": "stdio"}}
    remote = {"type": "streamable-http", "url": "https://filters.example.com/mcp"}
    with registry.client() as client:
        _publish(client, server_json("io.github.filters/npm-stdio", packages=[npm]))
        _publish(client, server_json("io.github.filters/remote-http", remotes=[remote]))

        def names(**params: str) -> list[str]:
            page = client.get("/v0.1/servers", params={"search": "io.github.filters/", **params}).json()
            return [item["server"]["name"] for item in page["servers"]]

        assert names() == ["io.github.filters/npm-stdio", "io.github.filters/remote-http"]
        assert names(registry_type="npm") == ["io.github.filters/npm-stdio"]
        assert names(transport="streamable-http") == ["io.github.filters/remote-http"]
        assert names(transport="stdio", registry_type="npm") == ["io.github.filters/npm-stdio"]
        assert names(registry_type="oci") == []


def test_a_write_through_another_replica_is_visible_within_the_read_staleness(
    registry: RegistryServer, tmp_path: Path
) -> None:
    """Two servers on one database: replica A's response cache and ETags outlive a write made via B by at most
    the read staleness (0.5 s by default); A's own writes are visible to A at once."""
    replica = RegistryServer(registry.database_url, tmp_path, ("--no-ownership-checks",), key=registry.key)
    replica.start()
    try:
        listing = {"search": "io.github.replicas/"}
        with registry.client() as here, replica.client() as there:
            _publish(here, server_json("io.github.replicas/first"))
            before = here.get("/v0.1/servers", params=listing)
            assert [s["server"]["name"] for s in before.json()["servers"]] == ["io.github.replicas/first"]
            assert here.get("/v0.1/servers", params=listing).json() == before.json()  # served from the cache
            _publish(there, server_json("io.github.replicas/second"))
            deadline = time.monotonic() + RegistrySettings.read_staleness_seconds + 2.0
            while True:
                after = here.get("/v0.1/servers", params=listing, headers={"If-None-Match": before.headers["etag"]})
                if after.status_code == 200 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert after.status_code == 200, "replica B's write never became visible through A"
            assert [s["server"]["name"] for s in after.json()["servers"]] == [
                "io.github.replicas/first",
                "io.github.replicas/second",
            ]
    finally:
        replica.stop()


def _cache_hits(client: httpx.Client) -> float:
    metrics = client.get("/metrics").text
    [line] = [
        line for line in metrics.splitlines() if line.startswith('mcpship_registry_read_cache_total{result="hit"}')
    ]
    return float(line.split()[-1])


def test_a_write_through_another_replica_drops_only_the_cached_responses_it_can_change(
    registry: RegistryServer, tmp_path: Path
) -> None:
    """Replica A keeps serving from its cache (same body, same ETag) what B's publish of another server cannot
    change: other servers' reads and a full list page whose name range ends before it; the written server's reads
    show the new version within the read staleness."""
    replica = RegistryServer(registry.database_url, tmp_path, ("--no-ownership-checks",), key=registry.key)
    replica.start()
    try:
        first, changed, untouched = (f"io.github.replicas/{n}" for n in ("a-first", "changed", "untouched"))
        with registry.client() as here, replica.client() as there:
            for name in (first, changed, untouched):
                _publish(here, server_json(name))
            paths = {name: f"/v0.1/servers/{encoded(name)}/versions/latest" for name in (changed, untouched)}
            page = "/v0.1/servers?limit=1&cursor=io.github.replicas/a"  # full: [first], then more names
            kept = [untouched, page]
            before = {path: here.get(paths.get(path, path)) for path in [changed, *kept]}
            assert before[page].json()["servers"][0]["server"]["name"] == first
            _publish(there, server_json(changed, version="2.0.0"))
            deadline = time.monotonic() + RegistrySettings.read_staleness_seconds + 2.0
            while here.get(paths[changed]).json()["server"]["version"] != "2.0.0":
                assert time.monotonic() < deadline, "replica B's publish never became visible through A"
                time.sleep(0.05)
            for path in kept:
                hits = _cache_hits(here)
                again = here.get(paths.get(path, path))
                assert (again.json(), again.headers["etag"]) == (before[path].json(), before[path].headers["etag"])
                assert _cache_hits(here) == hits + 1, f"{path}: dropped from A's cache by an unrelated write"
    finally:
        replica.stop()


def test_cache_mb_zero_turns_the_response_cache_off_but_keeps_etags(
    start_registry: Callable[..., RegistryServer],
) -> None:
    uncached = start_registry("--cache-mb", "0")
    with uncached.client() as client:
        _publish(client, server_json("io.github.nocache/server"))
        path = f"/v0.1/servers/{encoded('io.github.nocache/server')}/versions/latest"
        first = client.get(path)
        hits = _cache_hits(client)
        again = client.get(path)
        assert again.json() == first.json()
        assert _cache_hits(client) == hits
        assert client.get(path, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
        assert "mcpship_registry_read_cache_bytes 0.0" in client.get("/metrics").text


def test_ranked_search_may_lag_a_write_but_no_cache_gets_the_fresh_page(registry: RegistryServer) -> None:
    search = "/v0.1/x/io.github.mcpship/search"
    word = f"lagword{registry.port}"
    with registry.client() as client:
        _publish(client, server_json(f"io.github.lag/{word}-one"))
        first = client.get(search, params={"q": word})
        assert [s["server"]["name"] for s in first.json()["servers"]] == [f"io.github.lag/{word}-one"]
        _publish(client, server_json(f"io.github.lag/{word}-two"))
        cached = client.get(search, params={"q": word})
        assert cached.json() == first.json()  # within SEARCH_LAG_SECONDS: the page built before the write
        fresh = client.get(search, params={"q": word}, headers={"Cache-Control": "no-cache"})
        assert {s["server"]["name"] for s in fresh.json()["servers"]} == {
            f"io.github.lag/{word}-one",
            f"io.github.lag/{word}-two",
        }
        assert client.get(search, params={"q": word}).json() == fresh.json()  # the rebuilt page is cached


def test_the_change_counter_recovers_when_postgresql_drops_its_connection(
    postgresql_databases: DatabaseFactory,
) -> None:
    with SqlRegistry.open(postgresql_databases()) as store:
        assert store.change_counter() == 0
        with store.engine.connect() as admin:
            killed = admin.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        assert killed >= 1
        store.publish(server_json("io.github.counter/after-restart"))
        assert store.change_counter() == 1
