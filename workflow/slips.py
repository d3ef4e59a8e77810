"""The printable 原件查验 booking slip (预约单): A4 PDF with the booking number, a QR code of
that number for the counter's scanner, where and when, and what to bring.

reportlab's built-in CID font STSong-Light prints Chinese without a font file on the server.
"""

from __future__ import annotations

import io

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from workflow.models import OriginalsCheck

FONT = "STSong-Light"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        while len(paragraph) > width:
            lines.append(paragraph[:width])
            paragraph = paragraph[width:]
        lines.append(paragraph)
    return lines


def booking_slip_pdf(check: OriginalsCheck) -> bytes:
    """The slip of a booked check (the caller makes sure it is booked)."""
    font = _font()
    buffer = io.BytesIO()
    # Uncompressed: a one-page slip stays small, and its number is findable in the file.
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=0)
    pdf.setTitle(f"原件查验预约单 {check.number}")
    width, height = A4
    pdf.setFont(font, 18)
    pdf.drawCentredString(width / 2, height - 30 * mm, "北京市积分落户 原件查验预约单")
    pdf.setFont(font, 14)
    pdf.drawString(25 * mm, height - 45 * mm, "预约号：")
    # The number in a Latin font, as the counter staff type it when the scanner fails.
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(45 * mm, height - 45 * mm, check.number)

    code = QrCodeWidget(check.number)
    x0, y0, x1, y1 = code.getBounds()
    size = 40 * mm
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(code)
    renderPDF.draw(drawing, pdf, width - 25 * mm - size, height - 40 * mm - size)

    applicant = check.application.applicant
    rows = [
        ("申请人", applicant.name),
        ("公民身份号码", f"{applicant.id_number[:6]}********{applicant.id_number[-4:]}"),
        ("年度", f"{check.application.round.year}年度积分落户"),
        ("查验部门", check.department.name),
        ("服务窗口", check.window.name if check.window else ""),
        ("地址", check.window.address if check.window else ""),
        ("时间", f"{check.date:%Y年%m月%d日} {check.get_half_display()}"),
    ]
    if check.claim_id is not None:
        rows.append(("积分指标", check.claim.get_indicator_display()))
    y = height - 60 * mm
    pdf.setFont(font, 12)
    for label, value in rows:
        pdf.drawString(25 * mm, y, f"{label}：{value}")
        y -= 8 * mm
    pdf.drawString(25 * mm, y, "请携带以下原件：")
    y -= 7 * mm
    for line in _wrap(check.documents, 36):
        pdf.drawString(30 * mm, y, line)
        y -= 7 * mm
    y -= 4 * mm
    pdf.setFont(font, 10)
    for line in (
        "请携带本人身份证原件和本预约单按时到场。",
        "预约时段开始前可登录系统改约或取消；未按预约到场的，由查验部门登记为未到场。",
        "依据：《北京市积分落户操作管理细则》第七条。",
    ):
        pdf.drawString(25 * mm, y, line)
        y -= 6 * mm
    pdf.setFont(font, 9)
    pdf.drawRightString(width - 25 * mm, 15 * mm, f"第 1 页 · 预约号 {check.number}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
