"""Benchmark (make bench): the reviewers' work queue at 1.2 M claims (issue 13).

The rows are made with plain SQL (generate_series) in one round, year 2092, and kept between
runs (`--only review_queues` again reuses them: building takes about a minute, the
measurement seconds). Each queue page is then fetched through Django's test client as a
department's reviewer, the first page with its counts, and timed (median of several
requests), with the number of queries it made.
"""

from __future__ import annotations

import os
import statistics
import time
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from workflow.benchmarking import BenchContext, BenchResult, stopwatch
from workflow.indicators import INDICATORS
from workflow.models import (
    AnnualRound,
    Applicant,
    AppState,
    Department,
    IndicatorClaim,
    Phase,
    default_windows,
)
from workflow.services.parties import reviewer_assign

YEAR = 2092
PREFIX = "qbench"
GOAL_MS = 100.0
REPEAT = 7
# 9 claims per application (innovation left out): police holds 3 of them, the most.
INDICATORS_USED = [code for code in INDICATORS if code != "innovation"]
QUEUES = ["manual", "recheck", "appeal", "supplement", "supplement_overdue", "all"]
# Filtered queues (police only): the length of the first two comes from the tally, the
# waiting-time filter's is counted row by row.
FILTERED = {
    "all` + indicator `age": {"queue": "all", "indicator": "age"},
    "all` + state `verified": {"queue": "all", "state": "verified"},
    "manual` + waiting `> 1 day": {"queue": "manual", "older_than_days": "1"},
}


def _build(n_apps: int, log) -> AnnualRound:
    """One round of n_apps applications × 9 claims, in plain SQL. Claim states are spread as
    in the middle of review: most decided, a third pending (a third of those manual), a few
    in each other queue; 3 % of the applications are drafts and 1 % withdrawn (their claims
    must not be counted)."""
    windows = {k: v.replace(year=YEAR) for k, v in default_windows(YEAR).items()}
    round = AnnualRound.objects.create(
        year=YEAR, quota=6000, policy_id="beijing-2020", phase=Phase.AGGREGATION, **windows
    )
    # One real applicant gives the ciphertexts the others copy (the page decrypts the 50 it
    # shows); the blind index must be unique, so each row gets its own.
    User = get_user_model()
    seed_user = User.objects.create(username=f"{PREFIX}seed", password=UNUSABLE_PASSWORD_PREFIX)
    seed = Applicant.objects.create(user=seed_user, id_number="110101199001011237", name="基准")
    departments = {d.code: d.pk for d in Department.objects.all()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM workflow_applicant WHERE id = %s", [seed.pk])
        id_number, phone = cursor.fetchone()
        cursor.execute(
            """INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,
                   email, is_staff, is_active, date_joined)
               SELECT %s, false, %s || i, '', '', '', false, true, now()
               FROM generate_series(1, %s) AS i""",
            [UNUSABLE_PASSWORD_PREFIX, PREFIX, n_apps],
        )
        cursor.execute(
            """INSERT INTO workflow_applicant (id_number, name, phone, created_at, user_id,
                   id_number_index)
               SELECT %s, '申请人' || u.id, %s, now(), u.id, md5(%s || u.id)
               FROM auth_user u WHERE u.username ~ %s""",
            [id_number, phone, PREFIX, f"^{PREFIX}[0-9]+$"],
        )
        cursor.execute(
            """INSERT INTO workflow_application (state, employer_rejection_reason, created_at,
                   updated_at, applicant_id, round_id)
               SELECT CASE WHEN a.id %% 100 < 3 THEN %s WHEN a.id %% 100 = 3 THEN %s ELSE %s END,
                      '', now(), now(), a.id, %s
               FROM workflow_applicant a JOIN auth_user u ON u.id = a.user_id
               WHERE u.username ~ %s""",
            [
                AppState.FILLING,
                AppState.WITHDRAWN,
                AppState.UNDER_REVIEW,
                round.pk,
                f"^{PREFIX}[0-9]+$",
            ],
        )
        array = "ARRAY[" + ",".join(["%s"] * len(INDICATORS_USED)) + "]"
        cursor.execute(
            f"""INSERT INTO workflow_indicatorclaim (application_id, round_id, indicator, department_id,
                   state, declared_facts, decision_reason, recheck_reason, appeal_reason,
                   needs_manual_review, in_review, created_at, updated_at)
               SELECT app.id, app.round_id, ({array})[k], ({array})[k],
                      CASE WHEN h < 55 THEN 'verified' WHEN h < 60 THEN 'rejected'
                           WHEN h < 63 THEN 'adjusted' WHEN h < 93 THEN 'pending'
                           WHEN h < 95 THEN 'recheck_requested' WHEN h < 97 THEN 'appealed'
                           ELSE 'supplement_requested' END,
                      '{{}}', '', '', '', h >= 63 AND h < 73, app.state = %s,
                      now() - (h || ' hours')::interval,
                      now() - ((app.id %% 500) || ' minutes')::interval
               FROM workflow_application app
               CROSS JOIN generate_series(1, {len(INDICATORS_USED)}) AS k
               CROSS JOIN LATERAL (SELECT (app.id * 7 + k * 13) %% 100 AS h) AS spread
               WHERE app.round_id = %s""",  # noqa: S608 - placeholders only, no input
            [
                *INDICATORS_USED,
                *(departments[INDICATORS[c].primary_department] for c in INDICATORS_USED),
                AppState.UNDER_REVIEW,  # in_review, as the database would correct it
                round.pk,
            ],
        )
        cursor.execute("ANALYZE workflow_application")
        cursor.execute("ANALYZE workflow_indicatorclaim")
    log(f"  built {n_apps:,} applications in round {YEAR}")
    return round


def _reviewer(code: str):
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=f"{PREFIX}_reviewer_{code}")
    reviewer_assign(user=user, department=Department.objects.get(code=code))
    return user


