"""A client for any MCP registry that speaks the official API (registry.modelcontextprotocol.io, mcpship's own,
any subregistry): log in, publish a server.json, validate, list, search.

Every call tries the frozen ``/v0.1`` API first and falls back to ``/v0`` when the registry answers 404 (older
deployments, and the official ``mcp-publisher`` itself, use ``/v0``); the prefix that worked is remembered.
Failures become :class:`~mcpship.RegistryError` (exit code 12; :class:`~mcpship.RegistryPublishError`, exit code 11,
for a refused publish) carrying the registry's own problem+json ``detail`` and ``errors``,
so a refusal reads as the registry wrote it. The ``httpx`` client is injected (``MockTransport`` in unit tests).

Logging in exchanges a proof (``registry.md`` §3.1-3.3, built by :mod:`mcpship.registry_client.proofs`)
for a registry token that lives a few minutes; tokens are kept per registry URL by
:class:`~mcpship.registry_client.tokens.TokenStore`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import httpx

from mcpship.__about__ import __version__
from mcpship._bounded_body import BodyTooLargeError, read_bounded
from mcpship._exceptions import InvalidArtifactError, PublishError, RegistryError, RegistryPublishError
from mcpship._safe_load import read_json_file
from mcpship._untrusted_json import hostile_content, loads_untrusted
from mcpship.registry_client.tokens import (
    DEFAULT_REGISTRY,
    RegistryToken,
    TokenStore,
    normalize_registry_url,
    registry_in_use,
)

__all__ = [
    "ANONYMOUS_NAMESPACE",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_REGISTRY",
    "LOGIN_METHODS",
    "SEARCH_EXTENSION",
    "LoginMethod",
    "PublishOutcome",
    "RegistryClient",
    "RegistryError",
    "RegistryPublishError",
    "RegistryRequestError",
    "RegistryToken",
    "ResponseTooLargeError",
    "SearchResult",
    "TokenStore",
    "ValidationIssue",
    "normalize_registry_url",
    "publish_server_json",
    "read_server_json",
]

ANONYMOUS_NAMESPACE = "io.modelcontextprotocol.anonymous"
SEARCH_EXTENSION = "/v0.1/x/io.github.mcpship/search"
"""mcpship's ranked search (name, title, description, tool names); other registries answer 404 and we fall back."""

LoginMethod = Literal["none", "admin", "github", "github-oidc", "dns", "http"]
LOGIN_METHODS: tuple[LoginMethod, ...] = ("none", "admin", "github", "github-oidc", "dns", "http")
_EXCHANGE_PATHS: dict[LoginMethod, str] = {
    "none": "/auth/none",
    "admin": "/auth/admin",
    "github": "/auth/github-at",
    "github-oidc": "/auth/github-oidc",
    "dns": "/auth/dns",
    "http": "/auth/http",
}
DEFAULT_MAX_RESPONSE_BYTES = 16 << 20
_BODY_FRAMING = ("content-encoding", "content-length", "transfer-encoding")
_PREFIXES = ("/v0.1", "/v0")
_MAX_PAGE_DEPTH = 512
"""Nesting of a list page whose entries are judged one by one: deep enough that an entry nested past the mirror's
own bound (64) is skipped alone, shallow enough that the parser never nears Python's recursion limit."""
_OFFICIAL = "io.modelcontextprotocol.registry/official"


RegistryRequestError = RegistryError
"""The registry refused a request or could not be reached (the name this module has always raised)."""


class ResponseTooLargeError(RegistryError):
    """An answer went past ``RegistryClient.max_response_bytes``; ``limit`` is that cap."""

    def __init__(self, message: str, *, hint: str | None = None, limit: int) -> None:
        super().__init__(message, hint=hint)
        self.limit = limit


@dataclass(frozen=True)
class ValidationIssue:
    """One finding of ``POST /validate``: ``type`` json|schema|semantic|linter, JSON ``path``, ``message``."""

    path: str
    message: str
    severity: str = "error"
    type: str = ""
    reference: str = ""

    def render(self, file: str) -> str:
        where = f"{file}: {self.path}" if self.path else file
        suffix = f" [{self.reference}]" if self.reference else ""
        return f"{where}: {self.severity}: {self.message}{suffix}"


@dataclass(frozen=True)
class PublishOutcome:
    registry: str
    name: str
    version: str
    is_latest: bool | None
    status: str | None
    response: dict[str, Any]
    """The registry's ``ServerResponse`` (``server`` + ``_meta``)."""


