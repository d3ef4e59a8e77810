"""Benchmarks (make bench): the ranking as the commands run it, from claims, side by side with
plain SQL doing the same work on the same rows in the same run (issue 13: ratios hold on a
busy machine where absolute times do not). Publishing and exporting the list:
publicity/benchmarks.py, on a round made with ``make_round`` and ``rank_synthetic``.

Everything runs inside one transaction that is rolled back at the end: the benchmark
leaves the database as it found it (the audit log is append-only, so nothing it writes may
commit). Round year 2090 with a past timetable keeps clear of real rounds.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import tempfile
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection, transaction

from ranking.importing import facts_import
from ranking.jsonlines import read_lines
from ranking.models import RankingRun
from ranking.policy.identity import make_id_number
from ranking.population import write_population
from ranking.scoring import scores_store_final
from ranking.scoring_bench import bench_scoring
from ranking.services import _Computed, ranking_commit, round_rank
from ranking.standings import rank_standings
from workflow.benchmarking import BenchContext, BenchResult, peak_memory, stopwatch
from workflow.models import (
    AnnualRound,
    Applicant,
    Application,
    AppState,
    AuditEvent,
    Employer,
    IndicatorClaim,
    default_windows,
)
from workflow.services import quota_approve
from workflow.services.integrity import quota_approver_grant

YEAR = 2090
DEFAULT_APPLICANTS = 20_000  # a few minutes on 2 cores; `--applicants 150000` for the size
INDICATORS = (
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
MEMORY_GOAL_MB = 500


class _Rollback(Exception):
    pass


def _windows() -> dict[str, dt.datetime]:
    # Year 2090's round on the 2019 timetable: its declaration closed long ago.
    return {k: v.replace(year=2019) for k, v in default_windows(2019).items()}


def _explanation_json(total: Decimal) -> str:
    # What scoring stores (ranking.scoring.ranking_explanation_json): one per application.
    indicators = ",".join(f'"{code}":"1.00"' for code in INDICATORS)
    return (
        f'{{"eligible":true,"reasons":[],"indicators":{{{indicators}}},"total":"{total:.2f}",'
        '"policy":"beijing-2020","basis":"verified"}'
    )


def rank_synthetic(
    *, round: AnnualRound, ids: list[int], totals: list[Decimal], quota: int, now: dt.datetime
) -> RankingRun:
    """Rank a round made by ``make_round`` (its totals given, nothing scored) and write it,
    for benchmarks of what comes after the ranking."""
    computed = _Computed()
    computed.before = dict.fromkeys(ids, (AppState.FINAL, None, None, None))
    standings = rank_standings(zip(ids, totals, strict=True), quota=quota)
    computed.standings = standings
    for app_id, total, rank, _position, admitted in standings.rows:
        computed.rows[app_id] = (AppState.RANKED, total, rank, admitted, _explanation_json(total))
    return ranking_commit(round=round, computed=computed, actor=None, label="bench", now=now)


def make_round(n: int, *, year: int = YEAR) -> tuple[AnnualRound, list[int], list[Decimal]]:
    """A round of `n` final applications without claims (their totals are returned)."""
    round = AnnualRound.objects.create(
        year=year, quota=6000, policy_id="beijing-2020", **_windows()
    )
    employer = Employer.objects.create(credit_code="91110105MA01BENCH0", name="基准测试单位")
    User = get_user_model()
    users = [User(username=f"bench{i}", password=UNUSABLE_PASSWORD_PREFIX) for i in range(n)]
    User.objects.bulk_create(users, batch_size=5000)
    start = dt.date(1975, 1, 1)
    applicants = [
        Applicant(
            user=u,
            name=f"申请人{i}",
            id_number=make_id_number("110105", start + dt.timedelta(days=i // 500), i % 500, "M"),
        )
        for i, u in enumerate(users)
    ]
    Applicant.objects.bulk_create(applicants, batch_size=5000)
    apps = [
        Application(round=round, applicant=a, employer=employer, state=AppState.FINAL)
        for a in applicants
    ]
    Application.objects.bulk_create(apps, batch_size=5000)
    rng = random.Random(2020)  # noqa: S311 - synthetic totals
    # Cent totals in a realistic band: many ties, as in the real lists.
    totals = [Decimal(rng.randint(6000, 11000)) / 100 for _ in apps]
    return round, [a.pk for a in apps], totals


def _plain_sql_ranking(round: AnnualRound, *, now: dt.datetime) -> float:
    """The reference: the same ranking in plain SQL, one transaction (rolled back here):
    RANK() OVER the stored totals, one UPDATE … FROM of state, rank and admission, and an
    INSERT … SELECT of one audit row per application. Seconds taken."""
    table, audit = Application._meta.db_table, AuditEvent._meta.db_table
    sql = f"""
        WITH pool AS (
            SELECT id, state AS b_state, total_points,
                   (score_explanation ->> 'eligible')::boolean AS eligible
            FROM "{table}" WHERE round_id = %(round)s AND state IN ('final', 'ranked')
        ), ranked AS (
            SELECT id, total_points,
                   RANK() OVER (ORDER BY total_points DESC) AS rank,
                   ROW_NUMBER() OVER (ORDER BY total_points DESC, id) AS position
            FROM pool WHERE eligible
        ), cutoff AS (
            SELECT min(total_points) AS total FROM ranked WHERE position <= %(quota)s
        ), result AS (
            SELECT p.id, p.b_state, p.total_points,
                   CASE WHEN p.eligible THEN 'ranked' ELSE 'ineligible' END AS state,
                   r.rank, CASE WHEN p.eligible THEN r.total_points >= c.total END AS admitted
            FROM pool AS p LEFT JOIN ranked AS r USING (id) CROSS JOIN cutoff AS c
        ), changed AS (
            UPDATE "{table}" AS a SET state = res.state, rank = res.rank,
                admitted = res.admitted, updated_at = %(now)s
            FROM result AS res WHERE a.id = res.id
            RETURNING res.*
        )
        INSERT INTO "{audit}" (at, actor_id, actor_label, action, object_type, object_id,
            round_year, from_state, to_state, reason, before, after)
        SELECT %(now)s, NULL, 'bench', 'application.rank_applied', 'workflow.application',
            c.id::text, %(year)s, c.b_state, c.state, '',
            jsonb_build_object('state', c.b_state),
            jsonb_build_object('state', c.state, 'total_points', c.total_points::text,
                               'rank', c.rank, 'admitted', c.admitted)
        FROM changed AS c
    """  # noqa: S608 - table names from the models, values as parameters
    try:
        with transaction.atomic(), stopwatch() as elapsed:
            with connection.cursor() as cursor:
                cursor.execute(
                    sql, {"round": round.pk, "quota": round.quota, "now": now, "year": round.year}
                )
            raise _Rollback
    except _Rollback:
        pass
    return elapsed[0]


def _clear_stored_scores(round: AnnualRound) -> None:
    # The phase-job path: applications finalised from reviewed claims carry no ranking score.
    Application.objects.filter(round=round).update(total_points=None, score_explanation=None)


def bench_rank(ctx: BenchContext) -> list[BenchResult]:
    n = ctx.count(DEFAULT_APPLICANTS)
    if connection.vendor != "postgresql":
        ctx.log("  bench_rank: the plain-SQL reference needs PostgreSQL (DATABASE_URL)")
        return []
    results: list[BenchResult] = []
    now = dt.datetime(2090, 10, 1, tzinfo=dt.UTC)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "population.jsonl"
        with stopwatch() as generated, path.open("w", encoding="utf-8") as out:
            write_population(out, year=YEAR, count=n, seed=13)
        ctx.log(f"  {n:,} applicants generated in {generated[0]:.1f} s")
        try:
            with transaction.atomic():
                results += _bench_rank_in(ctx, path=path, n=n, now=now)
                raise _Rollback
        except _Rollback:
            pass
    return results


def _bench_rank_in(ctx: BenchContext, *, path: Path, n: int, now: dt.datetime) -> list[BenchResult]:
    round = AnnualRound.objects.create(
        year=YEAR, quota=6000, policy_id="beijing-2020", **_windows()
    )
    approver = get_user_model().objects.create(
        username="bench-approver", password=UNUSABLE_PASSWORD_PREFIX
    )
    quota_approver_grant(user=approver)
    quota_approve(round=round, quota=6000, document_number="基准〔2090〕1号", actor=approver)

    with path.open("rb") as handle, peak_memory() as imported_peak, stopwatch() as imported:
        report = facts_import(round=round, lines=read_lines(handle, max_bytes=100_000), now=now)
    assert not report.errors, report.errors[:3]
    claims = IndicatorClaim.objects.filter(application__round=round).count()
    with connection.cursor() as cursor:
        # The rows were written in this transaction: give the planner their statistics, as
        # autovacuum would have after a committed import.
        for model in (Application, IndicatorClaim, Applicant, AuditEvent):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    ctx.log(f"  imported {n:,} applications ({claims:,} claims) in {imported[0]:.1f} s")
    results = [
        BenchResult(
            name=f"import_facts {n:,} applications ({claims:,} claims, scored at import)",
            figure=f"{imported[0]:.1f} s ({n / imported[0]:,.0f} lines/s), peak {imported_peak[0]:.0f} MB",
            goal="peak ≤ 300 MB at 150,000, independent of the file's length",
            met=imported_peak[0] <= 300 if n >= 150_000 else None,
            notes="one transaction, a batch of 2,000 lines at a time; all or nothing",
        )
    ]

    references = sorted(_plain_sql_ranking(round, now=now) for _ in range(3))
    reference = statistics.median(references)
    ctx.log(f"  plain SQL reference {references}")

    def ranked(
        label: str, goal: float | None, notes: str = "", *, quota: int | None = None
    ) -> None:
        if quota is not None:
            quota_approve(
                round=round, quota=quota, document_number=f"基准〔2090〕{quota}号", actor=approver
            )
        with peak_memory() as peak, stopwatch() as elapsed:
            run = round_rank(round=round, now=now, label="bench")
        ratio = elapsed[0] / reference
        ctx.log(f"  {label}: {elapsed[0]:.2f} s ({ratio:.2f}×), peak {peak[0]:.0f} MB")
        results.append(
            BenchResult(
                name=f"rank_round {n:,} applications: {label}",
                figure=f"{elapsed[0]:.2f} s = {ratio:.2f}× plain SQL {reference:.2f} s; "
                f"peak {peak[0]:.0f} MB; {run.changed_count:,} rows changed",
                goal=f"≤ {goal:g}× plain SQL, peak ≤ {MEMORY_GOAL_MB} MB"
                if goal is not None
                else f"peak ≤ {MEMORY_GOAL_MB} MB; no time goal (a recovery path: see the notes)",
                met=(goal is None or ratio <= goal) and peak[0] <= MEMORY_GOAL_MB,
                notes=notes
                or f"cutoff {run.cutoff}, admitted {run.admitted_count} of quota {run.quota}",
            )
        )

    # From claims, the phase jobs' path: finalize_results moves the results to final in
    # chunks of 500 and ranking's hook scores each chunk (timed here on its own), then the
    # ranking orders the stored totals.
    ids = list(Application.objects.filter(round=round).order_by("pk").values_list("pk", flat=True))
    try:
        with transaction.atomic():
            _clear_stored_scores(round)
            with peak_memory() as scoring_peak, stopwatch() as scoring:
                for start in range(0, len(ids), 500):
                    scores_store_final(round=round, application_ids=ids[start : start + 500])
            ctx.log(f"  finalize_results' scoring hook: {scoring[0]:.1f} s")
            ranked(
                "first run after finalize_results (scored by its hook)",
                3,
                f"the hook scored the {n:,} applications from their claims in finalize_results' "
                f"chunks: {scoring[0]:.1f} s ({n / scoring[0]:,.0f}/s, peak {scoring_peak[0]:.0f} MB), "
                "not counted in the ranking's time",
            )
            raise _Rollback
    except _Rollback:
        pass
    # Nothing stored at all. A round never gets here: import_facts stores each score, the
    # finalize hook stores each score as results become final, and an appeal's decision
    # rescores (review.services.decisions.application_rescore). The ranking scores whatever
    # it finds unscored (facts that were invalid when final, a round finalised before the
    # hook existed): measured here for all 150,000, as a recovery path with no goal of its
    # own. Its floor is the policy engine (validating and scoring, ~60 µs an application)
    # on one core, already more than 3× the plain-SQL reference.
    try:
        with transaction.atomic():
            _clear_stored_scores(round)
            ranked(
                "first run with nothing scored (ranking reads and scores every claim)",
                None,
                "the recovery path: verified facts of every claim read, validated and scored "
                "in the run",
            )
            raise _Rollback
    except _Rollback:
        pass
    ranked("first run after import_facts (scores stored at import)", 3)
    ranked("unchanged re-run", 1, "reads the stored results, writes nothing")
    ranked("wider quota (6000 → 6500)", 1, quota=6500)
    return results


BENCHMARKS = [bench_rank, bench_scoring]
