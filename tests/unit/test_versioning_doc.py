"""docs/versioning.md lists every rule of the semver catalogue with its severities and review flag, and no other.

(Outside tests/unit/interface: mutation testing runs those in a work folder without docs/.)"""

from __future__ import annotations

import re

from mcpship.interface.rules import RULES
from tests.conftest import ROOT


def test_the_documented_rule_tables_match_the_catalogue() -> None:
    text = (ROOT / "docs" / "versioning.md").read_text(encoding="utf-8")
    schema = dict(re.findall(r"^\| `([a-z.-]+)` \| (\w+ \| \w+ \| (?:yes)? ?)\|$", text, re.M))
    items = dict(re.findall(r"^\| `([A-Za-z.-]+)` \| (patch|minor|major) \|$", text, re.M))
    documented_schema = {
        f"{side}.{suffix}": (severities.split(" | ")[index].strip(), "yes" in severities)
        for suffix, severities in schema.items()
        for index, side in enumerate(("input", "output"))
    }
    documented_items = {rule: (severity, False) for rule, severity in items.items()}
    assert {**documented_schema, **documented_items} == {
        rule_id: (rule.severity, rule.review) for rule_id, rule in RULES.items()
    }