@dataclass(frozen=True)
class SearchResult:
    servers: list[dict[str, Any]]
    """``ServerResponse`` objects, best first when ``ranked``."""
    ranked: bool
    """True when the registry answered mcpship's ranked search; False for the official substring search."""
    next_cursor: str | None = None
    registry: str = ""
    """The registry that answered (normalized URL)."""


@dataclass
class RegistryClient:
    """One registry, one ``httpx.Client`` (owned unless injected). Use as a context manager."""

    registry: str
    client: httpx.Client | None = None
    timeout: float = 30.0
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    """The largest answer read (a page of 100 servers is far smaller); past it the request fails."""
    _owned: bool = field(default=False, init=False, repr=False)
    _prefix: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.registry = normalize_registry_url(self.registry)
        if self.client is None:
            self.client = httpx.Client(timeout=self.timeout, follow_redirects=True)
            self._owned = True

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owned and self.client is not None:
            self.client.close()

    # -- transport -----------------------------------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """``method`` on ``/v0.1{path}``, then ``/v0{path}`` if that is 404; remembers the prefix that answered."""
        prefixes = (self._prefix,) if self._prefix else _PREFIXES
        response: httpx.Response | None = None
        for prefix in prefixes:
            attempt = self._send(method, prefix + path, **kwargs)
            if attempt.status_code != 404:
                self._prefix = prefix
                return attempt
            response = response or attempt  # report the /v0.1 answer when neither knows the route
        assert response is not None
        return response

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request; the answer's body is read whole but never past ``max_response_bytes`` (a registry is
        someone else's server), and gzip is inflated in bounded pieces."""
        assert self.client is not None
        headers = {
            "User-Agent": f"mcpship/{__version__}",
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
            **kwargs.pop("headers", {}),
        }
        if method == "GET":  # a read right after a publish must see it: skip every cache on the way (§ Caching)
            headers.setdefault("Cache-Control", "no-cache")
        try:
            request = self.client.build_request(method, self.registry + path, headers=headers, **kwargs)
            response = self.client.send(request, stream=True)
            try:
                body = read_bounded(response, self.max_response_bytes)
            finally:
                response.close()
        except httpx.HTTPError as error:
            raise RegistryRequestError(
                f"could not reach the registry {self.registry}: {error}",
                hint="check the URL (--registry) and your network, then try again",
            ) from error
        except BodyTooLargeError as error:
            raise ResponseTooLargeError(
                f"{self.registry} answered {method} {path} with more than {_mib(self.max_response_bytes)}; stopped"
                " reading there",
                hint="is this an MCP registry? its answers are never that large",
                limit=self.max_response_bytes,
            ) from error
        except ValueError as error:
            raise RegistryRequestError(f"{self.registry} answered {method} {path} unreadably: {error}") from error
        kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _BODY_FRAMING]
        return httpx.Response(response.status_code, headers=kept, content=body, request=response.request)

    # -- auth ----------------------------------------------------------------------------------------------

    def login(self, method: LoginMethod, proof: Mapping[str, Any] | None = None) -> RegistryToken:
        """Exchange a proof for a registry token (``POST /auth/<method>``)."""
        response = self.request("POST", _EXCHANGE_PATHS[method], json=dict(proof) if proof is not None else None)
        if response.status_code == 404:
            raise RegistryRequestError(
                f"{self.registry} does not offer the `{method}` login method (no {_EXCHANGE_PATHS[method]} endpoint)",
                hint=_method_hint(method),
                status=404,
            )
        if response.status_code >= 400:
            raise self._refusal(response, f"{self.registry} refused the `{method}` login", hint=_method_hint(method))
        body = _json_object(response, self.registry)
        token = body.get("registry_token")
        if not isinstance(token, str) or not token:
            raise RegistryRequestError(
                f"{self.registry} answered the `{method}` login without a registry_token",
                hint="is this an MCP registry? check --registry",
                status=response.status_code,
            )
        expires = body.get("expires_at")
        return RegistryToken(self.registry, token, method, int(expires) if isinstance(expires, int | float) else None)

    def github_client_id(self) -> str | None:
        """The OAuth app the registry trusts for GitHub device-flow logins (``/health``'s ``github_client_id``)."""
        response = self.request("GET", "/health")
        if response.status_code != 200:
            return None
        value = _json_object(response, self.registry).get("github_client_id")
        return value if isinstance(value, str) and value else None

    # -- publish and validate ------------------------------------------------------------------------------

    def publish(
        self, server: Mapping[str, Any], token: RegistryToken, *, source: str = "server.json"
    ) -> PublishOutcome:
        """``POST /publish``; on a schema refusal (422) asks ``/validate`` for the detailed issues.

        Every failure is a :class:`~mcpship.RegistryPublishError`: a publish the registry did not take, whether it
        refused it or could not be reached."""
        try:
            return self._publish(server, token, source)
        except RegistryPublishError:
            raise
        except RegistryError as error:
            raise RegistryPublishError(
                error.message, hint=error.hint, status=error.status, detail=error.detail, errors=error.errors
            ) from error

    def _publish(self, server: Mapping[str, Any], token: RegistryToken, source: str) -> PublishOutcome:
        name = str(server.get("name", "?"))
        version = str(server.get("version", "?"))
        bearer = {"Authorization": f"Bearer {token.token}"}
        response = self.request("POST", "/publish", json=dict(server), headers=bearer)
        if response.status_code in (200, 201):
            body = _json_object(response, self.registry)
            official = body.get("_meta", {}).get(_OFFICIAL, {}) if isinstance(body.get("_meta"), dict) else {}
            return PublishOutcome(
                registry=self.registry,
                name=name,
                version=version,
                is_latest=official.get("isLatest"),
                status=official.get("status"),
                response=body,
            )
        what = f"{self.registry} refused to publish {name} {version}"
        if response.status_code == 401:
            again = f"mcpship login {token.method} --registry {self.registry}"
            raise self._refusal(response, what, hint=f"the token was refused or expired; log in again: {again}")
        if response.status_code == 403:
            raise self._refusal(response, what, hint=_permission_hint(name, token))
        if response.status_code == 422:
            # A body the registry's framework refused (wrong types, unknown keys...) names each fault itself, and
            # /validate would refuse it the same way; only a rule failure needs /validate's explanation.
            issues = _body_issues(response) or self.validate(server)
            if issues is None:  # a registry without /validate: say what mcpship's own rules find
                issues = _local_issues(server, source)
            errors = tuple(issue.render(source) for issue in issues if issue.severity == "error")
            if errors:
                raise RegistryError(
                    f"{what}: server.json is invalid:\n  " + "\n  ".join(errors),
                    hint=f"fix {source} (or the spec it was built from) and publish again",
                    status=422,
                    errors=errors,
                )
            raise self._refusal(response, what, hint=f"check {source} against the registry's schema")
        if response.status_code == 404:
            raise self._refusal(response, what, hint=f"is {self.registry} an MCP registry? (no /v0.1/publish)")
        refusal = self._refusal(response, what, hint="fix what the registry names, then publish again")
        if response.status_code >= 500:
            refusal.hint = "the registry failed; retry later"
        elif "duplicate version" in refusal.message:
            refusal.hint = (
                "versions are immutable: raise the version (pyproject.toml, package.json or mcpship.toml),"
                " build and publish again"
            )
        raise refusal

    def validate(self, server: Mapping[str, Any]) -> list[ValidationIssue] | None:
        """The registry's own full validation (``POST /validate``); None when the registry has no such endpoint."""
        response = self.request("POST", "/validate", json=dict(server))
        if response.status_code >= 400:
            return None
        body = _json_object(response, self.registry)
        return [
            ValidationIssue(
                path=str(item.get("path", "")),
                message=str(item.get("message", "")),
                severity=str(item.get("severity", "error")),
                type=str(item.get("type", "")),
                reference=str(item.get("reference", "")),
            )
            for item in body.get("issues") or []
            if isinstance(item, dict)
        ]

    # -- reads ---------------------------------------------------------------------------------------------

    def list_servers(self, **params: Any) -> dict[str, Any]:
        """One page of ``GET /servers`` (params: cursor, limit, search, updated_since, version, include_deleted).

        Its entries are as the registry sent them: check each (``hostile_content``) before keeping or showing it."""
        query = {key: _param(value) for key, value in params.items() if value is not None}
        response = self.request("GET", "/servers", params=query)
        if response.status_code != 200:
            raise self._refusal(response, f"{self.registry} could not list servers", hint="check the parameters")
        return _json_object(response, self.registry, entries_checked_later=True)

    def iter_pages(self, **params: Any) -> Iterator[dict[str, Any]]:
        """Every page of ``GET /servers``, following ``metadata.nextCursor`` (sent URL-encoded); a cursor seen
        before ends the walk with an error rather than a loop."""
        cursor = params.pop("cursor", None)
        seen: set[str] = set()
        while True:
            page = self.list_servers(cursor=cursor, **params)
            yield page
            metadata = page.get("metadata")
            cursor = metadata.get("nextCursor") if isinstance(metadata, dict) else None
            if not cursor or not page.get("servers"):
                return
            if str(cursor) in seen:
                raise RegistryRequestError(
                    f"{self.registry} answered nextCursor {str(cursor)[:80]!r} a second time; its pagination loops",
                    hint="the registry's pagination is broken; tell its operators",
                )
            seen.add(str(cursor))

    def list_versions(self, name: str, *, include_deleted: bool = True) -> list[dict[str, Any]]:
        """Every version of ``name`` (deleted ones too by default); empty when the registry has none."""
        path = f"/servers/{quote(name, safe='')}/versions"
        response = self.request("GET", path, params={"include_deleted": _param(include_deleted)})
        if response.status_code == 404:
            return []
        if response.status_code != 200:
            raise self._refusal(response, f"{self.registry} could not list the versions of {name}", hint="retry later")
        servers = _json_object(response, self.registry, entries_checked_later=True).get("servers")
        return [entry for entry in servers if isinstance(entry, dict)] if isinstance(servers, list) else []

    def search(self, text: str, *, limit: int = 30) -> SearchResult:
        """mcpship's ranked search when the registry has it, else the official ``?search=`` on latest versions."""
        ranked = self._send("GET", SEARCH_EXTENSION, params={"q": text, "limit": limit})
        if ranked.status_code == 200:
            body = _json_object(ranked, self.registry)
            return SearchResult(_entries(body), ranked=True, next_cursor=_next(body), registry=self.registry)
        if ranked.status_code not in (404, 405, 501):
            raise self._refusal(ranked, f"{self.registry} could not search for {text!r}", hint="retry later")
        page = self.list_servers(search=text, version="latest", limit=limit)
        return SearchResult(_entries(page), ranked=False, next_cursor=_next(page), registry=self.registry)

    # -- errors --------------------------------------------------------------------------------------------

    def _refusal(self, response: httpx.Response, what: str, *, hint: str) -> RegistryError:
        detail, errors = _problem(response)
        message = f"{what} ({response.status_code}): {detail}" if detail else f"{what} ({response.status_code})"
        if errors:
            message += "\n  " + "\n  ".join(errors)
        return RegistryError(message, hint=hint, status=response.status_code, detail=detail, errors=errors)


