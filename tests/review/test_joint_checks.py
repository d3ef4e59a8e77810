"""联动核察 (细则第二条, 第七条): 人社局 opens a check on an application with several
departments; each records its finding; 人社局 concludes once all are in; the conclusion lands in
the taking-part claims' histories and a fraud finding reaches the administrators and the
integrity path."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.review.conftest import build_application
from workflow.exceptions import DomainError, NotPermitted
from workflow.models import BEIJING, AuditEvent, JointCheckState, Notice
from workflow.services.joint_checks import (
    joint_check_conclude,
    joint_check_open,
    joint_check_record_finding,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2020, 8, 3, 10, 0, tzinfo=BEIJING)


@pytest.fixture
def world(declaration_round, people, reviewer_of, administrator):
    with time_machine.travel(NOW, tick=False):
        app = build_application(people[0], round=declaration_round, with_records=False)
        yield {
            "app": app,
            "hrss": reviewer_of("hrss"),
            "police": reviewer_of("police"),
            "tax": reviewer_of("tax"),
            "education": reviewer_of("education"),
            "admin": administrator,
            "departments": [factories.department("police"), factories.department("tax")],
        }


def open_check(world, **kwargs):
    return joint_check_open(
        application=world["app"],
        actor=kwargs.get("actor", world["hrss"]),
        subject="社保缴纳单位与纳税单位不一致，核查是否挂靠",
        departments=kwargs.get("departments", world["departments"]),
    )


def test_only_hrss_leads_and_with_at_least_two_departments(world):
    with pytest.raises(NotPermitted, match="只有人社局（联动核察的牵头部门"):
        open_check(world, actor=world["police"])
    with pytest.raises(DomainError, match="参与部门.*至少选择两个部门"):
        open_check(world, departments=world["departments"][:1])


def test_departments_taking_part_are_notified_and_record_their_findings(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        check = open_check(world)
    assert Notice.objects.filter(recipient=world["police"]).exists()
    assert Notice.objects.filter(recipient=world["tax"]).exists()
    assert not Notice.objects.filter(recipient=world["education"]).exists()

    with pytest.raises(NotPermitted, match="只有参与该联动核察的部门"):
        joint_check_record_finding(check=check, actor=world["education"], finding="无")
    joint_check_record_finding(check=check, actor=world["police"], finding="居住登记属实")

    with pytest.raises(DomainError, match="还有部门未填写核查意见（税务局）"):
        joint_check_conclude(check=check, actor=world["hrss"], outcome="x", fraud_found=False)


def test_conclusion_lands_on_the_claims_and_fraud_reaches_the_administrators(
    world, django_capture_on_commit_callbacks
):
    check = open_check(world)
    joint_check_record_finding(check=check, actor=world["police"], finding="属实")
    joint_check_record_finding(
        check=check, actor=world["tax"], finding="个税由另一单位申报", fraud_suspected=True
    )
    with pytest.raises(NotPermitted, match="只有人社局的工作人员才能作出联动核察结论"):
        joint_check_conclude(check=check, actor=world["tax"], outcome="x", fraud_found=True)

    with django_capture_on_commit_callbacks(execute=True):
        joint_check_conclude(
            check=check, actor=world["hrss"], outcome="查实挂靠社保", fraud_found=True
        )

    assert check.state == JointCheckState.CONCLUDED
    on_claims = AuditEvent.objects.filter(action="claim.joint_check")
    claim_departments = set(
        world["app"]
        .claims.filter(pk__in=[int(e.object_id) for e in on_claims])
        .values_list("department__code", flat=True)
    )
    assert claim_departments == {"police", "tax"}
    assert all("查实弄虚作假" in e.reason for e in on_claims)
    notice = Notice.objects.get(recipient=world["admin"])
    assert notice.link == reverse("publicity:fraud", args=[world["app"].pk])
    admin = Client()
    admin.force_login(world["admin"])
    assert "联动核察结论：查实挂靠社保" in admin.get(notice.link).content.decode()


def test_pages_let_each_department_record_and_refuse_outsiders(world):
    check = open_check(world)
    police = Client()
    police.force_login(world["police"])
    education = Client()
    education.force_login(world["education"])
    url = reverse("review:joint_check", args=[check.pk])

    saved = police.post(url, {"action": "finding", "finding": "属实"})

    assert saved.status_code == 302
    assert education.get(url).status_code == 404
    assert "属实" in police.get(url).content.decode()
