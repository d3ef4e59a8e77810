"""Each application's score as ranking keeps it (total_points and score_explanation).

An application is scored once its results are final: at import (`import_facts` has just
validated the very facts), or by the first ranking that finds it unscored. After
finalisation the verified facts do not change (细则第三条: 部门复核 ends before the ranking), so
every later run (an unchanged re-run, a wider quota, a re-rank after a cancellation) orders
the stored totals and reads no claim again. The stored explanation says it is ranking's (its
"basis" and "policy"); anything else in the column (the reviewers' running score, which may
predate the final facts) is scored again from the claims.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.db.models.fields.json import KT

from ranking.policy import FactsError, ScoreResult
from workflow.facts import BASIS_VERIFIED, verified_scores
from workflow.models import AnnualRound, Application

CHUNK = 2000

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def ranking_explanation(result: ScoreResult) -> dict[str, Any]:
    """The stored explanation: the compact contract (what `manage.py score` prints) plus the policy and the basis:
    enough for the list and the applicant's page; the worded explanation is rebuilt on demand
    from the same verified facts (150,000 worded explanations would be ~0.5 GB of JSON)."""
    contract = result.as_contract()
    contract["policy"] = result.policy_id
    contract["basis"] = BASIS_VERIFIED
    return contract


def ranking_explanation_json(result: ScoreResult) -> str:
    """The same, JSON-encoded once: what the ranking holds (a fraction of the dict's memory)
    and sends to the database as it is."""
    return _encode(ranking_explanation(result))


class StoredScore(NamedTuple):
    application_id: int
    state: str
    total: Decimal | None
    rank: int | None
    admitted: bool | None
    scored: bool  # ranking's score of the final facts is stored (total and explanation)
    eligible: bool
    reasons: list[str]


def _truthy(value: Any) -> bool:
    # ->> gives 'true' on PostgreSQL and 1 on SQLite for a JSON true.
    return value in (True, 1, "true", "1")


def stored_scores(round: AnnualRound, *, states: list[str]) -> Iterator[StoredScore]:
    """The round's applications in `states`, by id, with only what ranking compares: the
    result columns and three keys of the explanation (never the whole JSON, never a claim)."""
    rows = (
        Application.objects.filter(round=round, state__in=states)
        .annotate(
            stored_basis=KT("score_explanation__basis"),
            stored_policy=KT("score_explanation__policy"),
            stored_eligible=KT("score_explanation__eligible"),
            stored_reasons=KT("score_explanation__reasons"),
        )
        .order_by("pk")  # the model's ordering would join the round for its year
        .values_list(
            "pk",
            "state",
            "total_points",
            "rank",
            "admitted",
            "stored_basis",
            "stored_policy",
            "stored_eligible",
            "stored_reasons",
        )
    )
    policy_id = round.policy_id
    for pk, state, total, rank, admitted, basis, policy, eligible, reasons in rows.iterator(
        chunk_size=CHUNK * 5
    ):
        scored = basis == BASIS_VERIFIED and policy == policy_id and total is not None
        yield StoredScore(
            pk,
            state,
            total,
            rank,
            admitted,
            scored,
            scored and _truthy(eligible),
            json.loads(reasons) if scored and reasons and reasons != "[]" else [],
        )


def scores_from_claims(
    round: AnnualRound, application_ids: list[int]
) -> Iterator[tuple[int, ScoreResult | FactsError]]:
    """Score these applications from their claims' verified facts, a chunk at a time (only
    the columns the facts need, as plain rows)."""
    return verified_scores(
        year=round.year,
        policy_id=round.policy_id,
        application_ids=application_ids,
        chunk_size=CHUNK,
    )


def scores_store_final(*, round: AnnualRound, application_ids: list[int]) -> int:
    """The core's hook (workflow.extensions.results_finalized): store ranking's score of
    applications whose results just became final, in the caller's transaction. Invalid
    facts are left unscored: the ranking names them when it scores them itself."""
    rows = [
        (result.total, ranking_explanation_json(result), app_id)
        for app_id, result in scores_from_claims(round, application_ids)
        if not isinstance(result, FactsError)
    ]
    _scores_write(rows)
    return len(rows)


def _scores_write(rows: list[tuple[Decimal, str, int]]) -> None:
    """One parameterised UPDATE per application, sent as one batch (psycopg pipelines an
    executemany): `bulk_update` built a CASE expression per row and field in Python, which
    took more than half of finalize's scoring (27 s of 50 s for 20,000)."""
    if not rows:
        return
    table = Application._meta.db_table
    as_json = "::jsonb" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.executemany(
            f'UPDATE "{table}" SET total_points = %s, score_explanation = %s{as_json} '  # noqa: S608 - the model's table
            "WHERE id = %s",
            rows,
        )
