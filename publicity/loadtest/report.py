"""The load test's table: locust's per-page latencies beside gunicorn's per-request CPU.

Pure functions over the files the run leaves (locust's `--csv` stats, the hooks' TSV lines),
so the table can be checked without running anything.
"""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

BARE = "bare: home page (anonymous)"
# Hashing a password is slow on purpose (PBKDF2): the login POST is reported, not held to
# the 2× goal.
EXEMPT = ("login (POST, password hash)",)
CPU_GOAL = 2.0
P95_GOAL_MS = 300
P95_GOAL_USERS = 100
START = "<!-- bench-load:start -->"
END = "<!-- bench-load:end -->"


@dataclass
class PageStats:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    cpu_ms: list[float] = field(default_factory=list)

    @property
    def cpu_mean(self) -> float | None:
        return statistics.fmean(self.cpu_ms) if self.cpu_ms else None


@dataclass
class RunResult:
    users: int
    seconds: int
    pages: list[PageStats]

    def page(self, name: str) -> PageStats | None:
        return next((p for p in self.pages if p.name == name), None)


def cpu_lines_read(lines: Iterable[str]) -> dict[tuple[str, str], list[float]]:
    """CPU ms per (run, page) from the gunicorn hooks' lines: run, page, CPU ms, status."""
    found: dict[tuple[str, str], list[float]] = defaultdict(list)
    for line in lines:
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 4:
            found[(parts[0], parts[1])].append(float(parts[2]))
    return found


def locust_stats_read(path: Path) -> list[PageStats]:
    """The per-page rows of locust's `<prefix>_stats.csv` (the Aggregated row left out)."""
    pages = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                continue
            pages.append(
                PageStats(
                    name=row["Name"],
                    requests=int(row["Request Count"]),
                    failures=int(row["Failure Count"]),
                    rps=float(row["Requests/s"]),
                    p50=float(row["50%"]),
                    p95=float(row["95%"]),
                    p99=float(row["99%"]),
                )
            )
    return pages


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}"


def run_table(run: RunResult) -> list[str]:
    bare = run.page(BARE)
    bare_cpu = bare.cpu_mean if bare else None
    total_rps = sum(p.rps for p in run.pages)
    failures = sum(p.failures for p in run.pages)
    lines = [
        f"**{run.users} users**, {run.seconds} s: {total_rps:,.1f} req/s in all, "
        f"{failures:,} failed requests",
        "",
        "| page | requests | req/s | p50 ms | p95 ms | p99 ms | CPU ms/request | × bare | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for page in sorted(run.pages, key=lambda p: (p.name != BARE, p.name)):
        cpu = page.cpu_mean
        ratio = cpu / bare_cpu if cpu is not None and bare_cpu else None
        checks = []
        if ratio is not None and page.name not in EXEMPT and page.name != BARE:
            checks.append(ratio <= CPU_GOAL)
        if run.users == P95_GOAL_USERS:
            checks.append(page.p95 <= P95_GOAL_MS)
        met = "" if not checks else ("yes" if all(checks) else "**no**")
        lines.append(
            f"| {page.name} | {page.requests:,} | {page.rps:,.1f} | {page.p50:,.0f} | "
            f"{page.p95:,.0f} | {page.p99:,.0f} | {_ms(cpu)} | "
            f"{'–' if ratio is None else f'{ratio:.2f}×'} | {met} |"
        )
    return lines


def section(*, runs: list[RunResult], header: list[str]) -> str:
    """The docs/benchmarks.md section of one `make bench-load` run."""
    lines = [START, "## Load test (`make bench-load`)", "", *header, ""]
    lines += [
        f"Goals: every page's CPU per request ≤ {CPU_GOAL:g}× the bare page's (the anonymous "
        f"home page, same run; the login POST is exempt: password hashing is slow on "
        f"purpose); p95 ≤ {P95_GOAL_MS} ms at {P95_GOAL_USERS} users with 1–2 s think time. "
        "CPU is the gunicorn worker's process time from request to response written "
        "(PostgreSQL's and locust's CPU not included); latencies are locust's.",
        "",
    ]
    for run in runs:
        lines += [*run_table(run), ""]
    lines.append(END)
    return "\n".join(lines) + "\n"


def document_update(document: str, new_section: str) -> str:
    """Replace the previous load-test section (or append one); the rest stays as it is."""
    if START in document and END in document:
        before, rest = document.split(START, 1)
        _, after = rest.split(END, 1)
        return before + new_section.rstrip("\n") + after
    return document.rstrip("\n") + "\n\n" + new_section
