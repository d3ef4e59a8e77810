"""The admin for ranking and publicity: read-only records, decisions through the services,
and the reporter's identity for administrators only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse

from publicity import services
from publicity.models import (
    CreditRecord,
    Objection,
    ObjectionState,
    Publication,
    PublicityEntry,
    Settlement,
)
from ranking.models import RankingRun
from tests import factories
from tests.publicity.conftest import PUBLISH_AT, set_phase
from workflow.models import Application, AppState, AuditEvent, Phase

pytestmark = pytest.mark.django_db
REPORTER_ID = "110105198001010016"


@pytest.fixture
def admin_user(administrator):
    administrator.is_superuser = True  # model permissions for the admin site
    administrator.save()
    return administrator


@pytest.fixture
def clerk(db):
    """Staff with view rights on objections, not an administrator (积分落户管理员)."""
    user = factories.UserFactory(username="clerk", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_objection", "view_publicityentry"])
    )
    return user


@pytest.fixture
def objection(published):
    return services.objection_submit(
        publication=published,
        number="202000003",
        reporter_name="赵举报",
        reporter_id_number=REPORTER_ID,
        reporter_contact="13900001111",
        facts="社保补缴冒充正常缴纳。",
        now=PUBLISH_AT + dt.timedelta(days=1),
    )


def test_reporter_identity_is_shown_to_administrators_only(client, admin_user, clerk, objection):
    change = reverse("admin:publicity_objection_change", args=[objection.pk])
    listing = reverse("admin:publicity_objection_changelist")
    client.force_login(admin_user)
    assert REPORTER_ID in client.get(change).content.decode()
    assert "赵举报" in client.get(listing).content.decode()

    client.force_login(clerk)
    page = client.get(change)
    assert page.status_code == 200
    body = page.content.decode()
    assert "社保补缴冒充正常缴纳" in body
    for secret in (REPORTER_ID, "赵举报", "13900001111"):
        assert secret not in body
    assert "赵举报" not in client.get(listing).content.decode()
    # nor can the identity be probed through the search box
    assert "202000003" not in client.get(listing, {"q": REPORTER_ID}).content.decode()


def test_reporter_identity_and_contact_are_encrypted_at_rest(objection):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reporter_id_number, reporter_contact FROM publicity_objection WHERE id = %s",
            [objection.pk],
        )
        number, contact = cursor.fetchone()

    assert REPORTER_ID not in number
    assert "13900001111" not in contact
    objection.refresh_from_db()
    assert (objection.reporter_id_number, objection.reporter_contact) == (
        REPORTER_ID,
        "13900001111",
    )


def test_upholding_an_objection_in_the_admin_cancels_through_the_service(
    client, admin_user, clerk, objection
):
    url = reverse("admin:publicity_objection_transition", args=[objection.pk, "uphold"])
    client.force_login(clerk)  # may look, may not decide
    client.post(url, {"outcome": "查证属实"})
    objection.refresh_from_db()
    assert objection.state == ObjectionState.RECEIVED

    client.force_login(admin_user)
    assert (
        "查证属实（取消其落户资格"
        in client.get(
            reverse("admin:publicity_objection_change", args=[objection.pk])
        ).content.decode()
    )
    assert (
        "核查情况" in client.post(url, {"outcome": " "}).content.decode()
    )  # the outcome is required
    response = client.post(url, {"outcome": "社保记录核实为补缴"})
    assert response.status_code == 302
    objection.refresh_from_db()
    assert (objection.state, objection.decided_by) == (ObjectionState.UPHELD, admin_user)
    assert objection.entry.application.state == AppState.CANCELLED
    assert AuditEvent.objects.filter(
        actor=admin_user, object_id=str(objection.entry.application_id), to_state=AppState.CANCELLED
    ).exists()
    # decided: no more buttons, and a second decision is refused by the service
    assert (
        "查无实据…"
        not in client.get(
            reverse("admin:publicity_objection_change", args=[objection.pk])
        ).content.decode()
    )


def test_records_are_read_only_in_the_admin(client, admin_user, published):
    client.force_login(admin_user)
    entry = PublicityEntry.objects.filter(publication=published).first()
    run = RankingRun.objects.get(is_current=True)
    for model, obj in (
        ("ranking_rankingrun", run),
        ("publicity_publication", published),
        ("publicity_publicityentry", entry),
    ):
        app_label, name = model.split("_", 1)
        assert client.get(reverse(f"admin:{app_label}_{name}_changelist")).status_code == 200
        page = client.get(reverse(f"admin:{app_label}_{name}_change", args=[obj.pk]))
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert client.get(reverse(f"admin:{app_label}_{name}_add")).status_code == 403
        assert (
            client.post(
                reverse(f"admin:{app_label}_{name}_delete", args=[obj.pk]), {"post": "yes"}
            ).status_code
            == 403
        )
    assert RankingRun.objects.filter(pk=run.pk).exists()
    assert Publication.objects.filter(pk=published.pk).exists()


def test_settlement_is_only_shown_in_the_admin_and_credit_records_are_read_only(
    client, admin_user, published, time_machine
):
    # 细则第十一条、第十二条: nobody marks a settlement done from the admin; the chain does.
    time_machine.move_to(dt.datetime(2020, 11, 2, 9, tzinfo=dt.UTC))
    set_phase(published.round, Phase.CLOSED)
    services.publicity_qualify_round(round=published.round)
    jia = Application.objects.get(round=published.round, applicant__name="甲")
    settlement = Settlement.objects.create(application=jia)
    client.force_login(admin_user)
    page = client.get(reverse("admin:publicity_settlement_change", args=[settlement.pk]))
    assert page.status_code == 200
    assert "落户办理完成" not in page.content.decode()
    application_page = client.get(reverse("admin:workflow_application_change", args=[jia.pk]))
    assert "办理落户" not in application_page.content.decode()
    assert "登记落户" not in application_page.content.decode()

    yi = Application.objects.get(round=published.round, applicant__name="乙")
    services.fraud_record(application=yi, reason="伪造学位证书", actor=admin_user)
    record = CreditRecord.objects.filter(party="applicant").get()
    page = client.get(reverse("admin:publicity_creditrecord_change", args=[record.pk]))
    assert "伪造学位证书" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:publicity_creditrecord_add")).status_code == 403
    assert not Objection.objects.exists()
