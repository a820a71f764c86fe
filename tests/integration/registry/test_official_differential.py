"""The same requests, in the same order, to the official registry (built from its Go module at the pinned tag)
and to ours (on SQLite and on PostgreSQL): status codes, content types and bodies must agree, case by case.

Each case is one test (its id says what it sends), run in the table's order: the sequence is stateful (publish,
then read, change status, edit), so a failure names one request and the rest still run. Both registries run
with anonymous auth, without package-ownership checks, on private databases; every case uses its anonymous
token (``POST /v0.1/auth/none``), which may publish and edit ``io.modelcontextprotocol.anonymous/*``.

What is normalised before comparing, and why (everything else is compared as sent):

- timestamps (``publishedAt``, ``updatedAt``, ``statusChangedAt``): each must be RFC 3339; the clocks differ, so
  ``publishedAt`` and ``updatedAt`` become ``<time>`` and ``statusChangedAt`` says whether it equals
  ``publishedAt`` (so a status change is still seen). The one dating rule that differs is its own case (D5);
- a token exchange's ``registry_token`` and ``expires_at``: signed with each server's own key at its own time;
- ``/version``'s values: different software, different builds;
- ``errors[]`` of a problem: compared as a sorted list of ``location`` and ``message``, without ``value`` (D11);
  the messages of a JSON syntax error (400) and of a malformed token (401) come from different parsers (Go's
  ``encoding/json`` and ``golang-jwt`` against Python's ``json`` and PyJWT), so only their number and
  locations are compared;
- a redirect: status and ``Location`` only (Go's ``http.Redirect`` adds a small HTML body for GET);
- ``/validate`` results: the verdict and the set of severities (D3).

A documented difference (a row ``Dn`` of "Differences from the official registry" in docs/registry.md) is
encoded in its case as what each side answers, so the case fails if either side changes; any other
difference fails as a plain mismatch.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT
from tests.integration.registry.conftest import DatabaseFactory, RegistryServer
from tests.registry_support.fixtures import edited
from tests.registry_support.official import (
    BUILD_TIMEOUT_SECONDS,
    OfficialBinaries,
    official_binaries,
    running_official_registry,
)
from tests.registry_support.postgres import PostgresServer

# The first test may build the official binaries (when .ci/run has not); every request is bounded by its client's
# 30 s timeout anyway.
pytestmark = pytest.mark.timeout(180 + BUILD_TIMEOUT_SECONDS)

ANON = "io.modelcontextprotocol.anonymous"
ENC = f"{ANON}%2F"
SCHEMA_URL = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
OFFICIAL = "io.modelcontextprotocol.registry/official"
PUBLISHER = "io.modelcontextprotocol.registry/publisher-provided"
INVALID_RULES = (
    "Failed to publish server, invalid schema: call /validate for details",
    "Failed to edit server, invalid schema: call /validate for details",
)
TOKEN_LIFETIME_MARGIN = 200.0  # both registries issue 300 s tokens; take a new one well before
THEIRS = "official"
_NO_BODY = object()


def server(name: str, version: str = "1.0.0", **fields: Any) -> dict[str, Any]:
    """A server.json both registries accept, under the anonymous namespace; ``None`` removes a key."""
    document: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "name": f"{ANON}/{name}",
        "description": f"The {name} server",
        "version": version,
    }
    return edited(document, fields)


def package(**fields: Any) -> dict[str, Any]:
    """An npm package entry; ``None`` removes a key."""
    entry = {"registryType": "npm", "identifier": "@example/pkg", "version": "1.0.0", "transport": {"type": "stdio"}}
    return {key: value for key, value in (entry | fields).items() if value is not None}


RICH = server(
    "beta",
    title="Beta",
    websiteUrl="https://beta.example.com/docs",
    repository={"url": "https://github.com/example/beta", "source": "github", "subfolder": "servers/beta"},
    icons=[{"src": "https://beta.example.com/icon.png", "mimeType": "image/png", "sizes": ["48x48", "any"]}],
    packages=[
        package(
            identifier="@example/beta",
            runtimeHint="npx",
            packageArguments=[{"type": "positional", "valueHint": "target_dir", "isRequired": True}],
            environmentVariables=[
                {"name": "BETA_TOKEN", "description": "API token", "isRequired": True, "isSecret": True}
            ],
        ),
        package(
            registryType="pypi",
            identifier="beta-mcp",
            transport={"type": "streamable-http", "url": "http://localhost:{port}/mcp"},
            packageArguments=[{"type": "named", "name": "--port", "valueHint": "port", "default": "8080"}],
        ),
        {"registryType": "oci", "identifier": "docker.io/example/beta:1.0.0", "transport": {"type": "stdio"}},
    ],
    remotes=[
        {
            "type": "streamable-http",
            "url": "https://beta.example.com/mcp",
            "headers": [{"name": "X-Api-Key", "isSecret": True}],
        },
        {
            "type": "sse",
            "url": "https://beta.example.com/{region}/sse",
            "variables": {"region": {"default": "eu", "choices": ["eu", "us"]}},
        },
    ],
    _meta={PUBLISHER: {"tool": "mcpship", "numbers": [1, 2.5, None], "nested": {"a": "<b>&"}}},
)


@dataclass(frozen=True)
class Difference:
    """A documented difference: ``row`` of docs/registry.md's table; what ``pick`` shows of each side's outcome."""

    row: str
    ours: object
    theirs: object
    pick: Callable[[Mapping[str, Any]], object] = lambda outcome: {
        "status": outcome["status"],
        "detail": (outcome.get("body") or {}).get("detail") if isinstance(outcome.get("body"), dict) else None,
    }


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    path: str
    json: object = _NO_BODY
    content: bytes | None = None
    auth: str | None = "token"
    """``"token"``: the anonymous token; ``None``: no Authorization header; anything else: that header value."""
    headers: Mapping[str, str] = field(default_factory=dict)
    differs: Difference | None = None


def get(case_id: str, path: str, **options: Any) -> Case:
    return Case(case_id, "GET", path, auth=None, **options)


def publish(case_id: str, body: object, **options: Any) -> Case:
    return Case(case_id, "POST", "/v0.1/publish", json=body, **options)


def publish_raw(case_id: str, content: bytes, **options: Any) -> Case:
    return Case(case_id, "POST", "/v0.1/publish", content=content, **options)


def status(case_id: str, where: str, body: object, **options: Any) -> Case:
    """A status change of ``name@version``, or of every version of ``name``, in the anonymous namespace."""
    name, _, version = where.partition("@")
    path = f"/v0.1/servers/{ENC}{name}" + (f"/versions/{version}/status" if version else "/status")
    return Case(case_id, "PATCH", path, json=body, **options)


def edit(case_id: str, name: str, version: str, body: object, **options: Any) -> Case:
    return Case(case_id, "PUT", f"/v0.1/servers/{ENC}{name}/versions/{version}", json=body, **options)


def validate(case_id: str, body: object) -> Case:
    return Case(case_id, "POST", "/v0.1/validate", json=body, auth=None)


def _media_type(outcome: Mapping[str, Any]) -> object:
    return {"status": outcome["status"], "type": outcome["type"]}


def _error_locations(outcome: Mapping[str, Any]) -> object:
    return [error["location"] for error in outcome["body"]["errors"]]


def _zero_values(outcome: Mapping[str, Any]) -> object:
    return outcome["body"]["server"]["packages"][0]["environmentVariables"]


def _dated_by_flip(outcome: Mapping[str, Any]) -> object:
    official = outcome["raw"]["_meta"][OFFICIAL]
    return {
        "isLatest": official["isLatest"],
        "updatedAt is publishedAt": official["updatedAt"] == official["publishedAt"],
    }


D1_NO_HEADER = Difference(
    "D1",
    ours={"status": 401, "detail": "Authorization header is required"},
    theirs={"status": 422, "detail": "validation failed"},
)
D4_RULE = {"status": 422, "detail": INVALID_RULES[0]}
STRICT_JSON_400 = {"status": 400, "detail": "validation failed"}
LIST_OK = {"status": 200, "detail": None}


def _nested(depth: int) -> object:
    value: object = "bottom"
    for _ in range(depth):
        value = {"n": value}
    return value


OUR_UNKNOWN_PATH = (
    "Endpoint not found. Did you mean '/v0.1/nothing-here' or '/v0/nothing-here'? See /openapi.json for the API."
)

CASES: list[Case] = [
    # -- tokens and the small endpoints
    Case("auth-none", "POST", "/v0.1/auth/none", auth=None),
    Case("auth-none-v0", "POST", "/v0/auth/none", auth=None),
    get("health", "/v0.1/health"),
    get("ping", "/v0/ping"),
    get("version", "/v0.1/version"),
    get("empty-list", "/v0.1/servers"),
    # -- publishing documents both accept
    publish("publish-minimal", server("alpha")),
    publish("publish-second-version", server("alpha", "1.1.0")),
    publish("publish-prerelease", server("alpha", "2.0.0-rc.1")),
    publish("publish-rich-document", RICH),
    Case("publish-under-v0", "POST", "/v0/publish", json=server("gamma")),
    publish("publish-gamma-2", server("gamma", "2.0.0")),
    publish("publish-build-metadata-version", server("delta", "1.0.0+build.5")),
    publish("publish-date-version", server("delta", "2025-06-18")),
    publish("publish-v-prefixed-version", server("epsilon", "v1")),
    publish("publish-null-optional-keys", server("eta") | {"title": None, "icons": None, "websiteUrl": None}),
    publish("publish-remote-url-another-name-uses", server("theta", remotes=[RICH["remotes"][0]])),
    publish("publish-same-remote-url-twice", server("iota", remotes=[RICH["remotes"][0], RICH["remotes"][0]])),
    publish("publish-title-and-description-at-their-limits", server("kappa", title="t" * 100, description="é" * 100)),
    publish("publish-meta-at-4096-bytes", server("lambda", _meta={PUBLISHER: {"k": "x" * (4096 - len('{"k":""}'))}})),
    # -- bodies refused before the token is looked at
    publish_raw("unparseable-body", b"{bad"),
    publish_raw("empty-body", b""),
    publish_raw("trailing-garbage", b'{"name": "x"} x'),
    publish_raw(
        "nan-number",
        b'{"version": NaN}',
        differs=Difference("D14", ours=["body.version"], theirs=["body"], pick=_error_locations),
    ),
    publish_raw("array-body", b"[1]"),
    publish_raw("null-body", b"null"),
    publish_raw("string-body", b'"server"'),
    publish_raw("body-over-one-mebibyte", b'{"description": "' + b"x" * (1 << 20) + b'"}'),
    publish("missing-description", server("mu", description=None)),
    publish("missing-schema-name-and-version", {"description": "d"}),
    publish("wrong-types", server("mu", description=5, packages={}) | {"version": 1.5}),
    publish("unknown-top-level-key", server("mu", status="active")),
    publish("unknown-meta-key", server("mu", _meta={"com.example/x": {}})),
    publish("official-meta-key", server("mu", _meta={OFFICIAL: {"isLatest": True}})),
    publish("unknown-package-key", server("mu", packages=[package(registry_type="npm")])),
    publish("description-too-long", server("mu", description="x" * 101)),
    publish("description-empty", server("mu", description="")),
    publish("title-too-long", server("mu", title="x" * 101)),
    publish("name-with-space", server("mu name")),
    publish("name-without-slash", server("mu") | {"name": "no-slash-here"}),
    publish("name-with-two-slashes", server("mu/nu")),
    publish("name-with-final-newline", server("mu") | {"name": f"{ANON}/mu\n"}),
    publish("name-too-long", server("m" * 200)),
    publish("version-too-long", server("mu", "1" * 256)),
    publish("version-empty", server("mu", "")),
    publish("schema-not-a-url", server("mu", **{"$schema": "not a url"})),
    publish("website-not-a-url", server("mu", websiteUrl="example.com")),
    publish(
        "icon-bad-mime-type", server("mu", icons=[{"src": "https://a.example.com/i.gif", "mimeType": "image/gif"}])
    ),
    publish("icon-without-src", server("mu", icons=[{"mimeType": "image/png"}])),
    publish("package-without-transport", server("mu", packages=[package(transport=None)])),
    publish("package-bad-sha256", server("mu", packages=[package(fileSha256="ABC")])),
    publish("argument-without-type", server("mu", packages=[package(packageArguments=[{"value": "x"}])])),
    publish("env-var-without-name", server("mu", packages=[package(environmentVariables=[{"value": "x"}])])),
    publish(
        "bad-input-format", server("mu", packages=[package(environmentVariables=[{"name": "A", "format": "date"}])])
    ),
    publish("no-token-and-bad-body", server("mu", description=""), auth=None),
    # -- the token, then the permission
    publish("no-token", server("mu"), auth=None, differs=D1_NO_HEADER),
    publish("basic-auth", server("mu"), auth="Basic dXNlcjpwYXNz"),
    publish("garbage-token", server("mu"), auth="Bearer not-a-jwt"),
    publish("token-signed-by-someone-else", server("mu"), auth="Bearer " + "e30." * 2 + "c2ln"),
    publish("other-namespace", server("mu") | {"name": "com.example/mu"}),
    publish("github-namespace-gets-the-organisation-hint", server("mu") | {"name": "io.github.someone/mu"}),
    # -- server.json rules (422, after the token): ours lists the broken rules as errors[] (D2)
    publish("name-starts-with-a-hyphen", server("-mu")),
    publish("version-latest", server("mu", "latest")),
    *(
        publish(f"version-range-{index}", server("mu", version))
        for index, version in enumerate(
            ["^1.2.3", "~1.2.3", ">=1.0.0", "<2", "=1.0.0", "1.x", "1.2.*", "1.2.3 - 2.0.0", "1 || 2"]
        )
    ),
    publish("unknown-schema-version", server("mu", **{"$schema": SCHEMA_URL.replace("2025-12-11", "2099-01-01")})),
    publish("website-over-http", server("mu", websiteUrl="http://mu.example.com")),
    publish(
        "remote-over-http", server("mu", remotes=[{"type": "streamable-http", "url": "http://mu.example.com/mcp"}])
    ),
    publish("remote-on-localhost", server("mu", remotes=[{"type": "sse", "url": "https://localhost/sse"}])),
    publish("remote-with-stdio", server("mu", remotes=[{"type": "stdio"}])),
    publish("remote-undeclared-variable", server("mu", remotes=[{"type": "sse", "url": "https://{host}/sse"}])),
    publish("icon-over-http", server("mu", icons=[{"src": "http://mu.example.com/i.png"}])),
    publish("repository-unknown-source", server("mu", repository={"url": "https://example.com/x/y", "source": "svn"})),
    publish("title-only-spaces", server("mu", title="   ")),
    publish("package-version-range", server("mu", packages=[package(version="^1.0.0")])),
    publish(
        "named-argument-with-space",
        server("mu", packages=[package(packageArguments=[{"type": "named", "name": "--a b"}])]),
    ),
    # -- the store
    publish("duplicate-version", server("alpha")),
    publish("duplicate-version-other-content", server("alpha", description="changed")),
    publish("publisher-meta-over-4kb", server("mu", _meta={PUBLISHER: {"x": "y" * 5000}})),
    publish("publisher-meta-over-4kb-once-go-escapes-it", server("mu", _meta={PUBLISHER: {"x": "<" * 1000}})),
    # -- reads
    get("get-latest", f"/v0.1/servers/{ENC}alpha/versions/latest"),
    get("get-exact-version", f"/v0.1/servers/{ENC}alpha/versions/1.1.0"),
    get("get-rich-document", f"/v0.1/servers/{ENC}beta/versions/1.0.0"),
    get("get-version-with-plus-encoded", f"/v0.1/servers/{ENC}delta/versions/1.0.0%2Bbuild.5"),
    get("get-under-v0", f"/v0/servers/{ENC}gamma/versions/latest"),
    get("versions", f"/v0.1/servers/{ENC}alpha/versions"),
    get("versions-unknown-name", f"/v0.1/servers/{ENC}nobody/versions"),
    get("get-unknown-version", f"/v0.1/servers/{ENC}alpha/versions/9.9.9"),
    get("get-unknown-name", f"/v0.1/servers/{ENC}nobody/versions/latest"),
    get("get-name-without-namespace", "/v0.1/servers/nobody/versions/latest"),
    get("get-include-deleted-bad-value", f"/v0.1/servers/{ENC}alpha/versions/latest?include_deleted=maybe"),
    get(
        "get-unencoded-name",
        f"/v0.1/servers/{ANON}/alpha/versions/1.0.0",
        differs=Difference(
            "D7",
            ours={"status": 200, "detail": None},
            theirs={"status": 404, "detail": "Endpoint not found. See /docs for the API documentation."},
        ),
    ),
    get(
        "isLatest-flip-dates-the-demoted-version",
        f"/v0.1/servers/{ENC}alpha/versions/1.0.0",
        differs=Difference(
            "D5",
            ours={"isLatest": False, "updatedAt is publishedAt": False},
            theirs={"isLatest": False, "updatedAt is publishedAt": True},
            pick=_dated_by_flip,
        ),
    ),
    get("list-all", "/v0.1/servers"),
    get("list-limit-2", "/v0.1/servers?limit=2"),
    get("list-after-cursor", f"/v0.1/servers?limit=2&cursor={ENC}alpha:1.1.0"),
    get("list-cursor-without-version", f"/v0.1/servers?limit=3&cursor={ENC}beta"),
    get("list-cursor-garbage", "/v0.1/servers?cursor=%E2%98%83garbage"),
    get("list-latest", "/v0.1/servers?version=latest"),
    get("list-exact-version", "/v0.1/servers?version=1.0.0"),
    get("list-search-case-insensitive", "/v0.1/servers?search=ALPHA"),
    get("list-search-too-short", "/v0.1/servers?search=%20a%20"),
    get("list-search-latest", "/v0.1/servers?search=pha&version=latest&limit=3"),
    get("list-search-nothing", "/v0.1/servers?search=zzz-nothing"),
    get("list-updated-since", "/v0.1/servers?updated_since=2000-01-01T00:00:00Z&limit=5"),
    get("list-updated-since-future", "/v0.1/servers?updated_since=2999-01-01T00:00:00Z"),
    get("list-updated-since-with-offset", "/v0.1/servers?updated_since=2000-01-01T00:00:00.5%2B02:00&limit=1"),
    get("list-include-deleted", "/v0.1/servers?include_deleted=true&limit=4"),
    get("list-limit-0", "/v0.1/servers?limit=0"),
    get("list-limit-101", "/v0.1/servers?limit=101"),
    get("list-limit-abc", "/v0.1/servers?limit=abc"),
    get("list-limit-negative", "/v0.1/servers?limit=-5"),
    get("list-updated-since-garbage", "/v0.1/servers?updated_since=yesterday"),
    get("list-updated-since-date-only", "/v0.1/servers?updated_since=2025-01-01"),
    get("list-updated-since-and-not-deleted", "/v0.1/servers?updated_since=2000-01-01T00:00:00Z&include_deleted=false"),
    get("list-include-deleted-bad-value", "/v0.1/servers?include_deleted=maybe"),
    get(
        "list-nul-in-query",
        "/v0.1/servers?search=a%00b",
        differs=Difference(
            "D9",
            ours={"status": 400, "type": "application/problem+json"},
            theirs={"status": 400, "type": "application/json"},
            pick=_media_type,
        ),
    ),
    get("list-trailing-slash", "/v0.1/servers/?limit=1"),
    get(
        "unknown-endpoint",
        "/v0.1/nothing-here",
        differs=Difference(
            "D8",
            ours={
                "status": 404,
                "detail": OUR_UNKNOWN_PATH,
            },
            theirs={"status": 404, "detail": "Endpoint not found. See /docs for the API documentation."},
        ),
    ),
    Case(
        "cors-preflight",
        "OPTIONS",
        f"/v0.1/servers/{ENC}alpha/status",
        auth=None,
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "PATCH"},
    ),
    Case(
        "cors-preflight-for-a-method-no-route-takes",
        "OPTIONS",
        f"/v0.1/servers/{ENC}alpha/status",
        auth=None,
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "TRACE"},
    ),
    # -- /validate
    validate("validate-valid", server("nu")),
    validate("validate-rich", RICH),
    validate("validate-broken-rules", server("-nu", "^1")),
    validate("validate-outdated-schema", server("nu", **{"$schema": SCHEMA_URL.replace("2025-12-11", "2025-09-29")})),
    validate("validate-wrong-shape", server("nu", description=7)),
    Case("validate-unparseable", "POST", "/v0.1/validate", content=b"{bad", auth=None),
    validate("validate-meta-over-4kb-is-left-to-publish", server("nu", _meta={PUBLISHER: {"x": "y" * 5000}})),
    # -- status changes
    status("deprecate-a-version", "alpha@1.0.0", {"status": "deprecated", "statusMessage": "use 1.1"}),
    status("the-same-change-again", "alpha@1.0.0", {"status": "deprecated", "statusMessage": "use 1.1"}),
    status("only-the-message-changes", "alpha@1.0.0", {"status": "deprecated", "statusMessage": "use 2"}),
    status("active-with-a-message", "alpha@1.0.0", {"status": "active", "statusMessage": "back"}),
    status("active-with-an-empty-message", "alpha@1.0.0", {"status": "active", "statusMessage": ""}),
    status("unknown-status", "alpha@1.0.0", {"status": "gone"}),
    status("status-message-too-long", "alpha@1.0.0", {"status": "deleted", "statusMessage": "m" * 501}),
    status("status-body-unknown-key", "alpha@1.0.0", {"status": "deleted", "why": "x"}),
    status("status-body-without-status", "alpha@1.0.0", {"statusMessage": "x"}),
    status("status-of-an-unknown-version", "alpha@9.9.9", {"status": "deleted"}),
    status("status-of-an-unknown-server", "nobody", {"status": "deleted"}),
    Case(
        "status-of-another-namespaces-server",
        "PATCH",
        "/v0.1/servers/com.example%2Fx/status",
        json={"status": "deleted"},
    ),
    status("status-without-token", "alpha@1.0.0", {"status": "deleted"}, auth=None, differs=D1_NO_HEADER),
    status("delete-the-latest-version", "alpha@2.0.0-rc.1", {"status": "deleted", "statusMessage": "broken"}),
    get("latest-moves-to-the-next-highest", f"/v0.1/servers/{ENC}alpha/versions/latest"),
    get("a-deleted-version-is-hidden", f"/v0.1/servers/{ENC}alpha/versions/2.0.0-rc.1"),
    get("a-deleted-version-on-request", f"/v0.1/servers/{ENC}alpha/versions/2.0.0-rc.1?include_deleted=true"),
    get("versions-without-deleted", f"/v0.1/servers/{ENC}alpha/versions"),
    get("versions-with-deleted", f"/v0.1/servers/{ENC}alpha/versions?include_deleted=true"),
    get("list-hides-deleted", "/v0.1/servers?search=alpha"),
    get("list-updated-since-shows-deleted", "/v0.1/servers?search=alpha&updated_since=2000-01-01T00:00:00Z"),
    publish("republish-a-deleted-version", server("alpha", "2.0.0-rc.1")),
    status("restore-the-deleted-version", "alpha@2.0.0-rc.1", {"status": "active"}),
    get("latest-after-restoring", f"/v0.1/servers/{ENC}alpha/versions/latest"),
    status("deprecate-every-version", "gamma", {"status": "deprecated", "statusMessage": "old"}),
    status("every-version-again", "gamma", {"status": "deprecated", "statusMessage": "old"}),
    status("delete-every-version", "gamma", {"status": "deleted"}),
    get("latest-of-an-all-deleted-server", f"/v0.1/servers/{ENC}gamma/versions/latest?include_deleted=true"),
    get("versions-of-an-all-deleted-server", f"/v0.1/servers/{ENC}gamma/versions"),
    # -- admin edits (the anonymous token may edit its namespace)
    edit("edit-a-version", "alpha", "1.1.0", server("alpha", "1.1.0", description="Edited")),
    get("the-edit-is-served", f"/v0.1/servers/{ENC}alpha/versions/1.1.0"),
    edit("edit-renaming", "alpha", "1.1.0", server("alphabet", "1.1.0")),
    edit("edit-another-version", "alpha", "1.1.0", server("alpha", "1.2.0")),
    edit("edit-an-unknown-version", "alpha", "9.9.9", server("alpha", "9.9.9")),
    edit("edit-an-unknown-server", "nobody", "1.0.0", server("nobody")),
    edit("edit-breaking-a-rule", "alpha", "1.1.0", server("alpha", "1.1.0", websiteUrl="http://alpha.example.com")),
    edit("edit-wrong-shape", "alpha", "1.1.0", server("alpha", "1.1.0", extra=1)),
    edit("edit-without-token", "alpha", "1.1.0", server("alpha", "1.1.0"), auth=None, differs=D1_NO_HEADER),
    edit("edit-a-deleted-version", "gamma", "2.0.0", server("gamma", "2.0.0")),
    Case("status-under-v0", "PATCH", f"/v0/servers/{ENC}gamma/status", json={"status": "active"}),
    # -- last: cases whose sides end up storing different things (nothing reads the whole list after them)
    publish(
        "zero-values-are-kept-as-published",
        server("omega", packages=[package(environmentVariables=[{"name": "ZERO", "isSecret": False, "default": ""}])]),
        differs=Difference(
            "D6",
            ours=[{"name": "ZERO", "isSecret": False, "default": ""}],
            theirs=[{"name": "ZERO"}],
            pick=_zero_values,
        ),
    ),
    publish(
        "unsupported-registry-type",
        server("psi", packages=[package(registryType="cargo")]),
        differs=Difference("D4", ours=D4_RULE, theirs={"status": 200, "detail": None}),
    ),
    publish(
        "npm-package-without-version",
        server("psi2", packages=[package(version=None)]),
        differs=Difference("D4", ours=D4_RULE, theirs={"status": 200, "detail": None}),
    ),
    publish(
        "npm-package-from-another-registry",
        server("psi3", packages=[package(registryBaseUrl="https://npm.example.com")]),
        differs=Difference("D4", ours=D4_RULE, theirs={"status": 200, "detail": None}),
    ),
    edit(
        "edit-with-publisher-meta-over-4kb",
        "beta",
        "1.0.0",
        RICH | {"_meta": {PUBLISHER: {"x": "y" * 5000}}},
        differs=Difference(
            "D10", ours={"status": 400, "detail": "Failed to edit server"}, theirs={"status": 200, "detail": None}
        ),
    ),
    publish_raw(
        "duplicate-keys",
        b'{"$schema": "%s", "name": "%s/dup", "name": "%s/dup2", "description": "d", "version": "1.0.0"}'
        % (SCHEMA_URL.encode(), ANON.encode(), ANON.encode()),
        differs=Difference("D14", ours=STRICT_JSON_400, theirs={"status": 200, "detail": None}),
    ),
    publish_raw(
        "lone-surrogate-escape",
        json.dumps(server("surrogate", description="x")).replace('"x"', '"\\ud800"').encode(),
        differs=Difference("D14", ours=STRICT_JSON_400, theirs={"status": 200, "detail": None}),
    ),
    publish(
        "nesting-deeper-than-64",
        server("deep", _meta={PUBLISHER: {"x": _nested(70)}}),
        differs=Difference("D14", ours=STRICT_JSON_400, theirs={"status": 200, "detail": None}),
    ),
    publish(
        "env-var-name-no-client-can-set",
        server("badenv", packages=[package(environmentVariables=[{"name": "A=1; touch pwned; B"}])]),
        differs=Difference("D15", ours=D4_RULE, theirs={"status": 200, "detail": None}),
    ),
    publish(
        "control-character-in-a-version",
        server("ctrl", "1.0.0\x1b[2J"),
        differs=Difference("D15", ours=D4_RULE, theirs={"status": 200, "detail": None}),
    ),
    get(
        "search-longer-than-1024-characters",
        "/v0.1/servers?search=" + "a" * 1100,
        differs=Difference("D16", ours={"status": 422, "detail": "validation failed"}, theirs=LIST_OK),
    ),
    publish_raw(
        "body-of-exactly-the-size-limit",
        json.dumps(server("exact")).encode().ljust(1 << 20),
    ),
]


# -- the registries ----------------------------------------------------------------------------------------------


@dataclass
class Target:
    """One registry, with its anonymous token (renewed well before it expires)."""

    name: str
    client: httpx.Client
    _token: str = ""
    _issued: float = 0.0

    def token(self) -> str:
        if not self._token or time.monotonic() - self._issued > TOKEN_LIFETIME_MARGIN:
            response = self.client.post("/v0.1/auth/none")
            assert response.status_code == 200, f"{self.name}: {response.status_code} {response.text}"
            self._token, self._issued = response.json()["registry_token"], time.monotonic()
        return self._token

    def send(self, case: Case) -> httpx.Response:
        headers = dict(case.headers)
        if case.auth == "token":
            headers["Authorization"] = f"Bearer {self.token()}"
        elif case.auth is not None:
            headers["Authorization"] = case.auth
        options: dict[str, Any] = {"headers": headers}
        if case.content is not None:
            options["content"] = case.content
        elif case.json is not _NO_BODY:
            options["json"] = case.json
        return self.client.request(case.method, case.path, **options)


@pytest.fixture(scope="session")
def binaries(request: pytest.FixtureRequest) -> OfficialBinaries:
    """Session-scoped, so that a skip comes before any database or server is started."""
    return official_binaries(request)


@pytest.fixture(scope="module")
def targets(
    binaries: OfficialBinaries,
    postgres_server: PostgresServer,
    sqlite_databases: DatabaseFactory,
    postgresql_databases: DatabaseFactory,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Target]]:
    """The official registry and ours on SQLite and on PostgreSQL, each on a fresh database; all stopped after."""
    flags = ("--no-ownership-checks", "--enable-anonymous-auth")
    ours = {
        backend: RegistryServer(databases(), tmp_path_factory.mktemp(f"ours-{backend}"), flags)
        for backend, databases in (("sqlite", sqlite_databases), ("postgresql", postgresql_databases))
    }
    with running_official_registry(binaries, postgres_server, tmp_path_factory.mktemp("official")) as theirs:
        clients: list[httpx.Client] = []
        try:
            for registry in ours.values():
                registry.start()
            urls = {THEIRS: theirs.base_url} | {f"ours-{backend}": r.base_url for backend, r in ours.items()}
            clients = [httpx.Client(base_url=url, timeout=30.0, follow_redirects=False) for url in urls.values()]
            yield {name: Target(name, client) for name, client in zip(urls, clients, strict=True)}
        finally:
            for client in clients:
                client.close()
            for registry in ours.values():
                registry.stop()


# -- normalising an answer -----------------------------------------------------------------------------------------

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")


def outcome(response: httpx.Response) -> dict[str, Any]:
    """What is compared of one answer (see the module docstring); ``raw`` keeps the body for a difference's pick."""
    media_type = response.headers.get("content-type", "").split(";")[0].strip() or None
    result: dict[str, Any] = {"status": response.status_code, "type": media_type}
    if response.request.method == "OPTIONS":  # a preflight's answer is in its headers
        result["allows"] = response.headers.get("access-control-allow-methods")
    if 300 <= response.status_code < 400:
        result["location"] = response.headers.get("location")
        return result | {"type": None}
    if not response.content:
        return result | {"body": None, "raw": None}
    try:
        raw = response.json()
    except ValueError:
        return result | {"body": response.text, "raw": response.text}
    return result | {"body": _normalised(raw, response.status_code), "raw": raw}


