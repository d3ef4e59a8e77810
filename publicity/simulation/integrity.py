"""After qualification: one person gives the qualification up, one is found to have cheated.

细则第十三条: 取得落户资格后自行放弃 is final and nobody takes the place. 细则第十七条: fraud
found after qualification cancels it and bars the person for the year and 5 more; the unit
is barred only if it helped, which here it did not. The record then goes to 市经济和信息化局
in the next credit batch, exactly once.
"""

from __future__ import annotations

from collections.abc import Callable

from publicity.credit_exports import credit_export_create
from publicity.models import Publication, PublicityEntry
from publicity.services import fraud_record
from publicity.simulation.clock import SimulationError
from publicity.simulation.people import Cast
from workflow.models import Application, AppState
from workflow.services import application_renounce

Progress = Callable[[str], None]


def _qualified(publication: Publication, *, skip: int) -> tuple[PublicityEntry, Application]:
    entry = (
        PublicityEntry.objects.filter(
            publication=publication, application__state=AppState.QUALIFIED
        )
        .order_by("-position")[skip : skip + 1]
        .first()
    )
    if entry is None:
        raise SimulationError("取得落户资格的申请人不足，无法模拟自行放弃和弄虚作假。")
    return entry, Application.objects.select_related("applicant", "employer", "round").get(
        pk=entry.application_id
    )


def renunciation_one(cast: Cast, *, publication: Publication, progress: Progress) -> Application:
    """The last qualified person on the list declares 自行放弃 in the portal."""
    entry, application = _qualified(publication, skip=0)
    application = application_renounce(application=application, actor=application.applicant.user)
    progress(f"{entry.number} {entry.name} 自行放弃落户资格（不递补） / renounced")
    return application


def fraud_one(cast: Cast, *, publication: Publication, progress: Progress) -> Application:
    """The next one is found to have forged a degree certificate; the unit did not know."""
    entry, application = _qualified(publication, skip=0)
    fraud_record(
        application=application,
        reason="经核查，申报学历所附毕业证书系伪造（模拟）",
        actor=cast.admin,
    )
    export = credit_export_create(actor=cast.admin)
    progress(
        f"{entry.number} {entry.name} 弄虚作假，取消落户资格，限制申报至 "
        f"{application.round.year + 5} 年；失信记录报送 {export.number}（{export.record_count} 条）"
        " / fraud found, qualification cancelled, credit record sent"
    )
    application.refresh_from_db()
    return application
