"""``mcpship inspect`` against real servers, each started the way its users start it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mcpship import inspect_server
from tests.conftest import SERVERS, json_result, run_mcpship

NOTES_TOOLS = {"add_note", "search_notes", "delete_note"}


def inspect_json(*args: str) -> dict[str, Any]:
    result = run_mcpship("inspect", "--json", *args)
    assert result.returncode == 0, result.stderr
    parsed: dict[str, Any] = json_result(result.stdout)
    return parsed


def assert_notes_interface(data: dict[str, Any]) -> None:
    tools = {tool["name"]: tool for tool in data["tools"]}
    assert set(tools) == NOTES_TOOLS
    for tool in tools.values():
        assert tool["inputSchema"]["type"] == "object"
        assert set(tool["annotations"]) >= {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"}
    assert "outputSchema" in tools["search_notes"]
    assert tools["delete_note"]["annotations"]["destructiveHint"] is True
    assert [p["name"] for p in data["prompts"]] == ["summarize_notes"]
    assert [r["uri"] for r in data["resources"]] == ["notes://index"]
    assert len(data["resourceTemplates"]) == 1


def test_inspects_the_python_example_folder_over_the_2026_protocol(notes_py: Path) -> None:
    data = inspect_json(str(notes_py))
    assert_notes_interface(data)
    assert data["protocolVersion"] == "2026-07-28"
    assert data["serverInfo"]["name"] == "notes-py"
    assert data["instructions"]


def test_inspects_the_node_example_folder_over_the_2025_handshake(notes_node: Path) -> None:
    data = inspect_json(str(notes_node))
    assert_notes_interface(data)
    assert data["protocolVersion"] == "2025-11-25"
    assert data["serverInfo"]["name"] == "notes-node"


def test_inspects_a_command_after_double_dash() -> None:
    data = inspect_json("--", sys.executable, "-m", "notes_mcp")
    assert_notes_interface(data)


def test_inspects_the_example_served_over_streamable_http(notes_http_url: str) -> None:
    data = inspect_json(notes_http_url)
    assert_notes_interface(data)
    assert data["target"] == notes_http_url


def test_follows_pagination_on_a_legacy_server() -> None:
    snapshot = inspect_server(None, [sys.executable, str(SERVERS / "paginated.py")])
    assert [tool["name"] for tool in snapshot.tools] == [f"tool_{i:02d}" for i in range(25)]
    assert snapshot.protocol_version == "2025-11-25"


def test_table_output_lists_every_tool(notes_py: Path) -> None:
    result = run_mcpship("inspect", str(notes_py))
    assert result.returncode == 0, result.stderr
    for name in NOTES_TOOLS | {"summarize_notes", "notes://index"}:
        assert name in result.stdout
    assert "2026-07-28" in result.stdout


@pytest.mark.network
def test_inspects_a_pypi_package_through_uvx() -> None:
    data = inspect_json("--timeout", "240", "pypi:mcp-server-time")
    names = {tool["name"] for tool in data["tools"]}
    assert {"get_current_time", "convert_time"} <= names
    assert all("inputSchema" in tool for tool in data["tools"])


@pytest.mark.network
def test_inspects_an_npm_package_through_npx() -> None:
    data = inspect_json("--timeout", "240", "npm:@modelcontextprotocol/server-memory")
    assert {"create_entities", "read_graph"} <= {tool["name"] for tool in data["tools"]}


@pytest.mark.network
def test_inspects_a_built_wheel_through_uvx(tmp_path: Path, notes_py: Path) -> None:
    from mcpship.probe.pyenv import uv_executable

    subprocess.run(
        [uv_executable(), "build", "--wheel", "--out-dir", str(tmp_path), str(notes_py)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("*.whl")
    data = inspect_json("--timeout", "240", str(wheel))
    assert_notes_interface(data)


def test_declared_and_explicit_environment_reaches_the_server(tmp_path: Path) -> None:
    """--env values reach the server even though the SDK's stdio client would forward only a few variables."""
    script = tmp_path / "echo_env_server.py"
    script.write_text(
        "import os\n"
        "from mcp.server.mcpserver import MCPServer\n"
        "server = MCPServer('env-echo', instructions=f\"NOTES_DIR={os.environ.get('NOTES_DIR')}\")\n"
        "server.run()\n",
        encoding="utf-8",
    )
    snapshot = inspect_server(None, [sys.executable, str(script)], env={"NOTES_DIR": "/srv/notes"})
    assert snapshot.instructions == "NOTES_DIR=/srv/notes"
