"""落户办理 as the chain of 细则第十一条、第十二条: the applicant prepares and submits, the
district office accepts or returns, the 人社局 approves, the letter is numbered, the district
office records the settlement. Nobody settles without it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from publicity import services
from publicity import services_settlement as chain
from publicity.models import HomeKind, Settlement, SettlementState
from tests import factories
from tests.publicity.conftest import set_phase
from workflow.exceptions import DomainError, InvalidTransition, NotPermitted
from workflow.models import Application, AppState, AuditEvent, Notice, Phase
from workflow.services import application_settle, district_office_grant

# Beijing 09:00 on 2 November 2020, a fortnight after the list's publicity ended.
START = dt.datetime(2020, 11, 2, 1, tzinfo=dt.UTC)


def beijing(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC) - dt.timedelta(hours=8)


@pytest.fixture
def jia(published, time_machine):
    time_machine.move_to(START)
    set_phase(published.round, Phase.CLOSED)
    services.publicity_qualify_round(round=published.round)
    application = Application.objects.select_related("applicant__user", "round").get(
        round=published.round, applicant__name="甲"
    )
    assert application.qualified_until == dt.date(2022, 10, 22)
    return application


@pytest.fixture
def owner(jia):
    return jia.applicant.user


@pytest.fixture
def office(db):
    user = factories.UserFactory(username="district_office")
    district_office_grant(user=user)
    return user


@pytest.fixture
def hrss(reviewer_of):
    return reviewer_of("hrss")


MATERIALS = {
    "home_kind": HomeKind.COLLECTIVE,
    "home_address": "北京市朝阳区某某单位集体户",
    "home_document": "",
    "has_archive": True,
    "archive_holder": "北京市人才服务中心",
}


def prepared(jia, owner, **changes) -> Settlement:
    settlement = chain.settlement_start(application=jia, actor=owner)
    chain.settlement_materials_save(
        settlement=settlement, actor=owner, data={**MATERIALS, **changes}
    )
    return settlement


def submitted(jia, owner) -> Settlement:
    settlement = prepared(jia, owner)
    return chain.settlement_submit(settlement=settlement, actor=owner)


def lettered(jia, owner, office, hrss) -> Settlement:
    settlement = submitted(jia, owner)
    chain.settlement_accept(settlement=settlement, actor=office)
    return chain.settlement_approve(settlement=settlement, actor=hrss)


def test_the_chain_from_materials_to_settlement_with_audit_rows_and_notices(
    jia, owner, office, hrss, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        settlement = submitted(jia, owner)
        chain.settlement_return(
            settlement=settlement, actor=office, reason="户口簿首页复印件不清晰"
        )
        assert settlement.state == SettlementState.RETURNED
        chain.settlement_submit(settlement=settlement, actor=owner)
        chain.settlement_accept(settlement=settlement, actor=office)
        chain.settlement_approve(settlement=settlement, actor=hrss)
        assert settlement.state == SettlementState.LETTER_ISSUED
        assert settlement.letter_number == "京人社积分落户函〔2020〕0001号"
        chain.settlement_record(
            settlement=settlement, actor=office, residence_permit_cancelled=True
        )

    jia.refresh_from_db()
    settlement.refresh_from_db()
    assert jia.state == AppState.SETTLED
    assert settlement.state == SettlementState.SETTLED
    assert settlement.residence_permit_cancelled
    moves = list(
        AuditEvent.objects.filter(object_type="publicity.settlement")
        .exclude(action__in=["settlement.start", "settlement.materials"])
        .order_by("pk")
        .values_list("action", "actor_id", "to_state")
    )
    assert moves == [
        ("settlement.submit", owner.pk, "submitted"),
        ("settlement.return_materials", office.pk, "returned"),
        ("settlement.submit", owner.pk, "submitted"),
        ("settlement.accept", office.pk, "accepted"),
        ("settlement.approve", hrss.pk, "approved"),
        ("settlement.issue_letter", None, "letter_issued"),
        ("settlement.settle", office.pk, "settled"),
    ]
    assert AuditEvent.objects.filter(action="application.settle", actor=office).count() == 1
    subjects = list(Notice.objects.filter(recipient=owner).values_list("subject", "body"))
    said = " ".join(subject + body for subject, body in subjects)
    for words in (
        "户口簿首页复印件不清晰",
        "落户材料已审核通过",
        "落户已核准",
        "京人社积分落户函〔2020〕0001号",
        "落户办理已完成",
    ):
        assert words in said


@pytest.mark.parametrize(
    ("step", "who", "message"),
    [
        ("accept", "owner", "区指定部门"),
        ("accept", "hrss", "区指定部门"),
        ("accept", "administrator", "区指定部门"),
        ("approve", "office", "市人力资源社会保障局"),
        ("approve", "administrator", "市人力资源社会保障局"),
        ("approve", "owner", "市人力资源社会保障局"),
    ],
)
def test_each_step_belongs_to_its_actor(
    jia, owner, office, hrss, administrator, step, who, message
):
    settlement = submitted(jia, owner)
    if step == "approve":
        chain.settlement_accept(settlement=settlement, actor=office)
    actor = {"owner": owner, "office": office, "hrss": hrss, "administrator": administrator}[who]
    service = {"accept": chain.settlement_accept, "approve": chain.settlement_approve}[step]
    with pytest.raises(NotPermitted, match=message):
        service(settlement=settlement, actor=actor)


def test_only_the_applicant_prepares_and_submits(jia, owner, other_applicant, office):
    with pytest.raises(NotPermitted, match="申请人本人"):
        chain.settlement_start(application=jia, actor=other_applicant.user)
    settlement = prepared(jia, owner)
    with pytest.raises(NotPermitted, match="申请人本人"):
        chain.settlement_submit(settlement=settlement, actor=office)


def test_nobody_settles_without_the_chain(jia, owner, office, hrss, administrator):
    with pytest.raises(NotPermitted):
        application_settle(application=jia, actor=administrator)
    with pytest.raises(InvalidTransition, match="尚未提交落户材料"):
        application_settle(application=jia, actor=office)
    settlement = submitted(jia, owner)
    chain.settlement_accept(settlement=settlement, actor=office)
    with pytest.raises(InvalidTransition, match="须出具函件"):
        application_settle(application=jia, actor=office)
    with pytest.raises(InvalidTransition, match="须先经市人力资源社会保障局核准并出具函件"):
        chain.settlement_record(
            settlement=settlement, actor=office, residence_permit_cancelled=True
        )
    jia.refresh_from_db()
    assert jia.state == AppState.QUALIFIED


def test_the_settlement_is_recorded_only_with_the_residence_permit_cancelled(
    jia, owner, office, hrss
):
    settlement = lettered(jia, owner, office, hrss)
    with pytest.raises(DomainError, match="《北京市居住证》"):
        chain.settlement_record(
            settlement=settlement, actor=office, residence_permit_cancelled=False
        )
    assert Application.objects.get(pk=jia.pk).state == AppState.QUALIFIED


def test_returning_needs_a_reason(jia, owner, office):
    settlement = submitted(jia, owner)
    with pytest.raises(DomainError, match="退回原因"):
        chain.settlement_return(settlement=settlement, actor=office, reason="  ")


def test_submission_names_each_missing_field(jia, owner):
    settlement = chain.settlement_start(application=jia, actor=owner)
    chain.settlement_materials_save(
        settlement=settlement,
        actor=owner,
        data={"home_kind": HomeKind.OWN_HOME, "has_archive": True, "archive_holder": ""},
    )
    with pytest.raises(DomainError) as refused:
        chain.settlement_submit(settlement=settlement, actor=owner)
    for field in ("落户地址：", "住房证明编号：", "档案存放单位："):
        assert field in refused.value.message
    assert settlement.state == SettlementState.PREPARING


def child(settlement, owner, born: dt.date, *, name: str = "小甲", accompanying: bool = True):
    return chain.settlement_child_add(
        settlement=settlement,
        actor=owner,
        data={
            "name": name,
            "birth_date": born,
            "id_number": "",
            "accompanying": accompanying,
            "hukou_booklet": True,
            "birth_certificate": True,
        },
    )


@pytest.mark.parametrize(
    ("first", "second", "certificate_needed"),
    [
        (dt.date(2015, 12, 31), dt.date(2016, 1, 1), False),  # 第一孩 before, 第二孩 after
        (dt.date(2016, 1, 1), dt.date(2017, 6, 1), False),  # two on or after 2016-01-01
        (dt.date(2015, 12, 30), dt.date(2015, 12, 31), True),  # both before
    ],
)
def test_family_planning_certificate_decided_from_the_birth_dates(
    jia, owner, first, second, certificate_needed
):
    settlement = prepared(jia, owner, marriage_certificate=True)
    child(settlement, owner, first, name="大宝")
    child(settlement, owner, second, name="二宝")
    missing = chain.settlement_missing(settlement, now=START)
    assert any("细则第十一条（二）" in m for m in missing) is certificate_needed
    if certificate_needed:
        with pytest.raises(DomainError, match="符合计划生育政策凭证"):
            chain.settlement_submit(settlement=settlement, actor=owner)
    else:
        chain.settlement_submit(settlement=settlement, actor=owner)
        assert settlement.state == SettlementState.SUBMITTED


def test_a_child_turning_18_that_day_is_no_longer_an_accompanying_minor(jia, owner):
    settlement = prepared(jia, owner, marriage_certificate=True, family_planning_certificate=True)
    child(settlement, owner, dt.date(2002, 11, 3), name="未成年")  # 18 tomorrow
    assert chain.settlement_missing(settlement, now=START) == []
    child(settlement, owner, dt.date(2002, 11, 2), name="成年")  # 18 today
    assert chain.settlement_missing(settlement, now=START) == [
        "随迁子女成年：已满 18 周岁，不属于随迁未成年子女"
    ]


def test_accompanying_children_need_their_papers_and_the_marriage_certificate(jia, owner):
    settlement = prepared(jia, owner)
    chain.settlement_child_add(
        settlement=settlement,
        actor=owner,
        data={
            "name": "小甲",
            "birth_date": dt.date(2018, 5, 1),
            "id_number": "",
            "accompanying": True,
            "hukou_booklet": False,
            "birth_certificate": False,
        },
    )
    assert chain.settlement_missing(settlement, now=START) == [
        "随迁子女小甲：户口簿",
        "随迁子女小甲：《出生医学证明》",
        "与随迁子女有关的婚姻凭证",
    ]


def test_job_residence_points_mean_settling_in_that_own_home(jia, owner):
    Application.objects.filter(pk=jia.pk).update(
        score_explanation={"indicators": {"job_residence_area": "4.00"}}
    )
    jia.refresh_from_db()
    settlement = prepared(jia, owner)  # the unit's collective household
    with pytest.raises(DomainError, match="职住区域"):
        chain.settlement_submit(settlement=settlement, actor=owner)
    chain.settlement_materials_save(
        settlement=settlement,
        actor=owner,
        data={
            "home_kind": HomeKind.OWN_HOME,
            "home_address": "北京市通州区某小区1号楼",
            "home_document": "京（2019）通州区不动产权第0001234号",
        },
    )
    chain.settlement_submit(settlement=settlement, actor=owner)
    assert settlement.state == SettlementState.SUBMITTED


def test_the_two_years_run_through_the_chain_and_forfeiture_still_applies(
    jia, owner, office, time_machine
):
    settlement = submitted(jia, owner)
    time_machine.move_to(beijing(2022, 10, 22, 23, 59))  # the last day of the qualification
    chain.settlement_accept(settlement=settlement, actor=office)
    time_machine.move_to(beijing(2022, 10, 23, 0, 0))
    with pytest.raises(DomainError, match="2022年10月22日 到期"):
        chain.settlement_approve(settlement=settlement, actor=factories_hrss())
    assert services.qualifications_forfeit_expired() >= 1
    assert Application.objects.get(pk=jia.pk).state == AppState.FORFEITED


def factories_hrss():
    return factories.ReviewerFactory(
        user=factories.UserFactory(username="hrss_late"), department=factories.department("hrss")
    ).user


def test_letters_are_numbered_in_order_once_each(published, jia, owner, office, hrss):
    first = lettered(jia, owner, office, hrss)
    yi = Application.objects.select_related("applicant__user").get(
        round=published.round, applicant__name="乙"
    )
    second = lettered(yi, yi.applicant.user, office, hrss)
    assert (first.letter_number, second.letter_number) == (
        "京人社积分落户函〔2020〕0001号",
        "京人社积分落户函〔2020〕0002号",
    )
    with pytest.raises(InvalidTransition):
        chain.settlement_approve(settlement=first, actor=hrss)
    assert Settlement.objects.get(pk=first.pk).letter_number.endswith("0001号")


# --- the printed papers ------------------------------------------------------------------------


def pdf_text(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_the_application_form_prints_name_number_and_page_numbers(client, jia, owner):
    prepared(jia, owner)
    client.force_login(owner)
    response = client.get(reverse("publicity:settlement_pdf", args=[jia.pk, "application-form"]))
    assert response["Content-Type"] == "application/pdf"
    pages = pdf_text(response.content)
    number = jia.publicity_entry.number
    assert all(number in text for text in pages)
    assert f"第 1 页 共 {len(pages)} 页" in pages[0]
    assert "北京市积分落户申请表" in pages[0]
    assert "甲" in pages[0]
    assert "北京市朝阳区某某单位集体户" in "".join(pages)
    registration = client.get(
        reverse("publicity:settlement_pdf", args=[jia.pk, "transfer-registration"])
    )
    assert "北京市人才服务中心" in "".join(pdf_text(registration.content))


def test_the_integrity_statement_only_for_those_without_an_archive(client, jia, owner):
    settlement = prepared(jia, owner)
    client.force_login(owner)
    url = reverse("publicity:settlement_pdf", args=[jia.pk, "integrity-statement"])
    assert client.get(url).status_code == 404
    chain.settlement_materials_save(
        settlement=settlement, actor=owner, data={"has_archive": False, "archive_holder": ""}
    )
    text = "".join(pdf_text(client.get(url).content))
    assert "本人承诺此前从未在国内任何部门以任何形式建立个人档案" in text
    assert jia.applicant.id_number in text


def test_the_letter_downloaded_again_is_the_same_letter(client, jia, owner, office, hrss):
    settlement = lettered(jia, owner, office, hrss)
    url = reverse("publicity:settlement_pdf", args=[jia.pk, "approval-letter"])
    client.force_login(owner)
    first = client.get(url).content
    client.force_login(office)
    assert client.get(url).content == first
    text = "".join(pdf_text(first))
    assert settlement.letter_number in text
    assert "2020年11月02日" in text


def test_papers_are_refused_to_others(client, jia, owner, other_applicant, unit_admin):
    prepared(jia, owner)
    url = reverse("publicity:settlement_pdf", args=[jia.pk, "application-form"])
    assert client.get(url).status_code == 302  # to the login page
    for outsider in (other_applicant.user, unit_admin):
        client.force_login(outsider)
        assert client.get(url).status_code == 403


# --- the pages ---------------------------------------------------------------------------------


def test_the_applicant_page_shows_the_exemption_with_its_article(client, jia, owner):
    settlement = prepared(jia, owner, marriage_certificate=True)
    child(settlement, owner, dt.date(2016, 1, 1))
    client.force_login(owner)
    page = client.get(reverse("publicity:settlement_mine")).content.decode()
    assert "2016年1月1日（含）以后生育两孩以内，可不提交符合计划生育政策凭证" in page
    assert "细则第十一条（二）" in page
    assert "落户资格保留至 <strong>2022年10月22日</strong>" in page


def test_the_applicant_prepares_and_submits_through_the_pages(client, jia, owner):
    client.force_login(owner)
    client.post(reverse("publicity:settlement_start"))
    response = client.post(reverse("publicity:settlement_materials"), {"home_kind": "own_home"})
    assert response.status_code == 400
    assert "落户地址：" in response.content.decode()
    assert "住房证明编号：" in response.content.decode()
    client.post(
        reverse("publicity:settlement_materials"),
        {**MATERIALS, "has_archive": "1"},
    )
    client.post(reverse("publicity:settlement_submit"))
    assert Settlement.objects.get(application=jia).state == SettlementState.SUBMITTED


def test_queues_show_each_actor_its_work(client, jia, owner, office, hrss, unit_admin):
    settlement = submitted(jia, owner)
    queue = reverse("publicity:settlement_queue")
    client.force_login(office)
    assert "甲" in client.get(queue).content.decode()
    client.force_login(hrss)
    assert "甲" not in client.get(queue).content.decode()
    client.force_login(office)
    client.post(reverse("publicity:settlement", args=[jia.pk]), {"action": "accept"})
    settlement.refresh_from_db()
    assert settlement.state == SettlementState.ACCEPTED
    client.force_login(hrss)
    assert "甲" in client.get(queue).content.decode()
    client.force_login(unit_admin)
    assert client.get(queue).status_code == 403


def test_a_forfeited_qualification_leaves_the_queues(client, jia, owner, office, time_machine):
    submitted(jia, owner)
    queue = reverse("publicity:settlement_queue")
    client.force_login(office)
    assert "甲" in client.get(queue).content.decode()
    time_machine.move_to(beijing(2022, 10, 23, 0, 0))
    services.qualifications_forfeit_expired()
    assert "甲" not in client.get(queue).content.decode()


def test_the_staff_page_of_an_application_not_started(client, jia, administrator, office):
    url = reverse("publicity:settlement", args=[jia.pk])
    client.force_login(office)
    assert "申请人尚未在线开始办理落户" in client.get(url).content.decode()
    client.force_login(jia.applicant.user)
    assert client.get(url).status_code == 403


def test_after_qualification_the_district_office_invites_to_show_originals(
    jia, owner, office, client
):
    # 细则第七条: originals may be checked after qualification too, booked like any other.
    from workflow.models import Department, OriginalsCheck, OriginalsState
    from workflow.selectors import applicant_review_requests

    submitted(jia, owner)
    client.force_login(office)
    url = reverse("publicity:settlement", args=[jia.pk])
    page = client.get(url).content.decode()
    assert "未要求查验原件" in page
    assert 'id="invite-originals"' in page
    today = START.date()
    refused = client.post(
        url,
        {"action": "originals", "originals-documents": "", "originals-book_from": str(today)},
        follow=True,
    ).content.decode()
    assert "查验部门" in refused
    assert not OriginalsCheck.objects.exists()
    office_department = Department.objects.get(code="district_dongcheng")
    response = client.post(
        url,
        {
            "action": "originals",
            "originals-office": office_department.pk,
            "originals-documents": "房产证原件、学位证书原件",
            "originals-book_from": str(today + dt.timedelta(days=1)),
            "originals-book_until": str(today + dt.timedelta(days=10)),
        },
        follow=True,
    )
    assert "已邀请申请人预约到服务窗口查验原件" in response.content.decode()
    check = OriginalsCheck.objects.get()
    assert (check.application_id, check.claim_id, check.state) == (
        jia.pk,
        None,
        OriginalsState.INVITED,
    )
    assert applicant_review_requests(application=jia)["originals"] == [check]
    assert AuditEvent.objects.filter(action__startswith="originals.", actor=office).exists()
