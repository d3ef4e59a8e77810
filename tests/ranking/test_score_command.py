"""`manage.py score FILE|-`: the contract's output, one JSON line per input line."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

# The example at the top of shared/contracts/facts-format-1.md and the output it documents.
EXAMPLE: dict[str, Any] = {
    "format": 1,
    "year": 2020,
    "policy": "beijing-2020",
    "person": {
        "id_number": "110105198507120036",
        "name": "王小明",
        "gender": "M",
        "birth_date": "1985-07-12",
        "female_job": None,
    },
    "employer": {"credit_code": "91110105MA01ABCD13", "name": "北京示例科技有限公司"},
    "residence_permit": {"issued_on": "2016-03-01"},
    "criminal_record": False,
    "social_insurance": [{"from": "2009-07", "to": None, "district": "朝阳区", "back_paid": False}],
    "housing": [{"from": "2015-05", "to": None, "kind": "own", "district": "通州区"}],
    "education": [
        {"level": "bachelor", "diploma": True, "degree": True, "graduated_on": "2009-06-30"}
    ],
    "awards": [],
    "equity": None,
    "tax": {"income_tax": {"2017": "0", "2018": "1200.00", "2019": "3000.00"}, "violations": []},
    "honors": [],
    "detentions": [],
}
EXAMPLE_OUTPUT = {
    "eligible": True,
    "reasons": [],
    "indicators": {
        "employment": "31.50",
        "housing": "7.59",
        "education": "15.00",
        "education_deduction": "0.00",
        "job_residence_area": "4.00",
        "innovation": "0.00",
        "tax": "0.00",
        "age": "20.00",
        "honors": "0.00",
        "law_record": "0.00",
    },
    "total": "78.09",
}
# Same applicant without the housing: 126 months of implicit rental = 5.25, no 职住 points.
RENTER_OUTPUT_TOTAL = "71.75"


def renter() -> dict[str, Any]:
    facts = copy.deepcopy(EXAMPLE)
    facts["housing"] = []
    return facts


def with_change(path: str, value: Any) -> dict[str, Any]:
    facts = copy.deepcopy(EXAMPLE)
    *parents, last = path.split(".")
    target: Any = facts
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return facts


def jsonl(*objects: Any) -> str:
    return "".join(
        (item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)) + "\n"
        for item in objects
    )


def stdin_of(text: str) -> io.TextIOWrapper:
    # Like the real sys.stdin: text over a binary buffer (the command reads the bytes).
    return io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8")


def run_score(tmp_path: Path, text: str, *options: str) -> tuple[list[dict[str, Any]], int]:
    """Runs the command on a file; returns the printed objects and the exit status."""
    path = tmp_path / "facts.jsonl"
    path.write_text(text, encoding="utf-8")
    stdout, stderr = io.StringIO(), io.StringIO()
    status = 0
    try:
        call_command("score", str(path), *options, stdout=stdout, stderr=stderr)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    lines = [line for line in stdout.getvalue().splitlines() if line.strip()]
    return [json.loads(line) for line in lines], status


def test_the_contract_example_prints_exactly_the_documented_output(tmp_path):
    printed, status = run_score(tmp_path, jsonl(EXAMPLE))
    assert status == 0
    assert printed == [EXAMPLE_OUTPUT]
    assert list(printed[0]) == ["eligible", "reasons", "indicators", "total"]
    assert list(printed[0]["indicators"]) == list(EXAMPLE_OUTPUT["indicators"])


def test_one_output_line_per_input_line_in_order(tmp_path):
    printed, status = run_score(tmp_path, jsonl(EXAMPLE, renter(), EXAMPLE))
    assert status == 0
    assert [item["total"] for item in printed] == ["78.09", RENTER_OUTPUT_TOTAL, "78.09"]


def test_reads_standard_input_with_a_dash(monkeypatch):
    monkeypatch.setattr("sys.stdin", stdin_of(jsonl(EXAMPLE, renter())))
    stdout = io.StringIO()
    call_command("score", "-", stdout=stdout)
    printed = [json.loads(line) for line in stdout.getvalue().splitlines() if line.strip()]
    assert printed[0] == EXAMPLE_OUTPUT
    assert printed[1]["total"] == RENTER_OUTPUT_TOTAL


def test_bad_line_is_reported_the_others_scored_and_the_exit_status_is_non_zero(tmp_path):
    bad = with_change("person.nickname", "小明")
    printed, status = run_score(tmp_path, jsonl(EXAMPLE, bad, renter()))
    assert status != 0
    assert printed[0] == EXAMPLE_OUTPUT
    assert set(printed[1]) == {"line", "error"}
    assert printed[1]["line"] == 2
    assert "person.nickname" in printed[1]["error"]
    assert printed[2]["total"] == RENTER_OUTPUT_TOTAL


def test_bad_lines_on_standard_input_exit_non_zero(monkeypatch):
    monkeypatch.setattr("sys.stdin", stdin_of(jsonl(with_change("year", "2020"), EXAMPLE)))
    stdout = io.StringIO()
    with pytest.raises(SystemExit) as caught:
        call_command("score", "-", stdout=stdout, stderr=io.StringIO())
    assert caught.value.code not in (0, None)
    printed = [json.loads(line) for line in stdout.getvalue().splitlines() if line.strip()]
    assert printed[0]["line"] == 1
    assert "year" in printed[0]["error"]
    assert printed[1] == EXAMPLE_OUTPUT


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("residence_permit.issued_on", "2016-02-30", "residence_permit.issued_on"),
        ("person.id_number", "110105198507120037", "person.id_number"),
        ("social_insurance.0.to", "2009-06", "social_insurance[0].to"),
        ("housing.0.district", "通州", "housing[0].district"),
        ("housing.0.district", "市本级", "housing[0].district"),
        ("awards", [{"code": "oscar", "year": 2018}], "awards[0].code"),
        ("employer.credit_code", "91110105MA01ABCD14", "employer.credit_code"),
        ("housing.0.foo", 1, "housing[0].foo"),
    ],
)
def test_each_kind_of_bad_input_names_its_field(tmp_path, path, value, field):
    printed, status = run_score(tmp_path, jsonl(EXAMPLE, with_change(path, value)))
    assert status != 0
    assert printed[0] == EXAMPLE_OUTPUT
    assert printed[1]["line"] == 2
    assert field in printed[1]["error"]


def test_a_line_that_is_not_json_is_reported(tmp_path):
    printed, status = run_score(tmp_path, jsonl(EXAMPLE, "{not json", EXAMPLE))
    assert status != 0
    assert printed[1]["line"] == 2
    assert set(printed[1]) == {"line", "error"}
    assert printed[0] == printed[2] == EXAMPLE_OUTPUT


def test_explain_adds_the_explanation_with_the_articles(tmp_path):
    printed, status = run_score(tmp_path, jsonl(EXAMPLE), "--explain")
    assert status == 0
    result = printed[0]
    explanation = result.pop("explanation")
    assert result == EXAMPLE_OUTPUT
    text = json.dumps(explanation, ensure_ascii=False)
    assert "细则第十五条（一）" in text  # 合法稳定就业
    assert "细则第十五条（二）" in text  # 合法稳定住所
    assert "附件2" in text  # 教育背景
    assert "31.50" in text


def test_without_explain_there_is_no_explanation(tmp_path):
    printed, _ = run_score(tmp_path, jsonl(EXAMPLE))
    assert "explanation" not in printed[0]


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError):
        call_command("score", str(tmp_path / "missing.jsonl"), stdout=io.StringIO())


# --- lines no parser should choke on ---------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000
HUGE_NUMBER = '{"format": 1, "year": ' + "9" * 5000 + "}"


def test_a_line_nested_100000_deep_is_its_own_error_and_the_others_are_scored(tmp_path, settings):
    settings.FACTS_MAX_LINE_BYTES = 1_000_000  # the nesting, not the size, is under test
    printed, status = run_score(tmp_path, jsonl(EXAMPLE, DEEP, renter()))
    assert status != 0
    assert printed[0] == EXAMPLE_OUTPUT
    assert printed[1] == {"line": 2, "error": "JSON 嵌套层数过深"}
    assert printed[2]["total"] == RENTER_OUTPUT_TOTAL


def test_a_5000_digit_number_is_its_own_error_and_the_others_are_scored(tmp_path):
    printed, status = run_score(tmp_path, jsonl(EXAMPLE, HUGE_NUMBER, EXAMPLE))
    assert status != 0
    assert printed[1]["line"] == 2
    assert "数字位数过多" in printed[1]["error"]
    assert printed[0] == printed[2] == EXAMPLE_OUTPUT


def test_a_line_over_the_size_limit_is_skipped_whole_and_named(tmp_path, settings):
    settings.FACTS_MAX_LINE_BYTES = 5_000
    long_line = json.dumps(with_change("person.name", "王" * 10_000), ensure_ascii=False)
    printed, status = run_score(tmp_path, jsonl(EXAMPLE, long_line, renter()))
    assert status != 0
    assert printed[1] == {"line": 2, "error": "该行超过 5,000 字节的上限"}
    assert printed[0] == EXAMPLE_OUTPUT
    assert printed[2]["total"] == RENTER_OUTPUT_TOTAL  # the rest of the long line was skipped


def test_a_line_that_is_not_utf8_is_its_own_error(tmp_path):
    path = tmp_path / "facts.jsonl"
    good = json.dumps(EXAMPLE, ensure_ascii=False).encode()
    path.write_bytes(good + b"\n" + "王小明".encode("gb18030") + b"\n" + good + b"\n")
    stdout = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("score", str(path), stdout=stdout, stderr=io.StringIO())
    printed = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert printed[1]["line"] == 2
    assert "UTF-8" in printed[1]["error"]
    assert printed[0] == printed[2] == EXAMPLE_OUTPUT


def test_lines_scored_before_an_unexpected_failure_are_still_written(tmp_path, monkeypatch):
    from ranking.management.commands import score as command

    calls = {"n": 0}
    real_score = command.score

    def failing_on_the_1500th(facts):
        calls["n"] += 1
        if calls["n"] == 1500:
            raise RuntimeError("bug")
        return real_score(facts)

    monkeypatch.setattr(command, "score", failing_on_the_1500th)
    path = tmp_path / "facts.jsonl"
    path.write_text(jsonl(*[EXAMPLE] * 1600), encoding="utf-8")
    stdout = io.StringIO()
    with pytest.raises(RuntimeError):
        call_command("score", str(path), stdout=stdout)
    assert len(stdout.getvalue().splitlines()) == 1499
