"""server.json is not run: it is checked by the official registry's rules and against the packages built beside it."""

from __future__ import annotations

from collections.abc import Sequence

from mcpship._exceptions import InvalidArtifactError
from mcpship._safe_load import read_json_file
from mcpship.targets._base import Artifact
from mcpship.verify.result import VerifyResult

__all__ = ["verify_server_json"]


def verify_server_json(artifact: Artifact, others: Sequence[Artifact]) -> VerifyResult:
    from mcpship.server_json.ownership import check_ownership_markers
    from mcpship.server_json.rules import validate_server_json

    source = str(artifact.path)
    how = "registry rules + ownership markers"
    try:
        data = read_json_file(artifact.path, error=InvalidArtifactError)
    except InvalidArtifactError as error:
        return VerifyResult(artifact=artifact, how=how, status="failed", detail=error.message)
    problems = [p for p in validate_server_json(data, source=source) if p.severity == "error"]
    if not problems:
        problems = [p for p in check_ownership_markers(data, others, source=source) if p.severity == "error"]
    if problems:
        detail = "; ".join(f"{p.path}: {p.message}" for p in problems)
        return VerifyResult(artifact=artifact, how=how, status="failed", detail=detail)
    return VerifyResult(artifact=artifact, how=how, status="ok", detail="valid; every package carries its marker")
