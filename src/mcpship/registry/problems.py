"""RFC 9457 problem details, shaped like the official registry's (huma ``ErrorModel``): one exception, one response.

Any layer (service, auth, ownership) raises :class:`RegistryHTTPError`; the app's handler renders it, so the
status code and the wording of a failure are decided where the failure is understood.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from starlette.responses import JSONResponse

__all__ = ["PROBLEM_JSON", "RegistryHTTPError", "problem_response"]

PROBLEM_JSON = "application/problem+json"


class RegistryHTTPError(Exception):
    """A request the registry refuses: ``status`` (400/401/403/404/409/422/...), ``detail``, optional ``errors``.

    ``errors`` items follow huma: ``{"message": ..., "location": ..., "value": ...}`` (only ``message`` required).
    """

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: Sequence[Mapping[str, Any]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = [dict(error) for error in errors]
        self.headers = dict(headers or {})

    def response(self) -> JSONResponse:
        return problem_response(self.status, self.detail, errors=self.errors, headers=self.headers)


def problem_response(
    status: int,
    detail: str,
    *,
    errors: Sequence[Mapping[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    if errors:
        body["errors"] = [dict(error) for error in errors]
    return JSONResponse(body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_JSON)
