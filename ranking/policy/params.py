"""Policies as dated parameter sets: a new year's or another city's variant is a new
``PolicyParams`` here, not a fork of the indicator functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ranking.policy.months import Month, month_of
from ranking.policy.tables import EDUCATION_TABLE_2018, EDUCATION_TABLE_2020, EducationRow

D = Decimal


@dataclass(frozen=True, slots=True)
class PolicyParams:
    policy_id: str
    title: str
    document: str  # what the article citations refer to
    # 细则第十四条: eligibility
    retirement_age_men: int = 60
    retirement_age_women_workers: int = 50
    retirement_age_women_cadres: int = 55
    insurance_months_required: int = 84
    insurance_back_paid_months_allowed: int = 5
    # 细则第十五条（一）
    employment_from: Month = month_of(1998, 7)
    employment_points_per_month: Decimal = D("0.25")
    # 细则第十五条（二）
    own_housing_months_per_point: int = 12
    rental_housing_months_per_point: int = 24
    # Months before this count as rental without a filing when social insurance was paid.
    implicit_rental_before: Month = month_of(2020, 7)
    # 细则第十五条（三）、附件2
    education_table: tuple[EducationRow, ...] = EDUCATION_TABLE_2020
    # 细则第十五条（四）
    job_residence_from: Month = month_of(2018, 1)
    job_residence_points_live_and_work: Decimal = D("3")
    job_residence_points_live_only: Decimal = D("2")
    job_residence_cap: Decimal = D("12")
    # 细则第十五条（五）、附件3
    innovation_cap: Decimal = D("12")
    skill_contest_last_place: int = 10
    award_codes_not_scored: frozenset[str] = field(default_factory=frozenset)
    # 细则第十五条（六）
    tax_high_income_yuan: Decimal = D("100000")
    tax_points_per_high_year: Decimal = D("2")  # None-like zero means "all three or nothing"
    tax_points_all_three_high: Decimal = D("6")
    tax_per_year: bool = True
    tax_violation_points: Decimal = D("-12")
    penalty_lookback_years: int = 5
    # 细则第十五条（七）
    age_full_points: Decimal = D("20")
    age_full_points_born_years_before: int = 47  # born in Y-47 or later
    age_points_lost_per_year: Decimal = D("4")  # 0 disables the gradient (all or nothing)
    # 细则第十五条（八）、附件4
    honor_points: Decimal = D("20")
    # 细则第十五条（九）
    detention_points: Decimal = D("-30")
    articles: dict[str, str] = field(default_factory=dict)


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

BEIJING_2020 = PolicyParams(
    policy_id="beijing-2020",
    title="北京市积分落户（2020年修订）",
    document="《北京市积分落户管理办法》《北京市积分落户操作管理细则》（2020年7月16日发布）",
    articles=_ARTICLES_2020,
)

# The trial rules (试行, 2018–2019 rounds): the differences the contract lists, nothing else.
BEIJING_2018 = PolicyParams(
    policy_id="beijing-2018",
    title="北京市积分落户（试行）",
    document="《北京市积分落户管理办法（试行）》《北京市积分落户操作管理细则（试行）》",
    implicit_rental_before=month_of(2017, 1),
    education_table=EDUCATION_TABLE_2018,
    job_residence_from=month_of(2017, 1),
    skill_contest_last_place=5,
    award_codes_not_scored=frozenset({"china_chuangyi", "chuangye_beijing"}),
    tax_per_year=False,
    age_points_lost_per_year=D("0"),
    articles={key: value.replace("细则", "试行细则") for key, value in _ARTICLES_2020.items()},
)

POLICIES: dict[str, PolicyParams] = {p.policy_id: p for p in (BEIJING_2020, BEIJING_2018)}


def get_policy(policy_id: str) -> PolicyParams:
    try:
        return POLICIES[policy_id]
    except KeyError:
        raise KeyError(f"未知的政策：{policy_id}") from None
