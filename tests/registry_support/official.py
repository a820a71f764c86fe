"""The official MCP Registry server and ``mcp-publisher`` CLI, built from their Go module, as test oracles.

The tag is pinned in ``tests/tools/official-registry.version`` (``.ci/run`` reads the same file) and the binaries
live in ``$MCPSHIP_TEST_CACHE/go-bin/<tag>/`` (default ``~/.cache/mcpship-tests``). ``.ci/run`` installs them;
when they are missing and ``go`` is on PATH, the first test that needs them builds them (once, under a lock).
When they cannot be had, tests fail if ``CI`` is set and skip (naming the install command) otherwise.

:func:`running_official_registry` starts the server on its own database in a private PostgreSQL cluster, with
anonymous auth on, package-ownership validation and the malware check off, no seed data, on 127.0.0.1.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, free_port
from tests.registry_support.postgres import ROLE, PostgresServer

__all__ = [
    "BUILD_TIMEOUT_SECONDS",
    "MODULE",
    "OfficialBinaries",
    "OfficialRegistry",
    "install_command",
    "official_binaries",
    "pinned_tag",
    "running_official_registry",
]

MODULE = "github.com/modelcontextprotocol/registry"
VERSION_FILE = ROOT / "tests" / "tools" / "official-registry.version"
BUILD_TIMEOUT_SECONDS = 600
"""Both binaries from empty Go caches: about 2 minutes on 2 idle cores, 5.5 on 2 busy ones. A test module that
may build them raises its pytest timeout by this much (``pytest.mark.timeout``)."""
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0


def pinned_tag() -> str:
    return VERSION_FILE.read_text().strip()


def binary_dir() -> Path:
    override = os.environ.get("MCPSHIP_TEST_CACHE")
    root = Path(override) if override else Path.home() / ".cache" / "mcpship-tests"
    return root / "go-bin" / pinned_tag()


def install_command() -> str:
    tag = pinned_tag()
    return f"GOBIN={binary_dir()} go install {MODULE}/cmd/registry@{tag} {MODULE}/cmd/publisher@{tag}"


@dataclass(frozen=True)
class OfficialBinaries:
    registry: Path
    publisher: Path


def _unavailable(reason: str) -> None:
    message = f"{reason}; install them with: {install_command()} (.ci/run does)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@cache
def _built() -> OfficialBinaries | str:
    """The binaries, built if missing (once per process; a file lock keeps parallel sessions to one build)."""
    folder = binary_dir()
    found = OfficialBinaries(folder / "registry", folder / "publisher")
    if found.registry.is_file() and found.publisher.is_file():
        return found
    go = shutil.which("go")
    if go is None:
        return f"the official registry binaries {pinned_tag()} are not in {folder} and go is not on PATH"
    folder.mkdir(parents=True, exist_ok=True)
    tag = pinned_tag()
    with (folder.parent / f"{tag}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if found.registry.is_file() and found.publisher.is_file():  # another session built them meanwhile
            return found
        command = [go, "install", f"{MODULE}/cmd/registry@{tag}", f"{MODULE}/cmd/publisher@{tag}"]
        # Its own process group: on a timeout the compilers and linkers go too, not only `go`.
        build = subprocess.Popen(
            command,
            env={**os.environ, "GOBIN": str(folder), "GOFLAGS": "-buildvcs=false"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            _, errors = build.communicate(timeout=BUILD_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(build.pid, signal.SIGKILL)
            build.communicate(timeout=STOP_TIMEOUT_SECONDS)
            return f"building the official registry {tag} took more than {BUILD_TIMEOUT_SECONDS} s"
        if build.returncode != 0:
            return f"building the official registry {tag} failed:\n{errors[-3000:]}"
    return found


def official_binaries(request: pytest.FixtureRequest) -> OfficialBinaries:
    """The pinned official binaries; builds them (saying so on the terminal) when missing and ``go`` is there."""
    folder = binary_dir()
    if not ((folder / "registry").is_file() and (folder / "publisher").is_file()) and shutil.which("go"):
        _say(request, f"building the official MCP registry {pinned_tag()} (about 2 minutes): {install_command()}")
    result = _built()
    if isinstance(result, str):
        _unavailable(result)
        raise AssertionError("unreachable")  # pytest.skip/fail raise
    return result


def _say(request: pytest.FixtureRequest, line: str) -> None:
    """One line on the terminal now, past pytest's output capture (a build is worth knowing about as it runs)."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None:
        return
    if capture is None:
        reporter.write_line(line)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(line)


@dataclass
class OfficialRegistry:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _database_url(postgres: PostgresServer, name: str) -> str:
    return f"postgres://{ROLE}:{postgres.password}@{postgres.host}:{postgres.port}/{name}?sslmode=disable"


@contextmanager
def running_official_registry(
    binaries: OfficialBinaries, postgres: PostgresServer, workdir: Path
) -> Iterator[OfficialRegistry]:
    """The official server on a new database of ``postgres``; stopped (SIGTERM, then SIGKILL) and dropped after."""
    database = f"official_{uuid.uuid4().hex[:12]}"
    postgres.create_database(database)
    port = free_port()
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "MCP_REGISTRY_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "MCP_REGISTRY_DATABASE_URL": _database_url(postgres, database),
        "MCP_REGISTRY_DATABASE_MAX_CONNECTIONS": "8",
        "MCP_REGISTRY_DATABASE_MIN_CONNECTIONS": "1",
        "MCP_REGISTRY_JWT_PRIVATE_KEY": secrets.token_hex(32),
        "MCP_REGISTRY_ENABLE_ANONYMOUS_AUTH": "true",
        "MCP_REGISTRY_ENABLE_REGISTRY_VALIDATION": "false",
        "MCP_REGISTRY_MALWARE_CHECK_MODE": "off",
        "MCP_REGISTRY_SEED_FROM": "",
    }
    log = workdir / f"official-registry-{port}.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(binaries.registry)], env=environment, cwd=workdir, stdout=output, stderr=subprocess.STDOUT
        )
    server = OfficialRegistry(process, port, log)
    try:
        _wait_healthy(server)
        yield server
    finally:
        _stop(process)
        postgres.drop_database(database)


def _wait_healthy(server: OfficialRegistry) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(
                f"the official registry exited with {server.process.returncode}:\n{server.log.read_text()[-3000:]}"
            )
        try:
            if httpx.get(f"{server.base_url}/v0.1/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    pytest.fail(
        f"the official registry was not healthy within {START_TIMEOUT_SECONDS} s:\n{server.log.read_text()[-3000:]}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
