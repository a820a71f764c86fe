"""A self-hosted registry's package policy: its own indexes, OCI registries and download hosts."""

from __future__ import annotations

from typing import Any

import pytest

from mcpship.server_json import PackagePolicy, validate_server_json

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
