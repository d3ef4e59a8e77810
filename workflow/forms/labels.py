"""Chinese labels for the facts-format-1 codes the portal shows and asks for."""

from __future__ import annotations

from ranking.policy.tables import (
    AWARD_TABLE,
    CITY_LEVEL,
    DISTRICT_ORDER,
    EDUCATION_LEVEL_LABELS,
    HONORS,
    HOUSING_KIND_LABELS,
)

# The housing and education labels live with the policy tables; re-exported for the portal.
__all__ = [
    "AWARD_LABELS",
    "DISTRICT_CHOICES",
    "EDUCATION_LEVEL_LABELS",
    "HONOR_LABELS",
    "HOUSING_KIND_LABELS",
    "INSURANCE_DISTRICT_CHOICES",
    "award_choices",
    "award_label",
    "award_value",
]

DISTRICT_CHOICES: list[tuple[str, str]] = [(name, name) for name in DISTRICT_ORDER]
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
