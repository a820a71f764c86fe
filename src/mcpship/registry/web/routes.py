"""The catalogue's pages: search and browse at ``/``, one server at ``/servers/{name}``, the live-results fragment.

Endpoints are synchronous on purpose: Starlette runs them in its thread pool, where the (synchronous) service
calls belong. Every page is rendered by Jinja2 with autoescaping on (no template marks registry data safe); the
live search re-uses the same ``_results.html`` through ``/_catalogue/results``, so there is one rendering of a result
list, not two. Every response carries the security headers of :mod:`mcpship.registry.web.headers`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import jinja2
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from mcpship.registry.config import RegistrySettings
from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.records import ListQuery, RegistryService, ServerRecord
from mcpship.registry.web.headers import SecurityHeadersMiddleware
from mcpship.registry.web.views import (
    MAX_DESCRIPTION,
    MAX_TITLE,
    REGISTRY_TYPES,
    TRANSPORTS,
    Summary,
    api_href,
    detail,
    server_href,
    summary,
    version_rows,
)

__all__ = ["PAGE_SIZE", "STATIC_PREFIX", "web_routes"]

PAGE_SIZE = 30
STATIC_PREFIX = "/_catalogue/static"
_MAX_QUERY = 200
_CACHE_CONTROL = "no-cache"  # always revalidate: the ETag makes that a cheap 304


@dataclass(frozen=True)
class Filters:
    q: str
    registry_type: str | None
    transport: str | None

    def params(self, **extra: str | int) -> str:
        pairs: dict[str, str | int] = {"q": self.q} if self.q else {}
        if self.registry_type:
            pairs["registry_type"] = self.registry_type
        if self.transport:
            pairs["transport"] = self.transport
        pairs.update(extra)
        return urlencode(pairs)


@dataclass(frozen=True)
class Results:
    filters: Filters
    items: list[Summary]
    next_href: str | None
    searching: bool


class _BadRequestError(Exception):
    pass


def web_routes(settings: RegistrySettings, service: RegistryService) -> list[BaseRoute]:
    """The catalogue's routes, to be mounted at ``/`` next to the API."""
    catalogue = _Catalogue(settings, service, _environment(settings))
    secured = [Middleware(SecurityHeadersMiddleware)]
    static = StaticFiles(packages=[("mcpship.registry.web", "static")])
    return [
        Route("/", catalogue.home, methods=["GET"], name="catalogue-home", middleware=secured),
        Route("/_catalogue/results", catalogue.results, methods=["GET"], name="catalogue-results", middleware=secured),
        Route("/servers", _to_home, methods=["GET"], middleware=secured),
        Route("/servers/{rest:path}", catalogue.server, methods=["GET"], name="catalogue-server", middleware=secured),
        Mount(STATIC_PREFIX, app=static, name="catalogue-static", middleware=secured),
    ]


def _to_home(request: Request) -> Response:
    return RedirectResponse("/", status_code=307)


def _environment(settings: RegistrySettings) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("mcpship.registry.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.globals.update(
        static=STATIC_PREFIX,
        registry_types=REGISTRY_TYPES,
        transports=TRANSPORTS,
        base_url=settings.base_url,
        registry_version=settings.version,
        max_title=MAX_TITLE,
        max_description=MAX_DESCRIPTION,
    )
    environment.filters["server_href"] = server_href
    return environment


