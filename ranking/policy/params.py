"""Policies as dated parameters (the OpenFisca way): a policy version is a set of parameters,
each a history of values with the round year from which each is in force and the source it
comes from. ``get_policy(policy_id, year)`` resolves the values in force for one round into a
flat ``PolicyParams`` that the indicator functions read. A new year's rule is a new dated
value here, and another city's variant a new version, never a fork of the formulas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from ranking.policy.months import Month, month_of
from ranking.policy.tables import (
    EDUCATION_TABLE_2018,
    EDUCATION_TABLE_2020,
    RETIREMENT_SCHEDULES,
    EducationRow,
    RetirementSchedule,
)

D = Decimal

# How a housing part (months ÷ months per point) is rounded to cents: the decimal module's
# rounding modes, so scoring passes them straight to quantize().
HALF_UP = ROUND_HALF_UP
CEILING = ROUND_CEILING


@dataclass(frozen=True, slots=True)
class PolicyParams:
    """The parameter values in force for one round of one policy version."""

    policy_id: str
    title: str
    document: str  # what the article citations refer to
    year: int  # the round year these values were resolved for
    # 细则第十四条: eligibility
    retirement_schedules: Mapping[str, RetirementSchedule]
    insurance_months_required: int
    insurance_back_paid_months_allowed: int
    # 细则第十五条（一）
    employment_from: Month
    employment_points_per_month: Decimal
    # 细则第十五条（二）
    own_housing_months_per_point: int
    rental_housing_months_per_point: int
    own_housing_rounding: str  # HALF_UP or CEILING (decimal rounding modes)
    rental_housing_rounding: str
    # Months before this count as rental without a filing when social insurance was paid.
    implicit_rental_before: Month
    # 细则第十五条（三）、附件2
    education_table: tuple[EducationRow, ...]
    # 细则第十五条（四）
    job_residence_from: Month
    job_residence_points_live_and_work: Decimal
    job_residence_points_live_only: Decimal
    job_residence_cap: Decimal
    # 细则第十五条（五）、附件3
    innovation_cap: Decimal
    skill_contest_last_place: int
    award_codes_not_scored: frozenset[str]
    # 细则第十五条（六）
    tax_high_income_yuan: Decimal
    tax_points_per_high_year: Decimal
    tax_points_all_three_high: Decimal
    tax_per_year: bool  # False: +6 only when all three years are high (试行)
    tax_violation_points: Decimal
    penalty_lookback_years: int
    # 细则第十五条（七）
    age_full_points: Decimal
    age_full_points_born_years_before: int  # born in Y-47 or later
    age_points_lost_per_year: Decimal  # 0 disables the gradient (all or nothing)
    # 细则第十五条（八）、附件4
    honor_points: Decimal
    # 细则第十五条（九）
    detention_points: Decimal
    articles: Mapping[str, str] = field(default_factory=dict)
    # Parameter name -> the in-force value's label, where the rule changed over the years,
    # so an explanation can name the variant it used ("向上取至分（2021年度起）").
    variants: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Dated:
    """One value of a parameter, in force from round year ``since`` until the next one."""

    since: int
    value: Any
    source: str
    label: str = ""  # shown in explanations when the parameter has more than one value


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    policy_id: str
    title: str
    document: str
    articles: Mapping[str, str]
    parameters: Mapping[str, tuple[Dated, ...]]  # each history sorted by ``since``

    def history(self, name: str) -> tuple[Dated, ...]:
        return self.parameters[name]

    def value_in(self, name: str, year: int) -> Dated:
        """The value of ``name`` in force for the round of ``year`` (the earliest value also
        covers rounds before it: the contract gives every year a policy)."""
        values = self.parameters[name]
        chosen = values[0]
        for value in values[1:]:
            if value.since <= year:
                chosen = value
        return chosen


def _one(value: Any, source: str) -> tuple[Dated, ...]:
    return (Dated(2000, value, source),)


_ARTICLES_2020 = {
    "residence_permit": "细则第十四条（一）",
    "retirement_age": "细则第十四条（二）",
    "social_insurance_7_years": "细则第十四条（三）",
    "criminal_record": "细则第十四条（四）",
    "employment": "细则第十五条（一）",
    "housing": "细则第十五条（二）",
    "education": "细则第十五条（三）、附件2",
    "education_deduction": "细则第十五条（三）、附件2",
    "job_residence_area": "细则第十五条（四）",
    "innovation": "细则第十五条（五）、附件3",
    "tax": "细则第十五条（六）",
    "age": "细则第十五条（七）",
    "honors": "细则第十五条（八）、附件4",
    "law_record": "细则第十五条（九）",
}

_PARAMETERS_2020: dict[str, tuple[Dated, ...]] = {
    "retirement_schedules": _one(
        RETIREMENT_SCHEDULES, "细则第十四条（二）；渐进式延迟法定退休年龄"
    ),
    "insurance_months_required": _one(84, "细则第十四条（三）：连续缴纳社会保险满7年"),
    "insurance_back_paid_months_allowed": _one(5, "细则第十四条（三）：补缴不超过5个月"),
    "employment_from": _one(month_of(1998, 7), "细则第十五条（一）：1998年7月起"),
    "employment_points_per_month": _one(D("0.25"), "细则第十五条（一）：每连续缴纳1年积3分"),
    "own_housing_months_per_point": _one(12, "细则第十五条（二）：自有住所每年积1分"),
    "rental_housing_months_per_point": _one(24, "细则第十五条（二）：租赁住所每年积0.5分"),
    "own_housing_rounding": (
        Dated(
            2000,
            HALF_UP,
            "2020年公示名单（16.66 = 10.83 + 5.83）",
            "四舍五入至分（2020年度及以前）",
        ),
        Dated(
            2021,
            CEILING,
            "2021、2022年公示名单（自有住所部分只与向上取整相符）",
            "向上取至分（2021年度起）",
        ),
    ),
    "rental_housing_rounding": _one(HALF_UP, "历年公示名单"),
    # The rules were published 2020-07-16 and the whole of July counts as before them.
    "implicit_rental_before": _one(
        month_of(2020, 8), "细则第十五条（二）；2020年7月16日发布，当月按发布前计"
    ),
    "education_table": _one(EDUCATION_TABLE_2020, "细则附件2"),
    "job_residence_from": _one(month_of(2018, 1), "细则第十五条（四）：2018年1月1日起"),
    "job_residence_points_live_and_work": _one(D("3"), "细则第十五条（四）"),
    "job_residence_points_live_only": _one(D("2"), "细则第十五条（四）"),
    "job_residence_cap": _one(D("12"), "细则第十五条（四）：最高12分"),
    "innovation_cap": _one(D("12"), "细则第十五条（五）：最高12分"),
    "skill_contest_last_place": _one(10, "细则附件3（二）：前10名（2020年修订）"),
    "award_codes_not_scored": _one(frozenset(), "细则附件3"),
    "tax_high_income_yuan": _one(D("100000"), "细则第十五条（六）"),
    "tax_points_per_high_year": _one(D("2"), "细则第十五条（六）：每年10万元及以上加2分"),
    "tax_points_all_three_high": _one(D("6"), "细则第十五条（六）：最高6分"),
    "tax_per_year": _one(True, "细则第十五条（六）"),
    "tax_violation_points": _one(D("-12"), "细则第十五条（六）：每条减12分"),
    "penalty_lookback_years": _one(5, "细则第十五条（六）（九）：近5年"),
    "age_full_points": _one(D("20"), "细则第十五条（七）"),
    "age_full_points_born_years_before": _one(47, "细则第十五条（七）：不超过45周岁"),
    "age_points_lost_per_year": _one(D("4"), "细则第十五条（七）：每增加1岁少加4分"),
    "honor_points": _one(D("20"), "细则第十五条（八）"),
    "detention_points": _one(D("-30"), "细则第十五条（九）：每次减30分"),
}

BEIJING_2020 = PolicyVersion(
    policy_id="beijing-2020",
    title="北京市积分落户（2020年修订）",
    document="《北京市积分落户管理办法》《北京市积分落户操作管理细则》（2020年7月16日发布）",
    articles=_ARTICLES_2020,
    parameters=_PARAMETERS_2020,
)

# The trial rules (试行, 2018–2019 rounds): the differences the contract lists, nothing else.
_TRIAL = "《北京市积分落户操作管理细则（试行）》"
BEIJING_2018 = PolicyVersion(
    policy_id="beijing-2018",
    title="北京市积分落户（试行）",
    document="《北京市积分落户管理办法（试行）》《北京市积分落户操作管理细则（试行）》",
    articles={key: value.replace("细则", "试行细则") for key, value in _ARTICLES_2020.items()},
    parameters={
        **_PARAMETERS_2020,
        "own_housing_rounding": _one(HALF_UP, _TRIAL),
        "implicit_rental_before": _one(month_of(2017, 1), f"{_TRIAL}：2017年1月1日前"),
        "education_table": _one(EDUCATION_TABLE_2018, f"{_TRIAL}附件2"),
        "job_residence_from": _one(month_of(2017, 1), f"{_TRIAL}：2017年1月1日起"),
        "skill_contest_last_place": _one(5, f"{_TRIAL}附件3：前5名"),
        "award_codes_not_scored": _one(
            frozenset({"china_chuangyi", "chuangye_beijing"}), f"{_TRIAL}附件3"
        ),
        "tax_per_year": _one(False, f"{_TRIAL}：连续3年均达10万元加6分"),
        "age_points_lost_per_year": _one(D("0"), f"{_TRIAL}：45周岁以下加20分"),
    },
)

POLICIES: dict[str, PolicyVersion] = {p.policy_id: p for p in (BEIJING_2020, BEIJING_2018)}


@lru_cache(maxsize=256)
def _resolve(policy_id: str, year: int) -> PolicyParams:
    version = POLICIES[policy_id]
    values: dict[str, Any] = {}
    variants: dict[str, str] = {}
    for name, history in version.parameters.items():
        chosen = version.value_in(name, year)
        values[name] = chosen.value
        if len(history) > 1:
            variants[name] = chosen.label
    return PolicyParams(
        policy_id=version.policy_id,
        title=version.title,
        document=version.document,
        year=year,
        articles=version.articles,
        variants=variants,
        **values,
    )


def get_policy(policy_id: str, year: int) -> PolicyParams:
    """The parameters of ``policy_id`` in force for the round of ``year``."""
    if policy_id not in POLICIES:
        raise KeyError(f"未知的政策：{policy_id}")
    return _resolve(policy_id, year)
