"""The printed papers of 落户办理 (细则第十一条、第十二条), as PDFs from the application's data.

- 《积分落户申请表》 and 《调动人员情况登记表》: 系统打印 (细则第十一条（一）);
- 无档案诚信声明 (附件1), for an applicant without a personnel archive;
- the 人社局's letter (函件, 细则第十二条), with its number.

Chinese text in reportlab's built-in CID font STSong-Light (Adobe-GB1): no font file to ship,
every PDF reader has a substitute. Every page carries the application number and
"第 n 页 共 m 页". Built with ``invariant``: the same data give the same bytes, so a letter
downloaded again is the letter first issued.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from publicity.models import Settlement
from publicity.selectors_settlement import application_number
from publicity.services_settlement import family_planning_decision
from ranking.policy import INDICATOR_CODES, INDICATOR_LABELS

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

TITLE = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=26, alignment=1)
BODY = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=18, wordWrap="CJK")
CELL = ParagraphStyle("cell", fontName=FONT, fontSize=10, leading=14, wordWrap="CJK")
SIGN = ParagraphStyle("sign", parent=BODY, alignment=2)

# 附件1, word for word.
INTEGRITY_STATEMENT = (
    "本人承诺此前从未在国内任何部门以任何形式建立个人档案。本人保证所填写信息及提供的材料"
    "均真实有效，如有不实，愿承担由此带来的法律后果。"
)


def _numbered_canvas(number: str) -> type[pdf_canvas.Canvas]:
    """A canvas that writes "申请编号 … 第 n 页 共 m 页" on every page once it knows m."""

    class NumberedCanvas(pdf_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for page, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(FONT, 9)
                self.drawString(20 * mm, 12 * mm, f"申请编号：{number}")
                self.drawRightString(190 * mm, 12 * mm, f"第 {page} 页 共 {total} 页")
                super().showPage()
            super().save()

    return NumberedCanvas


def _build(title: str, number: str, story: list[Any]) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=22 * mm,
        title=title,
        author="北京市积分落户在线申报系统",
        invariant=1,
    )
    doc.build(story, canvasmaker=_numbered_canvas(number))
    return out.getvalue()


def _table(rows: list[list[str]], widths: list[float]) -> Table:
    table = Table(
        [[Paragraph(str(cell), CELL) for cell in row] for row in rows],
        colWidths=widths,
        repeatRows=0,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
            ]
        )
    )
    return table


def _date(value: Any) -> str:
    return f"{value:%Y年%m月%d日}" if value else "—"


def _person_rows(settlement: Settlement) -> list[list[str]]:
    application = settlement.application
    applicant = application.applicant
    employer = application.employer
    return [
        ["申请编号", application_number(application), "年度", f"{application.round.year}年度"],
        ["姓名", applicant.name, "性别", "男" if applicant.gender == "M" else "女"],
        ["公民身份号码", applicant.id_number, "出生日期", _date(applicant.birth_date)],
        [
            "用人单位",
            employer.name if employer else "—",
            "统一社会信用代码",
            employer.credit_code if employer else "—",
        ],
    ]


def _children_rows(settlement: Settlement) -> list[list[str]]:
    rows = [["子女姓名", "出生日期", "公民身份号码", "随迁"]]
    for child in settlement.children.all():
        rows.append(
            [
                child.name,
                _date(child.birth_date),
                child.id_number or "—",
                "是" if child.accompanying else "否",
            ]
        )
    return rows


def application_form_pdf(settlement: Settlement) -> bytes:
    """《积分落户申请表》 (细则第十一条（一）: 系统打印)."""
    application = settlement.application
    number = application_number(application)
    indicators = (application.score_explanation or {}).get("indicators", {})
    decision = family_planning_decision(settlement)
    story: list[Any] = [
        Paragraph("北京市积分落户申请表", TITLE),
        Spacer(1, 6 * mm),
        _table(_person_rows(settlement), [30 * mm, 55 * mm, 35 * mm, 50 * mm]),
        Spacer(1, 4 * mm),
        _table(
            [
                [
                    "最终积分",
                    f"{application.total_points or '—'} 分",
                    "排名",
                    f"第 {application.rank} 名" if application.rank else "—",
                ],
                [
                    "落户资格有效期至",
                    _date(application.qualified_until),
                    "落户地址类型",
                    settlement.get_home_kind_display() or "—",
                ],
                [
                    "落户地址",
                    settlement.home_address or "—",
                    "住房证明编号",
                    settlement.home_document or "—",
                ],
            ],
            [30 * mm, 55 * mm, 35 * mm, 50 * mm],
        ),
        Spacer(1, 4 * mm),
        Paragraph("各项指标积分", BODY),
        _table(
            [["指标", "积分"]]
            + [
                [INDICATOR_LABELS[code], str(indicators.get(code, "0.00"))]
                for code in INDICATOR_CODES
            ],
            [110 * mm, 60 * mm],
        ),
        Spacer(1, 4 * mm),
        Paragraph("子女情况（细则第十一条（二））", BODY),
        _table(_children_rows(settlement), [40 * mm, 40 * mm, 60 * mm, 30 * mm]),
        Spacer(1, 2 * mm),
        Paragraph(f"符合计划生育政策凭证：{decision.rule}（{decision.article}）。", BODY),
        Spacer(1, 8 * mm),
        Paragraph("本人承诺所填写信息及提供的材料均真实有效。", BODY),
        Spacer(1, 6 * mm),
        Paragraph("申请人签字：__________　　　年　　月　　日", SIGN),
    ]
    return _build("北京市积分落户申请表", number, story)


def transfer_registration_pdf(settlement: Settlement) -> bytes:
    """《调动人员情况登记表》 (细则第十一条（一）)."""
    application = settlement.application
    number = application_number(application)
    archive = (
        f"有档案，存放于 {settlement.archive_holder}"
        if settlement.has_archive
        else "无档案（已出具无档案诚信声明，附件1）"
    )
    accompanying = [c for c in settlement.children.all() if c.accompanying]
    story: list[Any] = [
        Paragraph("调动人员情况登记表", TITLE),
        Spacer(1, 6 * mm),
        _table(_person_rows(settlement), [30 * mm, 55 * mm, 35 * mm, 50 * mm]),
        Spacer(1, 4 * mm),
        _table(
            [
                ["调入地址（落户地址）", settlement.home_address or "—"],
                ["落户地址类型", settlement.get_home_kind_display() or "—"],
                ["人事档案", archive],
                [
                    "随迁未成年子女",
                    "、".join(f"{c.name}（{_date(c.birth_date)}生）" for c in accompanying) or "无",
                ],
            ],
            [45 * mm, 125 * mm],
        ),
        Spacer(1, 10 * mm),
        Paragraph("申请人签字：__________　　　年　　月　　日", SIGN),
        Spacer(1, 6 * mm),
        Paragraph("用人单位（盖章）：__________　　　年　　月　　日", SIGN),
    ]
    return _build("调动人员情况登记表", number, story)


def integrity_statement_pdf(settlement: Settlement) -> bytes:
    """无档案诚信声明 (细则第十一条, 模板见附件1)."""
    application = settlement.application
    applicant = application.applicant
    story: list[Any] = [
        Paragraph("无档案诚信声明", TITLE),
        Spacer(1, 10 * mm),
        Paragraph(f"申请人：{applicant.name}　公民身份号码：{applicant.id_number}", BODY),
        Spacer(1, 6 * mm),
        Paragraph("　　" + INTEGRITY_STATEMENT, BODY),
        Spacer(1, 20 * mm),
        Paragraph("申请人签字：__________", SIGN),
        Paragraph("年　　月　　日", SIGN),
    ]
    return _build("无档案诚信声明", application_number(application), story)


def approval_letter_pdf(settlement: Settlement) -> bytes:
    """The 人社局's letter (细则第十二条: 凭市人力资源社会保障局出具的函件办理调档及落户手续),
    from what was stored when it was issued: downloaded again, it is the same letter."""
    application = settlement.application
    applicant = application.applicant
    issued_on = timezone.localdate(settlement.letter_issued_at)
    story: list[Any] = [
        Paragraph("北京市人力资源和社会保障局", TITLE),
        Paragraph("关于同意积分落户的函", TITLE),
        Spacer(1, 4 * mm),
        Paragraph(settlement.letter_number, ParagraphStyle("no", parent=BODY, alignment=1)),
        Spacer(1, 8 * mm),
        Paragraph("区指定部门：", BODY),
        Paragraph(
            f"　　{applicant.name}（公民身份号码 {applicant.id_number}）经公示取得"
            f"{application.round.year}年度积分落户资格（申请编号 {application_number(application)}），"
            "落户材料经区指定部门审核无误，我局予以核准。请按有关规定办理调档及落户手续，"
            f"落户地址：{settlement.home_address}。落户后应依法注销《北京市居住证》。",
            BODY,
        ),
        Spacer(1, 16 * mm),
        Paragraph("北京市人力资源和社会保障局", SIGN),
        Paragraph(_date(issued_on), SIGN),
    ]
    return _build("关于同意积分落户的函", application_number(application), story)


# kind in the URL -> (file name, builder, whether it exists for this settlement)
DOCUMENTS: dict[str, tuple[str, Callable[[Settlement], bytes], Callable[[Settlement], bool]]] = {
    "application-form": ("积分落户申请表", application_form_pdf, lambda s: True),
    "transfer-registration": ("调动人员情况登记表", transfer_registration_pdf, lambda s: True),
    "integrity-statement": ("无档案诚信声明", integrity_statement_pdf, lambda s: not s.has_archive),
    "approval-letter": ("积分落户函件", approval_letter_pdf, lambda s: bool(s.letter_number)),
}
