"""同分同落 on hand-made cases, and its properties (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ranking.standings import rank_standings


def D(value: str) -> Decimal:  # noqa: N802
    return Decimal(value)


def test_ties_at_the_cutoff_are_all_admitted_and_exceed_the_quota():
    entries = [
        (1, D("99.00")),
        (2, D("97.50")),
        (3, D("95.96")),
        (4, D("95.96")),
        (5, D("95.96")),
        (6, D("95.95")),
    ]
    result = rank_standings(entries, quota=3)
    assert result.cutoff == D("95.96")
    assert [(r.application_id, r.rank, r.admitted) for r in result.rows] == [
        (1, 1, True),
        (2, 2, True),
        (3, 3, True),
        (4, 3, True),
        (5, 3, True),
        (6, 6, False),
    ]
    assert result.admitted_count == 5
    assert result.ties_at_cutoff == 3


def test_competition_ranks_skip_after_ties():
    result = rank_standings([(10, D("5")), (11, D("9")), (12, D("9")), (13, D("7"))], quota=4)
    assert [(r.application_id, r.rank) for r in result.rows] == [(11, 1), (12, 1), (13, 3), (10, 4)]


def test_quota_larger_than_eligible_admits_everyone_with_the_lowest_total_as_cutoff():
    result = rank_standings([(1, D("80.10")), (2, D("60.00"))], quota=10)
    assert result.cutoff == D("60.00")
    assert result.admitted_count == 2


def test_all_tied_admits_all():
    result = rank_standings([(i, D("70.00")) for i in range(1, 8)], quota=2)
    assert result.admitted_count == 7
    assert {r.rank for r in result.rows} == {1}


def test_nobody_eligible_has_no_cutoff():
    result = rank_standings([], quota=5)
    assert result.cutoff is None
    assert result.admitted_count == 0


def test_exact_quota_without_ties_admits_exactly_the_quota():
    result = rank_standings([(i, D(i)) for i in range(1, 11)], quota=4)
    assert result.cutoff == D("7")
    assert sorted(r.application_id for r in result.rows if r.admitted) == [7, 8, 9, 10]


def test_tied_applicants_listed_by_application_id():
    result = rank_standings([(9, D("50")), (3, D("50")), (5, D("50"))], quota=1)
    assert [r.application_id for r in result.rows] == [3, 5, 9]
    assert [r.position for r in result.rows] == [1, 2, 3]


def test_bad_quota_refused():
    with pytest.raises(ValueError, match="quota"):
        rank_standings([(1, D("1"))], quota=0)


totals = st.decimals(min_value=-60, max_value=200, places=2, allow_nan=False, allow_infinity=False)
entries_strategy = st.lists(
    st.tuples(st.integers(1, 10**6), totals), max_size=60, unique_by=lambda e: e[0]
)


@settings(max_examples=200, deadline=None)
@given(entries=entries_strategy, quota=st.integers(1, 80))
def test_properties(entries, quota):
    result = rank_standings(entries, quota=quota)
    rows = result.rows
    admitted = [r.total for r in rows if r.admitted]
    refused = [r.total for r in rows if not r.admitted]
    # never below the quota while enough are eligible; all when fewer
    assert len(admitted) >= min(quota, len(entries))
    # 同分同落: nobody left out scores as much as someone admitted
    if admitted and refused:
        assert min(admitted) > max(refused)
    # standard competition ranks: 1 + how many scored strictly more
    for row in rows:
        assert row.rank == 1 + sum(1 for other in rows if other.total > row.total)
    # more admitted than the quota only through a tie at the cutoff
    if len(admitted) > quota:
        assert sum(1 for t in admitted if t == result.cutoff) > 1
    # deterministic whatever the input order
    assert rank_standings(list(reversed(entries)), quota=quota) == result
