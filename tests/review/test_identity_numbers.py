"""Identity numbers: never in a query string or a log line; masked on pages except the
owner's and a reviewer's claim page, where the task needs the full number."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from ranking.policy.identity import mask_id_number
from tests import factories
from tests.review.conftest import build_application
from workflow.models import BEIJING, Applicant, AppState

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
IN_DECLARATION = dt.datetime(2020, 8, 1, 10, 0, tzinfo=BEIJING)


@pytest.fixture
def frozen():
    with time_machine.travel(IN_DECLARATION, tick=False):
        yield


@pytest.fixture
def app(frozen, declaration_round, people):
    """Two submitted applicants with their HRSS records loaded."""
    build_application(people[1], round=declaration_round)
    return build_application(people[0], round=declaration_round)


def number_of(app) -> str:
    return app.applicant.id_number


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("110105198001010212", "110105********0212"),
        ("11010519800101021x", "110105********021X"),
        ("110105800101021", "110105*****1021"),  # the old 15-digit number
        ("unit_admin", "unit_admin"),  # a unit administrator's user name stays
        ("13800000000", "13800000000"),  # not an identity number
        ("", ""),
    ],
)
def test_mask_keeps_the_area_and_the_last_four(value, masked):
    assert mask_id_number(value) == masked


def test_the_queue_masks_the_number_and_the_claim_page_shows_it(app, client, reviewer_of):
    client.force_login(reviewer_of("hrss"))
    number = number_of(app)
    queue = client.get(reverse("review:queue") + "?queue=all").content.decode()
    assert app.applicant.name in queue
    assert number not in queue
    assert mask_id_number(number) in queue
    claim = app.claims.get(indicator="employment")
    page = client.get(reverse("review:claim", args=[claim.pk])).content.decode()
    assert number in page  # the reviewer matches it against the department's records


def test_the_bulk_confirmation_masks_the_number(app, client, reviewer_of):
    client.force_login(reviewer_of("police"))
    ids = list(app.claims.filter(department__code="police").values_list("pk", flat=True))
    page = client.post(
        reverse("review:bulk"), {"claim_ids": ids, "decision": "verify", "reason": "核对无误"}
    ).content.decode()
    assert "确认批量审核" in page
    assert number_of(app) not in page
    assert mask_id_number(number_of(app)) in page


def test_records_are_searched_by_post_not_by_a_query_string(app, client, reviewer_of):
    client.force_login(reviewer_of("hrss"))
    url = reverse("review:records", args=["social_insurance"])
    number = number_of(app)

    listing = client.get(url).content.decode()
    assert '<form method="post">' in listing
    assert number not in listing  # the listing masks every number
    assert mask_id_number(number) in listing

    # A number in the query string is ignored: no link or bookmark can carry one.
    assert client.get(url, {"id_number": number}).content.decode().count(
        mask_id_number(number)
    ) == listing.count(mask_id_number(number))

    found = client.post(url, {"id_number": number.lower()})
    assert found.status_code == 200
    text = found.content.decode()
    assert number in text  # the number the reviewer typed
    others = set(Applicant.objects.exclude(pk=app.applicant_id).values_list("id_number", flat=True))
    assert others
    assert all(mask_id_number(other) not in text for other in others)


def test_no_form_sends_an_identity_number_by_get():
    for path in (ROOT / "templates").rglob("*.html"):
        for form in re.findall(r"<form\b[^>]*>.*?</form>", path.read_text(), re.S):
            if 'name="id_number"' in form or "id_number" in re.sub(r"\{\{.*?\}\}", "", form):
                tag = form.split(">", 1)[0]
                assert 'method="post"' in tag, f"{path}: {tag}>"


def test_unit_and_applicant_pages_mask_the_number(
    client, applicant, unit_admin, employer, declaration_round
):
    factories.ApplicationFactory(
        round=declaration_round,
        applicant=applicant,
        employer=employer,
        state=AppState.AWAITING_EMPLOYER,
    )
    number = applicant.id_number
    client.force_login(unit_admin)
    unit_page = client.get(reverse("workflow:unit")).content.decode()
    assert applicant.name in unit_page
    assert number not in unit_page
    assert mask_id_number(number) in unit_page
    client.force_login(applicant.user)
    own_page = client.get(reverse("workflow:applicant")).content.decode()
    assert mask_id_number(number) in own_page


def test_the_page_header_masks_a_user_name_that_is_an_identity_number(client, db):
    # Applicants imported by import_facts have their identity number as user name and no
    # display name: the header on every page must not print it in full.
    user = factories.UserFactory(username="110105198001010212", first_name="")
    client.force_login(user)
    page = client.get(reverse("ranking:simulator")).content.decode()
    assert "110105198001010212" not in page
    assert "110105********0212" in page


def test_medical_insurance_loads_and_reads_insurance_periods_and_nothing_else(client, reviewer_of):
    # 细则第二条: 市医保局 reviews with the other departments; it holds the medical insurance
    # payments, one of the insurance types whose months count.
    from review.models.records import kinds_of_department
    from workflow.indicators import INDICATORS

    assert [kind.code for kind in kinds_of_department("medical_insurance")] == ["social_insurance"]
    assert "medical_insurance" in INDICATORS["employment"].departments
    client.force_login(reviewer_of("medical_insurance"))
    assert client.get(reverse("review:records", args=["social_insurance"])).status_code == 200
    assert client.get(reverse("review:records", args=["residence_permit"])).status_code == 403
