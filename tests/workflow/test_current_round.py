"""The current round is the one whose timetable contains now, never just the newest row."""

import pytest
import time_machine
from django.urls import reverse

from tests import factories
from tests.workflow.conftest import at
from workflow import services
from workflow.models import AppState, Phase
from workflow.selectors import round_current

pytestmark = pytest.mark.django_db

IN_2026_DECLARATION = at(2026, 8, 1, 9)


@pytest.fixture
def clock():
    with time_machine.travel(IN_2026_DECLARATION, tick=False) as traveller:
        yield traveller


@pytest.fixture
def round2026(db):
    return factories.RoundFactory(year=2026, phase=Phase.DECLARATION)


@pytest.fixture
def next_year_created_early(clock, round2026, administrator):
    """2027 created (scheduled) by an administrator while 2026 is in declaration."""
    return services.round_create(year=2027, quota=6000, actor=administrator)


def test_next_years_round_created_early_does_not_replace_the_running_one(
    next_year_created_early, round2026
):
    assert next_year_created_early.phase == Phase.SCHEDULED
    assert round_current() == round2026


def test_applicant_stays_on_the_running_round_after_next_year_is_created(
    next_year_created_early, round2026, applicant, employer, client
):
    application = factories.ApplicationFactory(
        round=round2026, applicant=applicant, employer=employer, state=AppState.FILLING
    )
    client.force_login(applicant.user)
    page = client.get(reverse("workflow:applicant")).content.decode()
    assert "2026年度积分落户" in page  # the header on every page
    assert 'id="app-state"' in page
    assert application.state_label in page
    assert "开始2027年度申报" not in page


def test_unit_stays_on_the_running_round_after_next_year_is_created(
    next_year_created_early, round2026, applicant, employer, unit_admin, client
):
    factories.ApplicationFactory(
        round=round2026, applicant=applicant, employer=employer, state=AppState.AWAITING_EMPLOYER
    )
    client.force_login(unit_admin)
    page = client.get(reverse("workflow:unit")).content.decode()
    assert "2026年度积分落户" in page
    assert applicant.name in page


def test_reviewer_queue_stays_on_the_running_round_after_next_year_is_created(
    next_year_created_early, round2026, applicant, reviewer_of, client
):
    claim = factories.ClaimFactory(
        application=factories.ApplicationFactory(
            round=round2026, applicant=applicant, state=AppState.SUBMITTED
        ),
        indicator="education",
    )
    client.force_login(reviewer_of("education"))
    page = client.get(reverse("review:queue") + "?queue=all").content.decode()
    assert "2026年度积分落户" in page
    assert reverse("review:claim", args=[claim.pk]) in page


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # the running round from the first second of declaration to the last of publicity
        (at(2026, 7, 17, 8), 2026),
        (at(2026, 10, 22, 0, 0, 0), 2026),
        # between rounds: the next one scheduled (its header says when declaration opens)
        (at(2026, 10, 22, 0, 0, 1), 2027),
        (at(2027, 7, 17, 7, 59, 59), 2027),
        (at(2027, 7, 17, 8), 2027),
    ],
)
def test_current_round_follows_the_timetable_to_the_second(moment, expected):
    factories.RoundFactory(year=2026, phase=Phase.CLOSED)
    factories.RoundFactory(year=2027, phase=Phase.SCHEDULED)
    assert round_current(now=moment).year == expected


def test_a_round_still_in_progress_by_phase_stays_current_past_its_windows():
    # Beat has not closed 2026 yet (or an administrator is holding it): still the current one.
    factories.RoundFactory(year=2026, phase=Phase.PUBLICITY)
    factories.RoundFactory(year=2027, phase=Phase.SCHEDULED)
    assert round_current(now=at(2026, 11, 1)).year == 2026


def test_with_every_round_closed_the_latest_is_current():
    factories.RoundFactory(year=2025, phase=Phase.CLOSED)
    factories.RoundFactory(year=2026, phase=Phase.CLOSED)
    assert round_current(now=at(2027, 1, 1)).year == 2026
    assert round_current(now=at(2025, 8, 1)).year == 2025


def test_when_two_rounds_windows_overlap_the_newer_is_current():
    # Last year's publicity still running while this year's declaration is open (the demo).
    factories.RoundFactory(year=2026, phase=Phase.DECLARATION)
    last_year = factories.RoundFactory(year=2025, phase=Phase.PUBLICITY)
    last_year.publicity_closes_at = at(2026, 8, 8)
    last_year.save(update_fields=["publicity_closes_at"])
    assert round_current(now=at(2026, 8, 1, 9)).year == 2026
