"""Schemathesis 4 drives the official Registry OpenAPI document (the conformance copy) against a running
``mcpship registry serve``, on SQLite and on PostgreSQL, with an admin token so publishes get through; then
the server's own document (``/openapi.json``: every route, with its limits) with negative data only.

Checked everywhere: no 5xx and every response body matches the document's schema for its status code.
Status codes are checked only where the document lists what the official registry really answers: reads
by name with valid inputs (200 or 404). Elsewhere the generic document omits codes upstream returns (400,
422 for out-of-range ``limit``, rename refusals), and it types error bodies as ``application/json`` where
upstream (and we, registry.md §1.10) send ``application/problem+json``: that deviation is deliberate.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.registry.conftest import CONFORMANCE, RegistryServer, server_json
from tests.shared_data import shared_file

OPENAPI = CONFORMANCE / "openapi.yaml"
ST = Path(sys.executable).with_name("st")
RUN_TIMEOUT = 120
# One worker: with several, hypothesis describes strategies from threads and CPython 3.11.7's ast module fails
# ("SystemError: AST constructor recursion depth mismatch").


@pytest.fixture(scope="module")
def fuzzed_registry(start_registry: Callable[..., RegistryServer]) -> RegistryServer:
    registry = start_registry()
    with registry.client() as client:  # the document's own example names, so reads by name also find data
        for name in ("com.example/my-server", "io.github.user/weather"):
            client.post("/v0.1/publish", json=server_json(name, "1.0.0")).raise_for_status()
    return registry


def _schemathesis(registry: RegistryServer, workdir: Path, *options: str, document: str | None = None) -> None:
    command = [
        str(ST),
        "run",
        document or str(shared_file(OPENAPI)),
        "--url",
        registry.base_url,
        "-H",
        f"Authorization: Bearer {registry.token()}",
    ]
    command += ["--seed", "20261122", "--generation-database", "none", "--no-color", "--workers", "1", *options]
    try:
        result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"schemathesis did not finish within {RUN_TIMEOUT} s:\n{error.stdout!s}")
    assert result.returncode == 0, f"schemathesis found problems:\n{result.stdout[-12000:]}\n{result.stderr[-2000:]}"


def test_every_operation_answers_without_server_errors_and_with_documented_bodies(
    fuzzed_registry: RegistryServer, tmp_path: Path
) -> None:
    _schemathesis(
        fuzzed_registry,
        tmp_path,
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        "5",
    )


def test_reads_by_name_answer_only_documented_status_codes(fuzzed_registry: RegistryServer, tmp_path: Path) -> None:
    _schemathesis(
        fuzzed_registry,
        tmp_path,
        "--checks",
        "not_a_server_error,status_code_conformance,response_schema_conformance",
        "--include-path-regex",
        "serverName",
        "--exclude-method-regex",
        "PUT|PATCH|DELETE|POST",
        "--mode",
        "positive",
        "--generation-allow-x00",
        "false",
        "--phases",
        "examples,fuzzing",
        "--max-examples",
        "25",
    )


def test_negative_data_on_every_route_of_our_own_document_never_gets_a_server_error(
    fuzzed_registry: RegistryServer, tmp_path: Path
) -> None:
    """Values outside every declared bound (integers past their maximum, over-long and wrong-typed text, bodies
    of the wrong shape) on every ``/v0.1`` route: 4xx, never 5xx. One prefix only: ``/v0`` runs the same code."""
    _schemathesis(
        fuzzed_registry,
        tmp_path,
        "--checks",
        "not_a_server_error",
        "--mode",
        "negative",
        "--include-path-regex",
        "^/v0\\.1/",
        "--phases",
        "coverage,fuzzing",
        "--max-examples",
        "5",
        "--request-timeout",
        "20",
        document=f"{fuzzed_registry.base_url}/openapi.json",
    )
