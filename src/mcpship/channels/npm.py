"""Publish an npm tarball with the npm CLI, once: a version the registry already holds is compared, not re-sent.

``npm view NAME@VERSION dist.integrity`` first: the same sha512 integrity is skipped, a different one is an error
(a registry never takes a second tarball under one version, and mcpship never tries). The registry and the token
come from where npm finds them (the user's and the project's ``.npmrc``), or from ``$NPM_TOKEN`` /
``$NODE_AUTH_TOKEN``, handed to npm in its child's environment only: nothing is written into the user's files and
the token never appears on a command line or in a message.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote, urlsplit

from mcpship._archive_members import read_tar_member
from mcpship._exceptions import PublishError, ToolchainError
from mcpship._untrusted_json import loads_untrusted

__all__ = [
    "DEFAULT_NPM_REGISTRY",
    "NpmPublishOutcome",
    "provenance_default",
    "publish_npm_tarball",
    "tarball_integrity",
]

DEFAULT_NPM_REGISTRY = "https://registry.npmjs.org/"
TOKEN_VARIABLES = ("NPM_TOKEN", "NODE_AUTH_TOKEN")
VIEW_TIMEOUT = 60.0
PUBLISH_TIMEOUT = 300.0
MAX_QUOTE = 400


@dataclass(frozen=True)
class NpmPublishOutcome:
    path: Path
    name: str
    version: str
    integrity: str
    status: Literal["published", "skipped", "would-publish"]
    url: str
    """The version's document in the registry (``REGISTRY/NAME/VERSION``)."""
    registry: str


def tarball_integrity(path: Path) -> str:
    """npm's ``dist.integrity`` of a tarball: ``sha512-`` and the base64 SHA-512 of its bytes."""
    digest = hashlib.sha512()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha512-" + base64.b64encode(digest.digest()).decode("ascii")


def provenance_default(environ: Mapping[str, str]) -> bool:
    """``--provenance`` where npm can make it: a GitHub Actions job (``$CI`` and ``$GITHUB_ACTIONS`` set)."""
    return bool(environ.get("CI")) and bool(environ.get("GITHUB_ACTIONS"))