def bench_review_queues(ctx: BenchContext) -> list[BenchResult]:
    if connection.vendor != "postgresql":
        ctx.log("  skipped: the queue benchmark needs PostgreSQL (set DATABASE_URL)")
        return []
    n_apps = ctx.count(130_000)
    round = AnnualRound.objects.filter(year=YEAR).first()
    claims = IndicatorClaim.objects.filter(application__round=round).count() if round else 0
    if claims != n_apps * len(INDICATORS_USED):
        if round is not None:
            from review.benchmarks import cleanup_year

            cleanup_year(YEAR, PREFIX)
        with stopwatch() as setup, transaction.atomic():
            round = _build(n_apps, ctx.log)
        claims = n_apps * len(INDICATORS_USED)
        ctx.log(f"  {claims:,} claims built in {setup[0]:.1f} s")
    else:
        ctx.log(f"  reusing {claims:,} claims of round {YEAR}")
    with connection.cursor() as cursor:
        # Index-only scans need the visibility map of freshly written rows.
        cursor.execute("VACUUM ANALYZE workflow_indicatorclaim")
        cursor.execute("VACUUM ANALYZE workflow_application")
    # The queues show the current round; make this one current for the measurement.
    from workflow.selectors import round_current

    current = round_current()
    if current is None or current.pk != round.pk:
        ctx.log(f"  note: the current round is {current and current.year}, not {YEAR}")
    # The same page for a department that holds no claim (innovation's, left out of the
    # round): the view's fixed cost (session, rounds, counts, template) in this run, measured
    # before and after the queues; the rows give their ratio to it, which a loaded machine
    # changes less than the milliseconds.
    empty = Client()
    empty.force_login(_reviewer("science"))
    empty_url = reverse("review:queue") + "?queue=manual"
    reference = _measure(empty, empty_url)
    results = []
    for code in ("police", "hrss"):
        department = Department.objects.get(code=code)
        held = IndicatorClaim.objects.filter(department=department).count()
        client = Client()
        client.force_login(_reviewer(code))
        pages = {queue: {"queue": queue} for queue in QUEUES}
        if code == "police":
            pages.update(FILTERED)
        for queue, query in pages.items():
            median, sql, queries = _measure(
                client, reverse("review:queue") + "?" + urlencode(query)
            )
            results.append((code, held, queue, median, sql, queries, os.getloadavg()[0]))
    reference_after = _measure(empty, empty_url)
    fixed = statistics.median([reference[0], reference_after[0]])
    rows = [
        BenchResult(
            name="reference: the same page for a department holding no claim (fixed cost)",
            figure=f"{reference[0]:.0f} ms before, {reference_after[0]:.0f} ms after the queues "
            f"(medians of {REPEAT}), {reference[2]} queries",
            goal="(reference)",
            notes=f"SQL {reference[1]:.0f} ms of it",
        )
    ]
    for code, held, queue, median, sql, queries, load in results:
        rows.append(
            BenchResult(
                name=f"review queue `{queue}`, {code} ({held:,} of {claims:,} claims), first page with counts",
                figure=f"{median:.0f} ms (median of {REPEAT}) = {median / fixed:.2f}× the empty "
                f"page; {queries} queries",
                goal=f"≤ {GOAL_MS:.0f} ms",
                met=median <= GOAL_MS,
                notes=f"SQL {sql:.0f} ms of it; "
                f"load average {load:.1f} on {os.cpu_count()} cores (shared machine)",
            )
        )
    return rows


def _measure(client: Client, url: str) -> tuple[float, float, int]:
    """Median wall time and SQL time (ms) of REPEAT requests, and the queries of one."""
    timings, sql_timings = [], []
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        sql_timings.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
    return statistics.median(timings), statistics.median(sql_timings), len(queries)