def _body_issues(response: httpx.Response) -> list[ValidationIssue]:
    """The ``errors`` of a 422 that locate faults in the request body (``body.packages[0].transport``), as issues."""
    body = _response_json(response)
    items = body.get("errors") if isinstance(body, dict) else None
    issues = []
    for item in items if isinstance(items, list) else []:
        location = item.get("location") if isinstance(item, dict) else None
        if isinstance(location, str) and (location == "body" or location.startswith(("body.", "body["))):
            path = location.removeprefix("body").removeprefix(".")
            issues.append(ValidationIssue(path=path, message=str(item.get("message", "")), type="schema"))
    return issues


def _local_issues(server: Mapping[str, Any], source: str) -> list[ValidationIssue]:
    from mcpship.server_json import validate_server_json

    return [
        ValidationIssue(path=problem.path, message=problem.message, severity=problem.severity, type="mcpship")
        for problem in validate_server_json(dict(server), source=source)
    ]


def _mib(count: int) -> str:
    return f"{count / (1 << 20):g} MiB"


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return str(value)


def _entries(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The page's entries that are fit to show (a hostile one, e.g. holding ``NaN``, is left out)."""
    items = body.get("servers")
    if items is None:
        items = body.get("results") or body.get("hits") or []
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, dict) and hostile_content(item) is None]


