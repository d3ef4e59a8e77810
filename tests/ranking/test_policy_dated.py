"""Dated parameters: each round gets the values in force for its year, and the explanation
names the variant and the schedule row it used."""

import copy
import datetime as dt

import pytest

from ranking.policy import POLICIES, get_policy, parse_facts, score, score_facts
from ranking.policy.eligibility import retirement_age
from ranking.policy.identity import make_id_number
from ranking.policy.params import CEILING, HALF_UP

BASE = {
    "format": 1,
    "year": 2021,
    "person": {
        "id_number": "110105196511300153",
        "name": "王小明",
        "gender": "M",
        "birth_date": "1965-11-30",
        "female_job": None,
    },
    "residence_permit": {"issued_on": "2016-03-01"},
    "social_insurance": [{"from": "1998-07", "to": None, "district": "朝阳区", "back_paid": False}],
    "housing": [{"from": "2003-12", "to": None, "kind": "own", "district": "朝阳区"}],
}


def facts(**changes):
    raw = copy.deepcopy(BASE)
    raw.update(changes)
    return raw


def test_every_parameter_of_every_policy_names_its_source_and_first_year():
    for version in POLICIES.values():
        for name, history in version.parameters.items():
            assert history, name
            assert all(value.source for value in history), name
            assert [value.since for value in history] == sorted(value.since for value in history)


def test_own_housing_rounding_changes_with_the_2021_round():
    assert get_policy("beijing-2020", 2020).own_housing_rounding == HALF_UP
    assert get_policy("beijing-2020", 2021).own_housing_rounding == CEILING
    assert get_policy("beijing-2020", 2035).own_housing_rounding == CEILING
    assert get_policy("beijing-2018", 2019).own_housing_rounding == HALF_UP


def test_housing_explanation_names_the_rounding_variant_of_its_year():
    rule_2021 = score_facts(facts(), explain=True)["explanation"]["indicators"]["housing"]["rule"]
    assert "自有住所 205 个月 ÷ 12 = 17.09，向上取至分（2021年度起）" in rule_2021
    raw_2020 = facts(
        year=2020, housing=[{"from": "2002-12", "to": None, "kind": "own", "district": "朝阳区"}]
    )
    rule_2020 = score_facts(raw_2020, explain=True)["explanation"]["indicators"]["housing"]["rule"]
    assert "= 17.08，四舍五入至分（2020年度及以前）" in rule_2020
    assert "2020-07 及以前无自有住所的月份按同期社保月数计" in rule_2020


def test_retirement_age_is_read_from_the_birth_month_row_with_the_day_clamped():
    person = parse_facts(facts()).person
    age = retirement_age(person, get_policy("beijing-2020", 2026))
    assert (age.years, age.months) == (60, 3)
    assert age.birth_months == "1965年9月至12月出生"
    assert age.day_reached(person.birth_date) == dt.date(2026, 2, 28)


@pytest.mark.parametrize(
    ("birth_date", "gender", "job", "label", "row"),
    [
        ("1964-12-31", "M", None, "60岁", "1964年12月及以前出生"),
        ("1965-01-01", "M", None, "60岁1个月", "1965年1月至4月出生"),
        ("1976-09-01", "M", None, "63岁", "1976年9月及以后出生"),
        ("1970-02-01", "F", "cadre", "55岁1个月", "1970年1月至4月出生"),
        ("1975-12-01", "F", "worker", "50岁6个月", "1975年11月至12月出生"),
        ("1984-11-01", "F", "worker", "55岁", "1984年11月及以后出生"),
    ],
)
def test_retirement_schedule_rows(birth_date, gender, job, label, row):
    raw = facts()
    raw["person"] = {**raw["person"], "gender": gender, "female_job": job}
    raw["person"]["birth_date"] = birth_date
    person = parse_facts_without_id_check(raw)
    age = retirement_age(person, get_policy("beijing-2020", 2030))
    assert (age.label, age.birth_months) == (label, row)


def parse_facts_without_id_check(raw):
    # The schedule reads only gender, job and birth date; build a matching identity number.
    born = dt.date.fromisoformat(raw["person"]["birth_date"])
    raw["person"]["id_number"] = make_id_number("110105", born, 7, raw["person"]["gender"])
    return parse_facts(raw).person


def test_eligibility_explanation_states_the_retirement_age_met_or_not():
    explained = score_facts(facts(year=2026), explain=True)["explanation"]
    retirement = next(c for c in explained["conditions"] if c["reason"] == "over_retirement_age")
    assert retirement["met"] is True
    assert (
        "法定退休年龄 60岁3个月（男职工，1965年9月至12月出生），2026-02-28 达到"
        in (retirement["why"])
    )
    late = score_facts(facts(year=2027), explain=True)
    assert late["reasons"] == ["over_retirement_age"]
    failure = late["explanation"]["eligibility"][0]
    assert "2026-02-28 已达到" in failure["why"]


def test_job_residence_area_scores_only_when_declared():
    outside = [{"from": "2018-01", "to": None, "kind": "own", "district": "通州区"}]
    declared = score(parse_facts(facts(housing=outside)))
    undeclared = score(parse_facts(facts(housing=outside, job_residence_area_declared=False)))
    assert declared.points()["job_residence_area"] > 0
    assert undeclared.points()["job_residence_area"] == 0
    assert "未申报职住区域指标" in undeclared.indicators[4].rule
