"""With ``unique_remote_urls``, a remote URL belongs to the one server name whose live versions list it: the
bookkeeping follows publishes, edits, imports and status changes, and only the URLs asked about count."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.records import OfficialMeta
from mcpship.registry.service import SqlRegistry
from tests.registry_support.fixtures import server_json

A = "io.github.acme/a"
B = "io.github.acme/b"
C = "io.github.acme/c"


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[SqlRegistry]:
    with SqlRegistry.open(f"sqlite:///{tmp_path / 'registry.db'}", unique_remote_urls=True) as opened:
        yield opened


def remote(url: str) -> list[dict[str, Any]]:
    return [{"type": "streamable-http", "url": url}]


def with_remote(name: str, version: str, url: str, **fields: Any) -> dict[str, Any]:
    return server_json(name=name, version=version, remotes=remote(url), **fields)


def owner_of(registry: SqlRegistry, url: str) -> str | None:
    """Which name the registry says owns ``url``: publish a probe that lists it and read the refusal."""
    tried = len(registry.list_versions("io.github.probe/p", include_deleted=True))
    probe = with_remote("io.github.probe/p", f"0.0.{tried}", url)
    try:
        registry.publish(probe)
    except RegistryHTTPError as error:
        [message] = [str(item["message"]) for item in error.errors]
        prefix = f"remote URL {url} is already used by server "
        assert message.startswith(prefix), message
        return message.removeprefix(prefix)
    registry.set_status("io.github.probe/p", probe["version"], "deleted", None)  # frees it again
    return None


def test_only_the_urls_a_version_lists_are_checked(registry: SqlRegistry) -> None:
    registry.publish(with_remote(B, "1.0.0", "https://b.example/mcp"))
    registry.publish(with_remote(A, "1.0.0", "https://a.example/mcp"))
    assert owner_of(registry, "https://b.example/mcp") == B


def test_a_url_of_a_deleted_version_is_free_whatever_other_rows_share_its_version_or_name(
    registry: SqlRegistry,
) -> None:
    registry.publish(with_remote(B, "1.0.0", "https://old.example/mcp"))
    registry.publish(server_json(name=B, version="2.0.0"))  # B lives on without the URL
    registry.publish(server_json(name=A, version="1.0.0"))  # another live 1.0.0
    registry.set_status(B, "1.0.0", "deleted", None)
    assert owner_of(registry, "https://old.example/mcp") is None
    registry.publish(with_remote(C, "1.0.0", "https://old.example/mcp"))


def test_the_refusal_names_the_first_owner_by_name(registry: SqlRegistry) -> None:
    registry.unique_remote_urls = False
    registry.publish(with_remote("io.github.zed/z", "1.0.0", "https://shared.example/mcp"))
    registry.publish(with_remote("io.github.abe/a", "1.0.0", "https://shared.example/mcp"))
    registry.publish(with_remote("io.github.max/m", "1.0.0", "https://shared.example/mcp"))
    registry.unique_remote_urls = True
    assert owner_of(registry, "https://shared.example/mcp") == "io.github.abe/a"


def test_a_name_may_keep_a_url_its_other_versions_list(registry: SqlRegistry) -> None:
    url = "https://a.example/mcp"
    registry.publish(with_remote(A, "1.0.0", url))
    registry.publish(with_remote(A, "1.1.0", url))
    registry.edit(A, "1.0.0", with_remote(A, "1.0.0", url, description="Edited."))
    registry.set_status(A, "1.0.0", "deleted", None)
    [restored] = registry.set_status(A, "1.0.0", "active", None)
    assert restored.official.status == "active"


def test_an_edit_moves_the_versions_urls_and_leaves_every_other_versions(registry: SqlRegistry) -> None:
    registry.publish(with_remote(A, "1.0.0", "https://a1.example/mcp"))
    registry.publish(with_remote(A, "2.0.0", "https://a2.example/mcp"))
    registry.publish(with_remote(B, "1.0.0", "https://b1.example/mcp"))
    registry.edit(A, "1.0.0", with_remote(A, "1.0.0", "https://a1-new.example/mcp"))
    assert owner_of(registry, "https://a1.example/mcp") is None
    assert owner_of(registry, "https://a1-new.example/mcp") == A
    assert owner_of(registry, "https://a2.example/mcp") == A
    assert owner_of(registry, "https://b1.example/mcp") == B


def test_an_imported_version_owns_its_urls(registry: SqlRegistry) -> None:
    moment = datetime(2025, 3, 4, tzinfo=UTC)
    official = OfficialMeta("active", moment, moment, moment, is_latest=True)
    assert registry.import_record(with_remote(A, "1.0.0", "https://a.example/mcp"), official)
    assert owner_of(registry, "https://a.example/mcp") == A