def _next(body: Mapping[str, Any]) -> str | None:
    metadata = body.get("metadata")
    cursor = metadata.get("nextCursor") if isinstance(metadata, dict) else None
    return str(cursor) if cursor else None


def _response_json(response: httpx.Response, *, entries_checked_later: bool = False) -> Any:
    """The body as strict JSON (bounded depth, no NaN), or None: a registry's answer is never trusted.

    ``entries_checked_later``: a list page whose entries the caller judges one by one (the mirror skips a hostile
    entry with its reason and keeps the rest; search drops it), so one bad entry does not refuse the page: the page
    only has to parse, nested at most :data:`_MAX_PAGE_DEPTH` (``NaN`` is read, for ``hostile_content`` to find in
    its entry)."""
    try:
        if entries_checked_later:
            return loads_untrusted(response.content, max_depth=_MAX_PAGE_DEPTH, judged_later=True)
        return loads_untrusted(response.content)
    except ValueError:
        return None


def _json_object(response: httpx.Response, registry: str, *, entries_checked_later: bool = False) -> dict[str, Any]:
    body = _response_json(response, entries_checked_later=entries_checked_later)
    if not isinstance(body, dict):
        raise RegistryRequestError(
            f"{registry} answered {response.request.method} {response.request.url.path} with something that is not "
            "a JSON object",
            hint="is this an MCP registry? check --registry",
            status=response.status_code,
        )
    return body


