"""积分排名 from the back office (细则第十条): a 试算 states the quota, the cutoff, the ties and
the counts; the ranking runs only on the newest confirmed 试算, in the administrator's name."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ranking.importing import facts_import
from ranking.models import RankingRun, RankingStatus
from tests import factories
from tests.publicity.helpers import facts, lines
from workflow.models import Application, AppState, AuditEvent, ClaimState, IndicatorClaim


@pytest.fixture
def ready_round(db):
    """2020, quota 3, approved; 甲 乙 above, 丙 丁 戊 tied at the cutoff, 己 below; not ranked."""
    round = factories.RoundFactory(year=2020, quota=3)
    people = [
        ("甲", "2009-07"),
        ("乙", "2009-08"),
        ("丙", "2012-01"),
        ("丁", "2012-01"),
        ("戊", "2012-01"),
        ("己", "2012-06"),
    ]
    items = [facts(i, insurance_from=start, name=name) for i, (name, start) in enumerate(people, 1)]
    assert not facts_import(round=round, lines=lines(*items)).errors
    return round


def _page(client, year=2020):
    return client.get(reverse("publicity:rank", args=[year])).content.decode()


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST to the ranking page; the jobs it queues after commit run (eagerly, in tests)."""

    def send(data, year=2020):
        url = reverse("publicity:rank", args=[year])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
        assert response.status_code == 302
        return client.get(url)

    return send


def test_preview_states_the_figures_and_writes_nothing(post, client, administrator, ready_round):
    client.force_login(administrator)
    assert "尚未试算" in _page(client)
    page = post({"action": "preview"}).content.decode()
    assert "已开始试算" in page
    assert "<th>年度落户规模</th><td>3 人</td>" in page
    assert "<th>分数线同分（同分同落）</th><td>3 人</td>" in page
    assert "<th>进入落户名单</th><td>5 人</td>" in page
    assert "<th>结果将有变化的申请</th><td>6 份</td>" in page
    assert "确认并开始积分排名" in page
    preview = RankingRun.objects.get(status=RankingStatus.PREVIEW)
    assert not preview.is_current
    # nothing ranked: every application still waits in 积分确定
    assert set(Application.objects.values_list("state", flat=True)) == {AppState.FINAL}
    assert not AuditEvent.objects.filter(action="round.rank").exists()


def test_confirmed_ranking_runs_in_the_administrators_name_as_previewed(
    post, client, administrator, ready_round
):
    client.force_login(administrator)
    post({"action": "preview"})
    preview = RankingRun.objects.get(status=RankingStatus.PREVIEW)

    refused = post({"action": "rank", "preview": preview.pk}).content.decode()
    assert "请先勾选" in refused
    assert not RankingRun.objects.filter(status=RankingStatus.SUCCEEDED).exists()

    page = post({"action": "rank", "preview": preview.pk, "checked": "on"})
    text = page.content.decode()
    run = RankingRun.objects.get(is_current=True)
    assert run.actor == administrator
    assert (run.cutoff, run.admitted_count, run.ties_at_cutoff) == (
        preview.cutoff,
        preview.admitted_count,
        preview.ties_at_cutoff,
    )
    assert f"排名 #{run.pk} 已完成" in text
    assert "尚未经市政府批准" in text  # the list waits for the city (细则第十条)
    assert "排名结果与确认的试算不同" not in text
    confirm = AuditEvent.objects.get(action="ranking.confirm")
    assert confirm.actor == administrator
    assert confirm.after["admitted_count"] == 5
    assert Application.objects.filter(state=AppState.RANKED, admitted=True).count() == 5


def test_only_the_newest_preview_can_be_confirmed(post, client, administrator, ready_round):
    client.force_login(administrator)
    post({"action": "preview"})
    old = RankingRun.objects.get(status=RankingStatus.PREVIEW)
    post({"action": "preview"})
    page = post({"action": "rank", "preview": old.pk, "checked": "on"}).content.decode()
    assert "这次试算之后已有新的试算或排名" in page
    assert not RankingRun.objects.filter(status=RankingStatus.SUCCEEDED).exists()


def test_the_page_says_why_it_cannot_rank_and_offers_no_button(post, client, administrator, db):
    round = factories.RoundFactory(year=2020, quota=3)
    people = [facts(1, name="甲")]
    assert not facts_import(round=round, lines=lines(*people)).errors
    claim = IndicatorClaim.objects.filter(application__round=round).first()
    IndicatorClaim.objects.filter(pk=claim.pk).update(state=ClaimState.APPEALED)
    client.force_login(administrator)
    page = _page(client)
    assert "现在不能排名" in page
    assert "项申诉尚未作出结论" in page
    assert 'value="preview"' not in page
    refused = post({"action": "preview"}).content.decode()
    assert "项申诉尚未作出结论" in refused


def test_only_administrators_see_the_page(client, applicant, reviewer_of, ready_round):
    client.force_login(reviewer_of("hrss"))
    assert client.get(reverse("publicity:rank", args=[2020])).status_code == 403
    assert (
        client.post(reverse("publicity:rank", args=[2020]), {"action": "preview"}).status_code
        == 403
    )
    assert not RankingRun.objects.exists()
