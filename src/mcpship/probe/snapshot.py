"""What a live server says about itself, in MCP's own wire format (camelCase JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ServerSnapshot"]

JsonObject = dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class ServerSnapshot:
    target: str
    protocol_version: str
    server_info: JsonObject
    capabilities: JsonObject
    instructions: str | None = None
    tools: list[JsonObject] = field(default_factory=list)
    prompts: list[JsonObject] = field(default_factory=list)
    resources: list[JsonObject] = field(default_factory=list)
    resource_templates: list[JsonObject] = field(default_factory=list)

    def to_json(self) -> JsonObject:
        return {
            "target": self.target,
            "protocolVersion": self.protocol_version,
            "serverInfo": self.server_info,
            "capabilities": self.capabilities,
            "instructions": self.instructions,
            "tools": self.tools,
            "prompts": self.prompts,
            "resources": self.resources,
            "resourceTemplates": self.resource_templates,
        }
