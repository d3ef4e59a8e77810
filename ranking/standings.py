"""同分同落: ranking totals against the year's quota (pure Python, no Django, no clock).

细则第十条: 按分数由高到低确定年度落户人员 ... 对积分相同的申请人同时确定为年度落户人员.
The cutoff is the total of the applicant standing at position = quota; everyone at or
above it is admitted, so ties at the cutoff are all admitted and the admitted count may
exceed the quota (2020: quota 6000, cutoff 95.96, 6032 admitted). It never falls below
the quota while at least `quota` applicants are eligible; with fewer, all are admitted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import NamedTuple


class Standing(NamedTuple):
    # A NamedTuple, not a frozen dataclass: 150,000 of them are built per run, and a frozen
    # dataclass's __init__ costs ~5x more (object.__setattr__ per field).
    application_id: int
    total: Decimal
    rank: int  # standard competition rank: 1, 2, 2, 4
    position: int  # 1-based place in list order (unique)
    admitted: bool


@dataclass(frozen=True, slots=True)
class Standings:
    quota: int
    cutoff: Decimal | None  # None only when nobody is eligible
    rows: tuple[Standing, ...]  # list order

    @property
    def eligible_count(self) -> int:
        return len(self.rows)

    @property
    def admitted_count(self) -> int:
        return sum(1 for row in self.rows if row.admitted)

    @property
    def ties_at_cutoff(self) -> int:
        """How many applicants share the cutoff total (all admitted)."""
        if self.cutoff is None:
            return 0
        return sum(1 for row in self.rows if row.total == self.cutoff)


def list_order_key(application_id: int, total: Decimal) -> tuple[Decimal, int]:
    """Highest total first; equal totals by application id, ascending.

    The tie-break only orders the printed list (and so the 公示编号): tied applicants share
    their rank and their admission, so it decides nothing. Application id is stable across
    re-runs, which keeps the list and its numbers the same every time.
    """
    return (-total, application_id)


def rank_standings(entries: Iterable[tuple[int, Decimal]], *, quota: int) -> Standings:
    """Rank (application id, total) pairs against `quota` (同分同落).

    Totals must be Decimal (never float: 95.96 must equal 95.96). Ids must be unique.
    """
    if quota < 1:
        raise ValueError("quota must be at least 1")
    # Same order as `list_order_key`, without building 150,000 negated Decimals: sort by id,
    # then by total descending; Python's sort is stable (also with reverse=True), so equal
    # totals keep their ascending ids.
    ordered = sorted(entries, key=itemgetter(0))
    ordered.sort(key=itemgetter(1), reverse=True)
    if len({application_id for application_id, _ in ordered}) != len(ordered):
        raise ValueError("application ids must be unique")
    if not ordered:
        return Standings(quota=quota, cutoff=None, rows=())
    # The applicant at position = quota sets the cutoff; fewer eligible: the lowest total.
    cutoff = ordered[min(quota, len(ordered)) - 1][1]
    rows: list[Standing] = []
    make = Standing._make  # tuple.__new__ in C: ~3x faster than calling the class
    rank = 0
    previous: Decimal | None = None
    for position, (application_id, total) in enumerate(ordered, start=1):
        if total != previous:
            rank = position  # competition ranking: ties share the first position they hold
            previous = total
        rows.append(make((application_id, total, rank, position, total >= cutoff)))
    return Standings(quota=quota, cutoff=cutoff, rows=tuple(rows))
