"""Publish runs the ownership proofs when they are on: ``serve --pypi-url`` against a real local pypiserver."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.integration.registry.conftest import RegistryServer, server_json
from tests.integration.registry.test_ownership_live_pypi import build
from tests.registry_support.package_registries import running_pypiserver, upload_to_pypiserver

NAME = "io.github.test/tiny-owned"
README = f"# tiny\n\nA tiny MCP server.\n\n<!-- mcp-name: {NAME} -->\n"


def _package(identifier: str) -> dict[str, object]:
    return {"registryType": "pypi", "identifier": identifier, "version": "1.0.0", "transport": {"type": "stdio"}}


def test_publish_proves_package_ownership_against_the_configured_index(tmp_path: Path) -> None:
    with running_pypiserver(tmp_path / "pypi") as index:
        upload_to_pypiserver(index, *build(tmp_path, "tiny-owned", "1.0.0", README))
        registry = RegistryServer(f"sqlite:///{tmp_path / 'r.db'}", tmp_path, ("--pypi-url", index))
        registry.start()
        try:
            headers = {"Authorization": f"Bearer {registry.token()}"}
            url = f"{registry.base_url}/v0.1/publish"
            proven = httpx.post(url, json=server_json(NAME, packages=[_package("tiny-owned")]), headers=headers)
            assert proven.status_code == 200, proven.text
            missing = server_json(NAME, "2.0.0", packages=[_package("not-uploaded")])
            refused = httpx.post(url, json=missing, headers=headers, timeout=30)
            assert refused.status_code == 400
            problem = refused.json()
            assert problem["detail"] == "Failed to publish server"
            assert problem["errors"][0]["message"].startswith("registry validation failed for package 0 (not-uploaded)")
        finally:
            registry.stop()
