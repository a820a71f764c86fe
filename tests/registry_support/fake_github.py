"""A local fake of the part of GitHub's REST API the ``github-release`` channel uses, enforcing what GitHub enforces.

Releases by tag, release creation (``422 already_exists`` for a tag that has one), the asset list (paginated),
asset uploads on a separate "uploads" prefix (a ``Content-Type`` is required, ``Content-Length`` must match the
body, ``422 already_exists`` for a name the release has, names outside GitHub's safe characters renamed as GitHub
does), asset downloads (a redirect to storage, like GitHub's) and deletes. Every API call needs the token as
``Authorization: Bearer`` (``401 Bad credentials`` otherwise). Serve ``app`` with ``serve_in_thread`` and set
``base``; the API is at ``base``, uploads at ``base + "/uploads"``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

__all__ = ["FakeGitHub"]


@dataclass
class FakeGitHub:
    token: str
    owner: str = "acme"
    repo: str = "notes"
    base: str = "http://fake.invalid"
    max_asset_bytes: int = 1 << 20
    report_digests: bool = True
    """False: assets come without GitHub's ``digest`` field (as before mid-2025), so clients must hash them."""
    rate_limited: bool = False
    hidden_once: set[str] = field(default_factory=set)
    """Asset names the next asset list leaves out (GitHub's lists can lag behind a finished upload)."""
    releases: list[dict[str, Any]] = field(default_factory=list)
    contents: dict[int, bytes] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    """(method, path) of every call, for tests to count uploads."""
    _next_id: int = 1

    @property
    def app(self) -> Starlette:
        repo = "/repos/{owner}/{repo}"
        return Starlette(
            routes=[
                Route(repo + "/releases/tags/{tag:path}", self._release_by_tag, methods=["GET"]),
                Route(repo + "/releases", self._create_release, methods=["POST"]),
                Route(repo + "/releases/{release:int}/assets", self._list_assets, methods=["GET"]),
                Route(repo + "/releases/assets/{asset:int}", self._asset, methods=["GET", "DELETE"]),
                Route("/uploads" + repo + "/releases/{release:int}/assets", self._upload, methods=["POST"]),
                Route("/storage/{asset:int}", self._storage, methods=["GET"]),
            ]
        )

    # -- test helpers

    def add_release(self, tag: str, **fields: Any) -> dict[str, Any]:
        release_id = self._take_id()
        release = {
            "id": release_id,
            "tag_name": tag,
            "name": tag,
            "draft": False,
            "html_url": f"https://github.com/{self.owner}/{self.repo}/releases/tag/{tag}",
            "upload_url": f"{self.base}/uploads/repos/{self.owner}/{self.repo}/releases/{release_id}/assets"
            "{?name,label}",
            "assets": [],
            **fields,
        }
        self.releases.append(release)
        return release

    def add_asset(self, release: dict[str, Any], name: str, content: bytes, *, state: str = "uploaded") -> None:
        asset_id = self._take_id()
        self.contents[asset_id] = content
        asset: dict[str, Any] = {
            "id": asset_id,
            "name": name,
            "state": state,
            "size": len(content),
            "content_type": "application/octet-stream",
            "browser_download_url": f"https://github.com/{self.owner}/{self.repo}/releases/download/"
            f"{release['tag_name']}/{name}",
        }
        if self.report_digests:
            asset["digest"] = "sha256:" + hashlib.sha256(content).hexdigest()
        release["assets"].append(asset)

    def uploads(self) -> int:
        return sum(1 for method, path in self.requests if method == "POST" and path.startswith("/uploads/"))

    def release(self, tag: str) -> dict[str, Any] | None:
        return next((r for r in self.releases if r["tag_name"] == tag), None)

    # -- the API

    def _take_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _refusal(self, request: Request) -> Response | None:
        self.requests.append((request.method, request.url.path))
        if self.rate_limited:
            headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1893456000"}
            return JSONResponse({"message": "API rate limit exceeded"}, status_code=403, headers=headers)
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return JSONResponse({"message": "Bad credentials", "status": "401"}, status_code=401)
        params = request.path_params
        if (params.get("owner"), params.get("repo")) not in ((self.owner, self.repo), (None, None)):
            return JSONResponse({"message": "Not Found", "status": "404"}, status_code=404)
        return None

    def _find(self, release_id: int) -> dict[str, Any] | None:
        return next((r for r in self.releases if r["id"] == release_id), None)

    async def _release_by_tag(self, request: Request) -> Response:
        refused = self._refusal(request)
        if refused:
            return refused
        release = self.release(request.path_params["tag"])
        if release is None or release["draft"]:  # GitHub's tags endpoint does not show drafts
            return JSONResponse({"message": "Not Found"}, status_code=404)
        return JSONResponse(release)

    async def _create_release(self, request: Request) -> Response:
        refused = self._refusal(request)
        if refused:
            return refused
        body = await request.json()
        tag = body.get("tag_name")
        if not isinstance(tag, str) or not tag:
            return _invalid("Release", "missing_field", "tag_name")
        if self.release(tag) is not None:
            return _invalid("Release", "already_exists", "tag_name")
        release = self.add_release(tag, name=body.get("name"), draft=bool(body.get("draft")))
        return JSONResponse(release, status_code=201)

    async def _list_assets(self, request: Request) -> Response:
        refused = self._refusal(request)
        if refused:
            return refused
        release = self._find(request.path_params["release"])
        if release is None:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        per_page = min(int(request.query_params.get("per_page", "30")), 100)
        page = int(request.query_params.get("page", "1"))
        listed = [asset for asset in release["assets"] if asset["name"] not in self.hidden_once]
        self.hidden_once.clear()
        assets = listed[(page - 1) * per_page : page * per_page]
        more = len(listed) > page * per_page
        headers = {"link": f'<{self.base}{request.url.path}?page={page + 1}>; rel="next"'} if more else {}
        return JSONResponse(assets, headers=headers)

    async def _asset(self, request: Request) -> Response:
        refused = self._refusal(request)
        if refused:
            return refused
        asset_id = request.path_params["asset"]
        for release in self.releases:
            for asset in release["assets"]:
                if asset["id"] == asset_id:
                    if request.method == "DELETE":
                        release["assets"].remove(asset)
                        return Response(status_code=204)
                    if request.headers.get("accept") == "application/octet-stream":
                        return RedirectResponse(f"{self.base}/storage/{asset_id}", status_code=302)
                    return JSONResponse(asset)
        return JSONResponse({"message": "Not Found"}, status_code=404)

    async def _storage(self, request: Request) -> Response:
        self.requests.append((request.method, request.url.path))
        return Response(self.contents[request.path_params["asset"]], media_type="application/octet-stream")

    async def _upload(self, request: Request) -> Response:
        refused = self._refusal(request)
        if refused:
            return refused
        release = self._find(request.path_params["release"])
        if release is None:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        name = request.query_params.get("name")
        if not name:
            return _invalid("ReleaseAsset", "missing_field", "name")
        if "content-type" not in request.headers:
            return JSONResponse({"message": "Bad Content-Type header value: ''"}, status_code=400)
        declared = request.headers.get("content-length")
        if declared is None or int(declared) > self.max_asset_bytes:
            return JSONResponse({"message": "Body too large or length missing"}, status_code=413)
        content = await request.body()
        if len(content) != int(declared):
            return JSONResponse({"message": "Content-Length does not match the body"}, status_code=400)
        stored = re.sub(r"[^A-Za-z0-9._+-]", ".", name)  # GitHub renames what it does not take
        if any(asset["name"] == stored for asset in release["assets"]):
            return _invalid("ReleaseAsset", "already_exists", "name")
        self.add_asset(release, stored, content)
        return JSONResponse(release["assets"][-1], status_code=201)


def _invalid(resource: str, code: str, field_name: str) -> Response:
    errors = [{"resource": resource, "code": code, "field": field_name}]
    return JSONResponse({"message": "Validation Failed", "errors": errors}, status_code=422)
