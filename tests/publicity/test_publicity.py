"""The public list, downloads, export command, objections, qualification, settlement, fraud."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from publicity import services
from publicity.exports import CSV_COLUMNS
from publicity.models import CreditRecord, ObjectionState
from ranking.services import round_rank
from tests import factories
from tests.publicity.conftest import PUBLISH_AT, set_phase
from workflow.bars import bar_refusal
from workflow.exceptions import DomainError, NotPermitted, WindowClosed
from workflow.models import Application, AppState, AuditEvent, Phase
from workflow.services import application_name_employer, application_start, round_set_quota

pytestmark = pytest.mark.django_db
DURING = PUBLISH_AT + dt.timedelta(days=3)
EXPECTED_HEADER = [
    "number",
    "rank",
    "name",
    "birth_month",
    "employer",
    "employment",
    "housing",
    "education",
    "education_deduction",
    "job_residence_area",
    "innovation",
    "tax",
    "age",
    "honors",
    "law_record",
    "total",
]


def test_publication_freezes_the_list_in_rank_order_for_exactly_seven_days(published):
    assert published.closes_at - published.opens_at == dt.timedelta(days=7)
    rows = list(
        published.entries.order_by("position").values_list("number", "name", "rank", "total")
    )
    assert [r[:3] for r in rows] == [
        ("202000001", "甲", 1),
        ("202000002", "乙", 2),
        ("202000003", "丙", 3),
        ("202000004", "丁", 3),
        ("202000005", "戊", 3),
    ]
    assert (published.quota, str(published.cutoff), published.admitted_count) == (3, "63.00", 5)
    assert (
        sum(b["count"] for b in published.histogram) == 6
    )  # all ranked applicants, not just the list


def test_public_page_without_login_shows_list_figures_and_no_identity(published, client):
    response = client.get(reverse("publicity:list", args=[2020]))
    page = response.content.decode()
    assert response.status_code == 200
    for text in (
        "202000001",
        "甲",
        "1985-07",
        "北京海淀创新研究院",
        "63.00",
        "年度落户规模",
        "<svg",
        "分数线 63.00",
        "扣除取得学历（学位）期间累计的居住及就业分数",
    ):
        assert text in page
    for application in Application.objects.filter(round=published.round).select_related(
        "applicant"
    ):
        assert application.applicant.id_number not in page
        assert application.applicant.id_number[:14] not in page
    assert "13800000000" not in page
    assert "己" not in page.split("<tbody>")[1]  # below the cutoff: not on the list


def test_search_by_name_or_employer_and_paging(published, client, monkeypatch):
    url = reverse("publicity:list", args=[2020])
    page = client.get(url, {"q": "海淀创新"}).content.decode()
    body = page.split("<tbody>")[1]
    assert "乙" in body
    assert "甲" not in body
    assert "丁" in client.get(url, {"q": "丁"}).content.decode().split("<tbody>")[1]
    monkeypatch.setattr("publicity.selectors.PAGE_SIZE", 2)
    third = client.get(url, {"page": 3}).content.decode()
    assert "第 3 / 3 页" in third
    assert "202000005" in third
    assert "202000001" not in third


def test_not_published_list_is_not_public(ranked_round, client):
    assert client.get(reverse("publicity:list", args=[2020])).status_code == 404


def test_csv_download_has_the_exact_header_and_a_bom(published, client):
    response = client.get(reverse("publicity:download", args=[2020, "csv"]))
    data = response.content
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == EXPECTED_HEADER == list(CSV_COLUMNS)
    assert rows[1][:5] == ["202000001", "1", "甲", "1985-07", "北京示例科技有限公司"]
    assert rows[1][-1] == "71.75"
    assert len(rows) == 6


def test_export_before_publication_is_a_draft_in_xlsx_but_keeps_the_csv_columns(
    ranked_round, tmp_path
):
    out = tmp_path / "draft.xlsx"
    call_command("export_publicity", "--year", "2020", "--format", "xlsx", "--out", str(out))
    sheet = load_workbook(out).active
    assert "草稿" in sheet["A1"].value
    assert [c.value for c in sheet[2]][:3] == ["公示编号", "排名", "姓名"]
    assert sheet["A3"].value == "202000001"
    csv_out = tmp_path / "draft.csv"
    call_command("export_publicity", "--year", "2020", "--format", "csv", "--out", str(csv_out))
    rows = list(csv.reader(io.StringIO(csv_out.read_bytes().decode("utf-8-sig"))))
    assert rows[0] == EXPECTED_HEADER
    assert len(rows) == 6


def test_xlsx_after_publication_is_not_a_draft(published, client):
    response = client.get(reverse("publicity:download", args=[2020, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "草稿" not in sheet["A1"].value
    assert sheet.max_row == 7  # title, header, five listed applicants
    assert sheet["A7"].value == "202000005"


def test_export_refused_before_ranking(db):
    factories.RoundFactory(year=2020)
    with pytest.raises(CommandError, match="尚未排名"):
        call_command("export_publicity", "--year", "2020", "--format", "csv")


def test_quota_refused_after_publication(published, administrator):
    with pytest.raises(WindowClosed):
        round_set_quota(round=published.round, quota=10, actor=administrator)
    with pytest.raises(WindowClosed):
        round_rank(round=published.round, actor=administrator)


# --- objections -------------------------------------------------------------------------------

REPORTER_ID = "110105198001010016"


def report(publication, number="202000003", now=DURING, **overrides):
    data = dict(
        number=number,
        reporter_name="赵举报",
        reporter_id_number=REPORTER_ID,
        reporter_contact="13900001111",
        facts="该申请人的社保缴纳记录存在补缴冒充正常缴纳的情况。",
    )
    data.update(overrides)
    return services.objection_submit(publication=publication, now=now, **data)


def test_objection_needs_a_valid_identity_number_and_the_window(published):
    with pytest.raises(DomainError, match="举报人公民身份号码"):
        report(published, reporter_id_number="110105198001010017")
    with pytest.raises(DomainError, match="公示编号"):
        report(published, number="202099999")
    with pytest.raises(WindowClosed, match="不再受理"):
        report(published, now=PUBLISH_AT + dt.timedelta(days=7, seconds=1))
    assert report(published, now=PUBLISH_AT + dt.timedelta(days=7)).state == ObjectionState.RECEIVED


def test_upheld_objection_cancels_admission_without_backfill(published, administrator):
    objection = report(published)
    services.objection_decide(
        objection=objection, upheld=True, outcome="查实：补缴冒充正常缴纳。", actor=administrator
    )
    states = {
        a.applicant.name: a.state
        for a in Application.objects.filter(round=published.round).select_related("applicant")
    }
    assert states["丙"] == AppState.CANCELLED
    assert states["己"] == AppState.NOT_ADMITTED  # nobody moves up
    assert AuditEvent.objects.filter(action="application.cancel", to_state="cancelled").count() == 1


def test_reporter_identity_only_for_administrators(published, client, administrator, applicant):
    objection = report(published)
    # the public list and any audit row never carry the reporter
    page = client.get(reverse("publicity:list", args=[2020])).content.decode()
    assert "赵举报" not in page
    assert not AuditEvent.objects.filter(after__icontains=REPORTER_ID).exists()
    manage = reverse("publicity:manage", args=[2020])
    detail = reverse("publicity:objection_detail", args=[objection.pk])
    assert client.get(manage).status_code == 302  # to the login page
    client.force_login(applicant.user)
    assert client.get(manage).status_code == 403
    assert client.get(detail).status_code == 403
    client.force_login(administrator)
    # the list masks the number; the objection's own page, where it is checked, shows it
    listing = client.get(manage).content.decode()
    assert REPORTER_ID not in listing
    assert REPORTER_ID[:6] + "********" + REPORTER_ID[-4:] in listing
    assert "赵举报" in client.get(detail).content.decode()
    assert REPORTER_ID in client.get(detail).content.decode()


def test_objection_decision_refused_for_non_administrators(published, applicant):
    objection = report(published)
    with pytest.raises(NotPermitted):
        services.objection_decide(
            objection=objection, upheld=True, outcome="x", actor=applicant.user
        )


def test_public_objection_form_posts_without_login(published, client, time_machine):
    time_machine.move_to(DURING)
    response = client.post(
        reverse("publicity:objection", args=[2020]),
        {
            "number": "202000002",
            "reporter_name": "钱某",
            "reporter_id_number": REPORTER_ID,
            "reporter_contact": "北京市朝阳区某街道",
            "facts": "该申请人提交的房产信息与实际情况不符。",
        },
    )
    assert response.status_code == 302
    assert published.objections.get().entry.name == "乙"


# --- qualification, forfeiture, settlement -------------------------------------------------------


def test_qualification_after_the_window_holds_back_undecided_objections(published, administrator):
    objection = report(published, number="202000004")
    set_phase(published.round, Phase.CLOSED)
    assert services.publicity_qualify_round(round=published.round) == 4
    ding = Application.objects.get(round=published.round, applicant__name="丁")
    assert ding.state == AppState.PUBLICIZED
    jia = Application.objects.get(round=published.round, applicant__name="甲")
    assert jia.state == AppState.QUALIFIED
    assert jia.qualified_until == dt.date(2022, 10, 22)  # two years from the end of the publicity
    services.objection_decide(
        objection=objection, upheld=False, outcome="查无实据。", actor=administrator
    )
    ding.refresh_from_db()
    assert ding.state == AppState.QUALIFIED


def test_forfeiture_after_two_years(published):
    set_phase(published.round, Phase.CLOSED)
    services.publicity_qualify_round(round=published.round)
    last_day = dt.datetime(2022, 10, 22, 23, 0, tzinfo=dt.UTC) - dt.timedelta(hours=8)
    assert services.qualifications_forfeit_expired(now=last_day) == 0
    assert services.qualifications_forfeit_expired(now=last_day + dt.timedelta(days=1)) == 5
    assert Application.objects.filter(state=AppState.FORFEITED).count() == 5


def test_forfeit_beat_task_is_scheduled_daily(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="publicity.tasks.forfeit_expired_qualifications")
    assert task.enabled
    assert task.crontab.hour == "0"


# --- fraud ------------------------------------------------------------------------------------


def test_fraud_cancels_and_bars_applicant_and_employer_for_the_year_and_five_more(
    published, administrator, time_machine
):
    set_phase(published.round, Phase.CLOSED)
    services.publicity_qualify_round(round=published.round)
    yi = Application.objects.select_related("applicant", "employer").get(
        round=published.round, applicant__name="乙"
    )
    records = services.fraud_record(
        application=yi,
        reason="伪造学位证书",
        actor=administrator,
        employer_assisted=True,
        employer_reason="单位出具虚假在职证明",
    )
    yi.refresh_from_db()
    assert yi.state == AppState.CANCELLED
    assert {r.party for r in records} == {"applicant", "employer"}
    assert {r.barred_until for r in CreditRecord.objects.all()} == {dt.date(2025, 12, 31)}
    notice = bar_refusal(applicant=yi.applicant, on=dt.date(2024, 7, 20))
    assert "伪造学位证书" in notice
    assert "2025年12月31日" in notice
    # the next application is refused, with the date
    next_round = factories.RoundFactory(year=2024, quota=100)
    set_phase(next_round, Phase.DECLARATION)
    time_machine.move_to(dt.datetime(2024, 7, 20, 10, tzinfo=dt.UTC))
    with pytest.raises(NotPermitted, match="2025年12月31日"):
        application_start(round=next_round, actor=yi.applicant.user)


def test_a_barred_party_is_refused_at_its_next_application_with_the_reason_and_date(
    published, administrator, applicant, time_machine
):
    set_phase(published.round, Phase.CLOSED)
    services.publicity_qualify_round(round=published.round)
    yi = Application.objects.select_related("applicant", "employer").get(
        round=published.round, applicant__name="乙"
    )
    time_machine.move_to(dt.datetime(2023, 11, 2, 10, tzinfo=dt.UTC))
    services.fraud_record(
        application=yi,
        reason="伪造学位证书",
        actor=administrator,
        employer_assisted=True,
        employer_reason="伪造学位证书",
    )
    next_round = factories.RoundFactory(year=2024, quota=100)
    set_phase(next_round, Phase.DECLARATION)
    time_machine.move_to(dt.datetime(2024, 7, 20, 10, tzinfo=dt.UTC))
    # the applicant: refused when starting, told why and until when
    with pytest.raises(NotPermitted) as refused:
        application_start(round=next_round, actor=yi.applicant.user)
    assert refused.value.message == (
        f"您因{published.round.year}年度积分落户申报中弄虚作假（伪造学位证书，2023年11月02日认定），"
        "2025年12月31日 前不得申报积分落户。"
    )
    assert not Application.objects.filter(round=next_round, applicant=yi.applicant).exists()
    # the employer: another applicant cannot name it, and is told why and until when
    own = application_start(round=next_round, actor=applicant.user)
    yi.employer.refresh_from_db()  # as the page naming it would load it
    with pytest.raises(DomainError) as refused:
        application_name_employer(application=own, employer=yi.employer, actor=applicant.user)
    message = refused.value.message
    assert message.startswith(
        f"“{yi.employer.name}”因{published.round.year}年度积分落户申报中弄虚作假（伪造学位证书"
    )
    assert message.endswith("2025年12月31日 前不得为申请人申报积分落户。")
    own.refresh_from_db()
    assert own.employer_id is None
    # once the bar has ended there is nothing to refuse
    assert bar_refusal(applicant=yi.applicant, on=dt.date(2026, 1, 1)) is None


def test_fraud_refused_for_non_administrators(published, applicant):
    jia = Application.objects.get(round=published.round, applicant__name="甲")
    with pytest.raises(NotPermitted):
        services.fraud_record(application=jia, reason="x", actor=applicant.user)


def test_an_objection_longer_than_5000_characters_is_refused_naming_the_field(
    published, client, time_machine
):
    time_machine.move_to(DURING)
    response = client.post(
        reverse("publicity:objection", args=[2020]),
        {
            "number": "202000002",
            "reporter_name": "钱某",
            "reporter_id_number": REPORTER_ID,
            "reporter_contact": "北京市朝阳区某街道",
            "facts": "房" * 5001,
        },
    )
    assert response.status_code == 200
    assert "举报事实：最多 5000 个字" in response.content.decode()
    assert not published.objections.exists()
