"""``mcpship registry serve`` through the installed ``mcpship`` script: what it says on start, and workers."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import free_port

MCPSHIP = Path(sys.executable).with_name("mcpship")


def _serve(tmp_path: Path, *flags: str) -> tuple[str, str]:
    """Start the script, wait for health, stop it; return (base URL, stderr)."""
    port = free_port()
    command = [str(MCPSHIP), "registry", "serve", "--db", f"sqlite:///{tmp_path / 'r.db'}", "--port", str(port)]
    process = subprocess.Popen([*command, *flags], stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{base}/v0.1/ping", timeout=1).json() == {"pong": True}:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise AssertionError(f"serve did not answer (exit code {process.poll()})")
        health = httpx.get(f"{base}/v0/health", timeout=5)
        assert health.status_code == 200
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    return base, stderr


def test_serve_announces_url_and_database_and_warns_about_an_ephemeral_key(tmp_path: Path) -> None:
    base, stderr = _serve(tmp_path)
    assert f"mcpship registry on {base} (sqlite:///{tmp_path / 'r.db'})" in stderr
    assert "ephemeral" in stderr


def test_serve_runs_several_workers_on_one_database(tmp_path: Path) -> None:
    key = tmp_path / "jwt.key"
    key.write_text("11" * 32)
    _, stderr = _serve(tmp_path, "--workers", "2", "--jwt-key-file", str(key))
    assert "ephemeral" not in stderr
    assert "Traceback" not in stderr
