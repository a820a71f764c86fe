"""Per-``registryType`` field rules: the offline half of the registry's publish-time package checks
(``internal/validators/registries/{npm,pypi,nuget,oci,mcpb}.go``; registry.md §2.5). The network half,
proving ownership, is :mod:`mcpship.server_json.ownership` for artifacts built here."""

from __future__ import annotations

import re
from collections.abc import Callable

from mcpship._forges import FORGE_HOSTS
from mcpship.server_json._findings import Findings, Location, Node, text
from mcpship.server_json._urls import parse_url
from mcpship.server_json.policy import OFFICIAL_BASE_URLS, PackagePolicy

__all__ = ["OFFICIAL_BASE_URLS", "check_registry_type", "oci_registry"]

_OCI_REPOSITORY = re.compile(r"^[a-z0-9_./-]+$")
_OCI_TAG = re.compile(r"^\w[\w.-]{0,127}$", re.ASCII)
_OCI_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")
_GITHUB_RELEASE = re.compile(
    r"^/([a-zA-Z0-9]([a-zA-Z0-9\-]{0,37}[a-zA-Z0-9])?)/([a-zA-Z0-9._\-]+)/releases/download/([^/]+)/([^/]+)$"
)
_GITLAB_RELEASE = re.compile(r"^/([a-zA-Z0-9._\-]+(?:/[a-zA-Z0-9._\-]+)*)/-/releases/([^/]+)/downloads/([^/]+)$")
_GITLAB_PACKAGE_FILE = re.compile(r"^/([a-zA-Z0-9._\-]+(?:/[a-zA-Z0-9._\-]+)*)/-/package_files/([0-9]+)/download$")


def check_registry_type(package: Node, at: Location, findings: Findings) -> None:
    registry_type = text(package, "registryType")
    if not registry_type:
        return  # missing or mistyped: the structure pass says so
    rule = _RULES.get(registry_type)
    if rule is None:
        findings.error(
            (*at, "registryType"),
            f'registry type "{registry_type}" is not supported by the MCP Registry',
            f"use one of: {', '.join(sorted(_RULES))}",
        )
        return
    rule(package, at, findings)


def _named_package(package: Node, at: Location, findings: Findings) -> None:
    registry_type = text(package, "registryType")
    expected = findings.policy.base_urls.get(registry_type, OFFICIAL_BASE_URLS[registry_type])
    if "version" not in package:
        findings.error(
            (*at, "version"),
            f"{registry_type} packages need a version: the registry looks the package up by name and version",
            'add "version": the exact version published, e.g. "1.0.0"',
        )
    if "fileSha256" in package:
        findings.error(
            (*at, "fileSha256"),
            f"{registry_type} packages must not have fileSha256 (it is only for mcpb packages)",
            "remove fileSha256",
        )
    base_url = package.get("registryBaseUrl")
    if base_url is not None and base_url != expected:
        findings.error(
            (*at, "registryBaseUrl"),
            f'registryBaseUrl "{base_url}" is not valid for registry type "{registry_type}"',
            f'remove registryBaseUrl, or set it to exactly "{expected}"',
        )


def _oci_package(package: Node, at: Location, findings: Findings) -> None:
    example = "docker.io/owner/image:1.0.0"
    if "registryBaseUrl" in package:
        findings.error(
            (*at, "registryBaseUrl"),
            "oci packages must not have registryBaseUrl: the registry is part of the image reference",
            f'remove registryBaseUrl and use the full reference as identifier, e.g. "{example}"',
        )
    if "version" in package:
        findings.error(
            (*at, "version"),
            "oci packages must not have version: the tag in the identifier is the version",
            f'remove version and put the tag in identifier, e.g. "{example}"',
        )
    if "fileSha256" in package:
        findings.error((*at, "fileSha256"), "oci packages must not have fileSha256", "remove fileSha256")
    identifier = text(package, "identifier")
    if not identifier:
        return
    try:
        registry = oci_registry(identifier)
    except ValueError as exc:
        findings.error((*at, "identifier"), f'"{identifier}" is not a valid OCI image reference: {exc}', example)
        return
    if not findings.policy.allows_oci_registry(registry):
        allowed = findings.policy.describe_oci_registries()
        findings.error(
            (*at, "identifier"),
            f'OCI registry "{registry}" is not one the MCP Registry accepts'
            if findings.policy.is_official
            else f'OCI registry "{registry}" is not one this registry accepts ({allowed})',
            f"push the image to one of: {allowed}",
        )


