"""What scoring returns: points per indicator, eligibility, and why."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")

# The ten columns of the official publicity list since 2020, in the contract's order.
INDICATOR_CODES: tuple[str, ...] = (
    "employment",
    "housing",
    "education",
    "education_deduction",
    "job_residence_area",
    "innovation",
    "tax",
    "age",
    "honors",
    "law_record",
)
INDICATOR_LABELS: dict[str, str] = {
    "employment": "合法稳定就业",
    "housing": "合法稳定住所",
    "education": "教育背景",
    "education_deduction": "扣除取得学历（学位）期间累计的居住及就业分数",
    "job_residence_area": "职住区域",
    "innovation": "创新创业",
    "tax": "纳税",
    "age": "年龄",
    "honors": "荣誉表彰",
    "law_record": "守法记录",
}
ELIGIBILITY_REASONS: tuple[str, ...] = (
    "no_residence_permit",
    "over_retirement_age",
    "social_insurance_under_7_years",
    "criminal_record",
)
ELIGIBILITY_LABELS: dict[str, str] = {
    "no_residence_permit": "未在申报前一年度12月31日前取得北京市居住证",
    "over_retirement_age": "已达到法定退休年龄",
    "social_insurance_under_7_years": "在京连续缴纳社会保险不满7年（或补缴超过5个月）",
    "criminal_record": "有刑事犯罪记录",
}


_ZERO = Decimal("0.00")


def round_half_up(value: Decimal) -> Decimal:
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return rounded + 0  # normalises -0.00 to 0.00


def fmt(value: Decimal) -> str:
    return f"{round_half_up(value):.2f}"


Describe = Callable[[], tuple[str, Mapping[str, Any]]]


def _nothing() -> tuple[str, Mapping[str, Any]]:
    return "", {}


@dataclass(slots=True)  # not frozen: frozen __init__ costs ~2x, and nothing mutates it
class IndicatorResult:
    """One indicator's points. The explanation is built only when asked for: scoring a whole
    round (~130,000 applicants) must not pay for 1.3 million sentences nobody reads."""

    code: str
    points: Decimal  # already rounded half-up to 2 decimals
    source: str  # article / attachment row
    describe: Describe = field(default=_nothing, repr=False, compare=False)

    @property
    def rule(self) -> str:
        """The computation in words and numbers, Chinese."""
        return self.describe()[0]

    @property
    def facts(self) -> Mapping[str, Any]:
        return self.describe()[1]

    def as_dict(self) -> dict[str, Any]:
        rule, facts = self.describe()
        return {
            "label": INDICATOR_LABELS[self.code],
            "points": fmt(self.points),
            "rule": rule,
            "source": self.source,
            "facts": dict(facts),
        }


@dataclass(frozen=True, slots=True)
class EligibilityFailure:
    reason: str
    why: str
    source: str


def _no_conditions() -> list[dict[str, Any]]:
    return []


@dataclass(slots=True)  # not frozen, like Facts: built once per applicant, never mutated
class ScoreResult:
    policy_id: str
    year: int
    eligible: bool
    failures: tuple[EligibilityFailure, ...]
    indicators: tuple[IndicatorResult, ...]  # in INDICATOR_CODES order
    # Every eligibility condition in words, met or not; built only when explained.
    describe_conditions: Callable[[], list[dict[str, Any]]] = field(
        default=_no_conditions, repr=False, compare=False
    )

    @property
    def reasons(self) -> list[str]:
        return [failure.reason for failure in self.failures]

    @property
    def total(self) -> Decimal:
        # + 0 turns a -0.00 into 0.00; a list, not a generator: summed once per applicant.
        return sum([indicator.points for indicator in self.indicators], _ZERO) + 0

    def points(self) -> dict[str, Decimal]:
        return {indicator.code: indicator.points for indicator in self.indicators}

    def as_contract(self, *, explain: bool = False) -> dict[str, Any]:
        """Exactly what `manage.py score` prints (facts-format-1, "What manage.py score prints")."""
        out: dict[str, Any] = {
            "eligible": self.eligible,
            "reasons": self.reasons,
            # Indicator points are already rounded to cents (or sums of such), so str() prints
            # exactly two decimals, several times cheaper than format().
            "indicators": {indicator.code: str(indicator.points) for indicator in self.indicators},
            "total": str(self.total),
        }
        if explain:
            out["explanation"] = self.explanation()
        return out

    def explanation(self) -> dict[str, Any]:
        return {
            "policy": self.policy_id,
            "eligibility": [
                {
                    "reason": f.reason,
                    "label": ELIGIBILITY_LABELS[f.reason],
                    "why": f.why,
                    "source": f.source,
                }
                for f in self.failures
            ],
            "conditions": [
                {**condition, "label": ELIGIBILITY_LABELS[str(condition["reason"])]}
                for condition in self.describe_conditions()
            ],
            "indicators": {indicator.code: indicator.as_dict() for indicator in self.indicators},
            "total": f"{' + '.join(fmt(i.points) for i in self.indicators)} = {fmt(self.total)}",
        }
