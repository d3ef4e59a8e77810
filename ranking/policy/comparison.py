"""The official 就业与就学积分比较 (2020 Q&A 6 and 12): for each declared education item,
the total declaring that item alone vs declaring no education at all.

Declaring an item brings its table points and, by 细则第十五条（三）, the deduction of the
employment and housing points earned in the years before graduation; employment and
housing themselves are the same either way, so only the net of those two differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ranking.policy.engine import score
from ranking.policy.facts import parse_facts
from ranking.policy.tables import EDUCATION_LEVEL_LABELS


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    label: str
    number: int  # 0: no education declared; n: only the n-th item declared
    education: Decimal
    deduction: Decimal
    total: Decimal
    diff: Decimal  # against declaring none
    best: bool = False

    @property
    def net(self) -> Decimal:
        return self.education + self.deduction


@dataclass(frozen=True, slots=True)
class EducationComparison:
    rows: tuple[ComparisonRow, ...]  # the "none" row first
    advice: str


def education_item_label(item: Mapping[str, Any]) -> str:
    obtained = (
        "学历和学位"
        if item["diploma"] and item["degree"]
        else ("学历" if item["diploma"] else "学位")
    )
    return f"{EDUCATION_LEVEL_LABELS[item['level']]}{obtained}（{item['graduated_on']} 毕业）"


def education_comparison(facts: Mapping[str, Any]) -> EducationComparison | None:
    """Compare declaring each education item alone with declaring none; None without items.
    Raises FactsError like scoring when the facts are invalid."""
    items = list(facts.get("education") or [])
    if not items:
        return None

    def scored_with(education: list[Any]) -> tuple[Decimal, Decimal, Decimal]:
        result = score(parse_facts({**facts, "education": education}))
        points = result.points()
        return points["education"], points["education_deduction"], result.total

    none_education, none_deduction, none_total = scored_with([])
    options = []
    for number, item in enumerate(items, start=1):
        education, deduction, total = scored_with([item])
        options.append(
            ComparisonRow(
                f"只申报第 {number} 项：{education_item_label(item)}",
                number,
                education,
                deduction,
                total,
                total - none_total,
            )
        )
    best = max(options, key=lambda row: (row.total, -row.number))
    declare = best.total > none_total
    if declare:
        advice = (
            f"建议申报第 {best.number} 项（{education_item_label(items[best.number - 1])}）："
            f"总积分 {best.total:.2f}，比不申报教育背景多 {best.diff:.2f} 分。"
        )
    elif best.total == none_total:
        advice = (
            f"申报教育背景不会提高总积分：扣除就学期间的就业、居住积分后与不申报持平"
            f"（均为 {none_total:.2f} 分），申报与否结果相同。"
        )
    else:
        advice = (
            f"建议不申报教育背景：扣除就学期间的就业、居住积分后，申报任何一项都比不申报少"
            f"（不申报总积分 {none_total:.2f} 分）。"
        )
    none_row = ComparisonRow(
        "不申报教育背景",
        0,
        none_education,
        none_deduction,
        none_total,
        Decimal("0.00"),
        best=not declare,
    )
    rows = [none_row] + [
        ComparisonRow(
            r.label, r.number, r.education, r.deduction, r.total, r.diff, best=declare and r is best
        )
        for r in options
    ]
    return EducationComparison(tuple(rows), advice)
