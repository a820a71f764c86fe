"""``server.json`` for the MCP Registry: typed models, the official validation rules, and ownership checks.

The models back the ``registry`` build target and (later) the registry service; :func:`validate_server_json`
backs ``mcpship validate``.
"""

from mcpship.server_json.model import (
    CURRENT_SCHEMA_URL,
    CURRENT_SCHEMA_VERSION,
    KNOWN_SCHEMA_VERSIONS,
    PUBLISHER_META_KEY,
    Argument,
    Icon,
    Input,
    InputWithVariables,
    KeyValueInput,
    LocalTransport,
    NamedArgument,
    Package,
    PositionalArgument,
    Remote,
    Repository,
    ServerJSON,
    ServerMeta,
    SseRemote,
    SseTransport,
    StdioTransport,
    StreamableHttpRemote,
    StreamableHttpTransport,
    dump_server_json,
    schema_url,
)
from mcpship.server_json.ownership import check_ownership_markers
from mcpship.server_json.policy import PackagePolicy
from mcpship.server_json.rules import validate_server_json

__all__ = [
    "CURRENT_SCHEMA_URL",
    "CURRENT_SCHEMA_VERSION",
    "KNOWN_SCHEMA_VERSIONS",
    "PUBLISHER_META_KEY",
    "Argument",
    "Icon",
    "Input",
    "InputWithVariables",
    "KeyValueInput",
    "LocalTransport",
    "NamedArgument",
    "Package",
    "PackagePolicy",
    "PositionalArgument",
    "Remote",
    "Repository",
    "ServerJSON",
    "ServerMeta",
    "SseRemote",
    "SseTransport",
    "StdioTransport",
    "StreamableHttpRemote",
    "StreamableHttpTransport",
    "check_ownership_markers",
    "dump_server_json",
    "schema_url",
    "validate_server_json",
]
