"""Shared by the catalog target tests: a BuildContext for an example, one build helper for every catalog, and
PyYAML's reader as the oracle."""

from __future__ import annotations

import dataclasses
import itertools
import json
from pathlib import Path
from typing import Any

import yaml

from mcpship._reporter import NullReporter
from mcpship.interface import read_lock
from mcpship.spec import load_spec
from mcpship.targets import BuildContext, BuildOptions
from mcpship.targets._catalog import CatalogTarget

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
_staging = itertools.count()
EPOCH = 1_700_000_000


def context(tmp_path: Path, example: str, target: str, config: dict[str, Any] | None, **changes: Any) -> BuildContext:
    """A BuildContext for ``examples/<example>`` with ``[targets.<target>]`` = ``config`` and spec fields changed."""
    resolved = load_spec(EXAMPLES / example)
    targets = dict(resolved.spec.targets)
    if config is not None:
        targets[target] = config
    spec = resolved.spec.model_copy(update={"targets": targets, **changes})
    folder = tmp_path / f"build-{next(_staging)}"
    staging, work = folder / "staging", folder / "work"
    staging.mkdir(parents=True)
    work.mkdir()
    return BuildContext(
        resolved=dataclasses.replace(resolved, spec=spec),
        lock=read_lock(resolved.root / "mcp-interface.json"),
        staging=staging,
        work=work,
        source_date_epoch=EPOCH,
        options=BuildOptions(),
        reporter=NullReporter(),
    )


def load_yaml(text: str) -> Any:
    """``text`` as PyYAML's safe_load reads it (YAML 1.1 rules, the strictest common reader)."""
    return yaml.safe_load(text)


def build(
    target: CatalogTarget, tmp_path: Path, example: str, config: dict[str, Any] | None = None, **changes: Any
) -> tuple[Path, Any]:
    """Build ``target`` for ``examples/<example>`` with ``[targets.<name>]`` = ``config``; the one file it writes,
    decoded (YAML by PyYAML, JSON by the json module)."""
    ctx = context(tmp_path, example, target.name, config, **changes)
    [(kind, path, platform)] = target.build(ctx)
    assert (kind, path.name, platform) == (target.kind, target.file_name, None)
    text = path.read_text(encoding="utf-8")
    return path, json.loads(text) if path.suffix == ".json" else load_yaml(text)
