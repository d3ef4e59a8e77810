"""Fuzzing the facts validator and `manage.py score` (hypothesis; issue 14).

Facts come from other systems (a department's exchange, a migration file), so any JSON
value may arrive in any field. Whatever arrives, the validator answers with its own error,
FactsError naming the field, never a TypeError from deep inside; valid facts always pass; and
the command reports a bad line as that line's error and keeps every other line's output.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
from pathlib import Path
from typing import Any

from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ranking.policy import FactsError, parse_facts, score_facts
from tests.ranking.test_policy_properties import facts_strategy

FUZZ_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Every kind of JSON value, including what Python's json accepts beyond the standard
# (NaN, Infinity) and integers far past any field's range.
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**30, max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    # Strings that look like the contract's values but are not: non-ASCII digits, dates out
    # of range, money past Decimal's exponent, codes with a wrong case or a NUL.
    st.sampled_from(
        [
            "",
            " ",
            "0000-00-00",
            "9999-12-31",
            "0000-00",
            "9999-12",
            "²⁰¹⁹-01",
            "١٩٨٥-٠١-٠١",
            "2019-13",
            "2019-02-30",
            "1e999999",
            "-1",
            "NaN",
            "Infinity",
            "9" * 5000,
            "²²²²",
            "beijing-2020\x00",
            "M",
            "F",
            "own",
            "朝阳区",
            "市本级",
            "bachelor",
            "national_model_worker",
        ]
    ),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=12), children, max_size=4),
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a facts object a value can be replaced or removed."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@st.composite
def broken_facts(draw: st.DrawFn) -> Any:
    """Valid facts with one to three fields replaced by any JSON value, removed, or joined
    by an unknown key; or, sometimes, any JSON value at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON_VALUES)
    facts = draw(facts_strategy())
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(facts)))
        if not path:
            continue
        *parents, last = path
        target: Any = facts
        try:
            for key in parents:
                target = target[key]
            target[last]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change moved this place away
        action = draw(st.sampled_from(["replace", "remove", "unknown key"]))
        if action == "replace":
            target[last] = draw(JSON_VALUES)
        elif action == "remove":
            del target[last]
        elif isinstance(target, dict):
            target[draw(st.text(min_size=1, max_size=8))] = draw(JSON_VALUES)
    return facts


@FUZZ_SETTINGS
@given(broken_facts())
def test_any_json_value_is_scored_or_refused_with_facts_error_naming_a_field(raw):
    error = None
    try:
        result = score_facts(raw)
    except FactsError as caught:
        error = caught
    if error is not None:
        assert error.field
        assert error.message
        # The message is for the clerk who sent the file: Chinese, not Python's English.
        assert "invalid literal" not in error.message
        assert "unhashable" not in error.message
        return
    assert set(result) == {"eligible", "reasons", "indicators", "total"}
    assert math.isfinite(float(result["total"]))


@FUZZ_SETTINGS
@given(facts_strategy())
def test_valid_facts_always_pass(facts):
    original = copy.deepcopy(facts)
    parse_facts(facts)
    assert score_facts(facts)["total"]
    assert facts == original


# --- manage.py score on arbitrary lines ---------------------------------------------------


def _line_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


NOT_JSON_LINES = st.sampled_from(
    [
        "{not json",
        "[" * 100_000 + "]" * 100_000,  # nested too deep for json.loads
        '{"year": ' + "9" * 5000 + "}",  # past Python's int digit limit
        "\x00\x01\x02",
        "NaN",
        '"\\ud800"',
    ]
)
LINES = st.one_of(
    facts_strategy().map(lambda facts: ("good", _line_text(facts))),
    broken_facts().map(lambda raw: ("maybe", _line_text(raw))),
    NOT_JSON_LINES.map(lambda text: ("bad", text)),
)


def _run_score(path: Path, lines: list[str]) -> list[dict[str, Any]]:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    stdout, stderr = io.StringIO(), io.StringIO()
    # Bad lines exit non-zero; the lines printed are what this test checks.
    with contextlib.suppress(SystemExit):
        call_command("score", str(path), stdout=stdout, stderr=stderr)
    # JSON Lines are split on "\n" only: str.splitlines() also splits on U+0085 and U+2028,
    # which a JSON string may hold raw (an unknown key named in an error, say).
    return [json.loads(line) for line in stdout.getvalue().split("\n") if line.strip()]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
@given(st.lists(LINES, min_size=1, max_size=6))
def test_score_prints_one_line_per_input_line_and_keeps_every_good_one(tmp_path, lines):
    printed = _run_score(tmp_path / "facts.jsonl", [text for _, text in lines])
    assert len(printed) == len(lines)
    for number, ((kind, text), output) in enumerate(zip(lines, printed, strict=True), start=1):
        if kind == "good":
            assert output == score_facts(json.loads(text))
        elif kind == "bad":
            assert output["line"] == number
            assert output["error"]
        elif "error" in output:
            assert output["line"] == number
        else:
            assert output == score_facts(json.loads(text))
