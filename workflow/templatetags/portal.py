"""Showing facts-format-1 parts and claim states in Chinese."""

from __future__ import annotations

from typing import Any

from django import template

from workflow.forms.labels import (
    EDUCATION_LEVEL_LABELS,
    HONOR_LABELS,
    HOUSING_KIND_LABELS,
    award_label,
)
from workflow.services import format_moment

register = template.Library()

_STATE_CLASS = {
    "verified": "ok",
    "rechecked": "ok",
    "appeal_upheld": "ok",
    "rejected": "bad",
    "appeal_rejected": "bad",
    "adjusted": "warn",
    "recheck_requested": "warn",
    "appealed": "warn",
    "supplement_requested": "warn",
}
_APP_STATE_CLASS = {
    "qualified": "ok",
    "settled": "ok",
    "publicized": "ok",
    "ranked": "ok",
    "submitted": "ok",
    "rejected_by_employer": "bad",
    "ineligible": "bad",
    "not_admitted": "bad",
    "cancelled": "bad",
    "withdrawn": "bad",
    "forfeited": "bad",
    "awaiting_employer": "warn",
    "filling": "warn",
}


@register.filter
def claim_class(state: str) -> str:
    return _STATE_CLASS.get(state, "")


@register.filter
def app_class(state: str) -> str:
    return _APP_STATE_CLASS.get(state, "")


@register.filter
def moment(value: Any) -> str:
    return format_moment(value) if value else ""


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key) if mapping else None
    except AttributeError:
        return None


def _period(item: dict[str, Any]) -> str:
    end = item.get("to") or "至今"
    return f"{item.get('from')} 至 {end}"


def _yes(value: Any) -> str:
    return "有" if value else "无"


@register.filter
def facts_lines(facts: Any) -> list[str]:
    """A claim's facts (declared or verified) as short Chinese lines."""
    if not facts:
        return []
    lines: list[str] = []
    for item in facts.get("social_insurance") or []:
        paid = "补缴" if item.get("back_paid") else "正常缴纳"
        lines.append(f"社保 {_period(item)} · {item.get('district')} · {paid}")
    for item in facts.get("housing") or []:
        kind = HOUSING_KIND_LABELS.get(item.get("kind"), item.get("kind"))
        lines.append(f"住所 {_period(item)} · {kind} · {item.get('district')}")
    for item in facts.get("education") or []:
        level = EDUCATION_LEVEL_LABELS.get(item.get("level"), item.get("level"))
        lines.append(
            f"{level} · 学历{'✓' if item.get('diploma') else '✗'} 学位{'✓' if item.get('degree') else '✗'}"
            f" · 毕业 {item.get('graduated_on')}"
        )
    for item in facts.get("awards") or []:
        rank = f" · 第 {item['rank']} 位/名" if item.get("rank") else ""
        lines.append(
            f"{award_label(item.get('code', ''), item.get('grade'))}{rank} · {item.get('year')}年"
        )
    equity = facts.get("equity")
    if equity:
        lines.append(
            f"股权融资：投资机构投资 {equity.get('investor_funding_3y_wan')} 万元，"
            f"股权类现金融资 {equity.get('equity_financing_3y_wan')} 万元，持股 {equity.get('holding_pct')}%"
        )
    for item in facts.get("honors") or []:
        code = item if isinstance(item, str) else item.get("code")
        year = "" if isinstance(item, str) or not item.get("year") else f" · {item['year']}年"
        lines.append(f"{HONOR_LABELS.get(code, code)}{year}")
    tax = facts.get("tax")
    if tax:
        for year, amount in sorted((tax.get("income_tax") or {}).items()):
            lines.append(f"{year}年 个人所得税 {amount} 元")
        for day in tax.get("violations") or []:
            lines.append(f"税收违法记录 {day}")
    if "residence_permit" in facts:
        permit = facts.get("residence_permit") or {}
        lines.append(f"北京市居住证 签发于 {permit.get('issued_on') or '（无记录）'}")
    if "criminal_record" in facts:
        lines.append(f"刑事犯罪记录：{_yes(facts.get('criminal_record'))}")
    if "detentions" in facts:
        detentions = facts.get("detentions") or []
        lines.append(
            "行政拘留记录：无"
            if not detentions
            else "行政拘留记录：" + "、".join(map(str, detentions))
        )
    return lines


def _declared_nothing(facts: Any) -> bool:
    # A blank form saved: every list empty, every value blank.
    if not facts:
        return True
    if isinstance(facts, dict):
        return all(_declared_nothing(v) for v in facts.values())
    if isinstance(facts, list | tuple):
        return all(_declared_nothing(v) for v in facts)
    return facts in ("", None)


@register.filter
def claim_word(claim: Any, application: Any = None) -> str:
    """Where the item is, in the applicant's words: 未填报, 已填报待提交, 已申报待审核, then
    the department's result. 待审核 only once a department actually has it."""
    from workflow.indicators import INDICATORS
    from workflow.models import UNSUBMITTED_STATES

    if claim is None:
        return "未填报"
    if claim.state != "pending":
        return claim.state_label
    zero_fill = INDICATORS[claim.indicator].zero_fill
    if not zero_fill and _declared_nothing(claim.declared_facts):
        return "未填报"
    if application is not None and application.state in UNSUBMITTED_STATES:
        return "已填报，待提交"
    return "待部门核定" if zero_fill else "已申报待审核"
