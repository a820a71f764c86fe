"""The ``mcpb`` target: MCPB bundles (formerly DXT), their signatures, and running them as a host would.

Public pieces other parts of mcpship use:

* :class:`McpbTarget`: the build target (``[targets.mcpb]`` configures it, see :class:`McpbConfig`);
* :func:`resolve_mcp_config` / :func:`missing_required_config`: a manifest's launch command as hosts resolve it;
* :func:`unpack_bundle`: safe extraction; :func:`sign_bundle` / :func:`verify_bundle_signature`: signatures.
"""

from __future__ import annotations

from mcpship.targets.mcpb.config import PLATFORMS, McpbConfig
from mcpship.targets.mcpb.host import HostLaunch, missing_required_config, resolve_mcp_config
from mcpship.targets.mcpb.signing import SignatureReport, sign_bundle, split_signature, verify_bundle_signature
from mcpship.targets.mcpb.target import McpbTarget
from mcpship.targets.mcpb.unpack import unpack_bundle

__all__ = [
    "PLATFORMS",
    "HostLaunch",
    "McpbConfig",
    "McpbTarget",
    "SignatureReport",
    "missing_required_config",
    "resolve_mcp_config",
    "sign_bundle",
    "split_signature",
    "unpack_bundle",
    "verify_bundle_signature",
]
