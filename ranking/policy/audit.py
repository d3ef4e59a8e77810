"""Audit a published list (公示名单) to the cent: does every printed figure fit the rules?

Rows of a list in the official layout come in (number, birth month, the ten indicator
points, the total, perhaps a rank); a report comes out: per row and column whether the value
is one the year's rules can give (``ranking.policy.reachable``), whether the total is the sum
of the ten, whether ranks and order follow the totals (同分同落), the cutoff and the ties at
it, and whether the list fills the quota. Pure: no Django, no files; the readers live in the
app that takes the upload.

A misfit is reported only for a value no facts can produce: where the list does not say
enough (which of the applicant's own months fell in the education window, say), the check
gives the list the benefit of the doubt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ranking.policy.audit_columns import COLUMN_CHECKS, RowContext, employment_months
from ranking.policy.facts import default_policy_id
from ranking.policy.params import POLICIES
from ranking.policy.reachable import Reachable, reachable, show
from ranking.policy.result import INDICATOR_CODES, INDICATOR_LABELS

# Columns of a report beyond the ten indicators.
LIST_COLUMNS: tuple[str, ...] = ("total", "rank", "order")
COLUMN_LABELS: dict[str, str] = {
    **INDICATOR_LABELS,
    "total": "积分分值（十项之和）",
    "rank": "排名",
    "order": "排列顺序",
    "quota": "年度落户规模",
}


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One line of a published list, as read from the file."""

    line: int  # where it is in the file, for messages (1-based)
    number: str  # the list's own number (公示编号 or 序号)
    values: Mapping[str, Decimal]  # the ten indicator codes -> points
    total: Decimal
    birth_month: str | None = None  # YYYY-MM; None when the list has no such column
    rank: int | None = None  # None when the list has no rank column
    name: str = ""


