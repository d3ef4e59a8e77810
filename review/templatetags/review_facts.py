"""Facts (facts-format-1 fragments) as a reviewer reads them: Chinese tables, not Python dicts.

One presenter for every part of the claim page: the declaration, the department's facts and
the two halves of the diff. Labels come from the tables the applicant's forms use
(workflow.forms.labels: 细则附件2/3/4 and the housing kinds), so the reviewer reads the same
words the applicant chose from. A row the other side does not have is marked `differs`.

    {% load review_facts %}
    {% facts_view claim.declared_facts claim.indicator compare=department_facts %}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import template

from workflow.facts import CLAIM_FACT_KEYS
from workflow.forms.labels import (
    EDUCATION_LEVEL_LABELS,
    HONOR_LABELS,
    HOUSING_KIND_LABELS,
    award_label,
)

register = template.Library()

ONGOING = "至今"  # facts-format-1: "to": null runs to the cut-off
NONE_TEXT = "无"

FACT_LABELS: dict[str, str] = {
    "residence_permit": "居住证",
    "criminal_record": "刑事犯罪记录",
    "social_insurance": "社会保险缴纳记录",
    "housing": "住所",
    "education": "学历（学位）",
    "awards": "奖项",
    "equity": "股权投资",
    "tax": "纳税",
    "honors": "荣誉表彰",
    "detentions": "行政拘留记录",
}
EQUITY_LABELS: dict[str, str] = {
    "qualified_firm": "企业符合条件",
    "investor_funding_3y_wan": "近3年经备案投资机构投资（万元）",
    "equity_financing_3y_wan": "近3年股权类现金融资（万元）",
    "holding_pct": "持股比例（%）",
    "full_year": "当年全年持股",
}


@dataclass
class Row:
    cells: list[str]
    differs: bool = False


@dataclass
class Block:
    """One fact key: a table (columns + rows), or a list of label/value pairs (`pairs`)."""

    key: str
    label: str
    columns: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    pairs: list[tuple[str, str, bool]] = field(default_factory=list)
    empty: bool = False


def yes_no(value: Any) -> str:
    return "是" if value else "否"


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, Mapping):
        return "；".join(f"{k}：{_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "、".join(_text(v) for v in value) or NONE_TEXT
    return str(value)


def _month(value: Any) -> str:
    return ONGOING if value is None else str(value)


def _date_of(item: Any) -> str:
    # Penalties and detentions are dates; an object {"date": ...} is accepted too.
    return str(item.get("date")) if isinstance(item, Mapping) else str(item)


# --- one table per list-valued key: (columns, row of an item) ----------------------------


def _insurance_row(p: Mapping[str, Any]) -> list[str]:
    return [
        _month(p.get("from")),
        _month(p.get("to")),
        _text(p.get("district")),
        yes_no(p.get("back_paid")),
    ]


def _housing_row(p: Mapping[str, Any]) -> list[str]:
    kind = p.get("kind")
    return [
        _month(p.get("from")),
        _month(p.get("to")),
        HOUSING_KIND_LABELS.get(kind, _text(kind)),
        _text(p.get("district")),
    ]


def _education_row(e: Mapping[str, Any]) -> list[str]:
    level = e.get("level")
    return [
        EDUCATION_LEVEL_LABELS.get(level, _text(level)),
        yes_no(e.get("diploma")),
        yes_no(e.get("degree")),
        _text(e.get("graduated_on")),
    ]


def _award_row(a: Mapping[str, Any]) -> list[str]:
    return [
        award_label(a.get("code"), a.get("grade")),
        _text(a.get("rank")),
        _text(a.get("role")),
        _text(a.get("year")),
    ]


def _honor_row(h: Any) -> list[str]:
    # The contract names the codes but not the item's shape: a code, or {"code", "year"}.
    if isinstance(h, str):
        return [HONOR_LABELS.get(h, h), "—"]
    return [HONOR_LABELS.get(h.get("code"), _text(h.get("code"))), _text(h.get("year"))]


_TABLES: dict[str, tuple[list[str], Callable[[Any], list[str]]]] = {
    "social_insurance": (["开始月份", "结束月份", "缴费区", "补缴"], _insurance_row),
    "housing": (["开始月份", "结束月份", "住所类型", "区"], _housing_row),
    "education": (["学历层次", "取得学历", "取得学位", "毕业日期"], _education_row),
    "awards": (["奖项", "完成人位次或名次", "角色", "获奖年份"], _award_row),
    "honors": (["荣誉", "年份"], _honor_row),
    "detentions": (["日期"], lambda d: [_date_of(d)]),
}


def as_facts(value: Any, indicator: str = "") -> dict[str, Any] | None:
    """A claim's facts part as {fact key: value}; a bare list (the diff's sides) is the list
    of the indicator's first fact key. None: nothing at all (no record, nothing declared)."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return dict(value)
    keys = CLAIM_FACT_KEYS.get(indicator) or ()
    key = keys[0] if keys else "items"
    items = []
    for item in value:
        # The housing diff lists month ranges {"from", "to", "tag": [kind, district]}.
        if isinstance(item, Mapping) and "tag" in item and key == "housing":
            kind, district = (list(item["tag"]) + [None, None])[:2]
            item = {"from": item["from"], "to": item["to"], "kind": kind, "district": district}
        items.append(item)
    return {key: items}


