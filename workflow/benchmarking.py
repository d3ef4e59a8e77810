"""A tiny benchmark harness for `make bench`: each app's `benchmarks.py` lists functions in
`BENCHMARKS`; each takes a `BenchContext` and returns `BenchResult`s. Timing lives here, never
in tests (speed is measured, not asserted)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


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
    database: str = ""
    broker: str = ""
    log: Callable[[str], None] = print
    extra: dict[str, str] = field(default_factory=dict)

    def size(self, full: int) -> int:
        return max(1, int(full * self.scale))


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """with stopwatch() as elapsed: ...; elapsed[0] is the seconds taken."""
    elapsed = [0.0]
    start = time.perf_counter()
    try:
        yield elapsed
    finally:
        elapsed[0] = time.perf_counter() - start
