"""The four eligibility conditions (细则第十四条), each failure with its reason code and why."""

from __future__ import annotations

import datetime as dt

from ranking.policy.facts import Facts
from ranking.policy.months import month_label
from ranking.policy.params import PolicyParams
from ranking.policy.result import EligibilityFailure
from ranking.policy.timeline import Timeline, count, month_list, span


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Completed years; a birthday falling on ``day`` counts as reached."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def retirement_age(facts: Facts, p: PolicyParams) -> int:
    if facts.person.gender == "M":
        return p.retirement_age_men
    if facts.person.female_job == "cadre":
        return p.retirement_age_women_cadres
    return p.retirement_age_women_workers


def check_eligibility(
    facts: Facts, tl: Timeline, p: PolicyParams
) -> tuple[EligibilityFailure, ...]:
    reference = dt.date(facts.year - 1, 12, 31)
    failures = []
    issued = facts.residence_permit_issued_on
    if issued is None or issued > reference:
        failures.append(
            EligibilityFailure(
                "no_residence_permit",
                "未持有北京市居住证"
                if issued is None
                else f"居住证 {issued:%Y-%m-%d} 申领，晚于 {reference:%Y-%m-%d}",
                p.articles["residence_permit"],
            )
        )
    years = age_on(facts.person.birth_date, reference)
    limit = retirement_age(facts, p)
    if years >= limit:
        failures.append(
            EligibilityFailure(
                "over_retirement_age",
                f"截至 {reference:%Y-%m-%d} 已满 {years} 周岁，应在 {limit} 周岁以下",
                p.articles["retirement_age"],
            )
        )
    first = tl.cutoff - p.insurance_months_required + 1
    window = span(first, tl.cutoff)
    paid = count(tl.paid & window)
    back_paid = paid - count(tl.normal & window)
    if paid < p.insurance_months_required or back_paid > p.insurance_back_paid_months_allowed:
        why = (
            f"{month_label(first)}至{month_label(tl.cutoff)}的 {p.insurance_months_required} 个月中"
        )
        if paid < p.insurance_months_required:
            missing = month_list(window & ~tl.paid)
            why += f"有 {len(missing)} 个月未缴纳（首个：{month_label(missing[0])}）"
        if back_paid > p.insurance_back_paid_months_allowed:
            why += f"补缴 {back_paid} 个月，超过 {p.insurance_back_paid_months_allowed} 个月"
        failures.append(
            EligibilityFailure(
                "social_insurance_under_7_years", why, p.articles["social_insurance_7_years"]
            )
        )
    if facts.criminal_record:
        failures.append(
            EligibilityFailure("criminal_record", "有刑事犯罪记录", p.articles["criminal_record"])
        )
    return tuple(failures)