def oci_registry(reference: str) -> str:
    """The registry host of an image reference (``docker.io`` when none is named); ValueError when malformed.

    Follows go-containerregistry's rules: the first path part is a registry when it has a ``.`` or ``:``
    or is ``localhost``; an optional ``:tag`` and ``@sha256:`` digest follow the repository.
    """
    name, _, digest = reference.partition("@")
    if digest and not _OCI_DIGEST.match(digest):
        raise ValueError(f'digest "{digest}" is not sha256:<64 hex characters>')
    slash = name.rfind("/")
    if ":" in name[slash + 1 :]:
        name, _, tag = name.rpartition(":")
        if not _OCI_TAG.match(tag):
            raise ValueError(f'tag "{tag}" has characters a tag cannot have')
    first, _, rest = name.partition("/")
    names_registry = bool(rest) and ("." in first or ":" in first or first == "localhost")
    registry, repository = (first, rest) if names_registry else ("", name)
    if not repository or not _OCI_REPOSITORY.match(repository):
        raise ValueError(f'repository "{repository}" must be lowercase letters, digits and ._-/')
    return registry or "docker.io"


def _mcpb_package(package: Node, at: Location, findings: Findings) -> None:
    if "fileSha256" not in package:
        findings.error(
            (*at, "fileSha256"),
            "mcpb packages need fileSha256 so clients can verify the download",
            'add "fileSha256": the SHA-256 of the .mcpb file in lowercase hex (sha256sum FILE.mcpb)',
        )
    if "registryBaseUrl" in package:
        findings.error(
            (*at, "registryBaseUrl"),
            "mcpb packages must not have registryBaseUrl: the identifier is the full download URL",
            "remove registryBaseUrl",
        )
    identifier = text(package, "identifier")
    if identifier:
        problem = mcpb_url_problem(identifier, findings.policy)
        if problem is not None:
            findings.error((*at, "identifier"), problem[0], problem[1])


def mcpb_url_problem(url: str, policy: PackagePolicy | None = None) -> tuple[str, str] | None:
    """Why the registry would refuse ``url`` as an MCPB download (message, hint), or None."""
    policy = policy or PackagePolicy()
    release_hint = (
        "attach the bundle to a GitHub release (https://github.com/OWNER/REPO/releases/download/TAG/FILE.mcpb)"
        " or a GitLab release, and use that URL"
    )
    parsed = parse_url(url)
    if parsed is None or parsed.scheme not in ("https", "http"):
        return f'mcpb identifier "{url}" must be an https download URL', release_hint
    host = parsed.netloc.lower()
    rule = policy.mcpb_host_rule(parsed.scheme, host)
    if rule is None and parsed.scheme != "https":
        return f'mcpb identifier "{url}" must be an https download URL', release_hint
    if rule is None:
        allowed = "GitHub or GitLab" if policy.is_official else policy.describe_mcpb_hosts()
        return f'mcpb downloads must be hosted on {allowed}, not "{host}"', release_hint
    release: object = True
    forge = FORGE_HOSTS.get(host)
    if forge == "github":
        release = _GITHUB_RELEASE.match(parsed.path)
    elif forge == "gitlab":
        release = _GITLAB_RELEASE.match(parsed.path) or _GITLAB_PACKAGE_FILE.match(parsed.path)
    if not release:
        return f'mcpb identifier "{url}" is not a release asset URL', release_hint
    if "mcp" not in url.lower():
        return (
            f'mcpb identifier "{url}" must contain "mcp"',
            'name the release asset or repository with "mcp" in it, e.g. notes-mcp-1.0.0.mcpb',
        )
    return None


_RULES: dict[str, Callable[[Node, Location, Findings], None]] = {
    "npm": _named_package,
    "pypi": _named_package,
    "nuget": _named_package,
    "oci": _oci_package,
    "mcpb": _mcpb_package,
}
