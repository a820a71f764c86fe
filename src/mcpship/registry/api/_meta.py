"""Health, ping, version and ``/validate``: small answers that never touch the store."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from mcpship._problems import Problem
from mcpship.registry.api._responses import encode_json, json_response
from mcpship.registry.api._shape import SERVER_JSON, checked_body
from mcpship.registry.bodies import read_json_object
from mcpship.registry.config import RegistrySettings
from mcpship.server_json import validate_server_json

__all__ = ["MetaEndpoints", "validation_result"]


class MetaEndpoints:
    def __init__(self, settings: RegistrySettings, *, git_commit: str = "unknown", build_time: str = "unknown") -> None:
        health = {"status": "ok", "github_client_id": settings.github_client_id}
        self._health = encode_json({key: value for key, value in health.items() if value})  # Go's omitempty
        self._version = encode_json({"version": settings.version, "git_commit": git_commit, "build_time": build_time})
        self._pong = encode_json({"pong": True})
        self._policy = settings.ownership.package_policy()

    async def health(self, request: Request) -> Response:
        return Response(self._health, media_type="application/json")

    async def ping(self, request: Request) -> Response:
        return Response(self._pong, media_type="application/json")

    async def version(self, request: Request) -> Response:
        return Response(self._version, media_type="application/json")

    async def validate(self, request: Request) -> Response:
        """200 with ``{"valid", "issues"}`` (registry.md §1.9) once the body parses (else 400) and has upstream's
        request shape (else 422, as upstream's framework answers); ownership and the publisher ``_meta`` size are
        publish-time checks, not made here (as upstream)."""
        server = checked_body(SERVER_JSON, await read_json_object(request))
        problems = await run_in_threadpool(
            validate_server_json, server, source="request body", policy=self._policy, publisher_meta_limit=False
        )
        return json_response(validation_result(problems))


def validation_result(problems: list[Problem]) -> dict[str, Any]:
    issues = [
        {
            "type": "semantic" if problem.path != "$" else "schema",
            "path": problem.path.removeprefix("$").removeprefix("."),
            "message": problem.message,
            "severity": problem.severity,
            "reference": problem.hint or "",
        }
        for problem in problems
    ]
    return {"valid": not any(problem.severity == "error" for problem in problems), "issues": issues}