@dataclass(frozen=True, slots=True)
class Misfit:
    number: str
    column: str  # an indicator code, or total, rank, order, quota
    reason: str  # Chinese, self-contained
    line: int = 0
    value: str = ""

    def as_json(self) -> dict[str, str]:
        return {"number": self.number, "column": self.column, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class ColumnFit:
    column: str
    label: str
    checked: bool  # False: the list has no data for this check (no rank column, say)
    fits: int
    misfits: int


@dataclass(frozen=True, slots=True)
class AuditReport:
    year: int
    policy_id: str
    policy_title: str
    rows: int
    cutoff: Decimal | None  # the lowest total on the list
    tied_at_cutoff: int
    quota: int | None
    misfits: tuple[Misfit, ...]
    columns: tuple[ColumnFit, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def all_fit(self) -> bool:
        return not self.misfits

    @property
    def misfit_rows(self) -> int:
        return len({m.number for m in self.misfits if m.column != "quota"})

    def as_json(self) -> dict[str, Any]:
        """The command's ``--json`` object: exactly these four keys."""
        return {
            "rows": self.rows,
            "cutoff": None if self.cutoff is None else f"{self.cutoff:.2f}",
            "tied_at_cutoff": self.tied_at_cutoff,
            "misfits": [m.as_json() for m in self.misfits],
        }


class AuditError(ValueError):
    """The audit cannot start (unknown policy, impossible year)."""


def _to_cents(value: Decimal) -> int | None:
    """Cents of a value printed to the cent; None when it has more decimals than that."""
    if not value.is_finite():
        return None
    scaled = value * 100
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)


def _exact(value: Decimal) -> str:
    """Two decimals, or more when the value has them (never rounds a list's figure away)."""
    return f"{value:.2f}" if _to_cents(value) is not None else str(value)


def _birth_year(birth_month: str | None) -> int | None:
    if birth_month is None or len(birth_month) < 4 or not birth_month[:4].isdigit():
        return None
    return int(birth_month[:4])


def _row_misfits(r: Reachable, row: AuditRow) -> list[Misfit]:
    out: list[Misfit] = []
    values: dict[str, int] = {}
    for code in INDICATOR_CODES:
        value = row.values[code]
        as_cents = _to_cents(value)
        if as_cents is None:
            out.append(
                Misfit(row.number, code, f"{value} 不是精确到分的分值", row.line, str(value))
            )
        else:
            values[code] = as_cents
    # The row's employment months bound its housing and deduction months; when the
    # employment column itself misfits, the year's maximum is the bound (never too tight).
    employment = values.get("employment")
    months = None if employment is None else employment_months(r, employment)
    context = RowContext(
        values=values,
        employment_months=r.employment_months_max if months is None else months,
        employment_months_known=months is not None,
        birth_year=_birth_year(row.birth_month),
    )
    for code in INDICATOR_CODES:
        if code not in values or (code == "education_deduction" and "education" not in values):
            continue
        reason = COLUMN_CHECKS[code](r, context, values[code])
        if reason is not None:
            out.append(
                Misfit(
                    row.number,
                    code,
                    f"{INDICATOR_LABELS[code]} {show(values[code])}：{reason}",
                    row.line,
                    show(values[code]),
                )
            )
    listed_sum = sum((row.values[code] for code in INDICATOR_CODES), Decimal(0))
    if listed_sum != row.total:
        out.append(
            Misfit(
                row.number,
                "total",
                f"积分分值 {row.total} 不等于十项之和 {_exact(listed_sum)}"
                f"（相差 {'+' if row.total > listed_sum else ''}{_exact(row.total - listed_sum)}）",
                row.line,
                str(row.total),
            )
        )
    return out


def audit_rows(
    rows: Sequence[AuditRow],
    *,
    year: int,
    policy_id: str | None = None,
    quota: int | None = None,
) -> AuditReport:
    """Audit a published list of ``year`` under ``policy_id`` (default: the year's policy).

    Every row's ten indicator points must be values the year's rules can give, its total
    their sum; ranks (when listed) are competition ranks of the totals (1 + how many totals
    are strictly higher), the list runs from the highest total down; with a ``quota`` the
    list must hold at least that many rows and the rows above the cutoff must not already
    fill it (同分同落 admits the ties at the cutoff, nobody below it).
    """
    policy_id = policy_id or default_policy_id(year)
    if policy_id not in POLICIES:
        raise AuditError(f"未知的政策：{policy_id}（可选：{'、'.join(sorted(POLICIES))}）")
    if not 2000 <= year <= 2200:
        raise AuditError(f"年度 {year} 无效")
    r = reachable(policy_id, year)
    misfits: list[Misfit] = []
    by_row: list[list[Misfit]] = [_row_misfits(r, row) for row in rows]

    has_rank = bool(rows) and all(row.rank is not None for row in rows)
    totals = sorted((row.total for row in rows), reverse=True)
    higher: dict[Decimal, int] = {}
    for position, total in enumerate(totals):
        higher.setdefault(total, position)
    for index, row in enumerate(rows):
        if has_rank and row.rank != higher[row.total] + 1:
            expected = higher[row.total] + 1
            by_row[index].append(
                Misfit(
                    row.number,
                    "rank",
                    f"排名 {row.rank}：积分 {row.total} 之上有 {expected - 1} 人积分更高，"
                    f"排名应为 {expected}（同分同名次）",
                    row.line,
                    str(row.rank),
                )
            )
        if index and row.total > rows[index - 1].total:
            previous = rows[index - 1]
            by_row[index].append(
                Misfit(
                    row.number,
                    "order",
                    f"积分 {row.total} 高于上一行（{previous.number}）的 {previous.total}，"
                    f"名单应按积分从高到低排列",
                    row.line,
                    str(row.total),
                )
            )
    bad_rows: dict[str, set[int]] = {}
    for index, found in enumerate(by_row):
        misfits.extend(found)
        for misfit in found:
            bad_rows.setdefault(misfit.column, set()).add(index)

    cutoff = totals[-1] if totals else None
    tied = sum(1 for total in totals if total == cutoff)
    if quota is not None and rows:
        if len(rows) < quota:
            misfits.append(
                Misfit(
                    "",
                    "quota",
                    f"名单 {len(rows)} 人，少于年度落户规模 {quota} 人"
                    f"（只有合格申请人不足规模时才会如此）",
                )
            )
        above = len(rows) - tied
        if above >= quota:
            misfits.append(
                Misfit(
                    "",
                    "quota",
                    f"分数线 {cutoff} 以上已有 {above} 人，达到年度落户规模 {quota} 人，"
                    f"分数线应更高，积分 {cutoff} 的 {tied} 人不应在名单上",
                )
            )

    checked = {code: True for code in (*INDICATOR_CODES, *LIST_COLUMNS)}
    checked["rank"] = has_rank
    notes: list[str] = []
    if not has_rank:
        notes.append("名单没有排名列，未核验排名。")
    if rows and all(_birth_year(row.birth_month) is None for row in rows):
        checked["age"] = False
        notes.append("名单没有可识别的出生年月，未核验年龄。")
    columns = []
    for code in (*INDICATOR_CODES, *LIST_COLUMNS):
        bad = len(bad_rows.get(code, ()))
        columns.append(
            ColumnFit(
                column=code,
                label=COLUMN_LABELS[code],
                checked=checked[code],
                fits=len(rows) - bad if checked[code] else 0,
                misfits=bad,
            )
        )
    return AuditReport(
        year=year,
        policy_id=policy_id,
        policy_title=r.params.title,
        rows=len(rows),
        cutoff=cutoff,
        tied_at_cutoff=tied,
        quota=quota,
        misfits=tuple(misfits),
        columns=tuple(columns),
        notes=tuple(notes),
    )
