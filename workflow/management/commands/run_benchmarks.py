"""manage.py run_benchmarks [--only NAME] [--scale F] [--out docs/benchmarks.md]"""

import datetime as dt
import importlib
import os
import platform
import subprocess
import sys
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import override_settings

from workflow.benchmarking import BenchContext, BenchResult


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


class Command(BaseCommand):
    help = "运行性能基准并写入 docs/benchmarks.md / run the benchmarks"

    def add_arguments(self, parser):
        parser.add_argument(
            "--only", action="append", default=[], help="只运行名称包含该字符串的基准"
        )
        parser.add_argument("--scale", type=float, default=1.0, help="规模系数（<1 为快速试跑）")
        parser.add_argument(
            "--applicants",
            type=int,
            default=None,
            help="申请数量（排名基准默认 20,000；议题 13 的规模为 150000）",
        )
        parser.add_argument("--out", default="", help="写入 Markdown 文件（如 docs/benchmarks.md）")

    def handle(self, *args, only, scale, out, applicants, **options):
        db = f"{connection.vendor} {connection.Database.__name__}"
        broker = "Redis (real worker)" if settings.REDIS_URL else "in-process (eager)"
        ctx = BenchContext(
            scale=scale,
            applicants=applicants,
            database=db,
            broker=broker,
            log=lambda m: self.stderr.write(m),
        )
        sections: list[tuple[str, list[BenchResult]]] = []
        for config in apps.get_app_configs():
            try:
                module = importlib.import_module(f"{config.name}.benchmarks")
            except ModuleNotFoundError as exc:
                if exc.name == f"{config.name}.benchmarks":
                    continue
                raise
            for bench in getattr(module, "BENCHMARKS", []):
                name = f"{config.name}.{bench.__name__}"
                if only and not any(o in name for o in only):
                    continue
                self.stderr.write(f"== {name}")
                # DEBUG off as in production: with it on, Django keeps the SQL of the last
                # 9,000 queries (a bulk insert is one long string), which a peak would count.
                with override_settings(DEBUG=False):
                    results = bench(ctx)
                for result in results:
                    self.stdout.write(
                        f"{name}: {result.name}: {result.figure}  (goal {result.goal or '-'})"
                    )
                sections.append((name, results))
        if out:
            self._write(Path(out), sections, ctx, scale)

    def _write(self, path: Path, sections, ctx: BenchContext, scale: float) -> None:
        git = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - the developer's own git
            capture_output=True,
            text=True,
            check=False,
        )
        run_line = (
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit {git.stdout.strip() or '?'}; "
            f"{ctx.database}; tasks {ctx.broker}; scale {scale}; "
            f"`{' '.join(['python', 'manage.py', *sys.argv[1:]])}`"
        )
        rows = {}
        for name, results in sections:
            for r in results:
                met = "" if r.met is None else ("yes" if r.met else "**no**")
                rows.setdefault(name, []).append(
                    f"| {name}: {r.name} | {r.figure} | {r.goal} | {met} | {r.notes} |"
                )
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
        marker = "\n## Notes\n"
        head, notes = existing, ""
        if marker in existing:
            head, notes = existing[: existing.index(marker)], existing[existing.index(marker) :]
        # A partial run (--only) refreshes its own rows and keeps the others with their run line.
        # Only the table above the notes is ours: the notes keep their own tables (make
        # bench-load's section) as they are.
        kept: list[str] = []
        for line in head.splitlines():
            if line.startswith("| ") and not line.startswith("| benchmark "):
                bench = line[2:].split(":", 1)[0]
                if bench not in rows:
                    kept.append(line)
        runs = [line for line in head.splitlines() if line.startswith("- Run: ")]
        lines = [
            "# 性能基准 / Benchmarks",
            "",
            "Written by `make bench` (`manage.py run_benchmarks --out docs/benchmarks.md`); "
            "re-run it to refresh (`--only NAME` refreshes that benchmark's rows). Speed is "
            "measured here, never asserted in tests.",
            "",
            f"- Machine: {_cpu()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
            f"{platform.system()} {platform.release()}",
            *(runs if kept else []),
            f"- Run: {run_line} ({', '.join(rows)})",
            "",
            "| benchmark | measured | goal | met | notes |",
            "|---|---|---|---|---|",
            *kept,
            *(row for name in rows for row in rows[name]),
        ]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n" + notes, encoding="utf-8")
        self.stderr.write(f"wrote {path}")
