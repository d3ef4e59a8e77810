"""Which points each column of a published list can hold under one round's rules.

A published list (公示名单) shows only the ten indicator points, never the facts behind them.
To audit a list to the cent we ask, for every column, whether *some* facts give the printed
value under the year's rules (``get_policy``). Everything here errs on the side of the list:
a value is called unreachable only when no facts at all can produce it, so an audit never
reports a misfit for a value the engine can print.

Values are held as integer cents (``Decimal("17.09")`` → 1709): the tables are built once a
round by enumerating the month counts, and a row is then checked with a few dict look-ups.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from ranking.policy.indicators import housing_parts
from ranking.policy.months import Month, month_label, month_of
from ranking.policy.params import CEILING, PolicyParams, get_policy
from ranking.policy.tables import AWARD_TABLE, EQUITY_TABLE

HUNDRED = Decimal(100)


def cents(value: Decimal) -> int:
    """Integer cents of a value already known to have at most two decimals."""
    return int(value * HUNDRED)


def show(value_cents: int) -> str:
    sign = "-" if value_cents < 0 else ""
    whole, part = divmod(abs(value_cents), 100)
    return f"{sign}{whole}.{part:02d}"


def rounding_label(rounding: str) -> str:
    return "向上取至分" if rounding == CEILING else "四舍五入至分"


@dataclass(frozen=True, slots=True)
class Reachable:
    """The reachable values of one round (policy version and year), as cents."""

    params: PolicyParams
    cutoff: Month  # Y-1-12
    # 细则第十五条（一）: months 1998-07 … Y-1-12; employment is at most these × 0.25.
    employment_months_max: int
    employment_cents_per_month: int
    # 细则第十五条（二）: housing points -> the fewest counted months (own + rental) giving them.
    housing_months_needed: Mapping[int, int]
    # 附件2: table points -> deduction years N (the largest N of the rows with those points).
    education_years: Mapping[int, int]
    # N -> deducted cents (positive) -> the fewest employment months the row must have.
    deduction_months_needed: Mapping[int, Mapping[int, int]]
    # True when every window month is before the end of implicit rental, so a window's
    # rental months are employment months too (wr ≤ ew).
    deduction_rental_within_employment: bool
    job_residence_years: int  # whole years from job_residence_from to Y-1-12
    job_residence_values: frozenset[int]
    innovation_values: frozenset[int]
    tax_bonus_values: frozenset[int]
    tax_violation_cents: int  # positive: what one violation takes off
    detention_cents: int  # positive: what one detention takes off
    honor_cents: int

    def age_cents(self, birth_year: int) -> int:
        """细则第十五条（七）: the one value the birth year gives."""
        p = self.params
        full_from = p.year - p.age_full_points_born_years_before
        if birth_year >= full_from:
            return cents(p.age_full_points)
        if p.age_points_lost_per_year:
            lost = (full_from - birth_year) * p.age_points_lost_per_year
            return max(0, cents(p.age_full_points - lost))
        return 0

    def own_rounding(self) -> str:
        p = self.params
        return p.variants.get("own_housing_rounding") or rounding_label(p.own_housing_rounding)

    def rental_rounding(self) -> str:
        return rounding_label(self.params.rental_housing_rounding)


def _housing_months_needed(p: PolicyParams, months_max: int) -> dict[int, int]:
    own = [cents(housing_parts(o, 0, p)[0]) for o in range(months_max + 1)]
    rental = [cents(housing_parts(0, r, p)[1]) for r in range(months_max + 1)]
    needed: dict[int, int] = {}
    for o in range(months_max + 1):
        base = own[o]
        for r in range(months_max - o + 1):
            value = base + rental[r]
            if needed.get(value, months_max + 1) > o + r:
                needed[value] = o + r
    return needed


def _deduction_months_needed(
    p: PolicyParams, years: int, rental_within_employment: bool
) -> dict[int, int]:
    """细则第十五条（三）: the window of N years ending with graduation deducts its employment
    months × 0.25, its own months ÷ 12 and its rental months ÷ 24 (each part rounded as in
    住所). Own and rental months of a window are distinct months; the employment months and
    the own months can each be at most the row's employment months (own months never exceed
    the counted own months, which never exceed the employment months)."""
    length = years * 12
    employment = [cents(ew * p.employment_points_per_month) for ew in range(length + 1)]
    own = [cents(housing_parts(wo, 0, p)[0]) for wo in range(length + 1)]
    rental = [cents(housing_parts(0, wr, p)[1]) for wr in range(length + 1)]
    needed: dict[int, int] = {}
    for ew in range(length + 1):
        for wo in range(length + 1):
            need = max(ew, wo)
            base = employment[ew] + own[wo]
            last = length - wo
            if rental_within_employment:
                last = min(last, ew)
            for wr in range(last + 1):
                value = base + rental[wr]
                if needed.get(value, length + 1) > need:
                    needed[value] = need
    return needed


def _innovation_values(p: PolicyParams) -> frozenset[int]:
    # 细则第十五条（五）、附件3: the single best item, capped; an award whose row starts after
    # Y-1 or that the policy does not score gives nothing.
    values = {0}
    for row in AWARD_TABLE:
        if row.code in p.award_codes_not_scored:
            continue
        if row.first_year is not None and row.first_year > p.year - 1:
            continue
        if row.points is not None:
            values.add(cents(row.points))
        for band in row.bands:
            last = p.skill_contest_last_place if band.widened else band.last
            if band.first <= last:
                values.add(cents(band.points))
    values.update(cents(band.points) for band in EQUITY_TABLE)
    cap = cents(p.innovation_cap)
    return frozenset(min(value, cap) for value in values)


def _tax_bonus_values(p: PolicyParams) -> frozenset[int]:
    # 细则第十五条（六）: +2 per high year (max 6); the trial rules +6 only for three high years.
    if not p.tax_per_year:
        return frozenset({0, cents(p.tax_points_all_three_high)})
    return frozenset(
        min(cents(high * p.tax_points_per_high_year), cents(p.tax_points_all_three_high))
        for high in range(4)
    )


@lru_cache(maxsize=32)
def reachable(policy_id: str, year: int) -> Reachable:
    """The reachable values of ``policy_id``'s rules for the round of ``year``."""
    p = get_policy(policy_id, year)
    cutoff = month_of(year - 1, 12)
    months_max = max(0, cutoff - p.employment_from + 1)
    education_years: dict[int, int] = {}
    for row in p.education_table:
        value = cents(row.points)
        education_years[value] = max(education_years.get(value, 0), row.deduction_years)
    within = cutoff < p.implicit_rental_before
    job_years = max(0, cutoff - p.job_residence_from + 1) // 12
    both = cents(p.job_residence_points_live_and_work)
    live = cents(p.job_residence_points_live_only)
    cap = cents(p.job_residence_cap)
    return Reachable(
        params=p,
        cutoff=cutoff,
        employment_months_max=months_max,
        employment_cents_per_month=cents(p.employment_points_per_month),
        housing_months_needed=_housing_months_needed(p, months_max),
        education_years=education_years,
        deduction_months_needed={
            n: _deduction_months_needed(p, n, within) for n in sorted(set(education_years.values()))
        },
        deduction_rental_within_employment=within,
        job_residence_years=job_years,
        job_residence_values=frozenset(
            min(a * both + b * live, cap)
            for a in range(job_years + 1)
            for b in range(job_years - a + 1)
        ),
        innovation_values=_innovation_values(p),
        tax_bonus_values=_tax_bonus_values(p),
        tax_violation_cents=-cents(p.tax_violation_points),
        detention_cents=-cents(p.detention_points),
        honor_cents=cents(p.honor_points),
    )


def period_label(first: Month, last: Month) -> str:
    return f"{month_label(first)}至{month_label(last)}"
