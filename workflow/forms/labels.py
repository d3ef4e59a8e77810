"""Chinese labels for the facts-format-1 codes the portal shows and asks for."""

from __future__ import annotations

from ranking.policy.tables import AWARD_TABLE, CITY_LEVEL, HONORS

HOUSING_KIND_LABELS: dict[str, str] = {
    "own": "本人自有产权住房",
    "spouse_own": "配偶自有产权住房",
    "rental": "租赁住房（已登记备案）",
    "dorm": "单位宿舍",
}
EDUCATION_LEVEL_LABELS: dict[str, str] = {
    "junior_college": "大学专科（含高职）",
    "bachelor": "大学本科",
    "master": "硕士研究生",
    "doctor": "博士研究生",
}
# The contract's 16 districts plus the development zone; the six central districts first.
DISTRICT_CHOICES: list[tuple[str, str]] = [
    (name, name)
    for name in (
        "东城区",
        "西城区",
        "朝阳区",
        "海淀区",
        "丰台区",
        "石景山区",
        "门头沟区",
        "房山区",
        "通州区",
        "顺义区",
        "昌平区",
        "大兴区",
        "怀柔区",
        "平谷区",
        "密云区",
        "延庆区",
        "北京经济技术开发区",
    )
]
INSURANCE_DISTRICT_CHOICES = [*DISTRICT_CHOICES, (CITY_LEVEL, "市本级")]

AWARD_LABELS: dict[tuple[str, str | None], str] = {
    (row.code, row.grade): row.label for row in AWARD_TABLE
}
HONOR_LABELS: dict[str, str] = {code: label for code, (label, _source) in HONORS.items()}


def award_value(code: str, grade: str | None) -> str:
    return f"{code}:{grade}" if grade else code


def award_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The catalogue (细则附件3) grouped by its section, as <optgroup>s."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for row in AWARD_TABLE:
        section = row.source.split("）", 1)[-1].split("第", 1)[0] or row.source
        groups.setdefault(section, []).append((award_value(row.code, row.grade), row.label))
    return list(groups.items())


def award_label(code: str, grade: str | None) -> str:
    return AWARD_LABELS.get((code, grade)) or AWARD_LABELS.get((code, None)) or code
