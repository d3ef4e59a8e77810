from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from publicity.models import Publication
from ranking.importing import facts_import
from ranking.services import round_rank
from tests import factories
from tests.publicity.helpers import EMPLOYER_B, facts, lines, unique_born
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
    factories.ranking_approval_record(round)  # 细则第十条: 报市政府批准后向社会发布
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


def publish_round(*, year: int, people: list[dict], quota: int) -> Publication:
    """Import `people` (facts) into a new round of `year`, rank, publish, and leave the
    applications in the states the publicity phase job leaves them in."""
    from publicity.services import publicity_publish
    from workflow.models import Application, AppState

    round = factories.RoundFactory(year=year, quota=quota)
    assert not facts_import(round=round, lines=lines(*people)).errors
    round_rank(round=round)
    factories.ranking_approval_record(round)
    set_phase(round, Phase.PUBLICITY)
    publication = publicity_publish(round=round, now=PUBLISH_AT.replace(year=year))
    Application.objects.filter(round=round, state=AppState.RANKED, admitted=True).update(
        state=AppState.PUBLICIZED
    )
    Application.objects.filter(round=round, state=AppState.RANKED).update(
        state=AppState.NOT_ADMITTED
    )
    return publication


@pytest.fixture
def long_list(db):
    """2020, quota 120 of 130 applicants (申请人0001…): a list of at least 120, three pages of 50."""
    people = [
        facts(
            seq,
            born=unique_born(seq * 7),
            insurance_from=f"{2000 + seq % 15}-{1 + seq % 12:02d}",
            employer=EMPLOYER_B if seq % 5 == 0 else None,
        )
        for seq in range(1, 131)
    ]
    return publish_round(year=2020, people=people, quota=120)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Statistics are cached per publication id and version; ids restart in each test.
    cache.clear()
    yield
    cache.clear()
