"""Publishing on SQLite: immutability, limits, remote URL ownership, _meta pruning and isLatest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.records import OFFICIAL_META_KEY, PUBLISHER_META_KEY, RegistryService
from mcpship.registry.service import SqlRegistry
from tests.registry_support.fixtures import server_json


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[SqlRegistry]:
    with SqlRegistry.open(f"sqlite:///{tmp_path / 'registry.db'}", max_versions_per_name=5) as opened:
        yield opened


def latest_version(registry: SqlRegistry, name: str = "io.github.acme/notes") -> str:
    record = registry.get_version(name, "latest", include_deleted=True)
    assert record is not None
    return record.version


def publish_error(registry: SqlRegistry, server: dict[str, Any]) -> RegistryHTTPError:
    with pytest.raises(RegistryHTTPError) as caught:
        registry.publish(server)
    assert caught.value.status == 400
    assert caught.value.detail == "Failed to publish server"
    return caught.value


def test_a_new_version_is_active_and_all_its_timestamps_are_the_same_utc_moment(registry: SqlRegistry) -> None:
    before = datetime.now(UTC)
    record = registry.publish(server_json())
    official = record.official
    assert official.status == "active"
    assert official.status_message is None
    assert official.is_latest
    assert official.published_at == official.updated_at == official.status_changed_at
    assert before <= official.published_at <= datetime.now(UTC)
    assert official.published_at.tzinfo == UTC
    assert registry.get_version("io.github.acme/notes", "1.0.0") == record


def test_a_version_cannot_be_published_twice(registry: SqlRegistry) -> None:
    registry.publish(server_json())
    error = publish_error(registry, server_json(description="changed"))
    assert error.errors == [
        {"message": "invalid version: cannot publish duplicate version: io.github.acme/notes@1.0.0 already exists"}
    ]


def test_a_deleted_version_still_blocks_republishing_it(registry: SqlRegistry) -> None:
    registry.publish(server_json())
    registry.set_status("io.github.acme/notes", "1.0.0", "deleted", None)
    error = publish_error(registry, server_json())
    assert error.errors[0]["message"].startswith("invalid version: cannot publish duplicate version: ")


def test_the_version_limit_counts_deleted_versions(registry: SqlRegistry) -> None:
    for patch in range(5):
        registry.publish(server_json(version=f"1.0.{patch}"))
    registry.set_status("io.github.acme/notes", None, "deleted", None)
    error = publish_error(registry, server_json(version="2.0.0"))
    assert error.errors == [
        {
            "message": "maximum number of versions for this server reached (5): "
            "ask the registry's operator to raise the limit"
        }
    ]
    registry.publish(server_json(name="io.github.acme/other", version="2.0.0"))


def test_a_remote_url_may_be_shared_by_server_names_as_upstream_allows_since_v1_8(registry: SqlRegistry) -> None:
    remote = [{"type": "streamable-http", "url": "https://notes.example.com/mcp"}]
    registry.publish(server_json(remotes=remote))
    registry.publish(server_json(name="io.github.other/notes", remotes=remote))
    registry.set_status("io.github.acme/notes", None, "deleted", None)
    registry.set_status("io.github.acme/notes", None, "active", None)  # restoring re-checks nothing either


def test_with_unique_remote_urls_a_remote_url_belongs_to_one_server_name(registry: SqlRegistry) -> None:
    registry.unique_remote_urls = True
    remote = [{"type": "streamable-http", "url": "https://notes.example.com/mcp"}]
    registry.publish(server_json(remotes=remote))
    registry.publish(server_json(version="1.1.0", remotes=remote))  # the same name may reuse it
    error = publish_error(registry, server_json(name="io.github.evil/notes", remotes=remote))
    assert error.errors == [
        {"message": "remote URL https://notes.example.com/mcp is already used by server io.github.acme/notes"}
    ]


def test_with_unique_remote_urls_a_remote_url_of_deleted_versions_only_is_free_again(registry: SqlRegistry) -> None:
    registry.unique_remote_urls = True
    remote = [{"type": "sse", "url": "https://notes.example.com/sse"}]
    registry.publish(server_json(remotes=remote))
    registry.set_status("io.github.acme/notes", None, "deleted", "moved")
    registry.publish(server_json(name="io.github.acme/notes-v2", remotes=remote))


def test_registry_meta_is_dropped_and_publisher_meta_kept(registry: SqlRegistry) -> None:
    provided = {"io.github.acme": {"tools": ["search"]}}
    server = server_json(_meta={PUBLISHER_META_KEY: provided, OFFICIAL_META_KEY: {"isLatest": False}, "x": 1})
    record = registry.publish(server)
    assert record.server["_meta"] == {PUBLISHER_META_KEY: provided}
    stored = registry.get_version("io.github.acme/notes", "1.0.0")
    assert stored is not None
    assert stored.server["_meta"] == {PUBLISHER_META_KEY: provided}


def test_meta_without_publisher_provided_data_is_dropped_entirely(registry: SqlRegistry) -> None:
    record = registry.publish(server_json(_meta={OFFICIAL_META_KEY: {"status": "deleted"}}))
    assert "_meta" not in record.server


def test_publisher_meta_over_4096_bytes_is_refused(registry: SqlRegistry) -> None:
    at_limit = {"k": "x" * (4096 - len('{"k":""}'))}
    registry.publish(server_json(_meta={PUBLISHER_META_KEY: at_limit}))
    too_big = {"k": "x" * (4097 - len('{"k":""}'))}
    error = publish_error(registry, server_json(version="1.0.1", _meta={PUBLISHER_META_KEY: too_big}))
    assert error.errors[0]["message"] == (f"_meta.{PUBLISHER_META_KEY} extension exceeds 4KB limit (4097 bytes)")


def test_the_caller_cannot_change_a_published_record_through_its_input(registry: SqlRegistry) -> None:
    server = server_json()
    registry.publish(server)
    server["description"] = "mutated after publish"
    stored = registry.get_version("io.github.acme/notes", "1.0.0")
    assert stored is not None
    assert stored.server["description"] == "The notes server."


@pytest.mark.parametrize(
    ("versions", "latest"),
    [
        (["1.0.0", "2.0.0", "1.5.0"], "2.0.0"),
        (["2.0.0-rc.1", "2.0.0"], "2.0.0"),
        (["2.0.0", "2.0.0-rc.1"], "2.0.0"),
        (["1.0.0", "2.0.0-rc.1"], "2.0.0-rc.1"),
        (["1.0.0", "nightly-2025"], "1.0.0"),
        (["nightly-2025", "0.0.1"], "0.0.1"),
        (["alpha", "beta", "aaa"], "aaa"),
        (["1.0.0", "v1.0.1", "1.0.1-beta"], "v1.0.1"),
        (["1.0.0+build.2", "1.0.0+build.1"], "1.0.0+build.2"),
    ],
)
def test_latest_follows_semver_then_publish_time(registry: SqlRegistry, versions: list[str], latest: str) -> None:
    for version in versions:
        registry.publish(server_json(version=version))
    assert latest_version(registry) == latest
    flagged = [record.version for record in registry.list_versions("io.github.acme/notes") if record.official.is_latest]
    assert flagged == [latest]


def test_taking_latest_moves_the_flag_and_bumps_the_old_latest_updated_at(registry: SqlRegistry) -> None:
    first = registry.publish(server_json(version="1.0.0"))
    second = registry.publish(server_json(version="2.0.0"))
    old = registry.get_version("io.github.acme/notes", "1.0.0")
    assert old is not None
    assert not old.official.is_latest
    assert old.official.updated_at == second.official.published_at > first.official.updated_at
    assert old.official.published_at == first.official.published_at


def test_a_backport_does_not_touch_the_current_latest(registry: SqlRegistry) -> None:
    registry.publish(server_json(version="2.0.0"))
    before = registry.get_version("io.github.acme/notes", "2.0.0")
    backport = registry.publish(server_json(version="1.5.0"))
    assert not backport.official.is_latest
    assert registry.get_version("io.github.acme/notes", "2.0.0") == before


def test_a_publish_takes_latest_from_a_deleted_latest(registry: SqlRegistry) -> None:
    registry.publish(server_json(version="2.0.0"))
    registry.set_status("io.github.acme/notes", "2.0.0", "deleted", None)
    assert registry.publish(server_json(version="1.0.0")).official.is_latest
    assert latest_version(registry) == "1.0.0"


def test_every_publish_bumps_the_change_counter_and_a_refused_one_does_not(registry: SqlRegistry) -> None:
    start = registry.change_counter()
    registry.publish(server_json())
    assert registry.change_counter() == start + 1
    publish_error(registry, server_json())
    assert registry.change_counter() == start + 1


def test_sql_registry_is_a_registry_service(registry: SqlRegistry) -> None:
    service: RegistryService = registry  # checked by mypy: the Protocol every layer codes against
    assert service.change_counter() == 0


NOT_FINITE = "a number is not finite (NaN or Infinity is not JSON)"
SURROGATE_KEY = "a key holds a lone UTF-16 surrogate escape (\\ud800-\\udfff)"


@pytest.mark.parametrize(
    ("server", "reason"),
    [
        (server_json(description=float("nan")), f"{NOT_FINITE} (at description)"),
        (server_json(packages=[{"x": float("inf")}]), f"{NOT_FINITE} (at packages[0].x)"),
        ({**server_json(), "X.y": float("-inf")}, f"{NOT_FINITE} (at X.y)"),  # only the path's leading dot goes
        (
            server_json(description="a\udc80b"),
            "a lone UTF-16 surrogate escape (\\ud800-\\udfff) is not a character (at description)",
        ),
        ({**server_json(), "\udc80": 1}, SURROGATE_KEY),  # the top level: no place to name
        ({**server_json(), "extra": {"\udc80": 1}}, f"{SURROGATE_KEY} (at extra)"),
        (server_json(description=10**5000), "it cannot be encoded as JSON"),  # past Python's int digit limit
    ],
)
def test_a_document_that_is_not_json_is_refused_with_what_and_where(
    registry: SqlRegistry, server: dict[str, Any], reason: str
) -> None:
    error = publish_error(registry, server)
    assert (error.status, error.detail) == (400, "Failed to publish server")
    assert error.errors == [{"message": f"server.json is not valid JSON: {reason}"}]


@pytest.mark.parametrize(
    ("server", "message"),
    [
        ([server_json()], "server.json must be a JSON object"),
        ("io.github.acme/notes", "server.json must be a JSON object"),
        (None, "server.json must be a JSON object"),
        ({**server_json(), "name": 5}, "server.json has no name"),
        (server_json(version=""), "server.json has no version"),
    ],
)
def test_a_library_caller_s_document_that_is_no_server_is_refused(
    registry: SqlRegistry, server: Any, message: str
) -> None:
    error = publish_error(registry, server)
    assert (error.status, error.detail, error.errors) == (400, "Failed to publish server", [{"message": message}])
