"""Peak memory per phase of the processes doing the round's work: this driver and, with
REDIS_URL, the Celery workers' processes on this machine (issue 13: at most 1 GB each).

Linux keeps a process's peak resident size (VmHWM in /proc/PID/status) and lets its owner
reset it (writing 5 to /proc/PID/clear_refs): reset when a phase starts, read when it ends,
the figure is that phase's own peak, not the largest since the process started. Where that
is refused (another user's worker, no /proc), the driver falls back to getrusage's peak,
which never goes down, and a worker is left out.
"""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path

from celery import current_app
from django.conf import settings

INSPECT_TIMEOUT = 2.0  # seconds the workers have to say which processes they run


def _proc(pid: int, name: str) -> Path:
    return Path("/proc") / str(pid) / name


def peak_reset(pid: int) -> bool:
    try:
        _proc(pid, "clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_mb(pid: int) -> float | None:
    """The process's peak resident size in MB since it started or was last reset."""
    try:
        status = _proc(pid, "status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None  # pragma: no cover - every Linux status has VmHWM


def _driver_peak_mb() -> float:
    peak = peak_mb(os.getpid())
    if peak is not None:
        return peak
    # ru_maxrss: kilobytes on Linux, bytes on macOS.
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def worker_pids() -> list[int]:
    """The processes of the Celery workers that answer (main and pool children) that run on
    this machine; none with eager tasks (no REDIS_URL: the driver runs them itself)."""
    if not settings.REDIS_URL:
        return []
    stats = current_app.control.inspect(timeout=INSPECT_TIMEOUT).stats() or {}
    pids: set[int] = set()
    for worker in stats.values():
        pids.add(int(worker["pid"]))
        pids.update(int(pid) for pid in worker.get("pool", {}).get("processes", []))
    return sorted(pid for pid in pids if _proc(pid, "status").exists())


class PeakMemory:
    """Per phase: `start()` resets the peaks, `stop()` reads them (MB): the driver's, and the
    largest of the worker processes' (None without workers)."""

    def __init__(self) -> None:
        self.workers: list[int] = []

    def start(self) -> None:
        peak_reset(os.getpid())
        # Asked each phase: a pool child that was replaced meanwhile has a new pid.
        self.workers = [pid for pid in worker_pids() if peak_reset(pid)]

    def stop(self) -> dict[str, float | int | None]:
        peaks = [mb for pid in self.workers if (mb := peak_mb(pid)) is not None]
        return {
            "driver": _driver_peak_mb(),
            "worker": max(peaks) if peaks else None,
            "worker_processes": len(peaks),
        }
