"""Status changes, admin edits and mirror imports on SQLite (registry.md §1.7, §1.8, §8.8)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.records import PUBLISHER_META_KEY, ListQuery, OfficialMeta, ServerRecord
from mcpship.registry.service import SqlRegistry
from tests.registry_support.fixtures import server_json

NAME = "io.github.acme/notes"


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[SqlRegistry]:
    with SqlRegistry.open(f"sqlite:///{tmp_path / 'registry.db'}") as opened:
        yield opened


def stored(registry: SqlRegistry, version: str) -> ServerRecord:
    record = registry.get_version(NAME, version, include_deleted=True)
    assert record is not None
    return record


def status_error(registry: SqlRegistry, version: str | None, status: str, message: str | None) -> RegistryHTTPError:
    with pytest.raises(RegistryHTTPError) as caught:
        registry.set_status(NAME, version, status, message)  # type: ignore[arg-type]
    return caught.value


def test_deprecating_sets_message_and_both_timestamps(registry: SqlRegistry) -> None:
    published = registry.publish(server_json())
    [record] = registry.set_status(NAME, "1.0.0", "deprecated", "use notes-v2")
    official = record.official
    assert (official.status, official.status_message) == ("deprecated", "use notes-v2")
    assert official.status_changed_at == official.updated_at > published.official.updated_at
    assert official.published_at == published.official.published_at
    assert stored(registry, "1.0.0") == record


def test_changing_only_the_message_keeps_status_changed_at(registry: SqlRegistry) -> None:
    registry.publish(server_json())
    [first] = registry.set_status(NAME, "1.0.0", "deprecated", "old")
    [second] = registry.set_status(NAME, "1.0.0", "deprecated", "older")
    assert second.official.status_changed_at == first.official.status_changed_at
    assert second.official.updated_at > first.official.updated_at


def test_reactivating_clears_the_message(registry: SqlRegistry) -> None:
    registry.publish(server_json())
    registry.set_status(NAME, "1.0.0", "deprecated", "old")
    [record] = registry.set_status(NAME, "1.0.0", "active", None)
    assert record.official.status == "active"
    assert record.official.status_message is None


def test_a_message_with_active_is_refused(registry: SqlRegistry) -> None:
    registry.publish(server_json())
    error = status_error(registry, "1.0.0", "active", "hello")
    assert (error.status, error.detail) == (400, "status_message cannot be provided when setting status to active")


def test_a_message_over_500_characters_is_refused(registry: SqlRegistry) -> None:
    registry.publish(server_json())
    registry.set_status(NAME, "1.0.0", "deprecated", "x" * 500)
    error = status_error(registry, "1.0.0", "deprecated", "y" * 501)
    assert (error.status, error.detail) == (422, "statusMessage is 501 characters long; the limit is 500")


def test_an_unknown_status_is_refused(registry: SqlRegistry) -> None:
    registry.publish(server_json())
    error = status_error(registry, "1.0.0", "retired", None)
    assert (error.status, error.detail) == (400, "Invalid status: retired. Must be one of: active, deprecated, deleted")


def test_a_no_op_status_change_is_refused_and_writes_nothing(registry: SqlRegistry) -> None:
    registry.publish(server_json())
    registry.set_status(NAME, "1.0.0", "deprecated", "old")
    counter = registry.change_counter()
    error = status_error(registry, "1.0.0", "deprecated", "old")
    assert (error.status, error.detail) == (
        400,
        "No changes to apply: status and message are already set to the provided values",
    )
    bulk = status_error(registry, None, "deprecated", "old")
    assert bulk.detail == "No changes to apply: all versions already have the requested status and message"
    assert registry.change_counter() == counter


def test_unknown_versions_and_names_are_404(registry: SqlRegistry) -> None:
    registry.publish(server_json())
    missing = status_error(registry, "9.9.9", "deleted", None)
    assert (missing.status, missing.detail) == (404, "Server version not found")
    with pytest.raises(RegistryHTTPError) as caught:
        registry.set_status("io.github.acme/unknown", None, "deleted", None)
    assert (caught.value.status, caught.value.detail) == (404, "Server not found")


def test_bulk_status_changes_every_version_and_returns_them_all(registry: SqlRegistry) -> None:
    for version in ["1.0.0", "2.0.0"]:
        registry.publish(server_json(version=version))
    registry.set_status(NAME, "1.0.0", "deprecated", "old")
    records = registry.set_status(NAME, None, "deprecated", "all old")
    assert [(r.version, r.official.status, r.official.status_message) for r in records] == [
        ("2.0.0", "deprecated", "all old"),
        ("1.0.0", "deprecated", "all old"),
    ]
    assert len({r.official.updated_at for r in records}) == 1


def test_bulk_status_returns_the_newest_publish_first_then_the_highest_version(registry: SqlRegistry) -> None:
    for version in ["2.0.0", "1.0.0"]:  # a backport published last
        registry.publish(server_json(version=version))
    moment = datetime(2025, 3, 4, tzinfo=UTC)
    for version in ["0.1.0", "0.3.0", "0.2.0"]:  # mirrored with one publish time
        registry.import_record(server_json(version=version), official(moment, latest=False))
    records = registry.set_status(NAME, None, "deprecated", "all old")
    assert [r.version for r in records] == ["1.0.0", "2.0.0", "0.3.0", "0.2.0", "0.1.0"]


def test_deleting_the_latest_moves_the_flag_and_bumps_both_rows(registry: SqlRegistry) -> None:
    for version in ["1.0.0", "2.0.0"]:
        registry.publish(server_json(version=version))
    before = stored(registry, "1.0.0").official.updated_at
    [deleted] = registry.set_status(NAME, "2.0.0", "deleted", None)
    assert not deleted.official.is_latest
    new_latest = stored(registry, "1.0.0").official
    assert new_latest.is_latest
    assert new_latest.updated_at == deleted.official.updated_at > before
    assert registry.get_version(NAME, "latest") == stored(registry, "1.0.0")


def test_when_all_versions_are_deleted_the_highest_keeps_the_flag(registry: SqlRegistry) -> None:
    for version in ["1.0.0", "2.0.0", "1.5.0"]:
        registry.publish(server_json(version=version))
    registry.set_status(NAME, "2.0.0", "deleted", None)
    assert stored(registry, "1.5.0").official.is_latest
    registry.set_status(NAME, None, "deleted", None)
    assert [r.version for r in registry.list_versions(NAME, include_deleted=True) if r.official.is_latest] == ["2.0.0"]
    assert registry.get_version(NAME, "latest") is None
    assert registry.get_version(NAME, "latest", include_deleted=True) == stored(registry, "2.0.0")


def test_restoring_a_deleted_version_takes_latest_back(registry: SqlRegistry) -> None:
    for version in ["1.0.0", "2.0.0"]:
        registry.publish(server_json(version=version))
    registry.set_status(NAME, "2.0.0", "deleted", None)
    registry.set_status(NAME, "2.0.0", "active", None)
    assert stored(registry, "2.0.0").official.is_latest
    assert not stored(registry, "1.0.0").official.is_latest


def test_with_unique_remote_urls_restoring_rechecks_that_the_remote_url_is_still_free(registry: SqlRegistry) -> None:
    registry.unique_remote_urls = True
    remote = [{"type": "streamable-http", "url": "https://notes.example.com/mcp"}]
    registry.publish(server_json(remotes=remote))
    registry.set_status(NAME, "1.0.0", "deleted", None)
    registry.publish(server_json(name="io.github.other/notes", remotes=remote))
    error = status_error(registry, "1.0.0", "active", None)
    assert (error.status, error.detail) == (400, "Failed to update server status")
    assert error.errors == [
        {"message": "remote URL https://notes.example.com/mcp is already used by server io.github.other/notes"}
    ]
    registry.set_status(NAME, "1.0.0", "deprecated", "retired")


def test_edit_replaces_the_document_and_bumps_updated_at_only(registry: SqlRegistry) -> None:
    published = registry.publish(server_json())
    edited = registry.edit(NAME, "1.0.0", server_json(description="Better words."))
    assert edited.server["description"] == "Better words."
    assert edited.official.updated_at > published.official.updated_at
    assert edited.official.published_at == published.official.published_at
    assert edited.official.status_changed_at == published.official.status_changed_at
    assert edited.official.is_latest
    assert stored(registry, "1.0.0") == edited


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (server_json(name="io.github.acme/renamed"), "Cannot rename server"),
        (server_json(version="1.0.1"), "Version in request body (1.0.1) must match the version in the path (1.0.0)"),
    ],
)
def test_edit_refuses_renames_and_version_changes(registry: SqlRegistry, body: dict[str, object], detail: str) -> None:
    registry.publish(server_json())
    with pytest.raises(RegistryHTTPError) as caught:
        registry.edit(NAME, "1.0.0", body)
    assert (caught.value.status, caught.value.detail) == (400, detail)


def test_edit_of_a_missing_or_deleted_version_is_404(registry: SqlRegistry) -> None:
    registry.publish(server_json())
    with pytest.raises(RegistryHTTPError) as caught:
        registry.edit(NAME, "1.5.0", server_json(version="1.5.0"))
    assert (caught.value.status, caught.value.detail) == (404, "Server not found")
    registry.set_status(NAME, "1.0.0", "deleted", None)
    for version in ["1.0.0", "2.0.0"]:
        with pytest.raises(RegistryHTTPError) as caught:
            registry.edit(NAME, version, server_json(version=version))
        assert (caught.value.status, caught.value.detail) == (404, "Server not found")


def test_with_unique_remote_urls_edit_cannot_take_another_servers_remote_url(registry: SqlRegistry) -> None:
    registry.unique_remote_urls = True
    remote = [{"type": "sse", "url": "https://taken.example/sse"}]
    registry.publish(server_json(name="io.github.other/notes", remotes=remote))
    registry.publish(server_json())
    with pytest.raises(RegistryHTTPError) as caught:
        registry.edit(NAME, "1.0.0", server_json(remotes=remote))
    assert (caught.value.status, caught.value.detail) == (400, "Failed to edit server")


def official(moment: datetime, *, latest: bool, status: str = "active") -> OfficialMeta:
    return OfficialMeta(
        status=status,  # type: ignore[arg-type]
        status_changed_at=moment,
        published_at=moment,
        updated_at=moment,
        is_latest=latest,
        status_message="gone" if status != "active" else None,
    )


def test_import_copies_the_source_metadata_faithfully(registry: SqlRegistry) -> None:
    moment = datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    meta = official(moment, latest=True, status="deprecated")
    assert registry.import_record(server_json(), meta)
    assert stored(registry, "1.0.0") == ServerRecord(server_json(), meta)


def test_an_edit_that_breaks_a_rule_is_refused_with_the_reason(registry: SqlRegistry) -> None:
    registry.publish(server_json())
    with pytest.raises(RegistryHTTPError) as caught:
        registry.edit(NAME, "1.0.0", server_json(description="Bad \x00 byte."))
    assert (caught.value.status, caught.value.detail) == (400, "Failed to edit server")
    assert caught.value.errors == [
        {"message": "server.json holds a NUL character (\\u0000): no name, version or text may contain one"}
    ]


def test_an_edit_changes_what_the_list_filters_see(registry: SqlRegistry) -> None:
    registry.publish(server_json())
    npm = [{"registryType": "npm", "identifier": "notes", "version": "1.0.0", "transport": {"type": "sse"}}]
    registry.edit(NAME, "1.0.0", server_json(packages=npm))
    assert [r.name for r in registry.list_servers(ListQuery(registry_type="npm")).servers] == [NAME]
    assert registry.list_servers(ListQuery(registry_type="pypi")).servers == []
    assert [r.name for r in registry.list_servers(ListQuery(transport="sse")).servers] == [NAME]
    assert registry.list_servers(ListQuery(transport="stdio")).servers == []


def test_an_import_keeps_the_whole_meta_and_skips_the_publish_size_limit(registry: SqlRegistry) -> None:
    meta = {PUBLISHER_META_KEY: {"k": "x" * 5000}, "io.example/other": {"kept": True}}
    moment = datetime(2025, 3, 4, tzinfo=UTC)
    assert registry.import_record(server_json(_meta=meta), official(moment, latest=True))
    assert stored(registry, "1.0.0").server["_meta"] == meta


def test_an_import_that_breaks_a_rule_is_refused_with_the_reason(registry: SqlRegistry) -> None:
    moment = datetime(2025, 3, 4, tzinfo=UTC)
    unversioned = {key: value for key, value in server_json().items() if key != "version"}
    with pytest.raises(RegistryHTTPError) as caught:
        registry.import_record(unversioned, official(moment, latest=True))
    assert (caught.value.status, caught.value.detail, caught.value.errors) == (
        400,
        "Failed to import server",
        [{"message": "server.json has no version"}],
    )


def test_an_import_with_the_same_updated_at_and_a_moved_latest_flag_is_news(registry: SqlRegistry) -> None:
    moment = datetime(2025, 3, 4, tzinfo=UTC)
    assert registry.import_record(server_json(), official(moment, latest=True))
    assert registry.import_record(server_json(), official(moment, latest=False))
    assert not stored(registry, "1.0.0").official.is_latest
    assert not registry.import_record(server_json(), official(moment, latest=False))


def test_import_only_replaces_with_a_newer_source_copy(registry: SqlRegistry) -> None:
    moment = datetime(2025, 3, 4, tzinfo=UTC)
    assert registry.import_record(server_json(), official(moment, latest=True))
    counter = registry.change_counter()
    assert not registry.import_record(server_json(description="same age"), official(moment, latest=True))
    assert not registry.import_record(server_json(description="older"), official(moment - timedelta(1), latest=True))
    assert registry.change_counter() == counter
    assert registry.import_record(server_json(description="newer"), official(moment + timedelta(1), latest=True))
    assert stored(registry, "1.0.0").server["description"] == "newer"


def test_an_imported_latest_takes_the_flag_from_the_others(registry: SqlRegistry) -> None:
    moment = datetime(2025, 3, 4, tzinfo=UTC)
    registry.import_record(server_json(version="1.0.0"), official(moment, latest=True))
    registry.import_record(server_json(version="2.0.0"), official(moment + timedelta(1), latest=True))
    assert [r.version for r in registry.list_versions(NAME) if r.official.is_latest] == ["2.0.0"]
    assert stored(registry, "1.0.0").official.updated_at == moment  # still the source's own value
    registry.import_record(server_json(version="0.9.0"), official(moment - timedelta(1), latest=False))
    assert registry.get_version(NAME, "latest") == stored(registry, "2.0.0")


def latest_of(registry: SqlRegistry) -> list[str]:
    return [r.version for r in registry.list_versions(NAME, include_deleted=True) if r.official.is_latest]


def test_a_status_change_recomputes_latest_by_publish_time_among_non_semantic_versions(registry: SqlRegistry) -> None:
    for version in ["nightly-b", "nightly-a", "nightly-c"]:
        registry.publish(server_json(version=version))
    assert latest_of(registry) == ["nightly-c"]
    registry.set_status(NAME, "nightly-c", "deleted", None)
    assert latest_of(registry) == ["nightly-a"]
    registry.set_status(NAME, "nightly-c", "active", None)
    assert latest_of(registry) == ["nightly-c"]


def test_of_versions_with_equal_precedence_the_earliest_published_stays_latest(registry: SqlRegistry) -> None:
    for version in ["1.0.0+build.2", "1.0.0+build.1", "0.9.0"]:
        registry.publish(server_json(version=version))
    registry.set_status(NAME, "0.9.0", "deprecated", "old")
    assert latest_of(registry) == ["1.0.0+build.2"]
    registry.set_status(NAME, None, "deleted", None)
    assert latest_of(registry) == ["1.0.0+build.2"]


def test_of_versions_with_equal_precedence_and_publish_time_the_lowest_string_is_latest(registry: SqlRegistry) -> None:
    moment = datetime(2025, 3, 4, tzinfo=UTC)
    for version in ["1.0.0+b", "1.0.0+c", "1.0.0+a"]:
        registry.import_record(server_json(version=version), official(moment, latest=False))
    registry.set_status(NAME, "1.0.0+c", "deprecated", "old")
    assert latest_of(registry) == ["1.0.0+a"]
