"""The read endpoints: list, versions, one version, and the ranked-search extension.

Each read checks the change counter (ETag, cache validity) first, usually already done by the edge middleware,
which answers cache hits itself; only a miss reaches these endpoints' worker-thread hop for the query and the
JSON encoding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from mcpship.registry.api._cache import CACHE_CONTROL, EVERYTHING, PROBE_KEY, CacheProbe, Dependency, cache_key
from mcpship.registry.api._context import ApiContext
from mcpship.registry.api._flights import SingleFlight
from mcpship.registry.api._metrics import route_template
from mcpship.registry.api._params import parse_bool, parse_int, parse_list_query, parse_text, validation_error
from mcpship.registry.api._responses import JSON, encode_json
from mcpship.registry.limits import LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, MAX_SEARCH_OFFSET
from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.records import SearchPage, SearchRanking, records_wire_bytes

__all__ = ["CACHE_CONTROL", "SEARCH_LAG_SECONDS", "SEARCH_META_KEY", "ReadEndpoints"]

SEARCH_META_KEY = "io.github.mcpship/search"
SEARCH_LAG_SECONDS = 30.0
"""How long a cached ranked-search page may outlive a write (see ``Dependency.lag``): as long as ``max-age``
already lets any HTTP cache keep it. A request with ``Cache-Control: no-cache`` gets a fresh page."""
_SEARCH_DEPENDS = Dependency(lag=SEARCH_LAG_SECONDS)


class Built(NamedTuple):
    body: bytes
    depends: Dependency
    """Which writes make the body stale."""
    ranking: SearchRanking | None = None
    """A search page's ranking, kept with the body for the next build to reuse (see ``ReadCache.ranking``)."""


class ReadEndpoints:
    def __init__(self, context: ApiContext) -> None:
        self._service = context.service
        self._cache = context.cache
        self._flights: SingleFlight[Built] = SingleFlight()

    async def _cached(self, request: Request, build: Callable[[], Built], *, quick: bool = False) -> Response:
        """Answer from the probe the edge middleware made (or make one); only a miss builds the body: in a worker
        thread, shared with concurrent misses of the same key and counter, or right here when ``quick`` (a hop
        costs more than a local lookup of microseconds). ``build`` also says which writes make the body stale."""
        scope = request.scope
        key = cache_key(scope)
        probe: CacheProbe | None = scope.get(PROBE_KEY)
        if probe is None:
            probe = await self._cache.probe_async(key, request.headers.get("if-none-match"))
        headers = {"ETag": probe.etag, "Cache-Control": CACHE_CONTROL}
        if probe.not_modified:
            return Response(status_code=304, headers=headers)
        if probe.body is not None:
            return Response(probe.body, headers=headers, media_type=JSON)
        if quick:
            built = build()
            self._store(probe, key, route_template(scope), built)
            return Response(built.body, headers=headers, media_type=JSON)

        async def build_and_store() -> Built:
            built = await run_in_threadpool(build)
            self._store(probe, key, route_template(scope), built)
            return built

        built = await self._flights.run((key, probe.counter), build_and_store)
        return Response(built.body, headers=headers, media_type=JSON)

    def _store(self, probe: CacheProbe, key: str, route: str, built: Built) -> None:
        self._cache.store(probe, key, built.body, route, depends=built.depends, ranking=built.ranking)

    async def list_servers(self, request: Request) -> Response:
        query = parse_list_query(request.query_params)

        def build() -> Built:
            page = self._service.list_servers(query)
            if not self._service.orders_names_by_code_point:  # the page's name range cannot be told apart here
                return Built(page.to_wire_bytes(), EVERYTHING)
            # Rows come in (name, version) order after the cursor: a write to a name outside [cursor, last name
            # shown] cannot change a full page; a short page also shows whatever is written after its cursor.
            first = (query.cursor or "").partition(":")[0]
            last = page.servers[-1].name if page.next_cursor is not None else None
            return Built(page.to_wire_bytes(), Dependency(first, last, contains=(query.search or "").lower()))

        return await self._cached(request, build)

    async def list_versions(self, request: Request) -> Response:
        name = request.path_params["serverName"]
        include_deleted = bool(parse_bool(request.query_params, "include_deleted"))

        def build() -> Built:
            records = self._service.list_versions(name, include_deleted=include_deleted)
            if not records:
                raise RegistryHTTPError(404, "Server not found")
            return Built(records_wire_bytes(records, {"count": len(records)}), Dependency.server(name))

        return await self._cached(request, build, quick=self._service.quick_point_reads)

    async def get_version(self, request: Request) -> Response:
        name, version = request.path_params["serverName"], request.path_params["version"]
        include_deleted = bool(parse_bool(request.query_params, "include_deleted"))

        def build() -> Built:
            record = self._service.get_version(name, version, include_deleted=include_deleted)
            if record is None:
                raise RegistryHTTPError(404, "Server not found")
            return Built(record.to_wire_bytes(), Dependency.server(name, None if version == "latest" else version))

        return await self._cached(request, build, quick=self._service.quick_point_reads)

    async def search(self, request: Request) -> Response:
        params = request.query_params
        text = (parse_text(params, "q") or "").strip()
        if not text:
            raise validation_error("query.q", "expected a non-empty search text", params.get("q"))
        limit = parse_int(params, "limit", default=LIST_LIMIT_DEFAULT, minimum=1, maximum=LIST_LIMIT_MAX)
        offset = parse_int(params, "offset", default=0, minimum=0, maximum=MAX_SEARCH_OFFSET)
        registry_type, transport = parse_text(params, "registry_type"), parse_text(params, "transport")

        key = cache_key(request.scope)

        def build() -> Built:
            # Ranking is the costly part (every match scored); while no write has changed a search document it
            # still holds, and only the shown servers' current records are needed. Ranks can move with any
            # such write, anywhere: the page depends on everything (for at most its lag).
            ranking = self._cache.ranking(key)
            page = ranking.page(self._service.latest_records(ranking.names)) if ranking is not None else None
            if page is None:
                page = self._service.search(
                    text, limit=limit, offset=offset, registry_type=registry_type, transport=transport
                )
            return Built(encode_json(search_page_wire(page)), _SEARCH_DEPENDS, page.ranking())

        return await self._cached(request, build)


def search_page_wire(page: SearchPage) -> dict[str, Any]:
    """Each hit is a plain ``ServerResponse`` plus ``_meta["io.github.mcpship/search"] = {"rank": r}``."""
    servers = []
    for hit in page.hits:
        wire = hit.record.to_wire()
        wire["_meta"][SEARCH_META_KEY] = {"rank": hit.rank}
        servers.append(wire)
    metadata: dict[str, Any] = {"count": len(servers)}
    if page.next_offset is not None:
        metadata["nextOffset"] = page.next_offset
    return {"servers": servers, "metadata": metadata}
