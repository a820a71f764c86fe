"""The reads measured, each as a list of distinct URLs (cycled by the load generator) built from the data set."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from dataset import WORDS, server_document, server_name

__all__ = ["Endpoint", "baseline_body", "endpoints"]

API = "/v0.1"
OFFICIAL = "io.modelcontextprotocol.registry/official"
DISTINCT = 4000
SPAN = range(DISTINCT)


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    paths: list[str]


def _list(**params: str | int) -> str:
    return f"{API}/servers?{urlencode(params)}"


def _server(name: str, suffix: str) -> str:
    return f"{API}/servers/{quote(name, safe='')}/{suffix}"


def endpoints(count: int, versions: int, seed: int = 7) -> list[Endpoint]:
    """Each read cycles through ``DISTINCT`` URLs, more than the API's in-process cache holds (1,024 bodies), in
    the same order every pass, so a cached body is evicted before it comes round again. Where the parameters
    themselves offer fewer variants, a cache-busting ``_=<n>`` (ignored by the API) makes the URLs distinct.
    One read repeats a single URL on purpose, to show what the cache buys.
    """
    rng = random.Random(seed)
    picks = [rng.randrange(count) for _ in range(DISTINCT)]
    last = f"1.{versions - 1}.0"
    return [
        Endpoint("list_first_same", "list, first page, *repeated* URL (cached)", [_list(limit=30)]),
        Endpoint("list_first", "list, first page", [_list(limit=30, _=n) for n in range(DISTINCT)]),
        Endpoint(
            "list_deep",
            "list, deep cursor",
            [_list(limit=30, cursor=f"{server_name(i)}:{last}") for i in picks],
        ),
        Endpoint(
            "list_search",
            "list, `search=bench-NN` substring",
            [_list(search=f"bench-{10 + n % 90}", _=n) for n in range(DISTINCT)],
        ),
        Endpoint("get_latest", "get `…/versions/latest`", [_server(server_name(i), "versions/latest") for i in picks]),
        Endpoint(
            "get_version",
            "get `…/versions/<exact>`",
            [_server(server_name(i), f"versions/1.{n % versions}.0") for n, i in enumerate(picks)],
        ),
        Endpoint("versions", "get `…/versions` (all 3)", [_server(server_name(i), "versions") for i in picks]),
        Endpoint(
            "ranked_search",
            "ranked search `x/io.github.mcpship/search?q=WORD`",
            [f"{API}/x/io.github.mcpship/search?{urlencode({'q': WORDS[n % len(WORDS)], '_': n})}" for n in SPAN],
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
        for i in range(30)
    ]
    page = {"servers": records, "metadata": {"count": 30, "nextCursor": f"{server_name(9)}:1.{versions - 1}.0"}}
    return json.dumps(page, separators=(",", ":")).encode()
