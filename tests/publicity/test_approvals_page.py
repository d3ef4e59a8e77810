"""市政府审批 (细则第十条) from the approver's own page: the quota and the ranked list, each
with its 文号, audited; nobody else may record them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ranking.models import RankingApproval, RankingRun
from ranking.services import round_rank
from tests import factories
from workflow.models import AuditEvent, QuotaApproval


@pytest.fixture
def approver(db):
    return factories.city_approver()


def test_the_approver_lands_on_the_page_and_sees_what_waits(client, approver):
    factories.RoundFactory(year=2020, quota=3)
    client.force_login(approver)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("publicity:approvals")
    page = response.content.decode()
    assert "2020年度" in page
    assert "尚未排名，没有待批准的名单" in page


def test_widening_the_quota_is_recorded_with_its_document_number(client, approver):
    round = factories.RoundFactory(year=2020, quota=3)
    client.force_login(approver)
    prefix = f"q{round.pk}"
    response = client.post(
        reverse("publicity:approve_quota", args=[2020]),
        {
            f"{prefix}-quota": 5,
            f"{prefix}-proposed_by": "市发展改革委",
            f"{prefix}-document_number": "京政函〔2020〕88号",
        },
        follow=True,
    )
    assert "已登记：2020年度落户规模 5 人（京政函〔2020〕88号）" in response.content.decode()
    round.refresh_from_db()
    assert round.quota == 5
    approval = QuotaApproval.objects.filter(round=round).latest("approved_at")
    assert approval.approved_by == approver
    assert AuditEvent.objects.filter(action="round.approve_quota", actor=approver).exists()

    missing = client.post(
        reverse("publicity:approve_quota", args=[2020]),
        {
            f"{prefix}-quota": 6,
            f"{prefix}-proposed_by": "市发展改革委",
            f"{prefix}-document_number": "",
        },
        follow=True,
    )
    assert "批准文号：这个字段是必填项。" in missing.content.decode()
    round.refresh_from_db()
    assert round.quota == 5


def test_the_ranked_list_is_approved_from_the_page(client, approver, ranked_round_unapproved):
    run = RankingRun.objects.get(round=ranked_round_unapproved, is_current=True)
    client.force_login(approver)
    page = client.get(reverse("publicity:approvals")).content.decode()
    assert f"排名 #{run.pk}" in page
    assert "登记批准落户人员名单" in page
    assert client.get(reverse("publicity:manage_download", args=[2020, "csv"])).status_code == 200
    prefix = f"l{ranked_round_unapproved.pk}"
    response = client.post(
        reverse("publicity:approve_list", args=[2020, run.pk]),
        {f"{prefix}-document_number": "京政函〔2020〕99号"},
        follow=True,
    )
    assert "经市政府批准（京政函〔2020〕99号）" in response.content.decode()
    assert RankingApproval.objects.get(run=run).approved_by == approver


def test_others_cannot_record_approvals(client, administrator, ranked_round_unapproved):
    run = RankingRun.objects.get(round=ranked_round_unapproved, is_current=True)
    client.force_login(administrator)
    assert client.get(reverse("publicity:approvals")).status_code == 403
    prefix = f"l{ranked_round_unapproved.pk}"
    response = client.post(
        reverse("publicity:approve_list", args=[2020, run.pk]),
        {f"{prefix}-document_number": "京政函〔2020〕99号"},
    )
    assert response.status_code == 403
    assert not RankingApproval.objects.exists()


@pytest.fixture
def ranked_round_unapproved(db):
    from ranking.importing import facts_import
    from tests.publicity.helpers import facts, lines

    round = factories.RoundFactory(year=2020, quota=2)
    items = [facts(i, insurance_from=f"20{10 + i}-01", name=f"申请人{i}") for i in range(1, 4)]
    assert not facts_import(round=round, lines=lines(*items)).errors
    round_rank(round=round)
    return round
