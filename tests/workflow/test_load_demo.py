"""manage.py load_demo: what someone clicking around the demo for five minutes relies on."""

from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command

from publicity import demo
from publicity.models import Objection, Publication
from review.models import Degree, PropertyRegistration
from review.selectors import QueueFilters, work_queue
from tests.workflow.conftest import at
from workflow import roles
from workflow.indicators import DEPARTMENTS
from workflow.models import (
    AnnualRound,
    Application,
    AppState,
    AuditEvent,
    ClaimState,
    Department,
    EmployerMembership,
    IndicatorClaim,
    Phase,
    ReviewerProfile,
)

pytestmark = pytest.mark.django_db
NOW = at(2026, 5, 10, 9)


@pytest.fixture
def load(django_capture_on_commit_callbacks):
    """Run load_demo at NOW with a small past round; the verification queued on commit runs."""

    def run(*args: str) -> str:
        out = StringIO()
        with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
            call_command("load_demo", "--past-applicants", "200", *args, stdout=out)
        return out.getvalue()

    return run


def claims_of(username: str) -> dict[str, IndicatorClaim]:
    app = Application.objects.get(round__year=2026, applicant__user__username=username)
    return {c.indicator: c for c in app.claims.all()}


def test_accounts_and_both_rounds(load, client):
    output = load()

    users = get_user_model().objects
    assert users.get(username="admin").is_superuser
    assert users.get(username="unit").check_password(demo.PASSWORD)
    # The demo unit may confirm 李小红 at once: it is verified as acting for its credit code.
    assert EmployerMembership.objects.get(user__username="unit").is_verified
    # one reviewer per indicator department, and the demo's district office (区指定部门)
    assert ReviewerProfile.objects.count() == len(DEPARTMENTS) + 1
    assert roles.is_district_office(users.get(username="district"))
    assert set(
        users.filter(username__startswith="applicant").values_list("username", flat=True)
    ) == {
        "applicant",
        "applicant2",
        "applicant3",
        "applicant4",
        "applicant5",
    }

    current = AnnualRound.objects.get(year=2026)
    assert current.phase == Phase.DECLARATION
    assert current.is_declaration_open(NOW)
    states = dict(
        Application.objects.filter(round=current).values_list("applicant__user__username", "state")
    )
    assert states == {
        "applicant": AppState.SUBMITTED,
        "applicant2": AppState.AWAITING_EMPLOYER,
        "applicant3": AppState.FILLING,
        "applicant4": AppState.SUBMITTED,
        "applicant5": AppState.DRAFT,
    }

    past = AnnualRound.objects.get(year=2025)
    assert past.phase == Phase.PUBLICITY
    assert past.is_publicity_open(NOW)
    assert past.quota == 10  # 5% of 200
    publication = Publication.objects.get(round=past)
    assert publication.is_open(NOW)
    assert publication.cutoff is not None
    assert publication.admitted_count >= 10
    assert publication.entries.count() == publication.admitted_count
    assert Objection.objects.filter(publication=publication).count() == 1

    # What the command tells the visitor, in both languages.
    assert "http://127.0.0.1:8000/" in output
    assert "luohu-demo-2020" in output
    assert "申请人 applicant（王小明）" in output
    assert "查看申报与审核结果" in output
    assert "/publicity/2025/" in output
    assert "/simulator/" in output
    assert f"分数线 {publication.cutoff}" in output

    page = client.get("/publicity/2025/")
    assert page.status_code == 200
    assert f"{publication.cutoff}" in page.content.decode()
    assert client.get("/publicity/2025/list.csv").status_code == 200


def test_demo_applicant_has_real_department_results(load, client):
    load()
    claims = claims_of("applicant")
    assert claims["employment"].state == ClaimState.VERIFIED
    assert claims["employment"].points > 0
    assert claims["tax"].state == ClaimState.VERIFIED
    assert claims["tax"].points > 0
    # Declared from 2015-05, registered from 2017-05: the department's figures stand.
    housing = claims["housing"]
    assert housing.state == ClaimState.ADJUSTED
    assert housing.verified_facts["housing"][0]["from"] == "2017-05"
    # A master's degree the 教委 has no record of: the manual queue, with the diff.
    education = claims["education"]
    assert education.state == ClaimState.PENDING
    assert education.needs_manual_review
    assert education.mismatch["only_declared"][0]["level"] == "master"

    def queue(code: str) -> list[str]:
        return [
            c.application.applicant.name
            for c in work_queue(
                department=Department.objects.get(code=code),
                round=AnnualRound.objects.get(year=2026),
                filters=QueueFilters(),
                now=NOW,
            )
        ]

    assert queue("education") == ["王小明"]
    assert queue("housing_construction") == ["刘芳"]
    assert queue("tax") == ["刘芳"]

    client.force_login(get_user_model().objects.get(username="applicant"))
    with time_machine.travel(NOW, tick=False):
        page = client.get("/apply/").content.decode()
    assert "审核调整" in page
    assert "审核通过" in page


def test_filling_applicant_gets_results_on_submission(load, django_capture_on_commit_callbacks):
    """applicant3's records are loaded before they submit: submitting verifies every claim."""
    from workflow import services

    load()
    app = Application.objects.get(round__year=2026, applicant__user__username="applicant3")
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=app, actor=app.applicant.user, now=NOW)
    states = {c.indicator: c.state for c in app.claims.all()}
    assert set(states.values()) == {ClaimState.VERIFIED}
    assert states["honors"] == ClaimState.VERIFIED


def test_running_twice_changes_nothing(load):
    first = load()
    counts = [
        m.objects.count()
        for m in (
            AuditEvent,
            Application,
            IndicatorClaim,
            Degree,
            PropertyRegistration,
            Objection,
            get_user_model(),
        )
    ]
    passwords = dict(get_user_model().objects.values_list("username", "password"))
    second = load()
    assert [
        m.objects.count()
        for m in (
            AuditEvent,
            Application,
            IndicatorClaim,
            Degree,
            PropertyRegistration,
            Objection,
            get_user_model(),
        )
    ] == counts
    assert dict(get_user_model().objects.values_list("username", "password")) == passwords
    assert first.split("秒")[1] == second.split("秒")[1]  # same report but for the time taken


def test_home_page_links_to_the_published_list_not_the_current_round(load, client):
    load()
    published = Publication.objects.get()
    with time_machine.travel(NOW, tick=False):
        page = client.get("/").content.decode()
    assert f'href="/publicity/{published.round.year}/"' in page
    assert f"分数线 {published.cutoff} 分" in page
    # this year's round is in declaration: it has no list to link to
    assert f'href="/publicity/{published.round.year + 1}/"' not in page
    with time_machine.travel(NOW, tick=False):
        assert client.get(f"/publicity/{published.round.year}/").status_code == 200
