"""Admin transition buttons call the services: same windows, same roles, same audit."""

import pytest
import time_machine
from django.urls import reverse

from tests import factories
from tests.workflow.conftest import at
from workflow.models import AppState, AuditEvent, Phase

pytestmark = pytest.mark.django_db


def _transition_url(model: str, pk: int, name: str) -> str:
    return reverse(f"admin:workflow_{model}_transition", args=[pk, name])


def test_administrator_advances_round_with_button(client, administrator):
    administrator.is_superuser = True  # model permissions for the admin site
    administrator.save()
    round = factories.RoundFactory(year=2020, phase=Phase.SCHEDULED)
    client.force_login(administrator)
    with time_machine.travel(at(2020, 7, 17, 8), tick=False):
        page = client.get(reverse("admin:workflow_annualround_change", args=[round.pk]))
        assert "推进到下一阶段" in page.content.decode()
        response = client.post(_transition_url("annualround", round.pk, "advance"))
    assert response.status_code == 302
    round.refresh_from_db()
    assert round.phase == Phase.DECLARATION
    assert AuditEvent.objects.get(action="round.advance").actor == administrator


def test_button_outside_the_window_is_refused_with_the_service_message(client, administrator):
    administrator.is_superuser = True
    administrator.save()
    round = factories.RoundFactory(year=2020, phase=Phase.SCHEDULED)
    client.force_login(administrator)
    with time_machine.travel(at(2020, 7, 17, 7, 59, 59), tick=False):
        response = client.post(_transition_url("annualround", round.pk, "advance"), follow=True)
    assert "2020年07月17日 08:00 开始" in response.content.decode()
    round.refresh_from_db()
    assert round.phase == Phase.SCHEDULED


def test_buttons_need_post(client, administrator):
    administrator.is_superuser = True
    administrator.save()
    round = factories.RoundFactory(year=2020)
    client.force_login(administrator)
    assert client.get(_transition_url("annualround", round.pk, "advance")).status_code == 405


@pytest.mark.parametrize("persona", ["applicant", "unit_admin", "anonymous"])
def test_non_staff_cannot_press_buttons(client, request, persona):
    round = factories.RoundFactory(year=2020, phase=Phase.DECLARATION)
    application = factories.ApplicationFactory(round=round, state=AppState.SUBMITTED)
    if persona != "anonymous":
        user = request.getfixturevalue(persona)
        client.force_login(getattr(user, "user", user))
    response = client.post(_transition_url("application", application.pk, "begin_review"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    application.refresh_from_db()
    assert application.state == AppState.SUBMITTED


def test_audit_log_has_no_delete_in_admin(client, administrator):
    administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    from workflow import services

    services.round_create(year=2021, quota=1, actor=administrator)
    event = AuditEvent.objects.get()
    assert (
        client.get(reverse("admin:workflow_auditevent_delete", args=[event.pk])).status_code == 403
    )
    assert client.get(reverse("admin:workflow_auditevent_changelist")).status_code == 200


@pytest.mark.parametrize(
    "model",
    [
        "annualround",
        "application",
        "indicatorclaim",
        "employer",
        "applicant",
        "department",
        "jobrun",
        "auditevent",
        "servicewindow",
        "supplementrequest",
        "originalscheck",
    ],
)
def test_admin_changelists_render(client, administrator, model):
    administrator.is_superuser = True
    administrator.save()
    factories.ClaimFactory()
    client.force_login(administrator)
    assert client.get(reverse(f"admin:workflow_{model}_changelist")).status_code == 200


def test_an_advance_says_what_its_jobs_moved(client, administrator, employer):
    administrator.is_superuser = True
    administrator.save()
    round = factories.RoundFactory(year=2020, phase=Phase.DECLARATION)
    for state in (AppState.SUBMITTED, AppState.SUBMITTED, AppState.FILLING):
        factories.ApplicationFactory(round=round, employer=employer, state=state)
    client.force_login(administrator)
    with time_machine.travel(at(2020, 8, 16, 0, 0, 30), tick=False):
        response = client.post(_transition_url("annualround", round.pk, "advance"), follow=True)
    page = response.content.decode()
    assert "已完成。申报阶段 → 部门审核结果汇总阶段；" in page
    assert "积分落户申请 填报中 → 已撤回 1 项" in page
    assert "积分落户申请 已提交 → 审核汇总中 2 项" in page


def test_a_list_filter_with_a_nul_character_goes_back_to_the_list_naming_it(client, administrator):
    # Found by tests/test_fuzz_endpoints.py: Django's changelist put the NUL into the query,
    # which PostgreSQL refuses (500).
    administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    url = reverse("admin:workflow_application_changelist")
    response = client.get(url, {"state": "filling\x00", "q": "王"})
    assert response.status_code == 302
    assert response["Location"] == url
    page = client.get(url).content.decode()
    assert "地址中的参数 state 含有空字符" in page
