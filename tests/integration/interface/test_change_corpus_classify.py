"""The semver guard on the interface-change corpus: for every case, ``classify`` of the case's old and new items
(probed from the real servers) reports exactly the rule ids ``cases.toml`` expects, and the case's bump.

The import below is deliberately unguarded: without ``mcpship.interface.semver`` this module fails to collect.
"""

from __future__ import annotations

import pytest

from mcpship.interface.lock import lock_from_snapshot
from mcpship.interface.semver import Classification, classify
from tests.fixtures.interface_changes.corpus import SDKS, Case, Sdk, case_locks, load_cases
from tests.integration.interface.conftest import CorpusSnapshots

CASES = load_cases()


def _shown(classification: Classification) -> str:
    return "\n".join(
        f"  {change.rule} ({change.severity}{', review' if change.review else ''}) {change.kind} {change.key} "
        f"{change.path}: {change.message}"
        for change in classification.changes
    )


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_each_case_raises_exactly_its_rules_and_bump(corpus_snapshots: CorpusSnapshots, case: Case) -> None:
    old, new = case_locks(corpus_snapshots[case.sdk], case)
    classification = classify(old, new)
    found = {change.rule for change in classification.changes}
    assert found == case.rules, f"{case.id} ({case.change}); the engine said:\n{_shown(classification)}"
    assert (classification.bump or "none") == case.bump, f"{case.id}; the engine said:\n{_shown(classification)}"
    assert any(change.review for change in classification.changes) == case.review, _shown(classification)


@pytest.mark.parametrize("sdk", SDKS)
def test_the_whole_server_raises_the_union_of_its_cases(corpus_snapshots: CorpusSnapshots, sdk: Sdk) -> None:
    # The split per case loses nothing: the two whole servers classify as the sum of their cases.
    cases = [case for case in CASES if case.sdk == sdk]
    sides = corpus_snapshots[sdk]
    classification = classify(lock_from_snapshot(sides["old"]), lock_from_snapshot(sides["new"]))
    assert {change.rule for change in classification.changes} == set().union(*(case.rules for case in cases))
    assert classification.bump == "major"
