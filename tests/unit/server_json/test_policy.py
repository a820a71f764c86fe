"""A self-hosted registry's package policy: its own indexes, OCI registries and download hosts."""

from __future__ import annotations

from typing import Any

import pytest

from mcpship.server_json import PackagePolicy, validate_server_json
from mcpship.server_json.policy import OFFICIAL_BASE_URLS, OFFICIAL_MCPB_HOSTS, OFFICIAL_OCI_REGISTRIES

LOCAL = PackagePolicy(
    base_urls={"pypi": "http://127.0.0.1:8081", "npm": "http://127.0.0.1:4873"},
    oci_registries=("127.0.0.1:5000", "*.corp.example"),
    mcpb_hosts=("github.com", "downloads.corp.example", "http://127.0.0.1:9000"),
)


def document(package: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
        "name": "io.github.acme/notes-mcp",
        "description": "Notes",
        "version": "1.0.0",
        "packages": [{"transport": {"type": "stdio"}, **package}],
    }


def errors(package: dict[str, Any], policy: PackagePolicy | None) -> list[str]:
    problems = validate_server_json(document(package), source="server.json", policy=policy)
    return [f"{problem.path}: {problem.message}" for problem in problems if problem.severity == "error"]


OCI_LOCAL = {"registryType": "oci", "identifier": "127.0.0.1:5000/acme/notes:1.0.0"}
OCI_GLOB = {"registryType": "oci", "identifier": "images.corp.example/acme/notes:1.0.0"}
PYPI_LOCAL = {
    "registryType": "pypi",
    "identifier": "notes",
    "version": "1.0.0",
    "registryBaseUrl": "http://127.0.0.1:8081",
}
MCPB_INTRANET = {
    "registryType": "mcpb",
    "identifier": "https://downloads.corp.example/notes-mcp-1.0.0.mcpb",
    "fileSha256": "a" * 64,
}
MCPB_HTTP = {**MCPB_INTRANET, "identifier": "http://127.0.0.1:9000/notes-mcp-1.0.0.mcpb"}


@pytest.mark.parametrize("package", [OCI_LOCAL, OCI_GLOB, PYPI_LOCAL, MCPB_INTRANET, MCPB_HTTP])
def test_the_deployments_own_registries_are_accepted_and_the_official_registry_refuses_them(
    package: dict[str, Any],
) -> None:
    assert errors(package, LOCAL) == []
    [refusal] = errors(package, None)
    assert refusal.startswith("$.packages[0].")


def test_a_deployment_policy_still_refuses_what_it_does_not_list() -> None:
    [oci] = errors({"registryType": "oci", "identifier": "ghcr.io/acme/notes:1.0.0"}, LOCAL)
    assert "127.0.0.1:5000, *.corp.example" in oci or "not one the MCP Registry accepts" in oci
    [mcpb] = errors({**MCPB_INTRANET, "identifier": "https://elsewhere.example/notes-mcp.mcpb"}, LOCAL)
    assert "downloads.corp.example" in mcpb
    [plain_http] = errors({**MCPB_INTRANET, "identifier": "http://downloads.corp.example/notes-mcp.mcpb"}, LOCAL)
    assert "https" in plain_http


def test_forge_hosts_keep_their_release_path_rules_under_a_policy() -> None:
    [problem] = errors({**MCPB_INTRANET, "identifier": "https://github.com/acme/notes-mcp/blob/x.mcpb"}, LOCAL)
    assert "release asset" in problem


def test_the_default_policy_is_the_official_registrys() -> None:
    assert PackagePolicy().is_official
    assert PackagePolicy(base_urls=dict(OFFICIAL_BASE_URLS)).is_official


@pytest.mark.parametrize(
    "policy",
    [
        PackagePolicy(base_urls={**OFFICIAL_BASE_URLS, "pypi": "http://127.0.0.1:8081"}),
        PackagePolicy(oci_registries=(*OFFICIAL_OCI_REGISTRIES, "127.0.0.1:5000")),
        PackagePolicy(mcpb_hosts=(*OFFICIAL_MCPB_HOSTS, "downloads.corp.example")),
    ],
    ids=["index", "oci", "mcpb"],
)
def test_any_own_registry_makes_a_policy_not_the_official_one(policy: PackagePolicy) -> None:
    assert not policy.is_official


def test_oci_registries_match_as_globs_in_any_case() -> None:
    policy = PackagePolicy(oci_registries=("*.CORP.example", "127.0.0.1:5000"))
    assert policy.allows_oci_registry("Images.corp.EXAMPLE")
    assert policy.allows_oci_registry("127.0.0.1:5000")
    assert not policy.allows_oci_registry("corp.example")
    assert not policy.allows_oci_registry("127.0.0.1:5001")
    assert policy.describe_oci_registries() == "*.CORP.example, 127.0.0.1:5000"


@pytest.mark.parametrize(
    ("scheme", "netloc", "rule"),
    [
        ("https", "github.com", "forge"),
        ("https", "WWW.GitLab.com", "forge"),
        ("https", "downloads.corp.example", "custom"),
        ("https", "Downloads.Corp.Example", "custom"),
        ("http", "downloads.corp.example", None),
        ("http", "127.0.0.1:9000", "custom"),
        ("https", "127.0.0.1:9000", None),
        ("http", "127.0.0.1:9001", None),
        ("https", "elsewhere.example", None),
    ],
)
def test_an_mcpb_host_follows_forge_rules_custom_rules_or_none(scheme: str, netloc: str, rule: str | None) -> None:
    policy = PackagePolicy(
        mcpb_hosts=("github.com", "www.gitlab.com", "Downloads.corp.example", "HTTP://127.0.0.1:9000")
    )
    assert policy.mcpb_host_rule(scheme, netloc) == rule
    assert policy.describe_mcpb_hosts() == "github.com, www.gitlab.com, Downloads.corp.example, HTTP://127.0.0.1:9000"
