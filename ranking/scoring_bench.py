"""Benchmark: scoring a generated population in one process (issue 3: ≥ 15,000 applicants/s
on one core). Collected by ranking/benchmarks.py for `make bench`."""

from __future__ import annotations

import json

from ranking.policy import parse_facts, score
from ranking.population import generate_population
from workflow.benchmarking import BenchContext, BenchResult, stopwatch

GOAL_PER_SECOND = 15_000


def bench_scoring(ctx: BenchContext) -> list[BenchResult]:
    count = ctx.size(150_000)
    with stopwatch() as generated:
        lines = [
            json.dumps(facts, ensure_ascii=False)
            for facts in generate_population(year=2020, count=count, seed=1)
        ]
    ctx.log(f"generated {count} applicants in {generated[0]:.1f} s")
    objects = [json.loads(line) for line in lines]
    parsed = [parse_facts(obj) for obj in objects]

    with stopwatch() as end_to_end:
        for line in lines:
            score(parse_facts(json.loads(line))).as_contract()
    with stopwatch() as from_objects:
        for obj in objects:
            score(parse_facts(obj)).as_contract()
    with stopwatch() as scoring_only:
        for facts in parsed:
            score(facts)

    def rate(seconds: float) -> float:
        return count / seconds

    return [
        BenchResult(
            f"score {count:,} applicants: JSON line → validated facts → contract output",
            f"{rate(end_to_end[0]):,.0f} applicants/s ({end_to_end[0]:.2f} s)",
            f"≥ {GOAL_PER_SECOND:,} applicants/s",
            rate(end_to_end[0]) >= GOAL_PER_SECOND,
            "one process, one core; what `manage.py score` does per line, minus printing",
        ),
        BenchResult(
            "validate + score + contract output (facts already decoded from JSON)",
            f"{rate(from_objects[0]):,.0f} applicants/s ({from_objects[0]:.2f} s)",
            f"≥ {GOAL_PER_SECOND:,} applicants/s",
            rate(from_objects[0]) >= GOAL_PER_SECOND,
            "validating and scoring as the bulk paths do after reading (workflow.facts.verified_scores)",
        ),
        BenchResult(
            "score only (facts already validated)",
            f"{rate(scoring_only[0]):,.0f} applicants/s ({scoring_only[0]:.2f} s)",
            f"≥ {GOAL_PER_SECOND:,} applicants/s",
            rate(scoring_only[0]) >= GOAL_PER_SECOND,
            "rescoring a round whose facts are held validated",
        ),
        BenchResult(
            f"generate {count:,} applicants (manage.py generate_population)",
            f"{generated[0]:.1f} s",
            "130,000 in < 60 s",
            generated[0] * 130_000 / count < 60,
        ),
    ]
