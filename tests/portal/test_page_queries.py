"""The applicant's busiest pages read each thing once: a fixed, small number of queries
however much the applicant has declared (issue 13: the dashboard and the indicator page were
2–4× the bare page's CPU, most of it the same round, application and applicant read twice)."""

import datetime as dt
import re
from decimal import Decimal
from unittest.mock import patch

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.portal.conftest import PDF
from workflow.facts import score as facts_score
from workflow.indicators import INDICATORS
from workflow.models import AppState, ClaimState, Department, FormDraft, IndicatorClaim

pytestmark = pytest.mark.django_db

# session (from Redis when REDIS_URL is set), user with their applicant record, round,
# applications (the current one and an earlier qualification together), claims, evidence,
# drafts, open 原件查验 invitations (whether there are any: there are none), the header (unit link and
# unread notices in one statement), and the department names (read once a minute per
# process: the tests start with them unread).
DASHBOARD_QUERIES = 10
# session, user with their applicant record, round, application, claim, whether it has
# evidence (its files are read only if it has), the header, the department names.
INDICATOR_QUERIES = 8


@pytest.fixture
def declared(login, filling, clock):
    """A filled-in application: every indicator claimed, files on two, a draft on one."""
    client = login(filling.applicant.user)
    for code in ("housing", "education"):
        for n in range(3):
            client.post(
                f"/apply/indicators/{code}/evidence/",
                {"file": SimpleUploadedFile(f"材料{n}.pdf", PDF + bytes([n]), "application/pdf")},
            )
    for code in INDICATORS:
        if code != "education":
            factories.ClaimFactory(application=filling, indicator=code, declared_facts={})
    factories.ClaimFactory(application=filling, indicator="education")
    FormDraft.objects.create(
        application=filling, indicator="housing", data={}, saved_at=dt.datetime.now(dt.UTC)
    )
    type(filling).objects.filter(pk=filling.pk).update(state=AppState.SUBMITTED)
    return client


def test_dashboard_of_a_filled_in_application_makes_a_fixed_number_of_queries(
    declared, django_assert_max_num_queries
):
    with django_assert_max_num_queries(DASHBOARD_QUERIES) as queries:
        page = declared.get("/apply/").content.decode()
    assert page.count('<tr id="row-') == len(INDICATORS)
    assert "有未申报的草稿" in page
    assert "3 份" in page
    rounds = [q for q in queries.captured_queries if 'FROM "workflow_annualround"' in q["sql"]]
    assert len(rounds) == 1  # the header's round is the page's


def test_dashboard_before_the_unit_confirms_reads_no_indicators(
    login, round2020, applicant, employer, clock, django_assert_max_num_queries
):
    factories.ApplicationFactory(
        round=round2020, applicant=applicant, employer=employer, state=AppState.AWAITING_EMPLOYER
    )
    client = login(applicant.user)
    # session, user with their applicant record, round, applications, the header.
    with django_assert_max_num_queries(5):
        page = client.get("/apply/").content.decode()
    assert "请联系单位经办人登录本系统确认隶属关系" in page


def test_indicator_page_makes_a_fixed_number_of_queries(declared, django_assert_max_num_queries):
    with django_assert_max_num_queries(INDICATOR_QUERIES):
        page = declared.get("/apply/indicators/employment/").content.decode()
    assert "人力资源社会保障局" in page or "人社局" in page


def test_a_renamed_department_shows_on_the_applicants_pages_within_a_minute(declared, clock):
    declared.get("/apply/")
    Department.objects.filter(code="police").update(name="北京市公安局（更名）")
    clock.shift(dt.timedelta(seconds=61))
    assert "北京市公安局（更名）" in declared.get("/apply/").content.decode()


def _score_shown(page: str) -> str:
    match = re.search(r'<p class="total">([^<]+) <small>分</small>', page)
    assert match, "the dashboard shows no score"
    return match.group(1).strip()


def test_the_dashboards_score_follows_every_change_of_its_claims(declared, filling, clock):
    # The table and the score are kept rendered by their content: a department's decision
    # shows at once, and showing the same page again scores nothing anew.
    before = _score_shown(declared.get("/apply/").content.decode())
    claim = IndicatorClaim.objects.get(application=filling, indicator="education")
    with patch("workflow.facts.score", wraps=facts_score) as scoring:
        assert _score_shown(declared.get("/apply/").content.decode()) == before
        assert scoring.call_count == 0
        IndicatorClaim.objects.filter(pk=claim.pk).update(state=ClaimState.REJECTED)
        after = _score_shown(declared.get("/apply/").content.decode())
        assert scoring.call_count == 1
    assert Decimal(after) < Decimal(before)
    assert 'id="row-education" data-state="rejected"' in declared.get("/apply/").content.decode()


def test_the_request_user_arrives_with_their_applicant_record(declared, filling):
    # One query for both (workflow.backends.AccountBackend); a unit's or reviewer's page finds
    # no applicant without asking again.
    from django.contrib.auth import get_user
    from django.test import RequestFactory

    request = RequestFactory().get("/apply/")
    request.session = declared.session
    with CaptureQueriesContext(connection) as queries:
        user = get_user(request)
        assert user.applicant == filling.applicant
    assert len([q for q in queries.captured_queries if "auth_user" in q["sql"]]) == 1
    assert not [q for q in queries.captured_queries if 'FROM "workflow_applicant"' in q["sql"]]
