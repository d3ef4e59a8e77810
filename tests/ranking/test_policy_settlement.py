"""细则第十一条（二）: when the family-planning certificate may be left out, at the 2016-01-01
boundary; 细则第十二条 and the 职住区域 rule: where a settlement may be registered."""

from __future__ import annotations

import datetime as dt

import pytest

from ranking.policy.settlement import (
    COLLECTIVE,
    HOME_DIRECT_PUBLIC,
    HOME_OWN,
    HOME_UNIT_PUBLIC,
    family_planning_certificate,
    settlement_place_problem,
)

D = dt.date
EVE = D(2015, 12, 31)
DAY = D(2016, 1, 1)


@pytest.mark.parametrize(
    ("births", "required"),
    [
        # first child before 2016-01-01 (不含), second on/after it: exempt
        ([EVE, DAY], False),
        ([D(2010, 5, 1), D(2019, 3, 3)], False),
        # both before: the first-clause needs the second after; not exempt
        ([D(2010, 5, 1), EVE], True),
        # 2016-01-01（含）以后两孩以内: exempt for one or two
        ([DAY], False),
        ([DAY, D(2018, 2, 2)], False),
        # one child born the day before: not in either clause
        ([EVE], True),
        # three children: neither clause
        ([DAY, D(2017, 1, 1), D(2019, 1, 1)], True),
        ([D(2012, 1, 1), DAY, D(2019, 1, 1)], True),
    ],
)
def test_family_planning_certificate_at_the_2016_boundary(births, required):
    decision = family_planning_certificate(births, accompanying=1)
    assert decision.required is required
    assert decision.article == "细则第十一条（二）"


def test_order_of_entry_does_not_matter():
    assert family_planning_certificate([DAY, EVE], accompanying=2).required is False


def test_no_accompanying_child_needs_no_certificate():
    decision = family_planning_certificate([D(2000, 1, 1), D(2001, 1, 1), EVE], accompanying=0)
    assert decision.required is False
    assert "无随迁子女" in decision.rule


@pytest.mark.parametrize("kind", [HOME_OWN, HOME_DIRECT_PUBLIC, HOME_UNIT_PUBLIC, COLLECTIVE])
def test_any_legal_home_or_the_collective_household_without_job_residence_points(kind):
    assert settlement_place_problem(kind=kind, scored_job_residence=False) is None


@pytest.mark.parametrize("kind", [HOME_DIRECT_PUBLIC, HOME_UNIT_PUBLIC, COLLECTIVE])
def test_job_residence_points_mean_settling_in_ones_own_home(kind):
    problem = settlement_place_problem(kind=kind, scored_job_residence=True)
    assert problem is not None
    assert "职住区域" in problem
    assert settlement_place_problem(kind=HOME_OWN, scored_job_residence=True) is None


def test_unknown_place_kind_is_named():
    assert settlement_place_problem(kind="", scored_job_residence=False) == "请选择落户地址类型"
