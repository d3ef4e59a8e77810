"""Claims against department records: the pure comparison (no ORM, no clock).

细则第六条: 相关部门通过数据交换方式核查. For each indicator the department's records are turned
into the facts-format-1 part the claim carries (workflow.facts.CLAIM_FACT_KEYS), and
compared with the declaration:

- the records bear the declaration out → `verify`, with the department's facts;
- the records show less than declared, of the same kind (fewer months of housing, a
  degree without the declared 学位) → `adjust`: the department's figures stand, as the
  department would decide anyway (细则第十五条: 以部门核查结果为准);
- anything else (more or different than declared, something no record can show, or no
  record at all) → left pending in the manual queue, with the side-by-side diff.

Zero-fill indicators (零填报, 细则第六条) are not declared: their facts *are* the records.
Absence is itself a finding for the police's criminal records and detentions (the police
hold every such record) and for age (from the identity number); a missing social insurance,
tax or residence permit record goes to the manual queue instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ranking.policy.months import month_label, parse_month

VERIFY = "verify"
ADJUST = "adjust"
MANUAL = "manual"


@dataclass
class PersonRecords:
    """One applicant's records, as plain values (filled per chunk by the service)."""

    social_insurance: list[dict[str, Any]] = field(default_factory=list)
    residence_permits: list[dt.date] = field(default_factory=list)
    criminal_records: list[dt.date] = field(default_factory=list)
    detentions: list[dt.date] = field(default_factory=list)
    housing: list[dict[str, Any]] = field(default_factory=list)  # property + rental filings
    education: list[dict[str, Any]] = field(default_factory=list)
    income_tax: dict[str, str] = field(default_factory=dict)
    tax_penalties: list[dt.date] = field(default_factory=list)
    awards: list[dict[str, Any]] = field(default_factory=list)
    honors: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    decision: str  # VERIFY, ADJUST or MANUAL
    facts: dict[str, Any] | None  # the department's facts (verified_facts), None for MANUAL
    reason: str
    mismatch: dict[str, Any] | None = None


def month_set(
    periods: list[Mapping[str, Any]], *, year: int, tag: tuple[str, ...] = ()
) -> set[tuple]:
    """{(month index, *tag values)} for the periods, up to the cut-off Y-1-12 (facts-format-1)."""
    cutoff = year * 12 - 1  # Y-1-12
    out: set[tuple] = set()
    for period in periods:
        start = parse_month(period["from"])
        end = cutoff if period.get("to") is None else min(parse_month(period["to"]), cutoff)
        extra = tuple(period.get(name) for name in tag)
        out.update((month, *extra) for month in range(start, end + 1))
    return out


def month_ranges(months: set[tuple]) -> list[dict[str, Any]]:
    """Compress {(month, *tag)} into readable ranges for the diff view."""
    by_tag: dict[tuple, list[int]] = {}
    for month, *tag in months:
        by_tag.setdefault(tuple(tag), []).append(month)
    out = []
    for tag, values in by_tag.items():
        values.sort()
        start = prev = values[0]
        for value in [*values[1:], None]:
            if value is not None and value == prev + 1:
                prev = value
                continue
            out.append({"from": month_label(start), "to": month_label(prev), "tag": list(tag)})
            if value is not None:
                start = prev = value
    return sorted(out, key=lambda r: (r["from"], r["tag"]))


def _no_record(department_facts: dict[str, Any] | None, declared: Any) -> Outcome:
    return Outcome(
        MANUAL,
        None,
        "部门暂无该申请人的相关记录，需人工核查",
        {"reason": "no_record", "declared": declared, "department": department_facts},
    )


# --- zero-fill ---------------------------------------------------------------------------


def zero_fill_outcome(indicator: str, records: PersonRecords) -> Outcome:
    if indicator == "employment":
        if not records.social_insurance:
            return _no_record({"social_insurance": []}, None)
        return Outcome(
            VERIFY, {"social_insurance": records.social_insurance}, "按人社局社会保险缴纳记录核定"
        )
    if indicator == "eligibility":
        facts = {
            "residence_permit": (
                {"issued_on": min(records.residence_permits).isoformat()}
                if records.residence_permits
                else None
            ),
            "criminal_record": bool(records.criminal_records),
        }
        if not records.residence_permits:
            return _no_record(facts, None)
        return Outcome(VERIFY, facts, "按公安局居住证及刑事犯罪记录核定")
    if indicator == "tax":
        facts = {
            "tax": {
                "income_tax": dict(sorted(records.income_tax.items())),
                "violations": sorted(d.isoformat() for d in records.tax_penalties),
            }
        }
        if not records.income_tax and not records.tax_penalties:
            return _no_record(facts, None)
        return Outcome(VERIFY, facts, "按税务局纳税及处罚记录核定")
    if indicator == "law_record":
        return Outcome(
            VERIFY,
            {"detentions": sorted(d.isoformat() for d in records.detentions)},
            "按公安局行政拘留记录核定",
        )
    if indicator == "age":
        return Outcome(VERIFY, {}, "按公民身份号码核定出生日期")
    raise ValueError(f"not a zero-fill indicator: {indicator}")


# --- declared indicators -------------------------------------------------------------------


