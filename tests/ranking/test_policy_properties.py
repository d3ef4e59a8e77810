"""Properties of the scoring engine over random valid facts (hypothesis).

The YAML cases pin single rules down; these check what must hold for every applicant:
the total is the sum of the ten indicators, one more month of normal social insurance never
lowers the total except through the education deduction, the bounded indicators stay in
their bounds, and scoring is deterministic.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ranking.policy import INDICATOR_CODES, score_facts
from ranking.policy.identity import make_id_number

CENTRAL = ["东城区", "西城区", "朝阳区", "海淀区", "丰台区", "石景山区"]
OUTER = [
    "门头沟区",
    "房山区",
    "通州区",
    "顺义区",
    "昌平区",
    "大兴区",
    "怀柔区",
    "平谷区",
    "密云区",
    "延庆区",
    "北京经济技术开发区",
]
CITY_LEVEL = "市本级"
FIRST_MONTH = 1996 * 12  # a little before 1998-07, so the start of the count is exercised
TWO_DECIMALS = re.compile(r"^-?\d+\.\d{2}$")

# (code, grade) pairs of facts-format-1 "Award codes"; rank is drawn separately.
AWARDS = [
    ("national_natural_science", "first"),
    ("national_natural_science", "second"),
    ("national_technological_invention", "first"),
    ("national_technological_invention", "second"),
    ("national_sci_tech_progress", "special"),
    ("national_sci_tech_progress", "first"),
    ("national_sci_tech_progress", "second"),
    *[
        ("beijing_sci_tech", grade)
        for grade in (
            "zgc_outstanding",
            "zgc_young",
            "major_innovation",
            "special",
            "first",
            "second",
            "third",
        )
    ],
    ("five_ones_project", None),
    ("changjiang_taofen", None),
    ("beijing_literature_art", None),
    ("capital_civilization", None),
    *[("china_journalism", grade) for grade in ("special", "first", "second", "third")],
    *[("beijing_social_science", grade) for grade in ("special", "first", "second")],
    *[("beijing_journalism", grade) for grade in ("first", "second", "third")],
    *[("china_innovation_contest", grade) for grade in ("first", "second", "third")],
    *[("beijing_innovation_contest", grade) for grade in ("first", "second", "third")],
    ("world_skills", None),
    ("national_skill_contest", None),
    ("beijing_skill_contest", None),
    *[("beijing_cultural_creativity", grade) for grade in ("first", "second", "third", "single")],
    *[("china_chuangyi", grade) for grade in ("first", "second", "third")],
    *[("chuangye_beijing", grade) for grade in ("first", "second", "third")],
]
HONORS = [
    "national_model_worker",
    "beijing_model_worker",
    "model_worker_equivalent",
    "national_moral_model",
    "capital_moral_model",
    "national_heroic_model",
    "capital_heroic_citizen",
]
MONEY = ["0", "1", "34999.99", "35000", "99999.99", "100000", "250000.50"]


def month_label(month: int) -> str:
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def cutoff_month(year: int) -> int:
    return (year - 1) * 12 + 11


@st.composite
def periods(draw: st.DrawFn, year: int, districts: list[str], kinds: list[str] | None) -> list:
    items = []
    for _ in range(draw(st.integers(0 if kinds else 1, 3))):
        start = draw(st.integers(FIRST_MONTH, cutoff_month(year)))
        end = draw(st.one_of(st.none(), st.integers(start, cutoff_month(year) + 6)))
        item: dict[str, Any] = {
            "from": month_label(start),
            "to": None if end is None else month_label(end),
            "district": draw(st.sampled_from(districts)),
        }
        if kinds is None:
            item["back_paid"] = draw(st.booleans().map(lambda b: b and draw(st.booleans())))
        else:
            item["kind"] = draw(st.sampled_from(kinds))
        items.append(item)
    return items


@st.composite
def dates(draw: st.DrawFn, first_year: int, last_year: int) -> str:
    day = draw(st.dates(dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)))
    return day.isoformat()


@st.composite
def facts_strategy(draw: st.DrawFn) -> dict[str, Any]:
    year = draw(st.sampled_from([2019, 2020, 2021, 2022]))
    policy = draw(st.sampled_from([None, "beijing-2020", "beijing-2018"]))
    gender = draw(st.sampled_from(["M", "F"]))
    birth_date = draw(st.dates(dt.date(1955, 1, 1), dt.date(1998, 12, 31)))
    person = {
        "id_number": make_id_number("110105", birth_date, draw(st.integers(0, 499)), gender),
        "name": "测试",
        "gender": gender,
        "birth_date": birth_date.isoformat(),
        "female_job": draw(st.sampled_from(["worker", "cadre"])) if gender == "F" else None,
    }
    awards = []
    for _ in range(draw(st.integers(0, 2))):
        code, grade = draw(st.sampled_from(AWARDS))
        award: dict[str, Any] = {"code": code, "year": draw(st.integers(2008, year))}
        if grade is not None:
            award["grade"] = grade
        award["rank"] = draw(st.integers(1, 60))
        awards.append(award)
    equity = draw(
        st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {
                    "qualified_firm": st.booleans(),
                    "investor_funding_3y_wan": st.sampled_from(["0", "499.99", "500", "3000"]),
                    "equity_financing_3y_wan": st.sampled_from(
                        ["0", "500", "1999.99", "2000", "4000", "9000"]
                    ),
                    "holding_pct": st.sampled_from(["5", "9.99", "10", "35"]),
                    "full_year": st.booleans(),
                }
            ),
        )
    )
    income_tax = {
        str(tax_year): draw(st.sampled_from(MONEY))
        for tax_year in range(year - 4, year + 1)
        if draw(st.booleans()) or draw(st.booleans())
    }
    return {
        "format": 1,
        "year": year,
        **({} if policy is None else {"policy": policy}),
        "person": person,
        "employer": None,
        "residence_permit": draw(
            st.one_of(st.none(), st.fixed_dictionaries({"issued_on": dates(2010, year)}))
        ),
        "criminal_record": draw(st.booleans().map(lambda b: b and draw(st.booleans()))),
        "social_insurance": draw(periods(year, [*CENTRAL, *OUTER, CITY_LEVEL], None)),
        "housing": draw(periods(year, [*CENTRAL, *OUTER], ["own", "spouse_own", "rental", "dorm"])),
        "education": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "level": st.sampled_from(
                            ["junior_college", "bachelor", "master", "doctor"]
                        ),
                        "diploma": st.booleans(),
                        "degree": st.booleans(),
                        "graduated_on": dates(1996, year),
                    }
                ),
                max_size=2,
            )
        ),
        "awards": awards,
        "equity": equity,
        "tax": {
            "income_tax": income_tax,
            "violations": draw(st.lists(dates(year - 7, year), max_size=2)),
        },
        "honors": draw(st.lists(st.sampled_from(HONORS), max_size=2, unique=True)),
        "detentions": draw(st.lists(dates(year - 7, year), max_size=2)),
    }


PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def points(result: dict[str, Any], code: str) -> Decimal:
    return Decimal(result["indicators"][code])


@PROPERTY_SETTINGS
@given(facts_strategy())
def test_total_is_the_sum_of_the_ten_indicators(facts):
    result = score_facts(facts)
    assert list(result["indicators"]) == list(INDICATOR_CODES)
    assert Decimal(result["total"]) == sum(points(result, code) for code in INDICATOR_CODES)


@PROPERTY_SETTINGS
@given(facts_strategy())
def test_every_figure_has_exactly_two_decimals(facts):
    result = score_facts(facts)
    for value in [*result["indicators"].values(), result["total"]]:
        assert TWO_DECIMALS.match(value), value


@PROPERTY_SETTINGS
@given(facts_strategy())
def test_bounded_indicators_stay_in_bounds(facts):
    result = score_facts(facts)
    assert Decimal(0) <= points(result, "innovation") <= Decimal(12)
    assert Decimal(0) <= points(result, "job_residence_area") <= Decimal(12)
    assert points(result, "honors") in {Decimal(0), Decimal(20)}
    assert points(result, "education_deduction") <= 0
    assert points(result, "law_record") <= 0
    assert Decimal(0) <= points(result, "age") <= Decimal(20)


@PROPERTY_SETTINGS
@given(facts_strategy())
def test_scoring_is_deterministic_and_leaves_the_input_alone(facts):
    original = copy.deepcopy(facts)
    first = score_facts(facts)
    assert facts == original
    assert score_facts(facts) == first
    assert score_facts(copy.deepcopy(facts), explain=True)["indicators"] == first["indicators"]


def _covered(facts: dict[str, Any]) -> set[int]:
    cutoff = cutoff_month(facts["year"])
    months: set[int] = set()
    for period in facts["social_insurance"]:
        start = int(period["from"][:4]) * 12 + int(period["from"][5:]) - 1
        end = (
            cutoff
            if period["to"] is None
            else (int(period["to"][:4]) * 12 + int(period["to"][5:]) - 1)
        )
        months.update(range(start, end + 1))
    return months


def _without_deduction(result: dict[str, Any]) -> Decimal:
    return Decimal(result["total"]) - points(result, "education_deduction")


# The added month is paid in a central district (or 市本级). Paid outside the six districts
# it could lower the total, as the contract is written: a month of living outside that moves
# from "live only" to "live and work" can leave both kinds short of a whole year
# (细则第十五条（四）: each kind counts whole 12-month years separately).
@PROPERTY_SETTINGS
@given(facts_strategy(), st.data())
def test_one_more_month_of_insurance_never_lowers_the_total(facts, data):
    cutoff = cutoff_month(facts["year"])
    free = sorted(set(range(1998 * 12 + 6, cutoff + 1)) - _covered(facts))
    assume(free)
    month = data.draw(st.sampled_from(free))
    district = data.draw(st.sampled_from([*CENTRAL, CITY_LEVEL]))
    more = copy.deepcopy(facts)
    more["social_insurance"].append(
        {
            "from": month_label(month),
            "to": month_label(month),
            "district": district,
            "back_paid": False,
        }
    )
    before, after = score_facts(facts), score_facts(more)
    assert _without_deduction(after) >= _without_deduction(before)
    assert points(after, "employment") == points(before, "employment") + Decimal("0.25")


@PROPERTY_SETTINGS
@given(facts_strategy(), st.data())
def test_extending_the_last_period_by_a_month_never_lowers_the_total(facts, data):
    # The applicant's last period ends just before a month nobody paid for; extend it by one.
    cutoff = cutoff_month(facts["year"])
    free = sorted(set(range(1998 * 12 + 7, cutoff + 1)) - _covered(facts))
    assume(free)
    month = data.draw(st.sampled_from(free))
    length = data.draw(st.integers(1, 36))
    district = data.draw(st.sampled_from([*CENTRAL, CITY_LEVEL]))
    facts["social_insurance"].append(
        {
            "from": month_label(month - length),
            "to": month_label(month - 1),
            "district": district,
            "back_paid": False,
        }
    )
    more = copy.deepcopy(facts)
    more["social_insurance"][-1]["to"] = month_label(month)
    before, after = score_facts(facts), score_facts(more)
    assert _without_deduction(after) >= _without_deduction(before)
    assert points(after, "employment") == points(before, "employment") + Decimal("0.25")


def test_known_exception_a_month_paid_outside_can_lower_the_job_residence_points():
    # Why the properties above add central-district months only. Living in an own home in
    # 通州 all of 2019 while paid in 朝阳 is 12 "live only" months = 2 points; paying
    # 2019-12 in 通州 instead of nothing leaves 11 + 1 months, neither a whole year: 0 points,
    # and the total falls although one more month of normal insurance was paid.
    facts = {
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
        "residence_permit": {"issued_on": "2016-03-01"},
        "social_insurance": [
            {"from": "2010-01", "to": "2019-11", "district": "朝阳区", "back_paid": False}
        ],
        "housing": [{"from": "2019-01", "to": None, "kind": "own", "district": "通州区"}],
    }
    more = copy.deepcopy(facts)
    more["social_insurance"].append(
        {"from": "2019-12", "to": "2019-12", "district": "通州区", "back_paid": False}
    )
    before, after = score_facts(facts), score_facts(more)
    # 119 months: 29.75 + (own 12/12 = 1.00 + rental 108 capped to 119 - 12 = 107/24 = 4.46)
    # + 2 + 20 = 57.21
    assert before["total"] == "57.21"
    # 120 months: 30.00 + (1.00 + 108/24 = 4.50) + 0 + 20 = 55.50
    assert after["total"] == "55.50"
