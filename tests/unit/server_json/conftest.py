"""The official contracts (read from ../shared/conformance, never copied) and a valid document to break."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mcpship.server_json import CURRENT_SCHEMA_URL
from tests.shared_data import SHARED

CONFORMANCE = SHARED / "conformance" / "registry"
SCHEMA_FILE = CONFORMANCE / "server.schema.2025-12-11.json"
SEED_FILE = CONFORMANCE / "seed.json"


@pytest.fixture(scope="session")
def official_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


@pytest.fixture(scope="session")
def seed() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    return entries


def valid_server() -> dict[str, Any]:
    """Every registry type, argument kind and transport, all valid: a fresh copy for each test to break."""
    return {
        "$schema": CURRENT_SCHEMA_URL,
        "name": "io.github.acme/weather-mcp",
        "title": "Weather",
        "description": "Forecasts and alerts for any city.",
        "version": "1.2.0",
        "repository": {
            "url": "https://github.com/acme/weather-mcp",
            "source": "github",
            "subfolder": "servers/weather",
        },
        "websiteUrl": "https://acme.dev/weather",
        "icons": [{"src": "https://acme.dev/icon.png", "mimeType": "image/png", "sizes": ["48x48", "any"]}],
        "packages": [
            {
                "registryType": "pypi",
                "identifier": "weather-mcp",
                "version": "1.2.0",
                "runtimeHint": "uvx",
                "transport": {"type": "stdio"},
                "packageArguments": [{"type": "named", "name": "--units", "default": "metric"}],
                "environmentVariables": [{"name": "WEATHER_TOKEN", "isRequired": True, "isSecret": True}],
            },
            {
                "registryType": "mcpb",
                "identifier": "https://github.com/acme/weather-mcp/releases/download/v1.2.0/weather-mcp.mcpb",
                "fileSha256": "a" * 64,
                "version": "1.2.0",
                "transport": {"type": "stdio"},
            },
            {
                "registryType": "npm",
                "identifier": "@acme/weather-mcp",
                "version": "1.2.0",
                "runtimeHint": "npx",
                "runtimeArguments": [{"type": "named", "name": "--yes"}],
                "packageArguments": [{"type": "positional", "valueHint": "port", "default": "8080"}],
                "transport": {"type": "streamable-http", "url": "http://localhost:{port}/mcp"},
            },
            {
                "registryType": "oci",
                "identifier": "ghcr.io/acme/weather-mcp:1.2.0",
                "runtimeHint": "docker",
                "transport": {"type": "stdio"},
            },
        ],
        "remotes": [
            {
                "type": "streamable-http",
                "url": "https://{tenant}.acme.dev/mcp",
                "variables": {"tenant": {"description": "Your tenant", "isRequired": True}},
                "headers": [{"name": "Authorization", "value": "Bearer {token}", "isSecret": True}],
            },
            {"type": "sse", "url": "https://sse.acme.dev/events"},
        ],
        "_meta": {"io.modelcontextprotocol.registry/publisher-provided": {"tool": "mcpship"}},
    }
