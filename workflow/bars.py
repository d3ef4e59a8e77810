"""Why a party may not apply (细则第十七条): the bar on the party and the credit record that
says what was found. The one wording for the refusal and the portal's notice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from workflow.extensions import credit_record_latest


def _found_on(record: Any) -> str:
    # The day the fraud was found, in Beijing: what both wordings of a bar name.
    return f"{timezone.localtime(record.recorded_at).date():%Y年%m月%d日}"


def bar_finding(record: Any) -> str:
    """The finding for the portal's notice: "2020年度积分落户申报中弄虚作假：伪造学位证书
    （2020年11月02日认定）"."""
    return (
        f"{record.round.year}年度积分落户申报中弄虚作假：{record.reason}（{_found_on(record)}认定）"
    )


def bar_refusal(*, applicant: Any = None, employer: Any = None, on: dt.date) -> str | None:
    """The refusal a barred party sees, worded to follow its name or "您": "因2020年度积分落户
    申报中弄虚作假（伪造学位证书，2020年11月02日认定），2025年12月31日 前不得申报积分落户。"
    None when the party is not barred on ``on``."""
    party = applicant if applicant is not None else employer
    if party is None or party.barred_until is None or on > party.barred_until:
        return None
    record = credit_record_latest(applicant=applicant, employer=employer)
    why = ""
    if record is not None:
        why = (
            f"因{record.round.year}年度积分落户申报中弄虚作假"
            f"（{record.reason}，{_found_on(record)}认定），"
        )
    what = "不得申报积分落户" if applicant is not None else "不得为申请人申报积分落户"
    return f"{why}{party.barred_until:%Y年%m月%d日} 前{what}。"
