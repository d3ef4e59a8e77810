"""The points policy as code (pure Python: no Django import, no clock).

from ranking.policy import score_facts
score_facts(facts_dict) -> {"eligible", "reasons", "indicators", "total"}
"""

from ranking.policy.engine import score, score_facts, score_many
from ranking.policy.facts import Facts, FactsError, parse_facts
from ranking.policy.params import POLICIES, PolicyParams, get_policy
from ranking.policy.result import (
    ELIGIBILITY_LABELS,
    INDICATOR_CODES,
    INDICATOR_LABELS,
    IndicatorResult,
    ScoreResult,
)

__all__ = [
    "ELIGIBILITY_LABELS",
    "INDICATOR_CODES",
    "INDICATOR_LABELS",
    "POLICIES",
    "Facts",
    "FactsError",
    "IndicatorResult",
    "PolicyParams",
    "ScoreResult",
    "get_policy",
    "parse_facts",
    "score",
    "score_facts",
    "score_many",
]
