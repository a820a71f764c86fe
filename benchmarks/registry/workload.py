"""The reads measured, each as the whole natural URL space of that read over the data set, in a fixed order.

A client population asks for what exists: every name, every version, every page a crawler's cursor walk
visits, every search a user might type from the data set's vocabulary. The load generator cycles through each
space in a seeded shuffled order (no cache-busting parameters), so a response cache answers a URL only when it
still holds it from the previous pass: the measured hit ratio is the cache's own on that space.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from dataset import WORDS, server_document, server_name

__all__ = ["PAGE", "Endpoint", "baseline_body", "cursor_chain", "endpoints"]

API = "/v0.1"
OFFICIAL = "io.modelcontextprotocol.registry/official"
PAGE = 30
"""Page size of the list reads (the API's default is also what the crawler walk uses)."""
SEARCH_OFFSETS = (0, 30)
"""Ranked search: the first and the second page of every word."""


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    paths: list[str]
    space: str
    """What the URL space is, for the results text (e.g. "every name")."""


def _list(**params: str | int) -> str:
    return f"{API}/servers?{urlencode(params)}"


def _server(name: str, suffix: str) -> str:
    return f"{API}/servers/{quote(name, safe='')}/{suffix}"


def _keys(count: int, versions: int) -> list[tuple[str, str]]:
    """Every (name, version) in the API's list order: by name, then version, both as plain strings."""
    return sorted((server_name(i), f"1.{minor}.0") for i in range(count) for minor in range(versions))


def cursor_chain(count: int, versions: int, page: int = PAGE) -> list[str]:
    """The ``cursor`` of every page after the first in a full walk: ``name:version`` of each page's last item.
    A full last page still carries a ``nextCursor``, so a crawler also fetches the (empty) page after it."""
    return [f"{name}:{version}" for name, version in _keys(count, versions)[page - 1 :: page]]


def _search(word: str, offset: int) -> str:
    params: dict[str, str | int] = {"q": word, **({"offset": offset} if offset else {})}
    return f"{API}/x/io.github.mcpship/search?{urlencode(params)}"


def endpoints(count: int, versions: int, seed: int = 7) -> list[Endpoint]:
    """Each read's URL space, shuffled once with ``seed`` (every pass visits it in the same order)."""
    rng = random.Random(seed)
    names = [server_name(i) for i in range(count)]
    exact = [(name, f"1.{minor}.0") for name in names for minor in range(versions)]

    def shuffled(paths: list[str]) -> list[str]:
        rng.shuffle(paths)
        return paths

    chain = cursor_chain(count, versions)
    return [
        Endpoint("list_first", "list, first page", [_list(limit=PAGE)], "one URL"),
        Endpoint(
            "list_deep",
            "list, cursor walk (every page)",
            shuffled([_list(limit=PAGE, cursor=cursor) for cursor in chain]),
            f"every page after the first of a full walk ({len(chain):,} cursors)",
        ),
        Endpoint(
            "list_search",
            "list, `search=bench-NN` substring",
            shuffled([_list(search=f"bench-{n}") for n in range(10, 100)]),
            "`bench-10` … `bench-99` (90 URLs)",
        ),
        Endpoint(
            "get_latest",
            "get `…/versions/latest`",
            shuffled([_server(name, "versions/latest") for name in names]),
            f"every name ({count:,})",
        ),
        Endpoint(
            "get_version",
            "get `…/versions/<exact>`",
            shuffled([_server(name, f"versions/{version}") for name, version in exact]),
            f"every name × version ({len(exact):,})",
        ),
        Endpoint(
            "versions",
            f"get `…/versions` (all {versions})",
            shuffled([_server(name, "versions") for name in names]),
            f"every name ({count:,})",
        ),
        Endpoint(
            "ranked_search",
            "ranked search `x/io.github.mcpship/search?q=WORD`",
            shuffled([_search(word, offset) for word in WORDS for offset in SEARCH_OFFSETS]),
            f"every word of the data set's vocabulary × pages 1 and 2 ({len(WORDS) * len(SEARCH_OFFSETS)} URLs)",
        ),
    ]


def baseline_body(versions: int) -> bytes:
    """A first list page (30 servers) in the registry's wire form, for the plain-ASGI baseline."""
    moment = datetime(2026, 1, 1, tzinfo=UTC).isoformat().replace("+00:00", "Z")
    official = {"status": "active", "statusChangedAt": moment, "publishedAt": moment, "updatedAt": moment}
    records = [
        {
            "server": server_document(i // versions, f"1.{i % versions}.0"),
            "_meta": {OFFICIAL: {**official, "isLatest": i % versions == versions - 1}},
        }
        for i in range(PAGE)
    ]
    page = {"servers": records, "metadata": {"count": PAGE, "nextCursor": f"{server_name(9)}:1.{versions - 1}.0"}}
    return json.dumps(page, separators=(",", ":")).encode()
