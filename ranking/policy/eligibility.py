"""The four eligibility conditions (细则第十四条), each failure with its reason code and why."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from ranking.policy.facts import Facts, Person
from ranking.policy.months import Month, month_label, month_of_date
from ranking.policy.params import PolicyParams
from ranking.policy.result import EligibilityFailure
from ranking.policy.tables import RetirementSchedule
from ranking.policy.timeline import Timeline, count, month_list, span


def _chinese_month(month: Month) -> str:
    return f"{month // 12}年{month % 12 + 1}月"


def _birth_months(first: Month, last: Month | None) -> str:
    if last is None:
        return f"{_chinese_month(first)}及以后出生"
    if first // 12 == last // 12:
        return f"{_chinese_month(first)}至{last % 12 + 1}月出生"
    return f"{_chinese_month(first)}至{_chinese_month(last)}出生"


@dataclass(frozen=True, slots=True)
class RetirementAge:
    years: int
    months: int
    first_birth_month: Month | None  # the schedule's row; None: every month before the schedule
    last_birth_month: Month | None  # None: this month and every later one (the cap)
    group: str  # 男职工, 女干部, 女工人

    @property
    def birth_months(self) -> str:
        """The schedule's row in words: "1965年9月至12月出生"."""
        if self.first_birth_month is None:
            assert self.last_birth_month is not None
            return f"{_chinese_month(self.last_birth_month)}及以前出生"
        return _birth_months(self.first_birth_month, self.last_birth_month)

    @property
    def label(self) -> str:
        return f"{self.years}岁" + (f"{self.months}个月" if self.months else "")

    def day_reached(self, birth_date: dt.date) -> dt.date:
        """Birth date plus the age; the last day of the month where the day does not exist."""
        total = birth_date.year * 12 + birth_date.month - 1 + self.years * 12 + self.months
        year, month = divmod(total, 12)
        last_day = calendar.monthrange(year, month + 1)[1]
        return dt.date(year, month + 1, min(birth_date.day, last_day))


def schedule_for(person: Person, p: PolicyParams) -> RetirementSchedule:
    if person.gender == "M":
        return p.retirement_schedules["M"]
    return p.retirement_schedules["cadre" if person.female_job == "cadre" else "worker"]


def retirement_age(person: Person, p: PolicyParams) -> RetirementAge:
    """细则第十四条（二）: the statutory retirement age, by the schedule's row of the birth month."""
    schedule = schedule_for(person, p)
    born = month_of_date(person.birth_date)
    start, step = schedule.raised_from, schedule.birth_months_per_step
    if born < start:
        return RetirementAge(schedule.base_years, 0, None, start - 1, schedule.label)
    extra = min((born - start) // step + 1, schedule.max_extra_months)
    first = start + (extra - 1) * step
    last = None if extra == schedule.max_extra_months else first + step - 1
    years, months = divmod(schedule.base_years * 12 + extra, 12)
    return RetirementAge(years, months, first, last, schedule.label)


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
    # Cheap test first: nobody retires before the base age, and most applicants are decades
    # from it (scoring a round calls this 130,000 times).
    near_retirement = (
        facts.person.birth_date.year + schedule_for(facts.person, p).base_years <= reference.year
    )
    limit = retirement_age(facts.person, p) if near_retirement else None
    retires_on = limit.day_reached(facts.person.birth_date) if limit else None
    if limit and retires_on and retires_on <= reference:
        failures.append(
            EligibilityFailure(
                "over_retirement_age",
                f"法定退休年龄 {limit.label}（{limit.group}，{limit.birth_months}），"
                f"{retires_on:%Y-%m-%d} 已达到，不晚于 {reference:%Y-%m-%d}",
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


def describe_conditions(
    facts: Facts, tl: Timeline, p: PolicyParams, failures: tuple[EligibilityFailure, ...]
) -> list[dict[str, object]]:
    """All four conditions in words, met or not, for explanations (never on the scoring path)."""
    reference = dt.date(facts.year - 1, 12, 31)
    failed = {failure.reason: failure for failure in failures}
    limit = retirement_age(facts.person, p)
    first = tl.cutoff - p.insurance_months_required + 1
    window = span(first, tl.cutoff)
    back_paid = count(tl.paid & window) - count(tl.normal & window)
    met_why = {
        "no_residence_permit": f"居住证 {facts.residence_permit_issued_on:%Y-%m-%d} 申领，"
        f"不晚于 {reference:%Y-%m-%d}"
        if facts.residence_permit_issued_on
        else "",
        "over_retirement_age": f"法定退休年龄 {limit.label}（{limit.group}，{limit.birth_months}），"
        f"{limit.day_reached(facts.person.birth_date):%Y-%m-%d} 达到，晚于 {reference:%Y-%m-%d}",
        "social_insurance_under_7_years": f"{month_label(first)}至{month_label(tl.cutoff)}"
        f"每月均有缴纳，补缴 {back_paid} 个月（不超过 {p.insurance_back_paid_months_allowed} 个月）",
        "criminal_record": "无刑事犯罪记录",
    }
    articles = {
        "no_residence_permit": p.articles["residence_permit"],
        "over_retirement_age": p.articles["retirement_age"],
        "social_insurance_under_7_years": p.articles["social_insurance_7_years"],
        "criminal_record": p.articles["criminal_record"],
    }
    return [
        {
            "reason": reason,
            "met": reason not in failed,
            "why": failed[reason].why if reason in failed else met_why[reason],
            "source": articles[reason],
        }
        for reason in met_why
    ]
