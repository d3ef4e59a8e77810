"""The review loop of 细则第七条 in the simulated round: 补件 and 原件查验 by appointment.

During aggregation some manual-queue claims get a 补件 request (the first always, then by
the seed); the first applicant asked uploads by the deadline, the second lets it pass and beat
hands the claim back (补件逾期), the others as the seed draws. The first answered claim's department also asks to see the originals at
a district office: the office opens a window day, the applicant books the morning, the office
marks the visit. Every step goes through the same services as the pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from publicity.simulation.clock import SimulatedClock
from publicity.simulation.people import Cast, _login
from publicity.simulation.script import P_SUPPLEMENT, P_SUPPLEMENT_MISSED, choice
from review.selectors import QueueFilters, work_queue
from workflow import roles, services
from workflow.indicators import INDICATORS
from workflow.models import BEIJING, ClaimState, IndicatorClaim, ServiceWindow
from workflow.services.appointments import (
    originals_book,
    originals_invite,
    originals_record,
    window_day_set,
)
from workflow.services.supplements import (
    claim_answer_supplement,
    claim_request_supplement,
    supplements_expire,
)

Progress = Callable[[str], None]
DAY = dt.timedelta(days=1)
OFFICE = "district_haidian"
OFFICE_USERNAME = "sim-reviewer-district-haidian"
# The smallest file the evidence check takes as a PDF (it reads the magic bytes).
SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _requested_claims(cast: Cast) -> list[tuple[int, IndicatorClaim]]:
    claims = IndicatorClaim.objects.filter(
        application__round=cast.round, state=ClaimState.SUPPLEMENT_REQUESTED
    ).select_related("application__round", "department")
    # In script order (seeded), never in the database's order.
    return sorted(
        ((cast.script_of_applicant(c.application.applicant_id).index, c) for c in claims),
        key=lambda pair: (pair[0], pair[1].indicator),
    )


def supplements_request(cast: Cast, *, due_at: dt.datetime, progress: Progress) -> int:
    candidates = []
    for code, reviewer in cast.reviewers.items():
        queue = work_queue(
            department=cast.departments[code],
            round=cast.round,
            filters=QueueFilters(queue="manual"),
        )
        for claim in queue:
            if INDICATORS[claim.indicator].zero_fill:
                continue  # 零填报: the department's own records decide, nothing to upload
            index = cast.script_of_applicant(claim.application.applicant_id).index
            candidates.append((index, claim.indicator, claim, reviewer))
    candidates.sort(key=lambda c: (c[0], c[1]))
    count = 0
    for position, (index, indicator, claim, reviewer) in enumerate(candidates):
        if position and choice(cast.seed, index, indicator, "supplement").random() >= P_SUPPLEMENT:
            continue
        claim_request_supplement(
            claim=claim,
            actor=reviewer,
            documents=f"请补充“{claim.get_indicator_display()}”的证明材料扫描件（加盖公章）。",
            due_at=due_at,
        )
        count += 1
    progress(f"审核人员要求补件 {count} 项 / supplement requests")
    return count


def _scan(index: int, claim: IndicatorClaim) -> bytes:
    # A document of its own: the upload check refuses a file identical to one the
    # application already holds, which the declaration's evidence of this indicator is.
    return SCAN.replace(b"%%EOF", f"% supplement {index} {claim.indicator}\n%%EOF".encode())


def supplements_answer(cast: Cast, *, progress: Progress) -> list[IndicatorClaim]:
    answered = []
    for position, (index, claim) in enumerate(_requested_claims(cast)):
        # The first answers, the second lets the deadline pass (both paths every round),
        # the others as the seed draws.
        draw = choice(cast.seed, index, claim.indicator, "supplement missed").random()
        if position == 1 or (position > 1 and draw < P_SUPPLEMENT_MISSED):
            continue
        claim_answer_supplement(
            claim=claim,
            actor=cast.users[index],
            uploads=[
                SimpleUploadedFile("补件.pdf", _scan(index, claim), content_type="application/pdf")
            ],
            note="已按要求补充材料。",
        )
        answered.append(claim)
    progress(f"申请人提交补件 {len(answered)} 项 / supplements answered")
    return answered


def _office(cast: Cast) -> tuple[Any, ServiceWindow]:
    office = services.district_offices_ensure()[OFFICE]
    staff = _login(OFFICE_USERNAME, first_name="海淀区原件查验窗口")
    if roles.department_of(staff) != office:
        services.reviewer_assign(user=staff, department=office, actor=cast.admin)
    window, _ = ServiceWindow.objects.get_or_create(
        department=office, name="模拟服务窗口", defaults={"address": "海淀区人才服务中心"}
    )
    return staff, window


def originals_appointment(
    cast: Cast, *, claim: IndicatorClaim, clock: SimulatedClock, progress: Progress
) -> None:
    """Invite, open the day, book the morning, attend, record: one whole appointment."""
    staff, window = _office(cast)
    today = timezone.localtime(timezone.now(), BEIJING).date()
    visit = today + 2 * DAY
    check = originals_invite(
        claim=claim,
        actor=cast.reviewers[claim.department.code],
        office=window.department,
        documents=f"“{claim.get_indicator_display()}”证明材料原件",
        book_from=today + DAY,
        book_until=today + 3 * DAY,
    )
    window_day_set(window=window, date=visit, morning_capacity=1, afternoon_capacity=1, actor=staff)
    index = cast.script_of_applicant(claim.application.applicant_id).index
    originals_book(check=check, actor=cast.users[index], window=window, date=visit, half="am")
    progress(f"申请人预约原件查验 {check.number} / an appointment booked")
    clock.move_to(dt.datetime.combine(visit, dt.time(9, 30), tzinfo=BEIJING))
    originals_record(
        check=check,
        actor=staff,
        attended=True,
        originals_match=True,
        outcome="原件与所传材料一致。",
    )
    progress("窗口登记到场查验 / the office records the visit")


def supplements_overdue(*, progress: Progress) -> int:
    # What beat's expire_supplements does every minute.
    moved = supplements_expire()
    progress(f"补件逾期退回审核 {moved} 项 / overdue supplements handed back")
    return moved
