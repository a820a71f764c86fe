"""One description of an MCP server (``mcpship.toml`` or ``[tool.mcpship]``) and its loaders."""

from mcpship.spec.load import ResolvedSpec, load_spec
from mcpship.spec.model import EnvVar, HttpTransport, Icon, RunConfig, Spec

__all__ = ["EnvVar", "HttpTransport", "Icon", "ResolvedSpec", "RunConfig", "Spec", "load_spec"]
