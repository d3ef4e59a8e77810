"""Auditing a published list (ranking.policy.audit): each column's reachable values under the
year's rules, the sum, ranks, order, cutoff and quota; and soundness: whatever the engine
prints, the audit accepts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given

from ranking.policy import INDICATOR_CODES, score_facts
from ranking.policy.audit import AuditError, AuditRow, audit_rows
from ranking.policy.facts import default_policy_id
from ranking.population import generate_population
from tests.ranking.test_policy_properties import PROPERTY_SETTINGS, facts_strategy

# A row that fits every year from 2018 on: 205 months of employment, nothing else but age.
BASE = {
    "employment": "51.25",
    "housing": "0.00",
    "education": "0.00",
    "education_deduction": "0.00",
    "job_residence_area": "0.00",
    "innovation": "0.00",
    "tax": "0.00",
    "age": "20.00",
    "honors": "0.00",
    "law_record": "0.00",
}


def row(
    number: str = "1",
    *,
    birth: str | None = "1985-07",
    rank: int | None = None,
    total: str | None = None,
    **values: str,
) -> AuditRow:
    points = {code: Decimal(v) for code, v in {**BASE, **values}.items()}
    return AuditRow(
        line=int(number) if number.isdigit() else 1,
        number=number,
        values=points,
        total=Decimal(total) if total is not None else sum(points.values(), Decimal(0)),
        birth_month=birth,
        rank=rank,
    )


def misfit_columns(year: int, *, policy: str | None = None, **values: str) -> set[str]:
    report = audit_rows([row(**values)], year=year, policy_id=policy)
    return {m.column for m in report.misfits}


def fits(year: int, column: str, value: str, *, policy: str | None = None, **others: str) -> bool:
    return column not in misfit_columns(year, policy=policy, **{column: value}, **others)


# --- 合法稳定就业 -------------------------------------------------------------------------


def test_employment_is_a_multiple_of_a_quarter_point_within_the_years_months():
    # 2020: 1998-07 … 2019-12 is 258 months, at most 64.50.
    assert fits(2020, "employment", "64.50")
    assert not fits(2020, "employment", "64.75")
    assert fits(2021, "employment", "64.75")
    assert not fits(2020, "employment", "51.26")
    assert not fits(2020, "employment", "-0.25")


# --- 合法稳定住所: the own part's rounding changed with the 2021 round ---------------------


def test_own_housing_17_08_from_205_months_fits_2020_but_not_2021():
    # 205 own months: 17.0833… is 17.08 half-up (2020), 17.09 rounded up (2021). With exactly
    # 205 employment months nothing else gives 17.08 in 2021 (204 own + 2 rental = 17.08
    # needs 206 months), so the two rules disagree on this row and only on the rounding.
    assert fits(2020, "housing", "17.08", employment="51.25")
    assert not fits(2021, "housing", "17.08", employment="51.25")
    assert fits(2021, "housing", "17.09", employment="51.25")
    assert not fits(2020, "housing", "17.09", employment="51.25")  # 203 own + 4 rental: 207


def test_housing_misfit_names_the_rounding_and_the_months_it_would_need():
    report = audit_rows([row(employment="51.25", housing="17.08")], year=2021)
    (misfit,) = report.misfits
    assert misfit.column == "housing"
    assert "至少需居住 206 个月" in misfit.reason
    assert "向上取至分（2021年度起）" in misfit.reason
    assert "本行就业 205 个月" in misfit.reason


def test_one_more_employment_month_makes_2021s_17_08_reachable_as_own_plus_rental():
    assert fits(2021, "housing", "17.08", employment="51.50")  # 204 own (17.00) + 2 rental


def test_housing_counted_months_never_exceed_the_rows_employment_months():
    # 120 months: at most 10.00 (all own); 10.04 would need a 121st month.
    assert fits(2020, "housing", "10.00", employment="30.00")
    assert not fits(2020, "housing", "10.04", employment="30.00")
    assert fits(2020, "housing", "5.00", employment="30.00")  # all rental
    assert not fits(2020, "housing", "0.01", employment="30.00")  # no split gives 1 cent


def test_when_employment_misfits_housing_is_held_to_the_years_maximum_only():
    # 51.26 is no employment value; housing is then checked against 258 months, not 205.
    assert misfit_columns(2021, employment="51.26", housing="17.08") == {"employment"}


# --- 教育背景 and its deduction -----------------------------------------------------------


@pytest.mark.parametrize("value", ["0.00", "10.50", "15.00", "26.00", "37.00"])
def test_education_takes_the_table_values(value):
    assert fits(2020, "education", value)
    assert fits(2019, "education", value, policy="beijing-2018")


@pytest.mark.parametrize("value", ["10.00", "12.00", "20.00", "36.99"])
def test_education_refuses_values_not_in_the_table(value):
    assert not fits(2020, "education", value)


def test_no_deduction_without_education_and_never_a_positive_one():
    assert not fits(2020, "education_deduction", "-0.25", education="0.00")
    assert fits(2020, "education_deduction", "0.00", education="0.00")
    assert not fits(2020, "education_deduction", "0.25", education="15.00")


def test_deduction_0_29_is_a_month_of_work_and_its_implicit_rental():
    # 0.29 = 0.25 + 1/24 (the published 2020 and 2022 lists).
    assert fits(2020, "education_deduction", "-0.29", education="15.00")
    assert fits(2022, "education_deduction", "-0.29", education="15.00")


def test_2020_window_rental_months_are_employment_months_but_2021_ones_may_be_filed_leases():
    # In 2020 every window month is before 2020-08: a rental month is a month of work without
    # own housing, so 1/24 alone (0.04) cannot be deducted; a 2021 window may end after
    # 2020-07, where a filed lease counts without work.
    assert not fits(2020, "education_deduction", "-0.04", education="15.00")
    assert fits(2021, "education_deduction", "-0.04", education="15.00")
    assert not fits(2020, "education_deduction", "-0.01", education="15.00")


def test_deduction_window_is_the_education_rows_years():
    # 10.5 points: 3 years (36 months) deduct at most 36 × 0.25 + 36 / 12 = 12.00;
    # 15 points: 4 years (48 months) up to 48 × 0.25 + 48 / 12 = 16.00.
    assert fits(2021, "education_deduction", "-12.00", education="10.50")
    assert not fits(2021, "education_deduction", "-12.25", education="10.50")
    assert fits(2021, "education_deduction", "-12.25", education="15.00")
    assert fits(2021, "education_deduction", "-16.00", education="15.00")
    assert not fits(2021, "education_deduction", "-16.04", education="15.00")


def test_deduction_window_months_are_bounded_by_the_rows_employment_months():
    # 10 months of employment: at most 10 × 0.25 from work and 10 own months in the window.
    assert fits(2021, "education_deduction", "-3.33", education="15.00", employment="2.50")
    assert not fits(2021, "education_deduction", "-5.00", education="15.00", employment="2.50")


# --- 职住区域, 创新创业, 纳税, 年龄, 荣誉表彰, 守法记录 ------------------------------------


def test_job_residence_area_counts_whole_years_since_2018():
    # 2020: 2018-01 … 2019-12 is two years, 3 or 2 points each.
    for value in ("0.00", "2.00", "3.00", "4.00", "5.00", "6.00"):
        assert fits(2020, "job_residence_area", value)
    assert not fits(2020, "job_residence_area", "7.00")
    assert fits(2021, "job_residence_area", "7.00")
    assert not fits(2021, "job_residence_area", "1.00")
    assert fits(2030, "job_residence_area", "12.00")
    assert not fits(2030, "job_residence_area", "13.00")
    # beijing-2018 counts from 2017-01: the 2018 round has one year.
    assert fits(2018, "job_residence_area", "3.00", policy="beijing-2018")
    assert not fits(2018, "job_residence_area", "4.00", policy="beijing-2018")


def test_innovation_takes_one_table_value_capped_at_12():
    for value in ("0.00", "2.00", "3.00", "6.00", "9.00", "11.00", "12.00"):
        assert fits(2020, "innovation", value)
    for value in ("1.00", "7.00", "12.50", "13.00", "18.00"):
        assert not fits(2020, "innovation", value)


def test_tax_is_a_bonus_less_twelve_a_violation():
    for value in ("0.00", "2.00", "4.00", "6.00", "-6.00", "-12.00", "-22.00"):
        assert fits(2020, "tax", value)
    for value in ("1.00", "8.00", "-1.00", "3.00"):
        assert not fits(2020, "tax", value)
    # The trial rules: +6 only when all three years are high.
    assert fits(2019, "tax", "6.00", policy="beijing-2018")
    assert fits(2019, "tax", "-6.00", policy="beijing-2018")
    assert not fits(2019, "tax", "2.00", policy="beijing-2018")


def test_age_follows_the_birth_year():
    # 2020: born 1973 or later 20, 1972 16, … 1968 and earlier 0.
    assert fits(2020, "age", "20.00", birth="1973-01")
    assert fits(2020, "age", "16.00", birth="1972-12")
    assert not fits(2020, "age", "20.00", birth="1972-12")
    assert fits(2020, "age", "0.00", birth="1960-05")
    assert not fits(2020, "age", "4.00", birth="1968-05")
    # beijing-2018: 20 or nothing.
    assert fits(2019, "age", "20.00", birth="1972-01", policy="beijing-2018")
    assert fits(2019, "age", "0.00", birth="1971-12", policy="beijing-2018")
    assert not fits(2019, "age", "16.00", birth="1971-12", policy="beijing-2018")


def test_age_reason_says_what_the_birth_year_gives():
    report = audit_rows([row(age="20.00", birth="1970-03")], year=2020)
    assert [m.reason for m in report.misfits if m.column == "age"] == [
        "年龄 20.00：1970年出生，2020年度应为 8.00"
    ]


def test_without_birth_months_age_is_not_checked_and_the_report_says_so():
    report = audit_rows([row(age="12.00", birth=None)], year=2020)
    assert not report.misfits
    assert any("未核验年龄" in note for note in report.notes)
    assert not next(c for c in report.columns if c.column == "age").checked


def test_honors_and_law_record():
    assert fits(2020, "honors", "20.00")
    assert not fits(2020, "honors", "40.00")
    assert fits(2020, "law_record", "-60.00")
    assert not fits(2020, "law_record", "-15.00")
    assert not fits(2020, "law_record", "30.00")


def test_a_value_not_to_the_cent_fits_nothing():
    report = audit_rows([row(housing="17.085")], year=2020)
    assert [(m.column, m.reason) for m in report.misfits] == [
        ("housing", "17.085 不是精确到分的分值")
    ]


# --- the list: sum, ranks, order, cutoff, quota -------------------------------------------


def test_total_must_be_the_sum_of_the_ten_to_the_cent():
    report = audit_rows([row(total="71.26")], year=2020)
    assert [(m.number, m.column) for m in report.misfits] == [("1", "total")]
    assert "不等于十项之和 71.25" in report.misfits[0].reason
    assert "+0.01" in report.misfits[0].reason


def _list(*employments: str, ranks: list[int] | None = None) -> list[AuditRow]:
    return [
        row(str(i), employment=e, rank=None if ranks is None else ranks[i - 1])
        for i, e in enumerate(employments, 1)
    ]


def test_competition_ranks_cutoff_and_ties():
    rows = _list("60.00", "55.00", "55.00", "50.00", "50.00", ranks=[1, 2, 2, 4, 4])
    report = audit_rows(rows, year=2020)
    assert report.misfits == ()
    assert (report.rows, report.cutoff, report.tied_at_cutoff) == (5, Decimal("70.00"), 2)


def test_a_rank_that_skips_ties_is_reported_on_its_row():
    rows = _list("60.00", "55.00", "55.00", "50.00", ranks=[1, 2, 3, 4])
    report = audit_rows(rows, year=2020)
    assert [(m.number, m.column) for m in report.misfits] == [("3", "rank")]
    assert "排名应为 2" in report.misfits[0].reason


def test_a_list_out_of_order_is_reported_where_the_order_breaks():
    report = audit_rows(_list("60.00", "50.00", "55.00"), year=2020)
    assert [(m.number, m.column) for m in report.misfits] == [("3", "order")]
    assert any("未核验排名" in note for note in report.notes)


def test_quota_the_list_must_reach_it_and_the_ties_at_the_cutoff_must_be_needed():
    rows = _list("60.00", "55.00", "50.00", "50.00")
    assert audit_rows(rows, year=2020, quota=3).misfits == ()  # 2 above, 2 tied: 4 ≥ 3
    assert audit_rows(rows, year=2020, quota=4).misfits == ()
    short = audit_rows(rows, year=2020, quota=5).misfits
    assert [(m.number, m.column) for m in short] == [("", "quota")]
    assert "少于年度落户规模 5 人" in short[0].reason
    # Two rows above the cutoff already fill a quota of 2: the ties at 70.00 are too many.
    extra = audit_rows(rows, year=2020, quota=2).misfits
    assert [m.column for m in extra] == ["quota"]
    assert "不应在名单上" in extra[0].reason


def test_json_is_exactly_the_four_keys():
    rows = [row("202000001", employment="60.00"), row("202000002", housing="0.01")]
    assert audit_rows(rows, year=2020).as_json() == {
        "rows": 2,
        "cutoff": "71.26",
        "tied_at_cutoff": 1,
        "misfits": [
            {
                "number": "202000002",
                "column": "housing",
                "reason": audit_rows(rows, year=2020).misfits[0].reason,
            }
        ],
    }


def test_unknown_policy_is_refused():
    with pytest.raises(AuditError, match="未知的政策"):
        audit_rows([row()], year=2020, policy_id="shanghai-2020")


# --- soundness: what the engine prints always fits -----------------------------------------


def _scored_row(number: int, facts: dict) -> AuditRow:
    result = score_facts(facts)
    return AuditRow(
        line=number,
        number=str(number),
        values={code: Decimal(result["indicators"][code]) for code in INDICATOR_CODES},
        total=Decimal(result["total"]),
        birth_month=facts["person"]["birth_date"][:7],
    )


@PROPERTY_SETTINGS
@given(facts_strategy())
def test_every_figure_the_engine_prints_fits_the_audit(facts):
    year = facts["year"]
    policy = facts.get("policy") or default_policy_id(year)
    report = audit_rows([_scored_row(1, facts)], year=year, policy_id=policy)
    assert report.misfits == ()


@pytest.mark.parametrize("year", [2018, 2019, 2020, 2021, 2022, 2024])
def test_a_generated_population_fits_its_years_rules(year):
    rows = [
        _scored_row(i, f)
        for i, f in enumerate(generate_population(year=year, count=400, seed=11), 1)
    ]
    rows.sort(key=lambda r: r.total, reverse=True)
    report = audit_rows(rows, year=year)
    assert report.misfits == ()
    assert report.rows == 400
