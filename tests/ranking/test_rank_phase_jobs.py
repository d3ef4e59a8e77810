"""The round's own path: leaving 复核及排名 ranks, entering 公示 publishes, its end qualifies."""

from __future__ import annotations

import datetime as dt

import pytest

from publicity.models import Publication
from ranking.importing import facts_import
from ranking.models import RankingRun
from tests import factories
from tests.publicity.helpers import facts, lines
from workflow.exceptions import InvalidTransition
from workflow.models import AnnualRound, Application, AppState, ClaimState, IndicatorClaim, Phase
from workflow.services import round_advance

pytestmark = pytest.mark.django_db
AFTER_PUBLICITY = dt.datetime(2020, 10, 23, 1, tzinfo=dt.UTC)


@pytest.fixture
def round_in_recheck(db):
    round = factories.RoundFactory(year=2020, quota=2)
    items = [facts(i, insurance_from=f"2010-0{i}") for i in range(1, 5)]
    assert not facts_import(round=round, lines=lines(*items)).errors
    AnnualRound.objects.filter(pk=round.pk).update(phase=Phase.RECHECK_RANKING)
    round.refresh_from_db()
    return round


def test_round_advance_ranks_publishes_and_qualifies(round_in_recheck, time_machine):
    # Published late (after the scheduled window): public for 7 full days from then.
    time_machine.move_to(AFTER_PUBLICITY, tick=False)
    # 细则第十条: ranked on leaving 复核及排名, the list waits in 公示 for the city's approval
    with pytest.raises(InvalidTransition, match="尚未经市政府批准.*批准文号"):
        round_advance(round=round_in_recheck, to=Phase.PUBLICITY)
    round_in_recheck.refresh_from_db()
    assert round_in_recheck.phase == Phase.PUBLICITY
    assert not Publication.objects.filter(round=round_in_recheck).exists()
    factories.ranking_approval_record(round_in_recheck)
    round_advance(round=round_in_recheck, to=Phase.PUBLICITY)  # the entry job resumes
    round_in_recheck.refresh_from_db()
    assert round_in_recheck.publicity_closes_at == AFTER_PUBLICITY + dt.timedelta(days=7)
    time_machine.move_to(AFTER_PUBLICITY + dt.timedelta(days=7, seconds=1), tick=False)
    round_advance(round=round_in_recheck, to=Phase.CLOSED)
    assert RankingRun.objects.get(is_current=True).admitted_count == 2
    assert Publication.objects.get(round=round_in_recheck).admitted_count == 2
    states = sorted(Application.objects.values_list("state", flat=True))
    assert states == [
        AppState.NOT_ADMITTED,
        AppState.NOT_ADMITTED,
        AppState.QUALIFIED,
        AppState.QUALIFIED,
    ]


def test_an_undecided_appeal_keeps_the_round_in_recheck(round_in_recheck):
    claim = IndicatorClaim.objects.filter(indicator="education").first()
    assert IndicatorClaim.objects.filter(pk=claim.pk).update(state=ClaimState.APPEALED) == 1
    with pytest.raises(Exception, match="申诉"):
        round_advance(round=round_in_recheck, to=Phase.PUBLICITY, now=AFTER_PUBLICITY)
    round_in_recheck.refresh_from_db()
    assert round_in_recheck.phase == Phase.RECHECK_RANKING
    assert not Application.objects.filter(state=AppState.RANKED).exists()
