"""The corpus servers themselves (no semver engine needed): each side of each SDK serves exactly the items
``cases.toml`` names, every case really differs between its sides (or really does not), and the schemas have the
SDK-generated shapes the cases' expectations were chosen from."""

from __future__ import annotations

from typing import Any

import pytest

from mcpship.interface.lock import lock_from_snapshot
from tests.fixtures.interface_changes.corpus import SDKS, SIDES, Case, Sdk, Side, case_locks, items_of, load_cases
from tests.integration.interface.conftest import CorpusSnapshots

CASES = load_cases()


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("sdk", SDKS)
def test_each_server_side_serves_exactly_the_items_the_manifest_names(
    corpus_snapshots: CorpusSnapshots, sdk: Sdk, side: Side
) -> None:
    served = items_of(lock_from_snapshot(corpus_snapshots[sdk][side]))
    expected = {case.id: set(getattr(case, side)) for case in CASES if case.sdk == sdk and getattr(case, side)}
    assert served == expected


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_a_case_differs_between_its_sides_exactly_when_it_expects_a_bump(
    corpus_snapshots: CorpusSnapshots, case: Case
) -> None:
    old, new = case_locks(corpus_snapshots[case.sdk], case)
    assert (old.digest != new.digest) == (case.bump != "none")


def _tool(corpus_snapshots: CorpusSnapshots, sdk: Sdk, side: Side, name: str) -> dict[str, Any]:
    return lock_from_snapshot(corpus_snapshots[sdk][side]).items("tools")[name]


def test_pydantic_schemas_carry_titles_defaults_anyof_and_defs(corpus_snapshots: CorpusSnapshots) -> None:
    # The facts the Python cases' expectations rest on (cases.toml "why").
    def py(side: Side, name: str) -> dict[str, Any]:
        return _tool(corpus_snapshots, "python", side, name)

    assert py("new", "py04_search")["inputSchema"]["properties"]["limit"] == {
        "default": 10,
        "title": "Limit",
        "type": "integer",
    }
    assert py("old", "py04_search")["inputSchema"]["title"] == py("new", "py04_search")["inputSchema"]["title"]
    assert "additionalProperties" not in py("old", "py06_list")["inputSchema"]
    assert py("old", "py11_lookup")["inputSchema"]["properties"]["key"]["anyOf"] == [
        {"type": "integer"},
        {"type": "string"},
        {"type": "boolean"},
    ]
    assert py("new", "py16_kind")["inputSchema"]["properties"]["kind"]["const"] == "note"
    assert py("new", "py23_filter")["inputSchema"]["properties"]["filters"] == {"$ref": "#/$defs/Py23Filters"}
    assert py("new", "py23_filter")["inputSchema"]["$defs"]["Py23Filters"]["additionalProperties"] is False
    assert "outputSchema" not in py("old", "py34_hits")
    assert py("old", "py41_count")["outputSchema"]["properties"]["result"] == {"title": "Result", "type": "integer"}


def test_zod_schemas_are_draft_07_with_open_inputs_and_closed_outputs(corpus_snapshots: CorpusSnapshots) -> None:
    def ts(side: Side, name: str) -> dict[str, Any]:
        return _tool(corpus_snapshots, "typescript", side, name)

    search = ts("old", "ts03_search")["inputSchema"]
    assert search["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "additionalProperties" not in search
    assert ts("old", "ts19_note")["outputSchema"]["additionalProperties"] is False
    assert ts("old", "ts07_rename")["inputSchema"]["properties"]["title"] == {"type": ["string", "null"]}
    assert ts("new", "ts08_lookup")["inputSchema"]["properties"]["key"] == {"type": ["string", "number"]}
    assert "oneOf" in ts("old", "ts18_result")["outputSchema"]["properties"]["result"]
    tree = ts("old", "ts15_tree")["inputSchema"]
    assert tree["definitions"]["__schema0"]["properties"]["children"]["items"] == {"$ref": "#/definitions/__schema0"}
    assert ts("new", "ts21_note")["outputSchema"]["additionalProperties"] == {}
    assert ts("new", "ts22_score")["outputSchema"]["properties"]["score"]["maximum"] == 2**53 - 1
