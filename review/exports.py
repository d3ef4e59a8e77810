"""Exports of a department's pending claims and of its decisions (CSV and XLSX).

Names, declared facts and reasons are applicants' and reviewers' text: the files are written
by workflow.exports, which keeps a formula-like cell text."""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal

import tablib
from django.utils import timezone

from workflow import exports
from workflow.models import IndicatorClaim

CENTS = Decimal("0.01")
PENDING_HEADERS = [
    "指标编号",
    "年度",
    "公民身份号码",
    "姓名",
    "指标",
    "状态",
    "需人工审核",
    "申报信息",
    "差异说明",
    "更新时间",
]
DECISION_HEADERS = [
    "指标编号",
    "年度",
    "公民身份号码",
    "姓名",
    "指标",
    "审核结论",
    "分值",
    "核定信息",
    "审核意见",
    "审核人",
    "审核时间",
]


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _time(value) -> str:
    return "" if value is None else timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def pending_dataset(claims: Iterable[IndicatorClaim]) -> tablib.Dataset:
    data = tablib.Dataset(headers=PENDING_HEADERS)
    for c in claims:
        app = c.application
        data.append(
            [
                c.pk,
                app.round.year,
                app.applicant.id_number,
                app.applicant.name,
                c.get_indicator_display(),
                c.state_label,
                "是" if c.needs_manual_review else "否",
                _json(c.declared_facts),
                (c.mismatch or {}).get("message", ""),
                _time(c.updated_at),
            ]
        )
    return data


def decisions_dataset(claims: Iterable[IndicatorClaim]) -> tablib.Dataset:
    data = tablib.Dataset(headers=DECISION_HEADERS)
    for c in claims:
        app = c.application
        data.append(
            [
                c.pk,
                app.round.year,
                app.applicant.id_number,
                app.applicant.name,
                c.get_indicator_display(),
                c.state_label,
                # A number (Decimal), so the XLSX cell is numeric; CSV writes it as "-7.00".
                "" if c.points is None else c.points.quantize(CENTS),
                _json(c.verified_facts),
                c.decision_reason,
                c.decided_by.get_username() if c.decided_by else "数据交换",
                _time(c.decided_at),
            ]
        )
    return data


def render(dataset: tablib.Dataset, fmt: str) -> tuple[bytes, str]:
    if fmt == "xlsx":
        body = exports.xlsx_bytes(dataset.headers, dataset, sheet_title=dataset.title or "导出")
        return body, exports.XLSX_CONTENT_TYPE
    return exports.csv_bytes(dataset.headers, dataset), exports.CSV_CONTENT_TYPE
