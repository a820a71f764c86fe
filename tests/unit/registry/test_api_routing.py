"""Pure parts of the API: raw-path server routing, query parsing, the change-counter cache."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from mcpship.registry.api._params import parse_list_query, parse_rfc3339
from mcpship.registry.api._server_route import split_server_path
from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.records import OfficialMeta


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("io.github.a%2Fb/versions", ("/versions", {"serverName": "io.github.a/b"})),
        ("io.github.a%2fb/versions", ("/versions", {"serverName": "io.github.a/b"})),
        ("io.github.a/b/versions", ("/versions", {"serverName": "io.github.a/b"})),
        ("io.github.a/b/versions/1.0.0", ("/versions/{version}", {"serverName": "io.github.a/b", "version": "1.0.0"})),
        (
            "io.github.a/b/versions/1.0%2B7",
            ("/versions/{version}", {"serverName": "io.github.a/b", "version": "1.0+7"}),
        ),
        ("io.github.a/b/versions/a%2Fb", ("/versions/{version}", {"serverName": "io.github.a/b", "version": "a/b"})),
        (
            "io.github.a%2Fb/versions/2/status",
            ("/versions/{version}/status", {"serverName": "io.github.a/b", "version": "2"}),
        ),
        ("io.github.a/b/status", ("/status", {"serverName": "io.github.a/b"})),
        ("io.github.a/versions/versions", ("/versions", {"serverName": "io.github.a/versions"})),
        ("0/versions/0", ("/versions/{version}", {"serverName": "0", "version": "0"})),
    ],
)
def test_server_paths_route_on_the_raw_path(raw: str, expected: tuple[str, dict[str, str]]) -> None:
    assert split_server_path(raw) == expected


@pytest.mark.parametrize("raw", ["", "io.github.a/b", "io.github.a/b/versions/", "io.github.a/b/other", "a//versions"])
def test_paths_that_are_no_server_operation_do_not_match(raw: str) -> None:
    assert split_server_path(raw) is None


def test_list_query_defaults_and_updated_since_forces_include_deleted() -> None:
    assert parse_list_query({}).limit == 30
    query = parse_list_query({"updated_since": "2025-08-07T13:15:04.280Z", "limit": "100"})
    assert query.include_deleted is True
    assert query.updated_since == datetime(2025, 8, 7, 13, 15, 4, 280000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"limit": "0"}, 422),
        ({"limit": "101"}, 422),
        ({"limit": "x"}, 422),
        ({"include_deleted": "yes"}, 422),
        ({"updated_since": "2025-08-07 13:15:04Z"}, 400),
        ({"updated_since": "2025-08-07T13:15:04"}, 400),
        ({"updated_since": "2025-13-07T13:15:04Z"}, 400),
        ({"updated_since": "2025-08-07T13:15:04Z", "include_deleted": "false"}, 400),
    ],
)
def test_bad_list_parameters_get_upstreams_status(params: dict[str, str], status: int) -> None:
    with pytest.raises(RegistryHTTPError) as raised:
        parse_list_query(params)
    assert raised.value.status == status


def test_rfc3339_accepts_offsets_and_lowercase_separators() -> None:
    assert parse_rfc3339("2025-01-02t03:04:05+02:00").utcoffset() is not None


@pytest.mark.parametrize(
    ("changed", "updated", "message"),
    [
        (0, 0, None),
        (1, 0, 'moved to "io.github.x/y" \u2014 see https://example.com/?a=1&b=<2>'),
        (0, 5, ""),
        (3_600_000_001, 1, "line\nbreak\ttab \\ \U0001f600"),
    ],
)
def test_the_official_meta_json_text_is_the_json_of_its_wire_form(
    changed: int, updated: int, message: str | None
) -> None:
    published = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    meta = OfficialMeta(
        status="active" if message is None else "deprecated",
        status_changed_at=published + timedelta(microseconds=changed),
        published_at=published,
        updated_at=published + timedelta(microseconds=updated),
        is_latest=message is None,
        status_message=message,
    )
    assert json.loads(meta.to_json()) == meta.to_wire()
    assert list(json.loads(meta.to_json())) == list(meta.to_wire())  # same key order too
