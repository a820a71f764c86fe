"""Validate MCPB manifests and bundles: the manifest by its own version's rules, the bundle's contents (the
files the manifest points at exist, icons are PNGs, no entry can escape on unpacking), and its signature."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from mcpship._exceptions import UsageError
from mcpship._problems import Problem, json_path
from mcpship.targets.mcpb.archive import BundleArchive, BundleError, BundleLimits, describe, open_bundle, parse_manifest
from mcpship.targets.mcpb.manifest import manifest_problems
from mcpship.targets.mcpb.signing import SignatureReport, verify_signature

__all__ = ["validate_bundle", "validate_manifest"]

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
Severity = Literal["error", "warning"]
_DIRNAME = "${__dirname}/"


class _Contents(Protocol):
    """The files a manifest can refer to: a bundle's entries or a folder next to manifest.json."""

    def exists(self, name: str) -> bool: ...

    def head(self, name: str) -> bytes: ...


def validate_manifest(data: object, *, source: str) -> list[Problem]:
    """Problems with a manifest.json (already parsed). When ``source`` is a manifest.json on disk, the files it
    names are looked for next to it, as ``mcpb validate`` does for the icon."""
    problems = manifest_problems(data, source=source)
    path = Path(source)
    if isinstance(data, dict) and path.name == "manifest.json" and path.is_file():
        problems += _content_problems(data, _Folder(path.parent), source=source, packed=False)
    return problems


def validate_bundle(
    path: Path,
    *,
    require_signature: bool = False,
    trusted_certs: Sequence[Path] = (),
    limits: BundleLimits | None = None,
) -> list[Problem]:
    """Every problem in a ``.mcpb`` file: its zip, its entries, its manifest and contents, its signature.

    The bundle is read as unpacking reads it (:mod:`mcpship.targets.mcpb.archive`): the same ``limits`` and symlink
    rule, in bounded memory. ``trusted_certs`` (PEM files) are the anchors a signature's certificate must chain
    to; without them the signature is checked cryptographically and the chain is reported as unchecked.
    """
    label = str(path)
    try:
        archive = open_bundle(path, limits=limits)
    except BundleError as error:
        return [_problem(label, error)]
    with archive:
        problems = [
            Problem(file=label, path="$", message=describe(finding.entry, finding.reason), hint=finding.hint)
            for finding in archive.findings
        ]
        try:
            problems += _bundle_manifest_problems(archive, label)
            if not archive.findings:
                archive.scan()  # every entry decompressed once, as a host unpacking it would
        except BundleError as error:
            problems.append(_problem(label, error))
        return problems + _bundle_signature_problems(archive, label, require_signature, trusted_certs)


def _problem(label: str, error: BundleError) -> Problem:
    return Problem(file=label, path=error.part, message=describe(error.entry, error.reason), hint=error.hint)


def _bundle_signature_problems(
    archive: BundleArchive, label: str, require_signature: bool, trusted_certs: Sequence[Path]
) -> list[Problem]:
    if archive.signature is None:
        if not require_signature:
            return []
        return [
            Problem(
                file=label,
                path="signature",
                message="the bundle is not signed",
                hint="build it with --sign-key and --sign-cert (or sign it with `mcpb sign`)",
            )
        ]
    try:
        report = verify_signature(archive.content_digest, archive.signature, trusted=trusted_certs)
    except UsageError as error:
        return [Problem(file=label, path="signature", message=error.message, hint=error.hint)]
    return _signature_problems(report, label, anchored=bool(trusted_certs))


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _bundle_manifest_problems(archive: BundleArchive, label: str) -> list[Problem]:
    source = f"{label}!manifest.json"
    if archive.refused("manifest.json"):
        return []  # its finding says why it is not read
    raw = archive.read_manifest()
    if raw is None:
        return [
            Problem(
                file=label,
                path="$",
                message="no manifest.json at the root of the bundle",
                hint="hosts read manifest.json from the top of the zip; put it there, not in a subfolder",
            )
        ]
    try:
        data = parse_manifest(raw, source=source)
    except BundleError as error:
        return [Problem(file=source, path="$", message=error.reason, hint=error.hint)]
    problems = manifest_problems(data, source=source)
    if isinstance(data, dict):
        problems += _content_problems(data, archive, source=source, packed=True)
    return problems


def _content_problems(data: dict[str, Any], contents: _Contents, *, source: str, packed: bool) -> list[Problem]:
    """Files the manifest names must be there: in a bundle that is an error; next to a loose manifest the
    entry point may still be generated by a packer, so it is a warning there."""
    severity: Severity = "error" if packed else "warning"
    problems: list[Problem] = []
    server = _object(data.get("server"))
    entry = server.get("entry_point")
    if isinstance(entry, str) and entry and not contents.exists(entry):
        problems.append(
            Problem(
                file=source,
                path=json_path("server", "entry_point"),
                message=f"the entry point {entry!r} is not in the bundle",
                hint="bundle the file, or point entry_point at the server's main file",
                severity=severity,
            )
        )
    problems += _launch_path_problems(server, contents, source, severity)
    if server.get("type") == "uv":
        problems += _uv_layout_problems(contents, source, severity)
    icon = data.get("icon")
    if isinstance(icon, str):
        problems += _icon_problems(icon, contents, source, json_path("icon"))
    icons = data.get("icons")
    for index, item in enumerate(icons if isinstance(icons, list) else []):
        if isinstance(item, dict) and isinstance(item.get("src"), str):
            problems += _icon_problems(item["src"], contents, source, json_path("icons", index, "src"))
    return problems


