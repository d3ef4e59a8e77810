"""Benchmarks (make bench): publishing a 150,000-applicant round's list and exporting it.

The round is made and ranked with ranking's benchmark helpers inside one transaction that is
rolled back at the end: the benchmark leaves the database as it found it.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from publicity.exports import csv_bytes, xlsx_bytes
from publicity.selectors import list_rows
from publicity.services import publicity_publish
from ranking.benchmarks import YEAR, make_round, rank_synthetic
from workflow.benchmarking import BenchContext, BenchResult, stopwatch
from workflow.models import AnnualRound, Phase


class _Rollback(Exception):
    pass


def bench_publish_150k(ctx: BenchContext) -> list[BenchResult]:
    n = ctx.size(150_000)
    results: list[BenchResult] = []
    now = dt.datetime(2090, 10, 1, tzinfo=dt.UTC)
    try:
        with transaction.atomic():
            round, ids, totals = make_round(n)
            rank_synthetic(round=round, ids=ids, totals=totals, quota=6000, now=now)
            AnnualRound.objects.filter(pk=round.pk).update(phase=Phase.PUBLICITY)
            round.refresh_from_db()
            with stopwatch() as publish:
                publication = publicity_publish(round=round, now=now)
            results.append(
                BenchResult(
                    name=f"publishing the list ({publication.admitted_count:,} rows, histogram of {n:,})",
                    figure=f"{publish[0]:.2f} s",
                )
            )
            with stopwatch() as export:
                rows, _ = list_rows(round)
                csv_size = len(csv_bytes(rows))
            with stopwatch() as export_x:
                xlsx_size = len(xlsx_bytes(rows, year=YEAR, draft=False))
            results.append(
                BenchResult(
                    name="exporting the published list",
                    figure=f"CSV {export[0]:.2f} s ({csv_size // 1024} KiB), XLSX {export_x[0]:.2f} s ({xlsx_size // 1024} KiB)",
                )
            )
            raise _Rollback
    except _Rollback:
        pass
    return results


BENCHMARKS = [bench_publish_150k]