def _normalised(body: Any, status_code: int) -> Any:
    if isinstance(body, dict) and {"title", "status", "detail"} <= set(body):
        return _problem(body, status_code)
    if isinstance(body, dict) and "registry_token" in body:
        assert isinstance(body["registry_token"], str), body
        assert isinstance(body["expires_at"], int), body
        return {"registry_token": "<token>", "expires_at": "<unix time>"}
    if isinstance(body, dict) and set(body) == {"version", "git_commit", "build_time"}:
        return dict.fromkeys(body, "<build>")
    if isinstance(body, dict) and set(body) == {"valid", "issues"}:
        return {"valid": body["valid"], "severities": sorted({issue["severity"] for issue in body["issues"]})}
    return _timestamps(body)


def _problem(body: dict[str, Any], status_code: int) -> dict[str, Any]:
    shown = {key: body[key] for key in ("title", "status", "detail")}
    foreign = (status_code == 400 and body["detail"] == "validation failed") or status_code == 401
    errors = [
        {
            "location": error.get("location"),
            "message": "<parser's words>" if foreign else error.get("message"),
        }
        for error in body.get("errors") or []
    ]
    if errors:
        shown["errors"] = sorted(errors, key=lambda error: (str(error["location"]), str(error["message"])))
    return shown


def _timestamps(node: Any) -> Any:
    if isinstance(node, list):
        return [_timestamps(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _timestamps(value) for key, value in node.items()}
    official = node.get("_meta", {}).get(OFFICIAL) if isinstance(node.get("_meta"), dict) else None
    if isinstance(official, dict):
        stamps = {key: official[key] for key in ("publishedAt", "updatedAt", "statusChangedAt")}
        for key, value in stamps.items():
            assert isinstance(value, str), f"{key} is not a string: {value!r}"
            assert _RFC3339.fullmatch(value), f"{key} is not RFC 3339: {value!r}"
        published, changed = (_instant(stamps[key]) for key in ("publishedAt", "statusChangedAt"))
        result["_meta"][OFFICIAL] |= {
            "publishedAt": "<time>",
            "updatedAt": "<time>",
            "statusChangedAt": "= publishedAt" if changed == published else "later",
        }
    return result


def _instant(stamp: str) -> datetime:
    whole, _, fraction = stamp.removesuffix("Z").partition(".")
    return datetime.fromisoformat(f"{whole}.{(fraction or '0')[:6]}+00:00" if stamp.endswith("Z") else stamp)


# -- the comparison ------------------------------------------------------------------------------------------------


def _compare(case: Case, outcomes: dict[str, dict[str, Any]]) -> None:
    theirs = outcomes[THEIRS]
    for name, ours in outcomes.items():
        if name == THEIRS:
            continue
        if case.differs is not None:
            difference = case.differs
            seen = {"ours": difference.pick(ours), "theirs": difference.pick(theirs)}
            assert seen == {"ours": difference.ours, "theirs": difference.theirs}, (
                f"{name}: documented difference {difference.row} (docs/registry.md) no longer holds"
            )
            continue
        ours = _explained_rules(ours, theirs)
        assert _shown(ours) == _shown(theirs), f"{name} answers differently from the official registry"


def _explained_rules(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """D2: on a broken server.json rule ours lists each rule in ``errors``; upstream lists none."""
    body, their_body = ours.get("body"), theirs.get("body")
    if not (isinstance(body, dict) and isinstance(their_body, dict) and body.get("detail") in INVALID_RULES):
        return ours
    if their_body.get("detail") != body["detail"]:
        return ours
    assert "errors" not in their_body, "D2 no longer holds: upstream now lists errors on a rule failure"
    assert body.get("errors"), "D2 no longer holds: ours lists no errors on a rule failure"
    return ours | {"body": {key: value for key, value in body.items() if key != "errors"}}


def _shown(outcome: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in outcome.items() if key != "raw"}


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_same_request_gets_the_same_answer(case: Case, targets: dict[str, Target]) -> None:
    outcomes = {name: outcome(target.send(case)) for name, target in targets.items()}
    _compare(case, outcomes)


def test_the_case_ids_are_unique_and_every_difference_is_documented() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    documented = set(re.findall(r"^\| (D\d+) \|", (ROOT / "docs" / "registry.md").read_text(), re.MULTILINE))
    used = {case.differs.row for case in CASES if case.differs is not None} | {"D2", "D3", "D11"}
    assert used <= documented, f"not in docs/registry.md's table of differences: {sorted(used - documented)}"


# -- the official publisher CLI --------------------------------------------------------------------------------------


def _publisher(binaries: OfficialBinaries, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [str(binaries.publisher), *args],
        cwd=home,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("registry", ["ours-sqlite", THEIRS])
def test_the_official_publisher_logs_in_publishes_and_changes_a_status(
    registry: str, binaries: OfficialBinaries, targets: dict[str, Target], tmp_path: Path
) -> None:
    """``mcp-publisher`` as a user runs it (its token in ``~/.config/mcp-publisher``), then our API reads it back;
    the same steps against the official registry show the publisher itself works here."""
    target = targets[registry]
    url = str(target.client.base_url).rstrip("/")
    document = server("published-by-mcp-publisher", packages=[package(identifier="@example/by-cli")])
    (tmp_path / "server.json").write_text(json.dumps(document))

    login = _publisher(binaries, tmp_path, "login", "none", "--registry", url)
    assert login.returncode == 0, login.stderr
    assert (tmp_path / ".config" / "mcp-publisher" / "token.json").is_file()
    published = _publisher(binaries, tmp_path, "publish", "server.json")
    assert published.returncode == 0, published.stdout + published.stderr
    changed = _publisher(
        binaries, tmp_path, "status", "--status", "deprecated", "--message", "use 2", document["name"], "1.0.0"
    )
    assert changed.returncode == 0, changed.stdout + changed.stderr

    read = target.client.get(f"/v0.1/servers/{ENC}published-by-mcp-publisher/versions/latest")
    assert read.status_code == 200, read.text
    assert read.json()["server"] == document
    assert read.json()["_meta"][OFFICIAL] | {"publishedAt": 0, "updatedAt": 0, "statusChangedAt": 0} == {
        "status": "deprecated",
        "statusMessage": "use 2",
        "isLatest": True,
        "publishedAt": 0,
        "updatedAt": 0,
        "statusChangedAt": 0,
    }

    (tmp_path / "bad.json").write_text(json.dumps(server("published-badly", description="x" * 101)))
    refused = _publisher(binaries, tmp_path, "publish", "bad.json")
    assert refused.returncode != 0
    assert "expected length <= 100" in refused.stdout + refused.stderr
