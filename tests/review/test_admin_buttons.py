"""The admin's direct 审核通过/审核不通过 buttons decide through the back office's service."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from review.services.verification import verification_decide
from tests.review.conftest import build_application
from workflow.models import BEIJING, AuditEvent, ClaimState

pytestmark = pytest.mark.django_db

IN_DECLARATION = dt.datetime(2020, 8, 1, 10, 0, tzinfo=BEIJING)


@pytest.fixture
def staff_client(client, administrator):
    administrator.is_superuser = True  # model permissions for the admin site
    administrator.save()
    client.force_login(administrator)
    return client


@pytest.fixture
def education_claim(declaration_round, people):
    with time_machine.travel(IN_DECLARATION, tick=False):
        app = build_application(people[0], round=declaration_round, with_records=False)
        verification_decide(round=declaration_round, application_ids=[app.pk])
    claim = app.claims.get(indicator="education")
    assert claim.state == ClaimState.PENDING
    assert claim.points is None
    return claim


def _press(client, claim, name: str, reason: str):
    url = reverse("admin:workflow_indicatorclaim_transition", args=[claim.pk, name])
    with time_machine.travel(IN_DECLARATION, tick=False):
        return client.post(url, {"reason": reason}, follow=True)


def test_admin_verify_button_sets_the_claims_points_and_audits_them(
    staff_client, administrator, education_claim
):
    page = _press(staff_client, education_claim, "verify", "核对学历证书原件无误").content.decode()
    assert "审核通过：已完成" in page
    education_claim.refresh_from_db()
    assert education_claim.state == ClaimState.VERIFIED
    assert education_claim.points is not None
    assert education_claim.points > 0
    assert education_claim.verified_facts == education_claim.declared_facts
    assert not education_claim.needs_manual_review
    event = AuditEvent.objects.get(object_id=str(education_claim.pk), action="claim.verify")
    assert event.actor == administrator
    assert event.after["points"] == str(education_claim.points)


def test_admin_reject_button_needs_a_reason(staff_client, education_claim):
    page = _press(staff_client, education_claim, "reject", " ").content.decode()
    assert "审核不通过未执行" in page
    assert "审核意见为必填项" in page
    education_claim.refresh_from_db()
    assert education_claim.state == ClaimState.PENDING
    page = _press(staff_client, education_claim, "reject", "学历证书系伪造").content.decode()
    education_claim.refresh_from_db()
    assert education_claim.state == ClaimState.REJECTED
    assert AuditEvent.objects.get(action="claim.reject").reason == "学历证书系伪造"
