"""`make bench-load`: locust against gunicorn on PostgreSQL, the table into docs/benchmarks.md.

Steps: prepare the database (migrate, load_demo, a published round of N applicants — kept
between runs), start gunicorn as deployed (deploy/gunicorn.conf.py, 3 sync workers, DEBUG
off) on a loopback port with the CPU hooks of publicity/loadtest/gunicorn_conf.py, run
locust headless for each user count with a bounded --run-time, stop gunicorn, write the
table. Everything stays on 127.0.0.1; every process started here is stopped here.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from publicity.loadtest import report
from publicity.loadtest.keys import load_keys
from publicity.loadtest.prepare import LOAD_YEAR, load_round_prepare
from publicity.models import PublicityEntry
from publicity.selectors import PAGE_SIZE
from workflow.models import Application

ROOT = Path(settings.BASE_DIR)
LOADTEST = ROOT / "publicity" / "loadtest"


class Command(BaseCommand):
    help = "负载测试（locust + gunicorn + PostgreSQL），结果写入 docs/benchmarks.md / load test"

    def add_arguments(self, parser):
        parser.add_argument("--applicants", type=int, default=20_000)
        parser.add_argument("--users", default="50,100,200", help="逗号分隔的并发用户数")
        parser.add_argument("--run-time", type=int, default=60, help="每档运行秒数")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--out", default="docs/benchmarks.md")
        parser.add_argument("--note", default="", help="写入结果的说明（如机器负载）")
        parser.add_argument("--prepare-only", action="store_true", help=Command.prepare_help)

    prepare_help = "只准备数据库（由本命令以 DEBUG 开启、任务同步执行的子进程调用）"

    def handle(self, *args, **opts):
        if connection.vendor != "postgresql":
            raise CommandError(
                'DATABASE_URL：负载测试需要 PostgreSQL（例如 eval "$(bash .ci/services)"）。'
            )
        if opts["prepare_only"]:
            count = load_round_prepare(applicants=opts["applicants"], log=self.stdout.write)
            self.stdout.write(f"published round {LOAD_YEAR}: {count} applicants")
            return
        if not os.environ.get("REDIS_URL"):
            # The server runs as deployed (DEBUG off), which refuses to start without Redis.
            raise CommandError("REDIS_URL：负载测试的 gunicorn 以 DEBUG 关闭运行，需要 Redis。")
        try:
            users = [int(u) for u in opts["users"].split(",") if u.strip()]
        except ValueError as error:
            raise CommandError("--users：请填写逗号分隔的整数，例如 50,100,200。") from error
        database = connection.settings_dict["NAME"]
        base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "REDIS_URL")}
        base |= load_keys(database)
        bin_dir = Path(sys.executable).parent
        python = str(bin_dir / "python")

        started = time.monotonic()
        prep_env = base | {"DEBUG": "true"}
        for step in (["migrate", "--noinput"], ["load_demo"]):
            self._run([python, "manage.py", *step], env=prep_env, quiet=True)
        self._run(
            [
                python,
                "manage.py",
                "bench_load",
                "--prepare-only",
                f"--applicants={opts['applicants']}",
            ],
            env=prep_env,
        )
        prepared = time.monotonic() - started
        count = Application.objects.filter(round__year=LOAD_YEAR).count()
        admitted = PublicityEntry.objects.filter(publication__round__year=LOAD_YEAR).count()

        cpu_dir = Path(tempfile.mkdtemp(prefix="bench-load-"))
        server_env = base | {
            "DEBUG": "false",
            "REDIS_URL": os.environ["REDIS_URL"],
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "GUNICORN_BIND": f"127.0.0.1:{opts['port']}",
            "WEB_CONCURRENCY": "3",
            "LOG_LEVEL": "WARNING",
            "LOAD_CPU_DIR": str(cpu_dir),
        }
        host = f"http://127.0.0.1:{opts['port']}"
        gunicorn = subprocess.Popen(  # noqa: S603 - our own binaries, fixed arguments
            [
                str(bin_dir / "gunicorn"),
                "-c",
                str(LOADTEST / "gunicorn_conf.py"),
                "config.wsgi:application",
            ],
            cwd=ROOT,
            env=server_env,
            start_new_session=True,
        )
        runs: list[report.RunResult] = []
        try:
            self._wait_for(host, gunicorn)
            # Each worker's first requests load templates, open connections and, once per
            # publication, build the download files: a short run first, not reported.
            self._locust(
                bin_dir, host, cpu_dir, 10, opts | {"run_time": 15}, count, admitted, label="warmup"
            )
            for count_users in users:
                runs.append(
                    self._locust(bin_dir, host, cpu_dir, count_users, opts, count, admitted)
                )
        finally:
            gunicorn.send_signal(signal.SIGTERM)
            try:
                gunicorn.wait(timeout=40)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
                gunicorn.wait()
        cpu = report.cpu_lines_read(
            line
            for path in sorted(cpu_dir.glob("cpu-*.tsv"))
            for line in path.open(encoding="utf-8")
        )
        for run in runs:
            for page in run.pages:
                page.cpu_ms = cpu.get((str(run.users), page.name), [])
        self._write(opts, runs, count=count, admitted=admitted, prepared=prepared)
        self.stdout.write(f"locust's CSV files and the CPU lines are kept in {cpu_dir}")

    def _locust(self, bin_dir, host, cpu_dir, users, opts, applicants, admitted, label=None):
        label = label or str(users)
        prefix = cpu_dir / f"locust-{label}"
        env = os.environ | {
            "LOAD_YEAR": str(LOAD_YEAR),
            "LOAD_RUN": label,
            "LOAD_PAGES": str(max(1, -(-admitted // PAGE_SIZE))),
            "LOAD_APPLICANTS": str(applicants),
        }
        self.stdout.write(f"locust ({label}): {users} users for {opts['run_time']} s")
        subprocess.run(  # noqa: S603 - our own binaries, fixed arguments
            [
                str(bin_dir / "locust"),
                "-f", str(LOADTEST / "locustfile.py"),
                "--headless", "--only-summary",
                "--users", str(users),
                "--spawn-rate", str(max(10, users // 5)),
                "--run-time", f"{opts['run_time']}s",
                "--stop-timeout", "5",
                "--host", host,
                "--csv", str(prefix),
            ],
            cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        pages = report.locust_stats_read(Path(f"{prefix}_stats.csv"))
        return report.RunResult(users=users, seconds=opts["run_time"], pages=pages)

    def _write(self, opts, runs, *, count, admitted, prepared):
        commit = subprocess.run(  # noqa: S603
            [shutil.which("git") or "/usr/bin/git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,  # noqa: S607
        ).stdout.strip()
        load = os.getloadavg()
        header = [
            f"- Run: {timezone.now().astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC, commit {commit}; "
            f"{platform.node()} ({os.cpu_count()} cores, {platform.python_implementation()} "
            f"{platform.python_version()}), PostgreSQL on loopback; load average at the end "
            f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
            + (f"; {opts['note']}" if opts["note"] else ""),
            f"- Command: `make bench-load` = `python manage.py bench_load --applicants "
            f"{opts['applicants']} --users {opts['users']} --run-time {opts['run_time']}` with "
            "`DATABASE_URL` (PostgreSQL 15) and `REDIS_URL`",
            f"- Published round {LOAD_YEAR}: {count:,} applicants ranked, {admitted:,} on the list "
            f"({-(-admitted // PAGE_SIZE):,} pages); preparing took {prepared:.0f} s (migrate, load_demo, "
            "the round unless an earlier run left it)",
            "- Server: gunicorn as deployed (deploy/gunicorn.conf.py), 3 sync workers, DEBUG off, "
            "no nginx; locust on the same machine, 3 visitors to 1 logged-in demo applicant, "
            "1–2 s think time; a 15 s warm-up run first, not reported",
        ]
        out = ROOT / opts["out"]
        document = out.read_text(encoding="utf-8") if out.exists() else ""
        out.write_text(
            report.document_update(document, report.section(runs=runs, header=header)),
            encoding="utf-8",
        )
        self.stdout.write(f"written to {out}")

    def _run(self, command, *, env, quiet=False):
        result = subprocess.run(  # noqa: S603 - our own binaries, fixed arguments
            command, cwd=ROOT, env=env, check=False,
            stdout=subprocess.DEVNULL if quiet else None,
        )  # fmt: skip
        if result.returncode:
            raise CommandError(f"{' '.join(command)} 失败（退出码 {result.returncode}）。")

    def _wait_for(self, host, process):
        for _ in range(120):
            if process.poll() is not None:
                raise CommandError(f"gunicorn 未能启动（退出码 {process.returncode}）。")
            try:
                with urllib.request.urlopen(f"{host}/", timeout=2):  # noqa: S310 - loopback
                    return
            except OSError:
                time.sleep(0.5)
        raise CommandError("gunicorn 60 秒内没有响应。")
