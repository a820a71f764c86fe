"""The coverage claims of the interface-change corpus (tests/fixtures/interface_changes/cases.toml), checked from the
manifest alone: enough pairs from both SDKs, every row of the input/output table in reference/semver-security.md
section 2.1 and every seed rule covered, and every expectation spelt from the shared rule catalogue with a bump
that is the largest severity of its rules."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.fixtures.interface_changes.corpus import Case, load_cases

CASES = load_cases()

# Rows of reference/semver-security.md section 2.1 -> the directions a case must cover.
TABLE_ROWS: dict[str, set[str]] = {
    "new-required-property": {"input", "output"},
    "new-optional-property": {"input", "output"},
    "property-removed": {"input", "output"},
    "optional-to-required": {"input", "output"},
    "required-to-optional": {"input", "output"},
    "type-narrowed": {"input", "output"},  # ["string","null"] -> "string", number -> integer
    "type-widened": {"input", "output"},
    "enum-narrowed": {"input", "output"},  # enum value removed / enum added / const added or changed
    "enum-widened": {"input", "output"},  # enum value added / enum removed
    "additional-properties-closed": {"input", "output"},
    "bounds": {"input", "output"},  # min/max/minLength/maxLength/minItems/maxItems/multipleOf
    "pattern-added": {"input", "output"},
    "pattern-changed": {"input", "output"},
    "format-added": {"input", "output"},
    "branch-removed-or-member-added": {"input", "output"},  # anyOf/oneOf branch removed; allOf member added
    "branch-added": {"input", "output"},
    "conditional-keywords-added": {"input", "output"},  # if/then/else, dependentRequired, ...
    "default-changed": {"input"},  # output: n/a
    "description-text": {"input", "output", "tool"},
    "output-schema-added": {"output"},
    "output-schema-removed": {"output"},
}
SEED_RULES = {"add-tool", "remove-or-rename-tool", "add-optional-parameter", "add-required-parameter"}
# Topics the brief names beyond the table: annotations, prompts, resources, templates, no change, description only.
TOPICS = {
    "annotation:readOnlyHint-weakened",
    "annotation:destructiveHint-weakened",
    "prompt",
    "resource",
    "resource-template",
    "no-change",
    "description-only",
    "server",
}

# The shared catalogue (COMMON.md "Rule ids"): rule -> severity; schema rules as (input, output).
ITEM_RULES = {
    "tool.added": "minor",
    "tool.removed": "major",
    "tool.title.changed": "patch",
    "tool.description.changed": "patch",
    "tool.icons.changed": "patch",
    "tool.meta.changed": "patch",
    "tool.output-schema.added": "minor",
    "tool.output-schema.removed": "major",
    **{
        f"annotation.{hint}.weakened": "major"
        for hint in ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")
    },
    **{
        f"annotation.{hint}.strengthened": "minor"
        for hint in ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")
    },
    "prompt.added": "minor",
    "prompt.removed": "major",
    "prompt.argument.required-added": "major",
    "prompt.argument.optional-added": "minor",
    "prompt.argument.removed": "major",
    "prompt.argument.became-required": "major",
    "prompt.argument.became-optional": "minor",
    "prompt.description.changed": "patch",
    **{
        f"{kind}.{change}": severity
        for kind in ("resource", "resource-template")
        for change, severity in (
            ("added", "minor"),
            ("removed", "major"),
            ("mime-type.changed", "major"),
            ("description.changed", "patch"),
        )
    },
    "server.instructions.changed": "patch",
}
REVIEW = ("major", "major")  # "needs review" counts as major in both directions
SCHEMA_RULES: dict[str, tuple[str, str]] = {
    "property.required-added": ("major", "minor"),
    "property.optional-added": ("minor", "minor"),
    "property.removed": ("major", "major"),
    "property.became-required": ("major", "minor"),
    "property.became-optional": ("minor", "major"),
    "type.narrowed": ("major", "minor"),
    "type.widened": ("minor", "major"),
    "type.changed": ("major", "major"),
    "enum.value-removed": ("major", "minor"),
    "enum.value-added": ("minor", "major"),
    "enum.added": ("major", "minor"),
    "enum.removed": ("minor", "major"),
    "const.added": ("major", "minor"),
    "const.changed": ("major", "minor"),
    "const.removed": ("minor", "major"),
    "additional-properties.closed": ("major", "minor"),
    "additional-properties.opened": ("minor", "major"),
    "bound.tightened": ("major", "minor"),
    "bound.relaxed": ("minor", "major"),
    "pattern.added": ("major", "minor"),
    "pattern.removed": ("minor", "major"),
    "pattern.changed": REVIEW,
    "format.added": ("major", "minor"),
    "format.removed": ("minor", "major"),
    "format.changed": REVIEW,
    "composition.branch-removed": ("major", "minor"),
    "composition.branch-added": ("minor", "major"),
    "composition.member-added": ("major", "minor"),
    "composition.member-removed": ("minor", "major"),
    # Review-class keywords keep the table's direction for the corpus expectation (output narrowing is safe).
    "keyword.added": ("major", "minor"),
    "keyword.removed": ("minor", "major"),
    "keyword.changed": REVIEW,
    "ref.unresolvable": REVIEW,
    "default.changed": ("patch", "patch"),
    "description.changed": ("patch", "patch"),
}
ORDER = {"none": 0, "patch": 1, "minor": 2, "major": 3}


def severity(rule: str) -> str:
    direction, _, schema_rule = rule.partition(".")
    if direction in ("input", "output") and schema_rule in SCHEMA_RULES:
        return SCHEMA_RULES[schema_rule][direction == "output"]
    return ITEM_RULES[rule]


def covered(prefix: str) -> set[str]:
    return {claim.removeprefix(prefix) for case in CASES for claim in case.covers if claim.startswith(prefix)}


def test_the_corpus_holds_at_least_40_pairs_from_both_sdks() -> None:
    per_sdk = Counter(case.sdk for case in CASES)
    assert len(CASES) >= 40
    assert per_sdk["python"] >= 25
    assert per_sdk["typescript"] >= 12


def test_case_ids_are_unique_and_name_their_sdk() -> None:
    assert len({case.id for case in CASES}) == len(CASES)
    assert all(case.id[:2] == {"python": "py", "typescript": "ts"}[case.sdk] for case in CASES)


def test_every_row_of_the_input_output_table_is_covered_in_each_direction() -> None:
    claims = covered("2.1:")
    assert {claim.rsplit(":", 1)[0] for claim in claims} <= TABLE_ROWS.keys()  # no claim on a row that is not there
    missing = [f"{row}:{direction}" for row, directions in TABLE_ROWS.items() for direction in directions]
    assert [claim for claim in missing if claim not in claims] == []


def test_every_seed_rule_is_covered_by_both_sdks() -> None:
    for sdk in ("python", "typescript"):
        seeds = {claim.removeprefix("seed:") for case in CASES if case.sdk == sdk for claim in case.covers}
        assert seeds >= SEED_RULES, sdk


def test_the_topics_beyond_the_table_are_covered() -> None:
    assert {claim for case in CASES for claim in case.covers} >= TOPICS


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_a_case_expects_catalogue_rules_and_the_largest_of_their_severities(case: Case) -> None:
    assert all(rule in ITEM_RULES or rule.partition(".")[2] in SCHEMA_RULES for rule in case.rules), case.rules
    largest = max((severity(rule) for rule in case.rules), key=ORDER.__getitem__, default="none")
    assert case.bump == largest


REVIEW_RULES = {
    "pattern.changed",
    "format.changed",
    "keyword.added",
    "keyword.removed",
    "keyword.changed",
    "ref.unresolvable",
}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_a_case_expects_needs_review_exactly_when_it_expects_a_review_class_rule(case: Case) -> None:
    assert case.review == any(rule.partition(".")[2] in REVIEW_RULES for rule in case.rules)


def test_every_rule_of_the_catalogue_is_expected_by_some_case() -> None:
    expected = set().union(*(case.rules for case in CASES))
    schema_rules = {rule.partition(".")[2] for rule in expected if rule.partition(".")[0] in ("input", "output")}
    assert sorted(ITEM_RULES.keys() - expected) == []
    assert sorted(SCHEMA_RULES.keys() - schema_rules) == []


def test_a_no_change_case_and_a_description_only_case_exist_in_each_sdk() -> None:
    for sdk in ("python", "typescript"):
        assert any(case.bump == "none" and not case.rules for case in CASES if case.sdk == sdk)
        assert any(
            case.rules == {"tool.description.changed"} and case.bump == "patch" for case in CASES if case.sdk == sdk
        )


def test_every_case_owns_items_or_the_instructions() -> None:
    assert all(case.old or case.new or case.instructions for case in CASES)
    assert sum(case.instructions for case in CASES) == 1
