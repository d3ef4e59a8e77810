"""Policy test cases as data: every ``ranking/policy/cases/<policy>/*.yaml`` case is one test.

The format is described in ``ranking/policy/cases/README.md``. Expected values in the files
are worked out by hand from the contract (shared/contracts/facts-format-1.md) and the policy
texts, never copied from the engine's output.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from ranking.policy import INDICATOR_CODES, FactsError, score_facts

CASES_DIR = Path(__file__).resolve().parents[2] / "ranking" / "policy" / "cases"
BASE_FILE = "_base.yaml"
CASE_KEYS = {"name", "source", "facts", "expect"}
EXPECT_KEYS = {"eligible", "reasons", "total", "indicators", "error_field"}


def _normalise(value: Any) -> Any:
    """YAML reads 2009-06-30 as a date and {2017: ...} with an int key; facts want strings."""
    if isinstance(value, dict):
        return {str(key): _normalise(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalise(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def deep_merge(base: Any, override: Any) -> Any:
    """Objects merge key by key; anything else (lists, scalars, null) replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(override)


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as stream:
        return _normalise(yaml.safe_load(stream))


def _default_policy(year: int) -> str:
    # facts-format-1 `policy`: default beijing-2020 for Y >= 2020, beijing-2018 before.
    return "beijing-2020" if year >= 2020 else "beijing-2018"


def collect_cases() -> list[Any]:
    params = []
    for folder in sorted(path for path in CASES_DIR.iterdir() if path.is_dir()):
        folder_base = _load(folder / BASE_FILE) if (folder / BASE_FILE).exists() else {}
        for path in sorted(folder.glob("*.yaml")):
            if path.name.startswith("_"):
                continue
            document = _load(path)
            assert isinstance(document, dict), f"{path}: needs a mapping with `cases:`"
            assert isinstance(document.get("cases"), list), f"{path}: needs a `cases:` list"
            assert set(document) <= {"base", "cases"}, f"{path}: unknown top-level keys"
            file_base = deep_merge(folder_base, document.get("base") or {})
            names = set()
            for case in document["cases"]:
                assert set(case) <= CASE_KEYS, f"{path}: unknown keys {set(case) - CASE_KEYS}"
                assert case.get("name"), f"{path}: a case without a name"
                assert case["name"] not in names, f"{path}: duplicate case name {case['name']}"
                names.add(case["name"])
                facts = deep_merge(file_base, case.get("facts") or {})
                params.append(
                    pytest.param(
                        folder.name,
                        facts,
                        case["expect"],
                        id=f"{folder.name}/{path.stem}::{case['name']}",
                    )
                )
    return params


CASES = collect_cases()


def test_every_policy_has_cases():
    folders = {param.values[0] for param in CASES}
    assert folders == {"beijing-2020", "beijing-2018"}


@pytest.mark.parametrize(("policy", "facts", "expect"), CASES)
def test_policy_case(policy: str, facts: dict[str, Any], expect: dict[str, Any]) -> None:
    assert isinstance(expect, dict), "expect: needs a mapping"
    assert expect, "expect: needs at least one expectation"
    assert set(expect) <= EXPECT_KEYS, f"unknown expect keys {set(expect) - EXPECT_KEYS}"

    if "error_field" in expect:
        with pytest.raises(FactsError) as caught:
            score_facts(facts)
        assert caught.value.field == expect["error_field"]
        return

    effective_policy = facts.get("policy") or _default_policy(facts["year"])
    assert effective_policy == policy, "a case must run under the policy its folder names"

    result = score_facts(facts)
    expected: dict[str, Any] = {}
    actual: dict[str, Any] = {}
    for key in ("eligible", "reasons", "total"):
        if key in expect:
            expected[key] = expect[key]
            actual[key] = result[key]
    for code, points in (expect.get("indicators") or {}).items():
        assert code in INDICATOR_CODES, f"unknown indicator code {code!r}"
        assert isinstance(points, str), (
            f"quote points as strings with 2 decimals: {code}: {points!r}"
        )
        expected[code] = points
        actual[code] = result["indicators"][code]
    if "total" in expect:
        assert isinstance(expect["total"], str), "quote the total as a string with 2 decimals"
    assert actual == expected
