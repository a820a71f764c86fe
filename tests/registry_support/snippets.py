"""Read an install snippet back the way its user's tool would: JSON and TOML configs parsed, shell lines split."""

from __future__ import annotations

import json
import shlex
import tomllib
from typing import Any

from mcpship.registry.web.snippets import Snippet


def parse(snippet: Snippet) -> Any:
    if snippet.language == "json":
        return json.loads(snippet.text)
    if snippet.language == "toml":
        return tomllib.loads(snippet.text)
    assert snippet.language == "shell"
    return shlex.split(snippet.text)