class _Catalogue:
    def __init__(self, settings: RegistrySettings, service: RegistryService, templates: jinja2.Environment) -> None:
        self._settings = settings
        self._service = service
        self._templates = templates

    # --- endpoints ---------------------------------------------------------------------------------------------------

    def home(self, request: Request) -> Response:
        return self._cached(request, lambda: self._results_response(request, "index.html"))

    def results(self, request: Request) -> Response:
        return self._cached(request, lambda: self._results_response(request, "_results.html"))

    def server(self, request: Request) -> Response:
        return self._cached(request, lambda: self._server_response(request.path_params["rest"]))

    # --- rendering ---------------------------------------------------------------------------------------------------

    def _results_response(self, request: Request, template: str) -> Response:
        try:
            results = self._results(request)
        except _BadRequestError as error:
            return self._error(400, str(error))
        except RegistryHTTPError as error:
            return self._error(error.status, error.detail)
        return self._render(template, results=results, filters=results.filters)

    def _results(self, request: Request) -> Results:
        params = request.query_params
        filters = Filters(
            q=" ".join(params.get("q", "").split())[:_MAX_QUERY],
            registry_type=_choice(params.get("registry_type")),
            transport=_choice(params.get("transport")),
        )
        if filters.q:
            offset = _offset(params.get("offset"))
            page = self._service.search(
                filters.q,
                limit=PAGE_SIZE,
                offset=offset,
                registry_type=filters.registry_type,
                transport=filters.transport,
            )
            items = [summary(hit.record) for hit in page.hits]
            next_href = f"/?{filters.params(offset=page.next_offset)}" if page.next_offset else None
            return Results(filters, items, next_href, searching=True)
        query = ListQuery(
            cursor=params.get("cursor") or None,
            limit=PAGE_SIZE,
            version="latest",
            registry_type=filters.registry_type,
            transport=filters.transport,
        )
        listing = self._service.list_servers(query)
        next_href = f"/?{filters.params(cursor=listing.next_cursor)}" if listing.next_cursor else None
        return Results(filters, [summary(record) for record in listing.servers], next_href, searching=False)

    def _server_response(self, path: str) -> Response:
        try:
            return self._server_page(path)
        except RegistryHTTPError as error:
            return self._error(error.status, error.detail)

    def _server_page(self, path: str) -> Response:
        name, separator, version = path.rstrip("/").rpartition("/versions/")
        if not separator or not name:
            name, version = path.rstrip("/"), ""
        versions = self._service.list_versions(name, include_deleted=True)
        if not versions and not version and name.endswith("/versions"):
            parent = name.removesuffix("/versions")
            if self._service.list_versions(parent, include_deleted=True):
                return RedirectResponse(server_href(parent) + "#versions-heading", status_code=307)
        if version:
            record = self._service.get_version(name, version, include_deleted=True)
        else:
            record = self._service.get_version(name, "latest") or _installable_first(versions)
        if record is None:
            what = f"version {version} of {name}" if version else name
            return self._error(404, f"There is no server {what} in this registry.")
        return self._render(
            "server.html",
            server=detail(record),
            versions=version_rows(versions),
            versions_total=len(versions),
            versions_href=api_href(name),
            installable_versions=any(other.official.status != "deleted" for other in versions),
            pinned=bool(version),
        )

    def _render(self, template: str, *, status: int = 200, **context: object) -> HTMLResponse:
        html = self._templates.get_template(template).render(**context)
        # A stored lone surrogate cannot be UTF-8: it shows as "?" instead of failing the page.
        return HTMLResponse(html.encode("utf-8", errors="replace"), status_code=status)

    def _error(self, status: int, message: str) -> HTMLResponse:
        return self._render("error.html", status=status, code=status, message=message)

    # --- caching -----------------------------------------------------------------------------------------------------

    def _cached(self, request: Request, render: Callable[[], Response]) -> Response:
        """Weak ETag from the store's change counter: any committed write invalidates every page at once."""
        etag = f'W/"catalogue-{self._settings.version}-{self._service.change_counter()}"'
        headers = {"ETag": etag, "Cache-Control": _CACHE_CONTROL}
        if etag in _etags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers=headers)
        response = render()
        if response.status_code == 200:
            response.headers.update(headers)
        return response


def _installable_first(versions: list[ServerRecord]) -> ServerRecord | None:
    """Without a usable latest, the newest version that is not deleted; the newest deleted one if all are."""
    return next((record for record in versions if record.official.status != "deleted"), None) or (
        versions[0] if versions else None
    )


def _etags(header: str) -> set[str]:
    tokens = {token.strip() for token in header.split(",") if token.strip()}
    # Weak comparison (RFC 9110 §8.8.3.2): W/"x" matches "x".
    return tokens | {f"W/{token}" for token in tokens if not token.startswith("W/")}


def _choice(value: str | None) -> str | None:
    value = (value or "").strip()
    return value[:64] or None


def _offset(value: str | None) -> int:
    if not value:
        return 0
    if not value.isdigit():
        raise _BadRequestError(f"offset must be a non-negative whole number, not {value!r}.")
    return int(value)
