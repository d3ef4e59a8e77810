"""One check per column of a published list: a value (in cents) and what the row says about
the applicant in, the reason it cannot be (Chinese) or None out. ``ranking.policy.audit``
runs them; ``ranking.policy.reachable`` holds what each round's rules can give.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ranking.policy.months import month_label
from ranking.policy.reachable import Reachable, cents, show


def _values(items: frozenset[int] | Sequence[int]) -> str:
    return "、".join(show(v) for v in sorted(items))


@dataclass(frozen=True, slots=True)
class RowContext:
    """What a row's checks share: its values in cents and what they imply."""

    values: Mapping[str, int]
    employment_months: int  # the row's own when its employment fits, else the year's maximum
    employment_months_known: bool
    birth_year: int | None


def employment_months(r: Reachable, value: int) -> int | None:
    per = r.employment_cents_per_month
    if value < 0 or value % per or value > r.employment_months_max * per:
        return None
    return value // per


def _employment(r: Reachable, row: RowContext, value: int) -> str | None:
    # 细则第十五条（一）: 0.25 a month, months 1998-07 … Y-1-12.
    per = r.employment_cents_per_month
    if value < 0 or value % per:
        return f"不是 {show(per)} 分（每月）的整数倍"
    top = r.employment_months_max * per
    if value > top:
        first = r.params.employment_from
        return (
            f"超过 {month_label(first)} 至 {month_label(r.cutoff)} 共 "
            f"{r.employment_months_max} 个月可得的最高分 {show(top)}"
        )
    return None


def _months_bound(row: RowContext) -> str:
    if row.employment_months_known:
        return f"本行就业 {row.employment_months} 个月"
    return f"本年度最多 {row.employment_months} 个月"


def _housing(r: Reachable, row: RowContext, value: int) -> str | None:
    # 细则第十五条（二）: own 1/12, rental 1/24 a month, each part rounded on its own; the
    # counted months never exceed the employment months.
    needed = r.housing_months_needed.get(value)
    rule = (
        f"自有住所部分{r.own_rounding()}、租赁部分{r.rental_rounding()}，"
        f"居住月数合计不超过{_months_bound(row)}"
    )
    if needed is None:
        return f"任何自有与租赁月数的组合都得不到此分值（{rule}）"
    if needed > row.employment_months:
        return f"至少需居住 {needed} 个月才能得到此分值（{rule}）"
    return None


def _education(r: Reachable, row: RowContext, value: int) -> str | None:
    # 细则附件2: one of the table's points, or 0.
    allowed = {0, *r.education_years}
    if value not in allowed:
        return f"不是教育背景积分表（附件2）的分值：{_values(frozenset(allowed))}"
    return None


def _education_deduction(r: Reachable, row: RowContext, value: int) -> str | None:
    education = row.values["education"]
    if value > 0:
        return "扣除分数应为 0 或负数"
    if education == 0:
        return None if value == 0 else "教育背景为 0 分时不应扣除"
    years = r.education_years.get(education)
    if years is None:  # the education column itself misfits: try the widest window
        years = max(r.education_years.values())
    needed = r.deduction_months_needed[years].get(-value)
    rule = (
        f"毕业前 {years} 年（{years * 12} 个月）窗口内：就业月数 × "
        f"{show(r.employment_cents_per_month)}，自有住所月数 ÷ 12（{r.own_rounding()}），"
        f"租赁月数 ÷ 24（{r.rental_rounding()}）"
    )
    if r.deduction_rental_within_employment:
        rule += "，租赁月数不超过就业月数"
    if needed is None:
        return f"窗口内任何月数组合都扣不出此分值（{rule}）"
    if needed > row.employment_months:
        return f"需窗口内就业或自有住所 {needed} 个月，超过{_months_bound(row)}（{rule}）"
    return None


def _job_residence_area(r: Reachable, row: RowContext, value: int) -> str | None:
    # 细则第十五条（四）: whole years × 3 (live and work outside) or × 2 (live only), max 12.
    if value not in r.job_residence_values:
        p = r.params
        return (
            f"{month_label(p.job_residence_from)} 至 {month_label(r.cutoff)} 共 "
            f"{r.job_residence_years} 个整年，每年 {show(cents(p.job_residence_points_live_and_work))}"
            f" 或 {show(cents(p.job_residence_points_live_only))} 分、最高 "
            f"{show(cents(p.job_residence_cap))} 分，可得分值为 {_values(r.job_residence_values)}"
        )
    return None


def _innovation(r: Reachable, row: RowContext, value: int) -> str | None:
    # 细则第十五条（五）、附件3: the single best item, never summed, capped.
    if value not in r.innovation_values:
        return f"不是创新创业积分标准（附件3）中任一项的分值：{_values(r.innovation_values)}"
    return None


def _tax(r: Reachable, row: RowContext, value: int) -> str | None:
    # 细则第十五条（六）: a bonus for three years of tax, minus 12 a violation.
    step = r.tax_violation_cents
    if not any(bonus >= value and (bonus - value) % step == 0 for bonus in r.tax_bonus_values):
        return f"应为 {_values(r.tax_bonus_values)} 之一减去 {show(step)} 的整数倍（每条涉税违法）"
    return None


def _age(r: Reachable, row: RowContext, value: int) -> str | None:
    # 细则第十五条（七）: the birth year decides it.
    if row.birth_year is None:
        return None
    expected = r.age_cents(row.birth_year)
    if value != expected:
        return f"{row.birth_year}年出生，{r.params.year}年度应为 {show(expected)}"
    return None


def _honors(r: Reachable, row: RowContext, value: int) -> str | None:
    # 细则第十五条（八）: 20 for any honor, never summed.
    if value not in (0, r.honor_cents):
        return f"应为 0.00 或 {show(r.honor_cents)}（多项不累加）"
    return None


def _law_record(r: Reachable, row: RowContext, value: int) -> str | None:
    # 细则第十五条（九）: −30 a detention.
    step = r.detention_cents
    if value > 0 or value % step:
        return f"应为 0 或 -{show(step)} 的整数倍（每次行政拘留）"
    return None


COLUMN_CHECKS: dict[str, Callable[[Reachable, RowContext, int], str | None]] = {
    "employment": _employment,
    "housing": _housing,
    "education": _education,
    "education_deduction": _education_deduction,
    "job_residence_area": _job_residence_area,
    "innovation": _innovation,
    "tax": _tax,
    "age": _age,
    "honors": _honors,
    "law_record": _law_record,
}
