"""The interface-change corpus servers, probed once per session (four processes, at once)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mcpship.interface.lock import lock_from_snapshot
from mcpship.probe.snapshot import ServerSnapshot
from tests.fixtures.interface_changes.corpus import NODE_MODULES, Sdk, Side, probe_all

CorpusSnapshots = dict[Sdk, dict[Side, ServerSnapshot]]


@pytest.fixture(scope="session")
def corpus_snapshots() -> CorpusSnapshots:
    if not NODE_MODULES.is_dir():
        pytest.fail(f"{NODE_MODULES} is missing: run `npm ci` in examples/notes-node (.ci/run does)")
    snapshots = probe_all()
    # MCPSHIP_CORPUS_DUMP=<folder> keeps the four probed locks, to read the schemas the SDKs really emit.
    if dump := os.environ.get("MCPSHIP_CORPUS_DUMP"):
        folder = Path(dump)
        folder.mkdir(parents=True, exist_ok=True)
        for sdk, sides in snapshots.items():
            for side, snapshot in sides.items():
                (folder / f"{sdk}-{side}.json").write_text(lock_from_snapshot(snapshot).text(), encoding="utf-8")
                (folder / f"{sdk}-{side}.snapshot.json").write_text(
                    json.dumps(snapshot.to_json(), indent=2, sort_keys=True), encoding="utf-8"
                )
    return snapshots
