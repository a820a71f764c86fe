"""Shared fixtures: the example servers, an isolated mcpship cache, a running HTTP server, the installed CLI, and
the processes test servers leave behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.shared_data import missing_shared_data, under_shared

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SERVERS = Path(__file__).resolve().parent / "servers"


def _shared_data_guard(item: pytest.Item) -> Iterator[None]:
    """A file missing under the shared data skips the test with the reason (fails when CI is set)."""
    try:
        return (yield)
    except FileNotFoundError as error:
        if under_shared(error.filename):
            missing_shared_data(error.filename)
        raise


pytest_runtest_setup = pytest.hookimpl(wrapper=True)(_shared_data_guard)
pytest_runtest_call = pytest.hookimpl(wrapper=True)(_shared_data_guard)


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Managed project environments go to a per-run cache, never the developer's own."""
    previous = os.environ.get("MCPSHIP_CACHE_DIR")
    os.environ["MCPSHIP_CACHE_DIR"] = str(tmp_path_factory.mktemp("mcpship-cache"))
    yield
    if previous is None:
        os.environ.pop("MCPSHIP_CACHE_DIR", None)
    else:
        os.environ["MCPSHIP_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def notes_py() -> Path:
    return EXAMPLES / "notes-py"


@pytest.fixture(scope="session")
def notes_node() -> Path:
    path = EXAMPLES / "notes-node"
    if not (path / "node_modules").is_dir():
        pytest.fail(f"{path}/node_modules is missing: run `npm ci` in {path} (.ci/run does)")
    return path


class RecordingReporter:
    """A library reporter that keeps the warnings it hears (steps and debug lines are dropped)."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def step(self, message: str) -> None:
        pass

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def debug(self, message: str) -> None:
        pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listened on 127.0.0.1:{port} within {timeout} s")


@pytest.fixture(scope="session")
def notes_http_url() -> Iterator[str]:
    """The Python example serving Streamable HTTP on a free loopback port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "notes_mcp", "--http", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


def mcpship_executable() -> str:
    """The console script installed next to this interpreter (tests run the real entry point)."""
    candidate = Path(sys.executable).parent / "mcpship"
    found = str(candidate) if candidate.exists() else shutil.which("mcpship")
    if found is None:
        pytest.fail("the mcpship console script is not installed: pip install -e .")
    return found


def run_mcpship(*args: str, cwd: Path | None = None, timeout: float = 180.0) -> Result:
    completed = subprocess.run(
        [mcpship_executable(), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


def json_result(stdout: str) -> Any:
    """The ``result`` of a successful command's ``--json`` envelope (``{"ok", "result", "problems", "warnings"}``)."""
    envelope = json.loads(stdout)
    assert envelope["ok"] is True, envelope
    return envelope["result"]


def assert_clean_error(result: Result, exit_code: int) -> None:
    """Non-zero exit, exactly one ``error:`` line, a ``hint:``, and no traceback."""
    assert result.returncode == exit_code, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert sum(line.startswith("error: ") for line in lines) == 1, result.stderr
    assert any(line.startswith("hint: ") for line in lines), result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie (a zombie holds no pipe and runs nothing). Reads /proc."""
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rpartition(b")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state not in (b"Z", b"X")


@pytest.fixture
def pidfile(tmp_path: Path) -> Iterator[Path]:
    """Where a test server writes its child's pid; the child is killed afterwards if a test failed to."""
    path = tmp_path / "child.pid"
    yield path
    if path.exists() and alive(pid := int(path.read_text(encoding="utf-8"))):
        os.kill(pid, signal.SIGKILL)
