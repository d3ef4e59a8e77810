from __future__ import annotations

import datetime as dt

import pytest

from ranking.importing import facts_import
from ranking.services import round_rank
from tests import factories
from tests.publicity.helpers import EMPLOYER_B, facts, lines
from workflow.models import AnnualRound, Phase

PUBLISH_AT = dt.datetime(2020, 10, 15, 9, tzinfo=dt.UTC)


@pytest.fixture
def ranked_round(db):
    """2020, quota 3: 甲 71.75, 乙 71.46, 丙 丁 戊 63.00 (tied at the cutoff), 己 below, 庚 ineligible."""
    round = factories.RoundFactory(year=2020, quota=3)
    people = [
        ("甲", "2009-07"),
        ("乙", "2009-08"),
        ("丙", "2012-01"),
        ("丁", "2012-01"),
        ("戊", "2012-01"),
        ("己", "2012-06"),
        ("庚", "2014-01"),
    ]
    items = [
        facts(i, insurance_from=start, name=name, employer=EMPLOYER_B if name == "乙" else None)
        for i, (name, start) in enumerate(people, 1)
    ]
    assert not facts_import(round=round, lines=lines(*items)).errors
    round_rank(round=round)
    return round


def set_phase(round: AnnualRound, phase: str) -> None:
    AnnualRound.objects.filter(pk=round.pk).update(phase=phase)
    round.refresh_from_db()


@pytest.fixture
def published(ranked_round):
    from publicity.services import publicity_publish

    set_phase(ranked_round, Phase.PUBLICITY)
    publication = publicity_publish(round=ranked_round, now=PUBLISH_AT)
    from workflow.models import Application, AppState
    from workflow.phase_jobs import publicize_ranked  # noqa: F401  (states as the phase job leaves them)

    Application.objects.filter(round=ranked_round, state=AppState.RANKED, admitted=True).update(
        state=AppState.PUBLICIZED
    )
    Application.objects.filter(round=ranked_round, state=AppState.RANKED).update(
        state=AppState.NOT_ADMITTED
    )
    return publication
