"""The server.json models: wire names, lossless round trips, canonical text."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from mcpship.server_json import (
    CURRENT_SCHEMA_URL,
    KeyValueInput,
    NamedArgument,
    Package,
    PositionalArgument,
    ServerJSON,
    StdioTransport,
    StreamableHttpRemote,
    dump_server_json,
)

from .conftest import valid_server


def test_seed_entries_round_trip_unchanged(seed: list[dict[str, Any]]) -> None:
    for entry in seed:
        assert ServerJSON.from_wire(entry).to_wire() == entry


def test_every_key_survives_a_round_trip_including_unknown_ones() -> None:
    document = valid_server()
    document["x-vendor"] = {"kept": None}
    document["packages"][0]["transport"]["x-extra"] = 1
    document["packages"][0]["environmentVariables"][0]["isRequired"] = False  # explicit defaults stay too
    assert ServerJSON.from_wire(document).to_wire() == document


def test_the_models_pick_transports_and_arguments_by_type() -> None:
    server = ServerJSON.from_wire(valid_server())
    assert server.packages is not None
    pypi, _, npm, _ = server.packages
    assert isinstance(pypi.transport, StdioTransport)
    assert pypi.package_arguments is not None
    assert isinstance(pypi.package_arguments[0], NamedArgument)
    assert npm.package_arguments is not None
    assert isinstance(npm.package_arguments[0], PositionalArgument)
    assert server.remotes is not None
    assert isinstance(server.remotes[0], StreamableHttpRemote)
    assert server.meta is not None
    assert server.meta.publisher_provided == {"tool": "mcpship"}


def test_code_builds_documents_with_python_names_and_writes_wire_names() -> None:
    server = ServerJSON(
        schema_url=CURRENT_SCHEMA_URL,
        name="io.github.acme/weather",
        description="Weather",
        version="1.0.0",
        packages=[
            Package(
                registry_type="mcpb",
                identifier="https://github.com/acme/weather-mcp/releases/download/v1.0.0/w.mcpb",
                file_sha256="a" * 64,
                transport=StdioTransport(type="stdio"),
                environment_variables=[KeyValueInput(name="TOKEN", is_secret=True)],
            )
        ],
    )
    assert server.to_wire() == {
        "$schema": CURRENT_SCHEMA_URL,
        "name": "io.github.acme/weather",
        "description": "Weather",
        "version": "1.0.0",
        "packages": [
            {
                "registryType": "mcpb",
                "identifier": "https://github.com/acme/weather-mcp/releases/download/v1.0.0/w.mcpb",
                "fileSha256": "a" * 64,
                "transport": {"type": "stdio"},
                "environmentVariables": [{"name": "TOKEN", "isSecret": True}],
            }
        ],
    }


def test_wire_documents_must_use_wire_names() -> None:
    document = valid_server()
    document["packages"][0]["registry_type"] = document["packages"][0].pop("registryType")  # the 2025-07-09 spelling
    with pytest.raises(ValidationError) as caught:
        ServerJSON.from_wire(document)
    assert [error["loc"] for error in caught.value.errors()] == [("packages", 0, "registryType")]


@pytest.mark.parametrize(("key", "value"), [("title", None), ("version", 1), ("icons", {}), ("websiteUrl", True)])
def test_types_are_the_schemas_not_pythons(key: str, value: object) -> None:
    with pytest.raises(ValidationError):
        ServerJSON.from_wire({**valid_server(), key: value})


def test_the_canonical_text_is_sorted_indented_and_ends_with_a_newline() -> None:
    document = valid_server()
    text = dump_server_json(ServerJSON.from_wire(document))
    assert text == json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert text.startswith('{\n  "$schema": ')
    assert dump_server_json(document) == text