def _problem(response: httpx.Response) -> tuple[str, tuple[str, ...]]:
    """``detail`` and ``errors[].message`` of a problem+json body (or ``{"error": ...}``, or the text)."""
    body = _response_json(response)
    if body is None:
        return response.text.strip()[:500], ()
    if not isinstance(body, dict):
        return str(body)[:500], ()
    detail = str(body.get("detail") or body.get("error") or body.get("title") or "")
    errors: list[str] = []
    for item in body.get("errors") or []:
        if isinstance(item, dict):
            location = f"{item['location']}: " if item.get("location") else ""
            errors.append(f"{location}{item.get('message', '')}".strip())
        else:
            errors.append(str(item))
    return detail, tuple(error for error in errors if error and error != detail)


def _method_hint(method: LoginMethod) -> str:
    return {
        "none": "anonymous login is for development registries started with --enable-anonymous-auth",
        "admin": "give the registry's admin token on stdin (mcpship login admin --token-stdin)",
        "github": "give a GitHub token with read:org and read:user (--token, or MCP_GITHUB_TOKEN)",
        "github-oidc": "run in GitHub Actions with `permissions: id-token: write`",
        "dns": "publish `v=MCPv1; k=ed25519; p=<public key>` as a TXT record of the domain, then log in again",
        "http": "serve `v=MCPv1; k=ed25519; p=<public key>` at https://<domain>/.well-known/mcp-registry-auth",
    }[method]


def _permission_hint(name: str, token: RegistryToken) -> str:
    namespace = name.split("/", 1)[0]
    if token.method == "none":
        return f"anonymous tokens only publish {ANONYMOUS_NAMESPACE}/*; rename the server or log in another way"
    if namespace.startswith("io.github."):
        return (
            f"log in as (or as a public member of) {namespace.removeprefix('io.github.')}: "
            "mcpship login github, or github-oidc in that owner's GitHub Actions"
        )
    domain = ".".join(reversed(namespace.split(".")))
    return f"prove you own {domain}: mcpship login dns --domain {domain} --private-key-file KEY (or http)"


# -- publishing a build ----------------------------------------------------------------------------------------


def read_server_json(path: Path) -> tuple[Path, dict[str, Any]]:
    """The server.json to publish: ``path`` itself, or the one a build recorded in ``path/mcpship-build.json``."""
    from mcpship.pipeline.report import REPORT_FILE, read_report

    build_hint = f"build it: mcpship build --target registry --out {path}"
    if path.is_dir():
        recorded = [artifact.path for artifact in read_report(path) if artifact.kind == "server.json"]
        candidates = recorded or [path / "server.json"]
        file = candidates[0]
        if not file.is_file():
            raise PublishError(f"{path} has no server.json (and {path / REPORT_FILE} records none)", hint=build_hint)
    elif path.is_file():
        file = path
    else:
        raise PublishError(f"{path} does not exist", hint=f"give a server.json or a build folder; {build_hint}")
    data = read_json_file(file, error=InvalidArtifactError)
    if not isinstance(data, dict):
        raise InvalidArtifactError(f"{file} must hold a JSON object (a server.json)", hint=build_hint)
    return file, data


def publish_server_json(
    path: Path,
    *,
    registry: str | None = None,
    store: TokenStore | None = None,
    client: httpx.Client | None = None,
    now: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> PublishOutcome:
    """Publish the server.json at ``path`` (a file or a build folder) with the token ``mcpship login`` stored.

    ``registry`` None means ``$MCPSHIP_REGISTRY``, else the registry of the last login, else the official one
    (:func:`~mcpship.registry_client.tokens.registry_in_use`, as ``search`` chooses).
    """
    tokens = store or TokenStore()
    key = registry_in_use(registry, store=tokens, environ=environ)
    file, server = read_server_json(path)
    token = tokens.get(key)
    if token is None:
        raise PublishError(
            f"not logged in to {key}",
            hint=f"log in first: mcpship login github --registry {key} (or github-oidc, dns, http, none)",
        )
    if token.expired(now):
        stamp = datetime.fromtimestamp(token.expires_at or 0, UTC).strftime("%H:%M:%S UTC")
        raise PublishError(
            f"the {token.method} token for {key} expired at {stamp} (registry tokens last minutes)",
            hint=f"log in again right before publishing: mcpship login {token.method} --registry {key}",
        )
    with RegistryClient(key, client=client) as registry_client:
        return registry_client.publish(server, token, source=str(file))
