"""原件查验 by appointment (细则第七条, 第二条): a department invites the applicant to a district
office's windows; the office sets each day's morning/afternoon capacity; the applicant books,
changes or cancels inside the booking period and before the slot begins; a full half-day is
refused; the slip is a PDF with the number and its QR code; the office marks attended or not
from the slot's start and the outcome lands in the claim's history."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.review.conftest import build_application
from workflow.exceptions import DomainError, InvalidTransition, NotPermitted
from workflow.models import (
    BEIJING,
    AuditEvent,
    Notice,
    OriginalsCheck,
    OriginalsState,
    ServiceWindow,
)
from workflow.services import district_offices_ensure
from workflow.services.appointments import (
    originals_book,
    originals_cancel,
    originals_invite,
    originals_record,
    window_day_set,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2020, 8, 3, 10, 0, tzinfo=BEIJING)
DAY = dt.date(2020, 8, 10)
NINE = dt.datetime(2020, 8, 10, 9, 0, tzinfo=BEIJING)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(clock, declaration_round, people, reviewer_of):
    office = district_offices_ensure()["district_haidian"]
    window = ServiceWindow.objects.create(
        department=office, name="1号窗口", address="海淀区人才服务中心一层"
    )
    office_staff = factories.ReviewerFactory(
        user=factories.UserFactory(username="haidian"), department=office
    ).user
    hrss = reviewer_of("hrss")
    window_day_set(
        window=window, date=DAY, morning_capacity=2, afternoon_capacity=0, actor=office_staff
    )
    apps = [build_application(p, round=declaration_round, with_records=False) for p in people[:3]]
    checks = [
        originals_invite(
            claim=a.claims.get(indicator="employment"),
            actor=hrss,
            office=office,
            documents="劳动合同原件",
            book_from=dt.date(2020, 8, 5),
            book_until=DAY,
        )
        for a in apps
    ]
    return {
        "office": office,
        "window": window,
        "staff": office_staff,
        "hrss": hrss,
        "apps": apps,
        "checks": checks,
    }


def book(world, i, date=DAY, half="am"):
    check = world["checks"][i]
    return originals_book(
        check=check,
        actor=world["apps"][i].applicant.user,
        window=world["window"],
        date=date,
        half=half,
    )


def test_invitation_is_audited_and_notified(
    clock, declaration_round, people, reviewer_of, django_capture_on_commit_callbacks
):
    app = build_application(people[0], round=declaration_round, with_records=False)
    office = district_offices_ensure()["district_chaoyang"]
    with django_capture_on_commit_callbacks(execute=True):
        check = originals_invite(
            claim=app.claims.get(indicator="employment"),
            actor=reviewer_of("hrss"),
            office=office,
            documents="劳动合同原件",
            book_from=dt.date(2020, 8, 5),
            book_until=DAY,
        )
    assert check.state == OriginalsState.INVITED
    assert AuditEvent.objects.filter(action="originals.invite", object_id=str(check.pk)).exists()
    notice = Notice.objects.get(recipient=app.applicant.user)
    assert "劳动合同原件" in notice.body
    assert "朝阳区政府指定部门" in notice.body


def test_invitation_refused_for_another_department_a_non_district_office_or_bad_dates(
    world, reviewer_of
):
    claim = world["apps"][0].claims.get(indicator="employment")
    base = {
        "claim": claim,
        "office": world["office"],
        "documents": "原件",
        "book_from": dt.date(2020, 8, 5),
        "book_until": DAY,
    }
    with pytest.raises(NotPermitted, match="合法稳定就业"):
        originals_invite(actor=reviewer_of("education"), **base)
    with pytest.raises(DomainError, match="查验部门"):
        originals_invite(actor=world["hrss"], **{**base, "office": factories.department("tax")})
    with pytest.raises(DomainError, match="可预约截止日.*不能早于"):
        originals_invite(actor=world["hrss"], **{**base, "book_until": dt.date(2020, 8, 4)})
    with pytest.raises(DomainError, match="可预约起始日.*不能早于今天"):
        originals_invite(actor=world["hrss"], **{**base, "book_from": dt.date(2020, 8, 2)})


def test_the_last_place_is_booked_and_the_next_is_refused_at_full_capacity(world):
    first = book(world, 0)
    last = book(world, 1)

    with pytest.raises(DomainError, match="已约满（2 人）"):
        book(world, 2)
    with pytest.raises(DomainError, match="不接受预约"):
        book(world, 2, half="pm")

    assert first.state == last.state == OriginalsState.BOOKED
    assert first.number != last.number
    assert first.number.startswith("YJ20200810A")
    assert OriginalsCheck.objects.get(pk=world["checks"][2].pk).state == OriginalsState.INVITED


def test_booking_period_is_inclusive_at_both_ends(world):
    window_day_set(
        window=world["window"],
        date=dt.date(2020, 8, 11),
        morning_capacity=5,
        afternoon_capacity=5,
        actor=world["staff"],
    )
    window_day_set(
        window=world["window"],
        date=dt.date(2020, 8, 4),
        morning_capacity=5,
        afternoon_capacity=5,
        actor=world["staff"],
    )
    with pytest.raises(DomainError, match="预约日期.*须在 2020-08-05 至 2020-08-10 之间"):
        book(world, 0, date=dt.date(2020, 8, 11))
    with pytest.raises(DomainError, match="预约日期"):
        book(world, 0, date=dt.date(2020, 8, 4))
    assert book(world, 0, date=DAY).date == DAY


def test_change_and_cancel_free_the_place_until_the_slot_begins(world, clock):
    book(world, 0)
    book(world, 1)
    window_day_set(
        window=world["window"],
        date=dt.date(2020, 8, 7),
        morning_capacity=1,
        afternoon_capacity=0,
        actor=world["staff"],
    )

    moved = book(world, 0, date=dt.date(2020, 8, 7))  # 改约: the 10th has a place again
    assert moved.date == dt.date(2020, 8, 7)
    assert book(world, 2).state == OriginalsState.BOOKED

    clock.move_to(NINE - dt.timedelta(seconds=1))
    cancelled = originals_cancel(check=world["checks"][2], actor=world["apps"][2].applicant.user)
    assert cancelled.state == OriginalsState.INVITED
    assert cancelled.number == ""

    clock.move_to(NINE)
    with pytest.raises(DomainError, match="已于 2020-08-10 09:00 开始，不能再取消预约"):
        originals_cancel(check=world["checks"][1], actor=world["apps"][1].applicant.user)


def test_capacity_cannot_drop_below_the_bookings_made(world):
    book(world, 0)
    book(world, 1)
    with pytest.raises(DomainError, match="上午可预约人数.*不能少于 2"):
        window_day_set(
            window=world["window"],
            date=DAY,
            morning_capacity=1,
            afternoon_capacity=0,
            actor=world["staff"],
        )


def test_only_the_office_sets_capacity_and_only_the_applicant_books(world):
    with pytest.raises(NotPermitted, match="海淀区政府指定部门"):
        window_day_set(
            window=world["window"],
            date=DAY,
            morning_capacity=9,
            afternoon_capacity=9,
            actor=world["hrss"],
        )
    with pytest.raises(NotPermitted, match="只有申请人本人才能预约原件查验"):
        originals_book(
            check=world["checks"][0],
            actor=world["apps"][1].applicant.user,
            window=world["window"],
            date=DAY,
            half="am",
        )


def test_office_records_attendance_from_the_slot_start_onto_the_claim(world, clock):
    check = book(world, 0)
    book(world, 1)
    clock.move_to(NINE - dt.timedelta(seconds=1))
    with pytest.raises(DomainError, match="开始后才能登记"):
        originals_record(check=check, actor=world["staff"], attended=True, outcome="一致")
    with pytest.raises(NotPermitted, match="只有海淀区政府指定部门的工作人员才能登记到场查验"):
        originals_record(check=check, actor=world["hrss"], attended=True, outcome="一致")

    clock.move_to(NINE)
    with pytest.raises(DomainError, match="查验结果"):
        originals_record(check=check, actor=world["staff"], attended=True, originals_match=True)
    originals_record(
        check=check,
        actor=world["staff"],
        attended=True,
        originals_match=False,
        outcome="合同落款日期与上传件不符",
    )
    absent = originals_record(check=world["checks"][1], actor=world["staff"], attended=False)

    assert check.state == OriginalsState.ATTENDED
    assert absent.state == OriginalsState.NO_SHOW
    on_claim = AuditEvent.objects.get(
        action="claim.originals_checked", object_id=str(check.claim_id)
    )
    assert "原件与所传材料不一致" in on_claim.reason
    assert "合同落款日期与上传件不符" in on_claim.reason


def test_slip_is_a_pdf_with_the_number_for_its_owner_only(world):
    check = book(world, 0)
    owner = Client()
    owner.force_login(world["apps"][0].applicant.user)
    other = Client()
    other.force_login(world["apps"][1].applicant.user)
    url = reverse("workflow:originals_slip", args=[check.pk])

    response = owner.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert check.number.encode() in response.content
    assert other.get(url).status_code == 404
    assert (
        owner.get(reverse("workflow:originals_slip", args=[world["checks"][2].pk])).status_code
        == 404
    )


def test_applicant_books_through_the_page_and_sees_places_left(world):
    client = Client()
    client.force_login(world["apps"][0].applicant.user)
    url = reverse("workflow:originals", args=[world["checks"][0].pk])
    book(world, 1)

    page = client.get(url).content.decode()
    refused = client.post(url, {"window": world["window"].pk, "date": "2020-08-10", "half": "pm"})
    done = client.post(url, {"window": world["window"].pk, "date": "2020-08-10", "half": "am"})

    assert "1 / 2" in page
    assert refused.status_code == 400
    assert "不接受预约" in refused.content.decode()
    assert done.status_code == 302
    check = OriginalsCheck.objects.get(pk=world["checks"][0].pk)
    assert check.state == OriginalsState.BOOKED
    assert check.number in client.get(url).content.decode()


def test_office_page_lists_the_days_bookings_and_records_them(world, clock):
    check = book(world, 0)
    clock.move_to(NINE)
    staff = Client()
    staff.force_login(world["staff"])
    hrss = Client()
    hrss.force_login(world["hrss"])
    record = reverse("review:originals_record", args=[check.pk])

    page = staff.get(reverse("review:windows"), {"date": "2020-08-10"}).content.decode()
    refused = hrss.post(record, {"attended": "1", "originals_match": "1", "outcome": "一致"})
    staff.post(record, {"attended": "1", "originals_match": "1", "outcome": "原件一致"})

    assert check.number in page
    assert refused.status_code == 403
    check.refresh_from_db()
    assert check.state == OriginalsState.ATTENDED
    assert check.originals_match is True


def test_after_qualification_a_department_invites_on_the_application(
    clock, declaration_round, people, reviewer_of
):
    qualified = build_application(
        people[0], round=declaration_round, state="qualified", with_records=False
    )
    final = build_application(people[1], round=declaration_round, state="final", with_records=False)
    office = district_offices_ensure()["district_bda"]
    invite = {
        "actor": reviewer_of("police"),
        "office": office,
        "documents": "户口簿、身份证原件",
        "book_from": dt.date(2020, 8, 5),
        "book_until": DAY,
    }

    check = originals_invite(application=qualified, **invite)

    assert check.claim is None
    assert check.department.name == "北京经济技术开发区指定部门"
    with pytest.raises(InvalidTransition, match="只能在审核过程中或取得落户资格后要求"):
        originals_invite(application=final, **invite)
