"""dev/mutation/run.py: how CI picks the mutants to run and judges a changed module from its record."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_run", ROOT / "dev" / "mutation" / "run.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def test_a_mutant_belongs_to_the_function_its_name_starts_with(tool: ModuleType) -> None:
    assert tool.function_of("mcpship.interface.lock.x_read_lock__mutmut_12") == "mcpship.interface.lock.x_read_lock"
    assert tool.function_of("mcpship.a.xǁLockǁdigest__mutmut_1") == "mcpship.a.xǁLockǁdigest"


def test_mutants_are_chosen_by_exact_name_or_by_pattern(tool: ModuleType) -> None:
    names = ["mcpship.a.x_f__mutmut_1", "mcpship.a.x_g__mutmut_*"]
    assert tool.matches_any("mcpship.a.x_f__mutmut_1", names)
    assert not tool.matches_any("mcpship.a.x_f__mutmut_10", names)
    assert tool.matches_any("mcpship.a.x_g__mutmut_10", names)
    assert not tool.matches_any("mcpship.a.x_gg__mutmut_1", names)


def test_functions_are_named_as_mutmut_names_their_mutants(tool: ModuleType) -> None:
    module = tool.load_modules()["interface"]
    functions = module.functions()
    assert "mcpship.interface.lock.x_read_lock" in functions
    assert any(name.startswith("mcpship.interface.diff.xǁ") for name in functions)  # a method: xǁClassǁmethod
    assert all(len(value) == 12 for value in functions.values())
    assert all(module.owns(name + "__mutmut_1") for name in functions)


def test_new_and_changed_functions_are_run_again_and_removed_ones_are_forgotten(tool: ModuleType) -> None:
    recorded = {"m.x_same": {"hash": "a"}, "m.x_edited": {"hash": "b"}, "m.x_removed": {"hash": "c"}}
    current = {"m.x_same": "a", "m.x_edited": "B", "m.x_new": "d"}
    assert tool.changed_functions(recorded, current) == {"m.x_edited", "m.x_new"}


def _score(tool: ModuleType, statuses: dict[str, str], equivalent: tuple[str, ...] = ()) -> object:
    module = tool.Module("m", "m", 0.9, (), ())
    entries = {name: tool.Equivalent(name, "line", "reason") for name in equivalent}
    return tool.Score(module, statuses, entries, 1.0)


def test_a_changed_module_is_judged_on_its_fresh_verdicts_plus_the_recorded_ones(tool: ModuleType) -> None:
    recorded = {
        "m.x_same": {"hash": "a", "counted": 10, "killed": 9},
        "m.x_edited": {"hash": "b", "counted": 10, "killed": 10},
        "m.x_removed": {"hash": "c", "counted": 50, "killed": 0},
    }
    current = {"m.x_same": "a", "m.x_edited": "B"}
    fresh = _score(
        tool,
        {"m.x_edited__mutmut_1": "killed", "m.x_edited__mutmut_2": "survived", "m.x_edited__mutmut_3": "timeout"},
        equivalent=("m.x_edited__mutmut_2",),
    )
    # the edited function's old 10 mutants and the removed one's 50 no longer count: (9 + 2) / (10 + 2)
    assert tool.combined_rate(recorded, current, {"m.x_edited"}, fresh) == pytest.approx(11 / 12)


def test_the_record_keeps_each_functions_counted_and_killed_mutants(tool: ModuleType) -> None:
    module = tool.load_modules()["interface"]
    statuses = {
        "mcpship.interface.lock.x_read_lock__mutmut_1": "killed",
        "mcpship.interface.lock.x_read_lock__mutmut_2": "survived",
        "mcpship.interface.lock.x_read_lock__mutmut_3": "no tests",
        "mcpship.interface.lock.x_read_lock__mutmut_4": "timeout",
    }
    equivalent = {"mcpship.interface.lock.x_read_lock__mutmut_2": tool.Equivalent("n", "l", "r")}
    table = tool.function_verdicts(tool.Score(module, statuses, equivalent, 1.0))
    assert table["mcpship.interface.lock.x_read_lock"] == {
        "hash": module.functions()["mcpship.interface.lock.x_read_lock"],
        "counted": 3,
        "killed": 2,
    }
    assert set(table) == set(module.functions())


def test_a_mutant_of_no_known_function_stops_the_record(tool: ModuleType) -> None:
    module = tool.load_modules()["interface"]
    score = tool.Score(module, {"mcpship.interface.lock.x_gone__mutmut_1": "killed"}, {}, 1.0)
    with pytest.raises(tool.MutationError, match="no function of interface has this name"):
        tool.function_verdicts(score)


_COLLECT_TWICE = """
import json, sys
import pytest

class Ids:
    def __init__(self):
        self.ids = []

    def pytest_collection_modifyitems(self, items):
        self.ids = [item.nodeid for item in items]

first, second = Ids(), Ids()
options = ["-q", "--collect-only", "-p", "no:cacheprovider"]
codes = [pytest.main([*options, *sys.argv[1:]], plugins=[first])]
codes.append(pytest.main([*options, *first.ids], plugins=[second]))
print(json.dumps({"codes": codes, "lost": sorted(set(first.ids) - set(second.ids)), "count": len(first.ids)}))
"""


def test_every_test_of_a_module_can_be_chosen_again_by_its_id_in_the_same_process(tool: ModuleType) -> None:
    # mutmut collects the tests, then runs those that reach a mutant by node id in the same process; an id that
    # reads differently the second time (ids=repr did) makes every run by name fail with "not found".
    files = sorted({path for module in tool.load_modules().values() for path in module.tests})
    done = subprocess.run(
        [sys.executable, "-c", _COLLECT_TWICE, *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["lost"] == []
    assert result["codes"] == [0, 0]
    assert result["count"] > 1000


def test_a_rate_is_shown_rounded_down_so_a_survivor_never_reads_as_100_percent(tool: ModuleType) -> None:
    assert tool.percent(2014 / 2015) == "99.9%"
    assert tool.percent(1.0) == "100.0%"
    assert tool.percent(0.9) == "90.0%"
    assert tool.percent(0.29) == "29.0%"
