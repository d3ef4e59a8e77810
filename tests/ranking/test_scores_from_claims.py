"""The ranking's bulk scoring from claims (the fallback of a round nothing scored, and the hook
when results become final) reads plain rows, not applications: it must score each application
exactly as scoring that application alone from its claims does, and the fallback ranking must
store what the hook stores."""

from __future__ import annotations

import datetime as dt

import pytest

from ranking import services
from ranking.importing import facts_import
from ranking.policy import FactsError
from ranking.policy.identity import make_id_number
from ranking.scoring import scores_from_claims, scores_store_final
from tests import factories
from tests.publicity.helpers import facts, lines
from workflow.facts import BASIS_VERIFIED, application_score, verified_scores
from workflow.models import Application, ClaimState, IndicatorClaim

pytestmark = pytest.mark.django_db


def woman(seq: int) -> dict:
    item = facts(seq, insurance_from="2008-03")
    born = dt.date(1984, 2, 29)
    item["person"].update(
        id_number=make_id_number("110108", born, seq, "F"),
        gender="F",
        birth_date=born.isoformat(),
        female_job="cadre",
    )
    return item


def home_owner(seq: int) -> dict:
    item = facts(seq, insurance_from="2010-01")
    item["housing"] = [{"from": "2015-05", "to": None, "kind": "own", "district": "通州区"}]
    item["job_residence_area_declared"] = True
    return item


def without_employer(seq: int) -> dict:
    item = facts(seq, insurance_from="2011-01")
    item["employer"] = None
    return item


@pytest.fixture
def round_2020(db):
    round = factories.RoundFactory(year=2020, quota=2)
    items = [facts(1), woman(2), home_owner(3), home_owner(4), without_employer(5), facts(6)]
    assert not facts_import(round=round, lines=lines(*items)).errors
    applications = list(round.applications.order_by("pk"))
    claims = IndicatorClaim.objects.filter(application__in=applications)
    # What review may leave: a rejected claim (its department's figures still count), a
    # claim never decided (no verified facts: nothing counts), a rejected 职住区域 claim.
    claims.filter(application=applications[0], indicator="employment").update(
        state=ClaimState.REJECTED
    )
    claims.filter(application=applications[1], indicator="education").update(
        state=ClaimState.PENDING, verified_facts=None
    )
    claims.filter(application=applications[3], indicator="job_residence_area").update(
        state=ClaimState.REJECTED
    )
    return round


def unscored(round):
    Application.objects.filter(round=round).update(total_points=None, score_explanation=None)
    return list(round.applications.order_by("pk").values_list("pk", flat=True))


@pytest.mark.parametrize("chunk_size", [2, 2000])
def test_each_application_scores_as_it_does_alone(round_2020, chunk_size):
    # In chunks of two the six applications take three chunks: nothing of one chunk's
    # applications may reach another's.
    ids = unscored(round_2020)
    in_bulk = dict(
        verified_scores(
            year=round_2020.year,
            policy_id=round_2020.policy_id,
            application_ids=ids,
            chunk_size=chunk_size,
        )
    )
    assert list(in_bulk) == ids
    assert dict(scores_from_claims(round_2020, ids)).keys() == in_bulk.keys()
    for application in round_2020.applications.select_related("applicant", "employer"):
        alone = application_score(application, basis=BASIS_VERIFIED)
        # With the explanation the ranking stores: every rule, figure and article.
        assert in_bulk[application.pk].as_contract(explain=True) == alone.as_contract(explain=True)
        assert in_bulk[application.pk].policy_id == alone.policy_id


def test_invalid_verified_facts_give_the_error_scoring_alone_gives(round_2020):
    ids = unscored(round_2020)
    bad = round_2020.applications.order_by("pk").last()
    bad.claims.filter(indicator="housing").update(verified_facts={"housing": "nowhere"})
    results = dict(scores_from_claims(round_2020, ids))
    with pytest.raises(FactsError) as alone:
        application_score(bad, basis=BASIS_VERIFIED)
    assert isinstance(results[bad.pk], FactsError)
    assert str(results[bad.pk]) == str(alone.value) == "housing: 应为列表"
    assert not any(isinstance(results[pk], FactsError) for pk in ids if pk != bad.pk)


def stored(round):
    return {
        a.pk: (a.total_points, a.score_explanation) for a in Application.objects.filter(round=round)
    }


def results(round):
    return {
        a.pk: (a.state, a.total_points, a.rank, a.admitted)
        for a in Application.objects.filter(round=round)
    }


def test_the_fallback_ranking_stores_and_ranks_as_after_the_hook(round_2020):
    ids = unscored(round_2020)
    assert scores_store_final(round=round_2020, application_ids=ids) == len(ids)
    by_hook = stored(round_2020)
    services.round_rank(round=round_2020)
    ranked_after_hook = results(round_2020)

    Application.objects.filter(round=round_2020).update(
        state="final", rank=None, admitted=None, total_points=None, score_explanation=None
    )
    services.round_rank(round=round_2020)
    assert stored(round_2020) == by_hook
    assert results(round_2020) == ranked_after_hook
    assert {state for state, *_ in ranked_after_hook.values()} == {"ranked"}