def _launch_path_problems(
    server: dict[str, Any], contents: _Contents, source: str, severity: Severity
) -> list[Problem]:
    """``${__dirname}/x`` in args and env must name something in the bundle (a file or a folder)."""
    config = _object(server.get("mcp_config"))
    candidates: list[tuple[str, object]] = []
    args = config.get("args")
    for index, arg in enumerate(args if isinstance(args, list) else []):
        candidates.append((json_path("server", "mcp_config", "args", index), arg))
    for key, value in _object(config.get("env")).items():
        candidates.append((json_path("server", "mcp_config", "env", str(key)), value))
    problems: list[Problem] = []
    for where, value in candidates:
        if not isinstance(value, str) or not value.startswith(_DIRNAME) or "${" in value[len(_DIRNAME) :]:
            continue
        relative = value[len(_DIRNAME) :].rstrip("/")
        if relative and not contents.exists(relative):
            problems.append(
                Problem(
                    file=source,
                    path=where,
                    message=f"{value!r} names {relative!r}, which is not in the bundle",
                    hint="bundle it, or correct the path",
                    severity=severity,
                )
            )
    return problems


def _uv_layout_problems(contents: _Contents, source: str, severity: Severity) -> list[Problem]:
    problems: list[Problem] = []
    if not contents.exists("pyproject.toml"):
        problems.append(
            Problem(
                file=source,
                path=json_path("server", "type"),
                message="a uv bundle needs pyproject.toml at its root: the host installs the server from it",
                hint="bundle pyproject.toml (and uv.lock)",
                severity=severity,
            )
        )
    for folder in ("server/lib", "server/venv"):
        if contents.exists(folder):
            problems.append(
                Problem(
                    file=source,
                    path=json_path("server", "type"),
                    message=f"a uv bundle must not include {folder}/ (the host installs the dependencies)",
                    hint=f"add {folder}/ to .mcpbignore",
                    severity="warning",
                )
            )
    return problems


def _icon_problems(icon: str, contents: _Contents, source: str, where: str) -> list[Problem]:
    """The official validator's icon rules: local, relative, no ``${__dirname}``, an existing PNG."""
    if icon.startswith(("http://", "https://")):
        return [
            Problem(
                file=source,
                path=where,
                message="the icon is a remote URL; Claude Desktop only shows icon files inside the bundle",
                hint='bundle a PNG and use a relative path such as "icon.png"',
                severity="warning",
            )
        ]
    if "${__dirname}" in icon:
        message = "icon paths must not use ${__dirname}; they are relative to the bundle root"
    elif icon.startswith(("/", "\\")) or (len(icon) > 1 and icon[1] == ":"):
        message = f"icon path {icon!r} is absolute; it must be relative to the bundle root"
    elif not contents.exists(icon):
        message = f"icon file {icon!r} is not in the bundle"
    elif not contents.head(icon).startswith(_PNG_MAGIC):
        message = f"icon file {icon!r} is not a PNG"
    else:
        return []
    return [Problem(file=source, path=where, message=message, hint='use a PNG in the bundle, e.g. "icon.png"')]


def _signature_problems(report: SignatureReport, label: str, *, anchored: bool) -> list[Problem]:
    problems = [
        Problem(file=label, path="signature", message=message, hint=_SIGNATURE_HINT) for message in report.errors
    ]
    if report.status in ("invalid", "untrusted"):
        return problems
    who = f"{report.publisher or 'unknown'} (SHA-256 {report.fingerprint})"
    if report.status == "self-signed":
        problems.append(
            Problem(
                file=label,
                path="signature",
                message=f"self-signed by {who}: hosts trust it only where that certificate was installed",
                hint="sign with a certificate from a code-signing CA for distribution",
                severity="warning",
            )
        )
    elif not anchored:
        problems.append(
            Problem(
                file=label,
                path="signature",
                message=f"valid signature by {who}; its certificate chain was not checked",
                hint="pass the CA certificates you trust to check the chain too",
                severity="warning",
            )
        )
    problems += [Problem(file=label, path="signature", message=w, severity="warning") for w in report.warnings]
    problems.append(
        Problem(
            file=label,
            path="signature",
            message="signed bundles keep the zip's comment length unchanged, which strict zip readers (Claude"
            " Desktop's among them, mcpb issue #278) reject",
            hint="ship an unsigned bundle to Claude Desktop until the format settles",
            severity="warning",
        )
    )
    return problems


_SIGNATURE_HINT = "rebuild and sign the bundle again; if you did not change it, it was tampered with"


class _Folder:
    def __init__(self, root: Path) -> None:
        self._root = root.resolve()

    def _path(self, name: str) -> Path | None:
        path = (self._root / name).resolve()
        return path if path.is_relative_to(self._root) else None

    def exists(self, name: str) -> bool:
        path = self._path(name)
        return path is not None and path.exists()

    def head(self, name: str) -> bytes:
        path = self._path(name)
        if path is None or not path.is_file():
            return b""
        with path.open("rb") as handle:
            return handle.read(16)
