"""Claim pages, object by object: a reviewer sees their own department's claims of submitted
applications, their own department's history, never another department's reasons nor the
applicant's total; counting through the ids tells them nothing more."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from review.services.decisions import claim_decide
from tests.review.conftest import build_application
from workflow.models import BEIJING, AppState, IndicatorClaim
from workflow.services import audit_record

pytestmark = pytest.mark.django_db

IN_DECLARATION = dt.datetime(2020, 8, 1, 10, 0, tzinfo=BEIJING)
HRSS_REASON = "社保缴费记录核对：2015年3月断缴"
POLICE_REASON = "公安局：有刑事犯罪记录，不符合资格条件"


@pytest.fixture
def frozen():
    with time_machine.travel(IN_DECLARATION, tick=False):
        yield


@pytest.fixture
def hrss_reviewer(reviewer_of):
    return reviewer_of("hrss")


@pytest.fixture
def submitted(frozen, declaration_round, people, hrss_reviewer):
    """A submitted application: HRSS has decided employment with a reason of its own, and the
    application carries a step whose reason names another department's finding."""
    app = build_application(people[0], round=declaration_round)
    claims = {c.indicator: c for c in app.claims.all()}
    claim_decide(
        claim=claims["employment"],
        actor=hrss_reviewer,
        decision="reject",
        reason=HRSS_REASON,
    )
    audit_record(
        actor=None,
        action="application.note",
        obj=app,
        now=IN_DECLARATION,
        round_year=2020,
        reason=POLICE_REASON,
    )
    return app


@pytest.fixture
def still_filling(frozen, declaration_round, people):
    """Another applicant's application still being filled in: nobody's work yet."""
    person = next(p for p in people[1:] if p["education"])
    return build_application(person, round=declaration_round, state=AppState.FILLING)


def claim_of(app, indicator: str) -> IndicatorClaim:
    return app.claims.get(indicator=indicator)


def test_reviewer_sees_only_their_departments_history_on_the_claim_page(
    submitted, client, reviewer_of
):
    client.force_login(reviewer_of("education"))
    page = client.get(reverse("review:claim", args=[claim_of(submitted, "education").pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert HRSS_REASON not in text  # another department's decision reason
    assert "claim.reject" not in text  # nor even that it decided
    assert POLICE_REASON not in text  # an application step's reason
    assert "application.note" in text  # the step itself is shown
    assert "其他部门的审核结论与意见不在此显示" in text


def test_reviewer_sees_their_own_departments_reasons(submitted, client, hrss_reviewer):
    client.force_login(hrss_reviewer)
    text = client.get(
        reverse("review:claim", args=[claim_of(submitted, "employment").pk])
    ).content.decode()
    assert HRSS_REASON in text
    assert POLICE_REASON not in text


def test_reviewer_does_not_see_the_applicants_total(submitted, client, reviewer_of):
    client.force_login(reviewer_of("education"))
    text = client.get(
        reverse("review:claim", args=[claim_of(submitted, "education").pk])
    ).content.decode()
    assert "总分" not in text
    assert 'class="total"' not in text
    assert 'class="indicator-points"' in text  # this indicator's own points stay


def test_administrator_sees_the_whole_history_and_the_total(submitted, client, administrator):
    client.force_login(administrator)
    text = client.get(
        reverse("review:claim", args=[claim_of(submitted, "education").pk])
    ).content.decode()
    assert HRSS_REASON in text
    assert POLICE_REASON in text
    assert "总分" in text
    assert "其他部门的审核结论与意见不在此显示" not in text


def test_probing_claim_ids_finds_only_the_departments_own_submitted_claims(
    submitted, still_filling, client, reviewer_of
):
    # A reviewer counting through /review/claims/1/, /2/, … gets the same "not found" for
    # another department's claim, a claim of an application still being filled in, and an
    # id that does not exist: only their own department's submitted claims open.
    client.force_login(reviewer_of("education"))
    # Every id of this test's rows and a few either side (on PostgreSQL ids keep counting
    # across tests, so the range starts at this test's first row).
    first = IndicatorClaim.objects.order_by("pk").values_list("pk", flat=True).first()
    last = IndicatorClaim.objects.order_by("-pk").values_list("pk", flat=True).first()
    own = set(
        IndicatorClaim.objects.filter(
            application=submitted, department__code="education"
        ).values_list("pk", flat=True)
    )
    assert own
    assert IndicatorClaim.objects.filter(
        application=still_filling, department__code="education"
    ).exists()
    not_found = client.get(reverse("review:claim", args=[last + 1000]))
    assert not_found.status_code == 404
    opened = set()
    for pk in range(max(1, first - 3), last + 3):
        response = client.get(reverse("review:claim", args=[pk]))
        if response.status_code == 200:
            opened.add(pk)
            continue
        assert response.status_code == 404, pk
        assert response.content == not_found.content, pk
    assert opened == own


def test_deciding_by_probing_ids_decides_nothing(submitted, still_filling, client, reviewer_of):
    client.force_login(reviewer_of("education"))
    others = IndicatorClaim.objects.exclude(
        application=submitted, department__code="education"
    ).values_list("pk", "state")
    for pk, _ in others:
        response = client.post(
            reverse("review:decide", args=[pk]), {"decision": "verify", "reason": "核对无误"}
        )
        assert response.status_code == 404, pk
    assert set(
        IndicatorClaim.objects.exclude(
            application=submitted, department__code="education"
        ).values_list("pk", "state")
    ) == set(others)


@pytest.mark.parametrize("persona", ["applicant", "unit_admin"])
def test_people_who_are_no_departments_staff_are_refused_whatever_the_id(
    request, submitted, client, persona
):
    user = request.getfixturevalue(persona)
    client.force_login(getattr(user, "user", user))
    pk = claim_of(submitted, "education").pk
    assert client.get(reverse("review:claim", args=[pk])).status_code == 403
    assert client.get(reverse("review:claim", args=[pk + 1000])).status_code == 403
