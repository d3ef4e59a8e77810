"""A tiny benchmark harness for `make bench`: each app's `benchmarks.py` lists functions in
`BENCHMARKS`; each takes a `BenchContext` and returns `BenchResult`s. Timing lives here, never
in tests (speed is measured, not asserted)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class BenchResult:
    name: str  # what was measured, Chinese or English
    figure: str  # the measured number with its unit, e.g. "21,400 applicants/s"
    goal: str = ""  # the goal, e.g. "≥ 15,000 applicants/s"
    met: bool | None = None
    notes: str = ""


@dataclass
class BenchContext:
    scale: float = 1.0  # < 1 for a quick run: sizes are multiplied by it
    applicants: int | None = None  # --applicants: an explicit size for the benchmarks that take one
    database: str = ""
    broker: str = ""
    log: Callable[[str], None] = print
    extra: dict[str, str] = field(default_factory=dict)

    def size(self, full: int) -> int:
        return max(1, int(full * self.scale))

    def count(self, default: int) -> int:
        """The explicit --applicants, else the benchmark's default size times the scale."""
        return self.applicants or self.size(default)


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """with stopwatch() as elapsed: ...; elapsed[0] is the seconds taken."""
    elapsed = [0.0]
    start = time.perf_counter()
    try:
        yield elapsed
    finally:
        elapsed[0] = time.perf_counter() - start


def _status_mb(field: str) -> float:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _peak_rss_mb() -> float:
    return _status_mb("VmHWM")


def resident_mb() -> float:
    """The process's resident memory now (MB): what a peak_memory block starts from. 0 where
    /proc is missing."""
    return _status_mb("VmRSS")


@contextmanager
def peak_memory() -> Iterator[list[float]]:
    """with peak_memory() as peak: ...; peak[0] is the process's peak resident memory (MB)
    during the block: Linux's high-water mark, reset at the start (writing 5 to
    /proc/self/clear_refs). 0 where /proc is missing."""
    peak = [0.0]
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        yield peak
        return
    try:
        yield peak
    finally:
        peak[0] = _peak_rss_mb()
