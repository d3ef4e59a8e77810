"""Scoring: facts in, points out. Pure: no Django, no clock, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ranking.policy.eligibility import check_eligibility, describe_conditions
from ranking.policy.facts import Facts, FactsError, parse_facts
from ranking.policy.indicators import INDICATOR_FUNCTIONS
from ranking.policy.params import get_policy
from ranking.policy.result import ScoreResult
from ranking.policy.timeline import Timeline


def score(facts: Facts) -> ScoreResult:
    """Score validated facts under the policy they name."""
    params = get_policy(facts.policy_id, facts.year)
    timeline = Timeline.build(facts, params)
    failures = check_eligibility(facts, timeline, params)
    # A list comprehension: a generator costs a frame switch per indicator (11 per applicant).
    indicators = tuple([function(facts, timeline, params) for function in INDICATOR_FUNCTIONS])
    return ScoreResult(
        policy_id=params.policy_id,
        year=facts.year,
        eligible=not failures,
        failures=failures,
        indicators=indicators,
        describe_conditions=lambda: describe_conditions(facts, timeline, params, failures),
    )


def score_facts(raw: Mapping[str, Any], *, explain: bool = False) -> dict[str, Any]:
    """Validate and score one facts object; returns the contract's output object.

    Raises FactsError (with ``.field``) when the facts are invalid.
    """
    return score(parse_facts(raw)).as_contract(explain=explain)


def score_many(
    objects: Iterable[Mapping[str, Any]], *, explain: bool = False
) -> Iterator[dict[str, Any] | FactsError]:
    """Bulk scoring: yields one contract object, or the FactsError, per input, in order."""
    for raw in objects:
        try:
            yield score(parse_facts(raw)).as_contract(explain=explain)
        except FactsError as error:
            yield error
