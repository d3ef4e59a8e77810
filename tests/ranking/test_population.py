"""The synthetic population: deterministic, valid facts, plausible distributions."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter

import pytest
from django.core.management import call_command

from ranking.policy import parse_facts, score_facts
from ranking.policy.identity import parse_id_number, validate_credit_code
from ranking.population import generate_population, write_population

YEAR = 2020
COUNT = 2000
SEED = 7


def _jsonl(*, year: int = YEAR, count: int = COUNT, seed: int = SEED) -> str:
    out = io.StringIO()
    write_population(out, year=year, count=count, seed=seed)
    return out.getvalue()


@pytest.fixture(scope="module")
def population() -> list[dict]:
    return [json.loads(line) for line in _jsonl().splitlines()]


@pytest.fixture(scope="module")
def results(population: list[dict]) -> list[dict]:
    return [score_facts(facts) for facts in population]


def test_same_seed_gives_the_same_bytes() -> None:
    assert _jsonl(count=500) == _jsonl(count=500)


def test_another_seed_gives_another_population() -> None:
    assert _jsonl(count=200, seed=1) != _jsonl(count=200, seed=2)


def test_requested_count_is_written(population: list[dict]) -> None:
    assert len(population) == COUNT
    assert sum(1 for _ in generate_population(year=2018, count=37, seed=1)) == 37


@pytest.mark.parametrize("year", [2018, 2020, 2024])
def test_every_record_passes_the_engines_validation(year: int) -> None:
    for facts in generate_population(year=year, count=300, seed=3):
        parsed = parse_facts(facts)
        assert parsed.year == year
        assert parsed.policy_id == ("beijing-2020" if year >= 2020 else "beijing-2018")


def test_every_record_is_scored(results: list[dict]) -> None:
    assert all(set(result) == {"eligible", "reasons", "indicators", "total"} for result in results)


def test_identity_numbers_are_unique_and_agree_with_birth_date_and_gender(
    population: list[dict],
) -> None:
    numbers = [facts["person"]["id_number"] for facts in population]
    assert len(set(numbers)) == len(numbers)
    for facts in population:
        person = facts["person"]
        identity = parse_id_number(person["id_number"])  # raises on a bad check digit
        assert identity.birth_date.isoformat() == person["birth_date"]
        assert identity.gender == person["gender"]
        assert (person["female_job"] is None) == (person["gender"] == "M")


def test_ages_are_26_to_59_on_the_cut_off(population: list[dict]) -> None:
    cutoff = dt.date(YEAR - 1, 12, 31)
    for facts in population:
        born = dt.date.fromisoformat(facts["person"]["birth_date"])
        age = cutoff.year - born.year - ((cutoff.month, cutoff.day) < (born.month, born.day))
        assert 26 <= age <= 59


def test_employers_have_valid_credit_codes_and_chinese_names(population: list[dict]) -> None:
    employers = {
        facts["employer"]["credit_code"]: facts["employer"]["name"] for facts in population
    }
    # About COUNT / 40 employers exist; the big ones take many applicants each.
    assert 20 <= len(employers) <= COUNT // 40
    for code, name in employers.items():
        assert validate_credit_code(code) == code
        assert name.startswith("北京")
    sizes = Counter(facts["employer"]["credit_code"] for facts in population)
    assert sizes.most_common(1)[0][1] >= 5 * (COUNT / len(employers))


def test_some_are_ineligible_but_fewer_than_one_in_ten(results: list[dict]) -> None:
    ineligible = [result for result in results if not result["eligible"]]
    assert 0.02 * COUNT < len(ineligible) < 0.10 * COUNT
    reasons = Counter(reason for result in ineligible for reason in result["reasons"])
    assert {"no_residence_permit", "over_retirement_age", "social_insurance_under_7_years"} <= set(
        reasons
    )


def test_histories_have_every_housing_kind_back_payments_and_gaps(population: list[dict]) -> None:
    kinds = Counter(period["kind"] for facts in population for period in facts["housing"])
    assert set(kinds) == {"own", "spouse_own", "rental", "dorm"}
    back_paid = sum(
        any(period["back_paid"] for period in facts["social_insurance"]) for facts in population
    )
    assert 0.01 * COUNT < back_paid < 0.2 * COUNT
    starts = Counter(
        min(period["from"] for period in facts["social_insurance"]) for facts in population
    )
    assert min(starts) >= "1998-07"


def test_education_mix_and_rare_items(population: list[dict]) -> None:
    levels = Counter(item["level"] for facts in population for item in facts["education"])
    assert set(levels) == {"junior_college", "bachelor", "master", "doctor"}
    assert levels["bachelor"] > levels["master"] > levels["doctor"]
    with_awards = sum(bool(facts["awards"]) for facts in population)
    assert 0 < with_awards < 0.05 * COUNT
    assert sum(bool(facts["tax"]["violations"]) for facts in population) < 0.03 * COUNT


def test_quota_of_6000_in_130000_cuts_near_the_real_cut_offs_with_ties(results: list[dict]) -> None:
    totals = sorted(
        (float(result["total"]) for result in results if result["eligible"]), reverse=True
    )
    # 6000 of 130,000 is the top 4.6 %: in 2020 that cut at 95.96.
    cut = totals[int(len(totals) * 6000 / 130_000)]
    assert 90 <= cut <= 110
    assert 65 <= sum(totals) / len(totals) <= 95
    ties = Counter(result["total"] for result in results)
    assert ties.most_common(1)[0][1] >= 3


def test_command_writes_the_file(tmp_path) -> None:
    out = tmp_path / "population.jsonl"
    call_command(
        "generate_population",
        year=YEAR,
        applicants=120,
        seed=SEED,
        out=str(out),
        stderr=io.StringIO(),
    )
    assert out.read_text(encoding="utf-8") == _jsonl(count=120)


def test_command_streams_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("generate_population", "--year", "2021", "--applicants", "15", "--out", "-")
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 15
    assert "wrote 15 applicants" in captured.err
