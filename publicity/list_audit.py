"""核验公示名单: audit a list (an uploaded file, or a list published here) against the rules.

The checks are the policy package's (``ranking.policy.audit``); reading files is
``publicity.list_files``; this module picks the year, the policy and the quota, and shapes the
report for the page (a bar chart of the fits per column, drawn on the server).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from publicity.list_files import ListFileError, read_list
from publicity.models import Publication
from ranking.policy.audit import AuditError, AuditReport, AuditRow, audit_rows
from ranking.policy.facts import default_policy_id
from ranking.policy.result import INDICATOR_CODES
from workflow.exceptions import DomainError


@dataclass(frozen=True, slots=True)
class ListAudit:
    report: AuditReport
    source: str  # what was audited, in words
    names: dict[str, str]  # number -> name, for the misfit table


def _audit(
    rows: list[AuditRow], *, year: int, policy_id: str | None, quota: int | None
) -> AuditReport:
    try:
        return audit_rows(rows, year=year, policy_id=policy_id, quota=quota)
    except AuditError as exc:
        raise DomainError(str(exc)) from exc


def list_audit_file(
    *,
    data: bytes,
    filename: str = "",
    year: int | None = None,
    policy_id: str | None = None,
    quota: int | None = None,
) -> ListAudit:
    """Audit the list in ``data`` (CSV or XLSX). The year is ``year``, else what the file says
    (its title, or 公示编号 of the form year + sequence); the policy defaults to the year's."""
    try:
        found = read_list(data, filename=filename)
    except ListFileError as exc:
        raise DomainError(str(exc)) from exc
    if year is None:
        if found.year_hint is None:
            raise DomainError("无法从文件中确定名单年度（标题或公示编号），请指定年度。")
        year = found.year_hint
    policy_id = policy_id or default_policy_id(year)
    report = _audit(found.rows, year=year, policy_id=policy_id, quota=quota)
    return ListAudit(
        report=report,
        source=filename or "上传的名单",
        names={row.number: row.name for row in found.rows},
    )


def list_audit_publication(*, publication: Publication) -> ListAudit:
    """Audit a list published here, with its round's policy and quota."""
    round = publication.round
    rows = [
        AuditRow(
            line=entry.position,
            number=entry.number,
            values={code: Decimal(entry.indicators.get(code, "0.00")) for code in INDICATOR_CODES},
            total=entry.total,
            birth_month=entry.birth_month,
            rank=entry.rank,
            name=entry.name,
        )
        for entry in publication.entries.order_by("position").only(
            "number", "position", "rank", "name", "birth_month", "indicators", "total"
        )
    ]
    report = _audit(rows, year=round.year, policy_id=round.policy_id, quota=publication.quota)
    return ListAudit(
        report=report,
        source=f"本系统公布的{round.year}年度公示名单",
        names={row.number: row.name for row in rows},
    )


def publications_auditable() -> list[Publication]:
    """Every list published here, newest first."""
    return list(Publication.objects.select_related("round").order_by("-round__year"))


SHORT_LABELS: dict[str, str] = {
    "employment": "合法稳定就业",
    "housing": "合法稳定住所",
    "education": "教育背景",
    "education_deduction": "取得学历期间扣除",
    "job_residence_area": "职住区域",
    "innovation": "创新创业",
    "tax": "纳税",
    "age": "年龄",
    "honors": "荣誉表彰",
    "law_record": "守法记录",
    "total": "积分 = 十项之和",
    "rank": "排名",
    "order": "按积分排序",
}


def fit_chart(report: AuditReport) -> dict[str, Any]:
    """Geometry of a horizontal bar chart, one bar per column (fits green, misfits red),
    each label above its bar so it reads on a 390 px phone; no JavaScript."""
    width, row_height, bar_height = 360, 38, 11
    bars = []
    for index, column in enumerate(report.columns):
        top = index * row_height
        share = column.fits / report.rows if report.rows and column.checked else 0.0
        fit_w = round(width * share, 1)
        if not column.checked:
            caption = "未核验"
        elif column.misfits:
            caption = f"{column.fits}/{report.rows} 相符，{column.misfits} 行不符"
        else:
            caption = f"{column.fits}/{report.rows} 全部相符"
        bars.append(
            {
                "label": SHORT_LABELS[column.column],
                "full_label": column.label,
                "caption": caption,
                "checked": column.checked,
                "text_y": top + 15,
                "bar_y": top + 21,
                "fit_w": fit_w,
                "misfit_x": fit_w,
                "misfit_w": round(width - fit_w, 1) if column.checked else 0,
                "misfits": column.misfits,
            }
        )
    return {
        "width": width,
        "height": len(bars) * row_height,
        "bar_height": bar_height,
        "bars": bars,
    }
