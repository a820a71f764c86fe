"""Deterministic, realistic server.json documents for the registry benchmark (same seed, same bytes).

Server ``i`` is ``io.github.bench-<i>/server-<i>`` with versions ``1.0.0``, ``1.1.0``, ``1.2.0`` …; each has a
description of real words, a mix of npm / PyPI / OCI packages, a remote on every fifth server and tool names in
publisher-provided ``_meta`` (what ranked search indexes besides name, title and description).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

__all__ = ["SCHEMA_URL", "WORDS", "server_document", "server_name", "servers"]

SCHEMA_URL = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
PUBLISHER_META_KEY = "io.modelcontextprotocol.registry/publisher-provided"

WORDS = (
    "notes",
    "calendar",
    "weather",
    "github",
    "gitlab",
    "jira",
    "slack",
    "email",
    "search",
    "files",
    "database",
    "postgres",
    "sqlite",
    "redis",
    "kubernetes",
    "docker",
    "browser",
    "screenshot",
    "pdf",
    "markdown",
    "translate",
    "summarize",
    "memory",
    "vector",
    "embeddings",
    "maps",
    "finance",
    "stocks",
    "crypto",
    "invoices",
    "tickets",
    "spotify",
    "music",
    "video",
    "images",
    "figma",
    "notion",
    "airtable",
    "sheets",
    "drive",
    "dropbox",
    "s3",
    "bucket",
    "logs",
    "metrics",
    "alerts",
    "monitoring",
    "terraform",
    "aws",
    "azure",
    "gcloud",
    "shell",
    "terminal",
    "git",
    "code",
    "review",
    "tests",
    "lint",
    "deploy",
    "release",
    "changelog",
    "issues",
    "pull",
    "requests",
    "wiki",
    "docs",
    "knowledge",
    "graph",
    "time",
)
VERBS = ("read", "write", "list", "search", "create", "update", "delete", "get", "sync", "query")


def server_name(index: int) -> str:
    return f"io.github.bench-{index}/server-{index}"


def _words(rng: random.Random, count: int) -> list[str]:
    return [rng.choice(WORDS) for _ in range(count)]


def _package(rng: random.Random, index: int, version: str, kind: str) -> dict[str, Any]:
    env = [
        {
            "name": f"BENCH_{index}_TOKEN",
            "description": f"API token for the {rng.choice(WORDS)} backend",
            "isRequired": True,
            "isSecret": True,
        }
    ]
    if kind == "npm":
        return {
            "registryType": "npm",
            "identifier": f"@bench-{index}/server-{index}",
            "version": version,
            "runtimeHint": "npx",
            "transport": {"type": "stdio"},
            "environmentVariables": env,
        }
    if kind == "pypi":
        return {
            "registryType": "pypi",
            "identifier": f"bench-server-{index}",
            "version": version,
            "runtimeHint": "uvx",
            "transport": {"type": "stdio"},
            "environmentVariables": env,
        }
    return {
        "registryType": "oci",
        "identifier": f"ghcr.io/bench-{index}/server-{index}:{version}",
        "transport": {"type": "stdio"},
        "environmentVariables": env,
    }


def server_document(index: int, version: str) -> dict[str, Any]:
    """One version of server ``index``; the words and package mix depend on ``index`` only (versions share them)."""
    rng = random.Random(index)
    topic = _words(rng, 3)
    description = f"{topic[0].capitalize()} {' '.join(_words(rng, 5))} for {topic[1]} and {topic[2]}"[:100]
    kinds = [("npm", "pypi", "oci")[index % 3]] + (["oci"] if index % 4 == 0 and index % 3 != 2 else [])
    tools = sorted({f"{rng.choice(VERBS)}_{rng.choice(WORDS)}" for _ in range(rng.randint(2, 8))})
    document: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "name": server_name(index),
        "title": f"{topic[0].capitalize()} {topic[1]} {index}",
        "description": description,
        "version": version,
        "repository": {"url": f"https://github.com/bench-{index}/server-{index}", "source": "github"},
        "websiteUrl": f"https://bench-{index}.github.io/server-{index}/",
        "packages": [_package(rng, index, version, kind) for kind in kinds],
        "_meta": {PUBLISHER_META_KEY: {"io.github.mcpship/interface": {"tools": [{"name": t} for t in tools]}}},
    }
    if index % 5 == 0:
        document["remotes"] = [
            {"type": "streamable-http", "url": f"https://bench-{index}.example.com/mcp/{version}"},
        ]
    return document


def servers(count: int, versions: int) -> Iterator[dict[str, Any]]:
    """Every version of every server, oldest version first per server (so the last one published is latest)."""
    for index in range(count):
        for minor in range(versions):
            yield server_document(index, f"1.{minor}.0")
