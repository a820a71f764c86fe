"""Authentication to OCI distribution registries, shared by the push channel and the base image pull.

:class:`RegistryAuth` answers a registry's ``401`` challenge: ``Basic`` with the credentials, or ``Bearer`` by
fetching a token from the challenge's realm (with the credentials when given, anonymously otherwise). The token
service's answer is read bounded: a registry is someone else's server.
"""

from __future__ import annotations

import re
from collections.abc import Generator

import httpx

from mcpship._bounded_body import BodyTooLargeError, read_bounded
from mcpship._exceptions import McpshipError, PublishError
from mcpship._untrusted_json import loads_untrusted

__all__ = ["LOOPBACK_HOSTS", "RegistryAuth", "is_loopback", "parse_challenge"]

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_TOKEN_RESPONSE_BYTES = 1 << 20
"""Docker Hub's token answers are about 4 KiB; GCP's JWTs a few more."""
_CHALLENGE_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]*))')
_LOGIN_HINT = "log in: give a user name and a password or token with push rights (--username U --password-stdin)"


def is_loopback(host: str) -> bool:
    """``host`` (``127.0.0.1:5000``, ``localhost``, ``[::1]:5000``) is this machine: plain HTTP is allowed there."""
    return httpx.URL(f"http://{host}/").host in LOOPBACK_HOSTS


class RegistryAuth(httpx.Auth):
    """Answers a registry's ``401`` challenge: ``Basic`` with the credentials, or ``Bearer`` by fetching a token
    from the challenge's realm (with the credentials when given, anonymously otherwise). The header is reused
    for later requests, and fetched again when a new challenge (another scope) comes. Only requests to
    ``host`` get it, so a blob redirected to storage elsewhere never carries the registry's credentials.

    ``error`` is the class the token service's refusals are raised as (the push channel's
    :class:`PublishError`, the build's :class:`BuildError`); ``login_hint`` tells how to give credentials.
    For a sync :class:`httpx.Client`.
    """

    requires_response_body = False  # the token answer is read here, bounded; the 401's body is never needed

    def __init__(
        self,
        host: str,
        username: str | None = None,
        password: str | None = None,
        *,
        error: type[McpshipError] = PublishError,
        login_hint: str = _LOGIN_HINT,
    ) -> None:
        self.host = host
        self._basic = httpx.BasicAuth(username, password or "") if username is not None else None
        self._header: str | None = None
        self._error = error
        self._login_hint = login_hint

    @property
    def has_credentials(self) -> bool:
        return self._basic is not None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if request.url.netloc.decode() != self.host:
            yield request
            return
        if self._header is not None:
            request.headers["Authorization"] = self._header
        response = yield request
        if response.status_code != 401:
            return
        scheme, params = parse_challenge(response.headers.get("WWW-Authenticate", ""))
        if scheme == "basic" and self._basic is not None:
            self._header = _basic_header(self._basic)
        elif scheme == "bearer" and "realm" in params:
            token_response = yield self._token_request(params)
            self._header = f"Bearer {self._token_from(token_response)}"
        else:
            return  # no way to answer: the caller reports the 401
        request.headers["Authorization"] = self._header
        yield request

    def _token_request(self, params: dict[str, str]) -> httpx.Request:
        query: dict[str, str] = {key: params[key] for key in ("service", "scope") if key in params}
        headers = {"Accept-Encoding": "identity"}  # read_bounded counts the bytes as they arrive
        if self._basic is not None:
            headers["Authorization"] = _basic_header(self._basic)
        return httpx.Request("GET", params["realm"], params=query, headers=headers)

    def _token_from(self, response: httpx.Response) -> str:
        if response.status_code in (401, 403):
            raise self._error(
                f"the token service at {response.url.host} rejected the credentials", hint=self._login_hint
            )
        try:
            body = loads_untrusted(read_bounded(response, MAX_TOKEN_RESPONSE_BYTES))
            token = body.get("token") or body.get("access_token")
        except BodyTooLargeError as exc:
            raise self._error(
                f"the registry's token service ({response.url.host}) answered more than"
                f" {MAX_TOKEN_RESPONSE_BYTES} bytes",
                hint="check the registry's address: a token answer is a few KiB",
            ) from exc
        except (ValueError, AttributeError, httpx.HTTPError):
            token = None
        if response.status_code != 200 or not isinstance(token, str) or not token:
            raise self._error(
                f"the registry's token service ({response.url}) answered HTTP {response.status_code} without a token",
                hint="check the registry's address; some registries need credentials even to pull",
            )
        return token


def _basic_header(auth: httpx.BasicAuth) -> str:
    request = httpx.Request("GET", "http://x/")
    next(auth.auth_flow(request))
    return request.headers["Authorization"]


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """``Bearer realm="…",service="…"`` → ``("bearer", {"realm": …, "service": …})``."""
    scheme, _, rest = header.strip().partition(" ")
    return scheme.lower(), {m[1].lower(): m[2] or m[3] for m in _CHALLENGE_PARAM.finditer(rest)}