def _housing_outcome(declared: Mapping[str, Any], records: PersonRecords, year: int) -> Outcome:
    declared_periods = list(declared.get("housing") or [])
    department = {"housing": records.housing}
    if not records.housing:
        return _no_record(department, declared_periods)

    def norm(periods: list[Mapping[str, Any]]) -> list[tuple]:
        return sorted((p["from"], p.get("to"), p.get("kind"), p.get("district")) for p in periods)

    if norm(declared_periods) == norm(records.housing):  # the usual case: no month sets needed
        return Outcome(VERIFY, department, "与住建委、规划自然资源委登记记录一致")
    tag = ("kind", "district")
    declared_months = month_set(declared_periods, year=year, tag=tag)
    record_months = month_set(records.housing, year=year, tag=tag)
    if declared_months == record_months:
        return Outcome(VERIFY, department, "与住建委、规划自然资源委登记记录一致")
    only_declared = declared_months - record_months
    only_department = record_months - declared_months
    diff = {
        "reason": "mismatch",
        "declared": declared_periods,
        "department": records.housing,
        "only_declared": month_ranges(only_declared),
        "only_department": month_ranges(only_department),
    }
    if not only_department:
        # 细则第十五条（二）: the registered months stand; the extra declared months are not borne out.
        return Outcome(
            ADJUST,
            department,
            f"申报的 {len({m[0] for m in only_declared})} 个月无登记记录，按登记记录核定",
            diff,
        )
    return Outcome(MANUAL, None, "部门登记记录与申报不一致，需人工核查", diff)


def _education_key(item: Mapping[str, Any]) -> tuple:
    return (item.get("level"), str(item.get("graduated_on")))


def _education_outcome(declared: Mapping[str, Any], records: PersonRecords) -> Outcome:
    declared_items = list(declared.get("education") or [])
    department = {"education": records.education}
    if not records.education:
        return _no_record(department, declared_items)
    by_key = {_education_key(r): r for r in records.education}
    confirmed, weaker, missing = [], [], []
    for item in declared_items:
        record = by_key.get(_education_key(item))
        if record is None:
            missing.append(item)
        elif (bool(record["diploma"]), bool(record["degree"])) == (
            bool(item.get("diploma")),
            bool(item.get("degree")),
        ):
            confirmed.append(record)
        elif (not record["diploma"] or item.get("diploma")) and (
            not record["degree"] or item.get("degree")
        ):
            # The record shows the same education with less (e.g. 学历 without 学位).
            weaker.append(record)
        else:
            missing.append(item)
    diff = {
        "reason": "mismatch",
        "declared": declared_items,
        "department": records.education,
        "only_declared": missing,
        "only_department": weaker,
    }
    if not missing and not weaker:
        return Outcome(VERIFY, {"education": confirmed}, "与教委学历学位记录一致")
    if not missing:
        return Outcome(
            ADJUST, {"education": confirmed + weaker}, "按教委记录核定学历、学位取得情况", diff
        )
    return Outcome(MANUAL, None, "申报的学历（学位）在教委记录中未找到，需人工核查", diff)


def _items_outcome(
    *, key: str, declared_items: list[Any], record_items: list[dict[str, Any]], label: str
) -> Outcome:
    def norm(item: Any) -> tuple:
        if isinstance(item, str):
            item = {"code": item}
        return tuple(sorted((k, v) for k, v in item.items() if v not in (None, "")))

    department = {key: record_items}
    if not record_items:
        return _no_record(department, declared_items)
    records_by_norm = {norm(r): r for r in record_items}
    unmatched = [i for i in declared_items if norm(i) not in records_by_norm]
    if not unmatched:
        return Outcome(
            VERIFY, {key: [records_by_norm[norm(i)] for i in declared_items]}, f"与{label}记录一致"
        )
    diff = {
        "reason": "mismatch",
        "declared": declared_items,
        "department": record_items,
        "only_declared": unmatched,
        "only_department": [
            r for n, r in records_by_norm.items() if n not in {norm(i) for i in declared_items}
        ],
    }
    return Outcome(MANUAL, None, f"申报内容在{label}记录中未找到，需人工核查", diff)


def declared_outcome(
    indicator: str, declared: Mapping[str, Any], records: PersonRecords, *, year: int
) -> Outcome:
    declared = declared or {}
    if indicator in ("job_residence_area", "age"):
        # Derived from housing and social insurance (or the identity number): nothing to compare.
        return Outcome(VERIFY, {}, "由住所、社会保险记录计算")
    if indicator == "housing":
        return _housing_outcome(declared, records, year)
    if indicator == "education":
        return _education_outcome(declared, records)
    if indicator == "innovation":
        if declared.get("equity") is not None:
            return Outcome(
                MANUAL,
                None,
                "股权投资类创新创业指标需人工核查",
                {
                    "reason": "needs_review",
                    "declared": declared,
                    "department": {"awards": records.awards},
                },
            )
        outcome = _items_outcome(
            key="awards",
            declared_items=list(declared.get("awards") or []),
            record_items=records.awards,
            label="科委、宣传部、人社局奖项",
        )
        if outcome.facts is not None:
            outcome = Outcome(
                outcome.decision,
                {**outcome.facts, "equity": None},
                outcome.reason,
                outcome.mismatch,
            )
        return outcome
    if indicator == "honors":
        return _items_outcome(
            key="honors",
            declared_items=list(declared.get("honors") or []),
            record_items=records.honors,
            label="总工会、宣传部、民政局表彰",
        )
    raise ValueError(f"unknown declared indicator: {indicator}")
