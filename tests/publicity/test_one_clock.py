"""One clock for 公示 (细则第十条): the round's publicity window is the only timetable. A list
that goes public late is public for 7 full days from then; objections are taken exactly in
that window; qualification waits for its end and for every objection's decision."""

from __future__ import annotations

import datetime as dt

import pytest

from publicity import services
from publicity.models import ObjectionState
from tests.publicity.conftest import PUBLISH_AT, set_phase
from workflow.exceptions import InvalidTransition, WindowClosed
from workflow.models import AnnualRound, Application, AppState, AuditEvent, Phase
from workflow.services import application_qualify

pytestmark = pytest.mark.django_db
SEVEN_DAYS = dt.timedelta(days=7)


def report(publication, *, at, number="202000003"):
    return services.objection_submit(
        publication=publication,
        number=number,
        reporter_name="赵举报",
        reporter_id_number="110105198001010016",
        reporter_contact="13900001111",
        facts="社保补缴冒充正常缴纳。",
        now=at,
    )


def test_a_late_list_moves_the_round_window_to_seven_days_from_publication(published):
    round = AnnualRound.objects.get(pk=published.round_id)
    # Scheduled 2020-10-15 00:00 Beijing, published 17:00 the same day.
    assert round.publicity_opens_at == PUBLISH_AT
    assert round.publicity_closes_at == PUBLISH_AT + SEVEN_DAYS
    assert (published.opens_at, published.closes_at) == (
        round.publicity_opens_at,
        round.publicity_closes_at,
    )
    moved = AuditEvent.objects.get(action="round.publicity_window")
    # Stored in UTC: 2020-10-22 00:00 and 17:00 Beijing.
    assert moved.before["publicity_closes_at"].startswith("2020-10-21T16:00")
    assert moved.after["publicity_closes_at"].startswith("2020-10-22T09:00")


def test_objections_are_taken_until_the_last_second_of_the_moved_window(published):
    assert report(published, at=PUBLISH_AT + SEVEN_DAYS).state == ObjectionState.RECEIVED
    with pytest.raises(WindowClosed, match="公示已于 2020年10月22日 17:00 结束"):
        report(published, at=PUBLISH_AT + SEVEN_DAYS + dt.timedelta(seconds=1), number="202000001")


def test_qualification_waits_for_the_end_of_the_moved_window(published, administrator):
    round = AnnualRound.objects.get(pk=published.round_id)
    set_phase(round, Phase.CLOSED)  # even if the round was moved on by hand
    listed = Application.objects.filter(round=round, state=AppState.PUBLICIZED).first()
    with pytest.raises(WindowClosed, match="期满后才能确认取得落户资格"):
        application_qualify(application=listed, actor=administrator, now=PUBLISH_AT + SEVEN_DAYS)
    with pytest.raises(WindowClosed):
        services.publicity_qualify_round(round=round, now=PUBLISH_AT + SEVEN_DAYS)


def test_an_administrator_cannot_qualify_someone_whose_objection_is_open(published, administrator):
    objection = report(published, at=PUBLISH_AT + dt.timedelta(days=1))
    round = AnnualRound.objects.get(pk=published.round_id)
    set_phase(round, Phase.CLOSED)
    reported = objection.entry.application
    after = PUBLISH_AT + SEVEN_DAYS + dt.timedelta(seconds=1)
    with pytest.raises(InvalidTransition, match=f"实名举报 #{objection.pk} 尚在核查"):
        application_qualify(application=reported, actor=administrator, now=after)
    reported.refresh_from_db()
    assert reported.state == AppState.PUBLICIZED
    # Everyone else on the list (5, ties at the cutoff) is qualified; the reported one waits.
    assert services.publicity_qualify_round(round=round, now=after) == 4
    reported.refresh_from_db()
    assert reported.state == AppState.PUBLICIZED