def publish_npm_tarball(
    tarball: Path,
    *,
    registry: str | None = None,
    tag: str | None = None,
    provenance: bool | None = None,
    dry_run: bool = False,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> NpmPublishOutcome:
    """Publish ``tarball`` unless the registry holds that version already; see the module doc.

    ``registry`` None: the one npm is configured with for the package's scope (``cwd``'s ``.npmrc``, the user's).
    ``provenance`` None: :func:`provenance_default`. ``cwd`` is where npm runs (the project: its ``.npmrc``)."""
    env = dict(os.environ if environ is None else environ)
    npm = shutil.which("npm", path=env.get("PATH"))
    if npm is None:
        raise ToolchainError(
            "npm is not installed, so the npm channel cannot publish", hint="install Node.js (it ships npm)"
        )
    name, version = _package_identity(tarball)
    where = cwd or tarball.parent
    target = _with_slash(registry) if registry else _configured_registry(npm, name, where, env)
    env.update(_token_environment(target, env))
    integrity = tarball_integrity(tarball)
    url = _version_url(target, name, version)
    there = _published_integrity(npm, name, version, target, where, env)
    if there is not None:
        if there != integrity:
            raise PublishError(
                f"{target} already holds {name}@{version} with integrity {there}, but {tarball.name} has {integrity};"
                " a registry never replaces a published version, and mcpship does not try",
                hint=f"the version {version} is taken: raise the version (`mcpship bump patch`),"
                " rebuild and publish again",
            )
        return NpmPublishOutcome(tarball, name, version, integrity, "skipped", url, target)
    if dry_run:
        return NpmPublishOutcome(tarball, name, version, integrity, "would-publish", url, target)
    argv = [npm, "publish", str(tarball.resolve()), "--registry", target, "--no-audit", "--no-fund"]
    argv += ["--tag", tag] if tag else []
    if provenance is None:
        provenance = provenance_default(env)
    argv += ["--provenance"] if provenance else []
    done = _run(argv, where, env, PUBLISH_TIMEOUT, f"npm publish {tarball.name}")
    if done.returncode != 0:
        raise _translated(done, name, version, target, env)
    return NpmPublishOutcome(tarball, name, version, integrity, "published", url, target)


def _package_identity(tarball: Path) -> tuple[str, str]:
    try:
        member = read_tar_member(tarball, lambda m: m.name == "package/package.json", limit=1 << 20)
        if member is None:
            raise ValueError("it has no package/package.json")
        manifest = loads_untrusted(member[1])
    except (OSError, ValueError, EOFError) as error:
        raise PublishError(
            f"cannot publish {tarball}: {error}", hint="rebuild it: mcpship build --target npm"
        ) from error
    name = manifest.get("name") if isinstance(manifest, dict) else None
    version = manifest.get("version") if isinstance(manifest, dict) else None
    if not isinstance(name, str) or not isinstance(version, str) or not name or not version:
        raise PublishError(
            f"{tarball.name}: package/package.json has no name or version", hint="set both in package.json and rebuild"
        )
    return name, version


def _configured_registry(npm: str, name: str, cwd: Path, env: dict[str, str]) -> str:
    """What npm itself would publish to: the scope's registry, else ``registry``, as its config says."""
    keys = ([f"{name.split('/')[0]}:registry"] if name.startswith("@") else []) + ["registry"]
    for key in keys:
        done = _run([npm, "config", "get", key], cwd, env, VIEW_TIMEOUT, "npm config get")
        value = done.stdout.strip()
        if done.returncode == 0 and value.startswith(("http://", "https://")):
            return _with_slash(value)
    return DEFAULT_NPM_REGISTRY


def _token_environment(registry: str, env: Mapping[str, str]) -> dict[str, str]:
    """``$NPM_TOKEN`` as npm's own per-registry setting, in the child's environment (npm reads ``npm_config_*``
    variables, and keeps a key starting ``//`` as written)."""
    token = next((env[v] for v in TOKEN_VARIABLES if env.get(v)), None)
    if token is None:
        return {}
    parts = urlsplit(registry)
    return {f"npm_config_//{parts.netloc}{parts.path}:_authToken": token.strip()}


def _published_integrity(
    npm: str, name: str, version: str, registry: str, cwd: Path, env: dict[str, str]
) -> str | None:
    argv = [npm, "view", f"{name}@{version}", "dist.integrity", "--json", "--registry", registry]
    done = _run(argv, cwd, env, VIEW_TIMEOUT, f"npm view {name}@{version}")
    if done.returncode != 0:
        if _error_code(done) == "E404":
            return None
        raise _translated(done, name, version, registry, env, looking=True)
    text = done.stdout.strip()
    if not text:
        return None  # the package exists, this version does not
    try:
        value = loads_untrusted(text)
    except ValueError as error:
        raise PublishError(
            f"npm view {name}@{version} answered something that is not JSON: {text[:MAX_QUOTE]!r}",
            hint=f"check {registry} answers like an npm registry",
        ) from error
    if isinstance(value, list):  # a range matching several versions; an exact version gives one
        value = value[-1] if value else None
    if not isinstance(value, str) or not value.startswith("sha"):
        raise PublishError(
            f"{registry} holds {name}@{version} but lists no dist.integrity for it",
            hint="compare the tarballs by hand (npm view NAME@VERSION dist.tarball); mcpship will not overwrite it",
        )
    return value


def _run(
    argv: list[str], cwd: Path, env: Mapping[str, str], timeout: float, what: str
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            argv, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise PublishError(
            f"{what} did not finish within {timeout:.0f} s",
            hint="check the registry answers (npm ping --registry URL), then rerun: what is published is skipped",
        ) from error
    except OSError as error:
        raise ToolchainError(f"could not run npm: {error}", hint="install Node.js (it ships npm)") from error


_CODE = re.compile(r"\b(E\d{3}|EPUBLISHCONFLICT|ENEEDAUTH|EOTP|ENOTFOUND|ECONNREFUSED)\b")


def _error_code(done: subprocess.CompletedProcess[str]) -> str | None:
    """npm's error code, from its ``--json`` error object or its ``npm error code X`` line."""
    for stream in (done.stdout, done.stderr):
        try:
            data = loads_untrusted(stream.strip())
        except ValueError:
            data = None
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict) and isinstance(error.get("code"), str):
            return str(error["code"])
    match = _CODE.search(done.stderr + "\n" + done.stdout)
    return match.group(1) if match else None


def _translated(
    done: subprocess.CompletedProcess[str],
    name: str,
    version: str,
    registry: str,
    env: Mapping[str, str],
    *,
    looking: bool = False,
) -> PublishError:
    code = _error_code(done)
    lines = [line for line in done.stderr.splitlines() if line.startswith("npm error") and "complete log" not in line]
    tail = _redacted("\n".join(lines)[-MAX_QUOTE:] or done.stdout.strip()[-MAX_QUOTE:], env)
    doing = f"npm view {name}@{version}" if looking else f"npm publish of {name}@{version}"
    token_fix = f"log in (npm login --registry {registry}) or set NPM_TOKEN to a token that may publish {name}"
    hints = {
        "E401": token_fix,
        "ENEEDAUTH": token_fix,
        "E403": f"the token may not publish {name}: check its scope and the package's owners"
        " (npm owner ls), or whether the name is taken by someone else",
        "E409": f"{name}@{version} was published meanwhile: rerun to compare it (same tarball: skipped)",
        "EPUBLISHCONFLICT": f"{name}@{version} was published meanwhile: rerun to compare it (same tarball: skipped)",
        "E402": f"npmjs.com publishes a scoped package as private (paid) unless told otherwise: add"
        f' "publishConfig": {{"access": "public"}} to package.json, rebuild and rerun (for {name})',
        "EOTP": "the account needs a one-time password: use an automation or granular token (NPM_TOKEN)",
        "ENOTFOUND": f"check the registry URL {registry}",
        "ECONNREFUSED": f"nothing answers at {registry}: start it or fix the URL",
    }
    hint = hints.get(code or "", "fix what npm says, then rerun: what is already published is skipped")
    label = f" ({code})" if code else ""
    return PublishError(f"{doing} to {registry} failed{label}, exit {done.returncode}:\n{tail}", hint=hint)


def _redacted(text: str, env: Mapping[str, str]) -> str:
    for variable in TOKEN_VARIABLES:
        secret = env.get(variable, "").strip()
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def _version_url(registry: str, name: str, version: str) -> str:
    """npmjs.com's page for the public registry; elsewhere the version's document (``@scope%2Fname/1.0.0``)."""
    if urlsplit(registry).netloc == "registry.npmjs.org":
        return f"https://www.npmjs.com/package/{quote(name, safe='@/')}/v/{quote(version)}"
    return f"{registry}{quote(name, safe='@')}/{quote(version)}"


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"
