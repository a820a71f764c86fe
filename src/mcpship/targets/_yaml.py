"""YAML for the catalog targets: PyYAML's safe dumper, in the layout prettier keeps (list items indented under
their key, two spaces), which the Docker MCP catalog's CI checks; key order as given and multi-line text as
literal blocks, so the same document always gives the same, readable bytes."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from mcpship._exceptions import InvalidArtifactError
from mcpship._safe_load import read_text_file

__all__ = ["dump_yaml", "load_yaml"]

_MAX_YAML_BYTES = 1024 * 1024
"""A catalog file is a few kilobytes; anything near this is not one."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # indent "- item" under its key


_UNICODE_BREAKS = ("\x85", "\u2028", "\u2029")


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if any(mark in value for mark in _UNICODE_BREAKS):
        # PyYAML writes these raw inside single quotes, where readers take them for line breaks: escape them.
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def dump_yaml(document: Mapping[str, Any]) -> str:
    """``document`` as YAML text with a trailing newline."""
    text: str = yaml.dump(
        dict(document), Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=2**31 - 1
    )
    return text


def load_yaml(path: Path) -> object:
    """A YAML file mcpship wrote, read back for verify: bounded in size, PyYAML's safe loader (no objects), and
    :class:`InvalidArtifactError` naming the file for anything else."""
    text = read_text_file(path, error=InvalidArtifactError, max_bytes=_MAX_YAML_BYTES)
    try:
        return yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError) as exc:
        raise InvalidArtifactError(
            f"{path}: not valid YAML ({str(exc)[:300]})", hint="build it again with `mcpship build`"
        ) from exc