def _blocks_of(key: str, value: Any, other: Any, compare: bool) -> Block:
    label = FACT_LABELS.get(key, key)
    if key in _TABLES and isinstance(value, (list, tuple)):
        columns, cells_of = _TABLES[key]
        theirs = {tuple(cells_of(i)) for i in (other or [])} if compare else set()
        rows = []
        for item in value:
            cells = cells_of(item)
            rows.append(Row(cells, differs=compare and tuple(cells) not in theirs))
        return Block(key, label, columns=columns, rows=rows, empty=not rows)
    if key == "tax" and isinstance(value, Mapping):
        income = value.get("income_tax") or {}
        their_income = (other or {}).get("income_tax") or {} if isinstance(other, Mapping) else {}
        rows = [
            Row(
                [f"{year}年", _text(amount)],
                differs=compare and str(their_income.get(year)) != str(amount),
            )
            for year, amount in sorted(income.items())
        ]
        violations = [_date_of(d) for d in value.get("violations") or []]
        their_violations = (
            [_date_of(d) for d in (other or {}).get("violations") or []]
            if isinstance(other, Mapping)
            else []
        )
        return Block(
            key,
            label,
            columns=["年度", "个人所得税（元）"],
            rows=rows,
            pairs=[
                (
                    "税务违法处罚记录",
                    "、".join(violations) or NONE_TEXT,
                    compare and sorted(violations) != sorted(their_violations),
                )
            ],
        )
    if key == "equity" and isinstance(value, Mapping):
        theirs = other if isinstance(other, Mapping) else {}
        return Block(
            key,
            label,
            pairs=[
                (name, _text(value.get(k)), compare and _text(value.get(k)) != _text(theirs.get(k)))
                for k, name in EQUITY_LABELS.items()
            ],
        )
    if key == "residence_permit":
        issued = value.get("issued_on") if isinstance(value, Mapping) else None
        their = other.get("issued_on") if isinstance(other, Mapping) else None
        return Block(
            key,
            label,
            pairs=[
                ("签发日期", _text(issued) if issued else NONE_TEXT, compare and issued != their)
            ],
        )
    if key == "criminal_record":
        return Block(
            key,
            label,
            pairs=[("有无记录", "有" if value else NONE_TEXT, compare and value != other)],
        )
    if value is None or value == [] or value == {}:
        return Block(key, label, empty=True)
    # Anything the contract adds later: still readable, never a Python repr.
    return Block(key, label, pairs=[(label, _text(value), compare and value != other)])


def present_facts(
    value: Any, indicator: str = "", *, compare: Any = None, compared: bool = False
) -> list[Block] | None:
    """The blocks to render; `compare` (with `compared`) is the other side, rows it lacks differ."""
    facts = as_facts(value, indicator)
    if facts is None:
        return None
    other = as_facts(compare, indicator) if compared else None
    compared = compared and other is not None
    return [_blocks_of(key, item, (other or {}).get(key), compared) for key, item in facts.items()]


@register.inclusion_tag("review/_facts.html")
def facts_view(value: Any, indicator: str = "", compare: Any = None, empty: str = "") -> dict:
    """Render facts; pass `compare` (the other side) to mark what it does not have."""
    return {
        "blocks": present_facts(value, indicator, compare=compare, compared=compare is not None),
        "empty_text": empty or "无",
    }
