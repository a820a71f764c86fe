"""`mcpship.__all__` is the library's contract: every name in it resolves, every error a caller may catch is in it."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import mcpship
from mcpship import _exceptions


@pytest.mark.parametrize("name", mcpship.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(mcpship, name) is not None


def test_every_error_class_is_public() -> None:
    errors = {
        name
        for name, value in vars(_exceptions).items()
        if inspect.isclass(value) and issubclass(value, mcpship.McpshipError)
    }
    assert errors == set(_exceptions.__all__)
    assert errors <= set(mcpship.__all__)
    assert mcpship.PublishError is _exceptions.PublishError


def test_the_module_lists_exactly_its_public_names() -> None:
    assert dir(mcpship) == sorted(mcpship.__all__)
    assert len(set(mcpship.__all__)) == len(mcpship.__all__)


def test_an_unknown_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="module 'mcpship' has no attribute 'no_such_name'"):
        getattr(mcpship, "no_such_name")  # noqa: B009


def test_importing_mcpship_loads_neither_the_models_nor_the_mcp_sdk() -> None:
    # public names resolve on first use, so `import mcpship` (and the CLI's start) stays cheap
    code = "import sys, mcpship; print(sorted(m for m in ('pydantic', 'mcp', 'httpx') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
