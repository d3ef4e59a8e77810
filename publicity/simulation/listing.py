"""公示和落户办理: two real-name objections, the administrator's findings, one settlement.

细则第十条: anyone may report a listed person during the 7 days; a report found true cancels
that admission (no one takes the place), one found groundless leaves it to qualify when the
publicity ends; the qualified then settle within two years.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib.auth import get_user_model

from publicity.models import HomeKind, Publication, PublicityEntry
from publicity.services import objection_decide, objection_submit
from publicity.services_settlement import (
    scored_job_residence,
    settlement_accept,
    settlement_approve,
    settlement_materials_save,
    settlement_record,
    settlement_return,
    settlement_start,
    settlement_submit,
)
from publicity.simulation.clock import SimulationError
from publicity.simulation.people import Cast
from publicity.simulation.script import choice
from ranking.policy.identity import make_id_number
from workflow import roles
from workflow.models import Application, AppState
from workflow.services import district_office_grant

Progress = Callable[[str], None]
DISTRICT_OFFICE_USERNAME = "simulate_district_office"

OBJECTIONS = (
    (
        "住所指标",
        "据我所知，该申请人申报的自有住房早已出售，近两年实际租住在外区，请核查住所指标。",
        "经核查不动产登记，该申请人的自有住房已于公示前出售，住所指标申报不实，举报属实。",
    ),
    (
        "就业指标",
        "该申请人长期不在所报单位上班，社会保险可能是挂靠缴纳，请核查其就业情况。",
        "经核查劳动合同、考勤与工资发放记录，该申请人在所报单位实际就业，举报查无实据。",
    ),
)


def objections_submit(cast: Cast, *, publication: Publication, progress: Progress) -> list:
    """Two reporters name two listed people (drawn from the seed, by place on the list)."""
    count = publication.entries.count()
    if count < 2:
        raise SimulationError(f"公示名单只有 {count} 人，无法模拟一项成立、一项不成立的举报。")
    positions = choice(cast.seed, "objections").sample(range(1, count + 1), 2)
    objections = []
    for number, (position, (_, facts, _)) in enumerate(zip(positions, OBJECTIONS, strict=True)):
        entry = publication.entries.get(position=position)
        objections.append(
            objection_submit(
                publication=publication,
                number=entry.number,
                reporter_name=("赵敏", "钱立")[number],
                reporter_id_number=make_id_number("110101", dt.date(1980, 1, 1), number + 1, "F"),
                reporter_contact=f"1390000000{number}",
                facts=facts,
            )
        )
    progress(f"{len(objections)} 项实名举报 / objections submitted")
    return objections


def objections_decide(cast: Cast, *, objections: list, progress: Progress) -> None:
    """The first report is found true, the second groundless."""
    for upheld, objection, (_, _, outcome) in zip(
        (True, False), objections, OBJECTIONS, strict=True
    ):
        objection_decide(objection=objection, upheld=upheld, outcome=outcome, actor=cast.admin)
    progress("举报核查：一项属实（取消资格），一项查无实据 / one upheld, one dismissed")


def settlement_one(cast: Cast, *, publication: Publication, progress: Progress) -> Application:
    """The first qualified person on the list settles through the whole chain (细则第十一条、
    第十二条): prepares the materials, is returned once for a missing paper, resubmits; the
    district office accepts, the 人社局 approves and the letter is issued, the district office
    records the settlement."""
    entry = (
        PublicityEntry.objects.filter(
            publication=publication, application__state=AppState.QUALIFIED
        )
        .order_by("position")
        .first()
    )
    if entry is None:
        raise SimulationError("没有取得落户资格的申请人，无法办理落户。")
    application = Application.objects.select_related("round", "applicant__user").get(
        pk=entry.application_id
    )
    applicant = application.applicant.user
    office = _district_office(cast)
    settlement = settlement_start(application=application, actor=applicant)
    own_home = scored_job_residence(application)
    settlement_materials_save(
        settlement=settlement,
        actor=applicant,
        data={
            "home_kind": HomeKind.OWN_HOME if own_home else HomeKind.COLLECTIVE,
            "home_address": "北京市通州区（模拟）" if own_home else f"{application.employer}集体户",
            "home_document": "京（2019）通州区不动产权第0000001号" if own_home else "",
            "has_archive": False,
            "archive_holder": "",
        },
    )
    settlement_submit(settlement=settlement, actor=applicant)
    settlement_return(settlement=settlement, actor=office, reason="请补充户口簿首页复印件（模拟）")
    settlement_submit(settlement=settlement, actor=applicant)
    settlement_accept(settlement=settlement, actor=office)
    settlement_approve(settlement=settlement, actor=cast.reviewers["hrss"])
    settlement_record(settlement=settlement, actor=office, residence_permit_cancelled=True)
    progress(f"{entry.number} {entry.name} 办结落户，函件 {settlement.letter_number} / settled")
    return application


def _district_office(cast: Cast):
    user = get_user_model().objects.filter(username=DISTRICT_OFFICE_USERNAME).first()
    if user is None:
        user = get_user_model().objects.create_user(username=DISTRICT_OFFICE_USERNAME)
    if not roles.is_district_office(user):
        district_office_grant(user=user, actor=cast.admin)
    return user
