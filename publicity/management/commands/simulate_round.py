"""manage.py simulate_round --year Y --applicants N --seed S [--quota Q] [--summary FILE]"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from publicity.simulation import SimulationError, simulate_round


class Command(BaseCommand):
    help = (
        "用脚本化的申请人、单位、部门与管理员走完一个完整的年度轮次（申报→公示→落户），"
        "最后输出一行 JSON 摘要 / drive a whole round with scripted actors; "
        "ends with one JSON line. Timetable: the 2020 one of the latest year that has fully "
        "passed; do not run beat meanwhile (it would advance the round by that timetable)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="年度 Y（新的年度）")
        parser.add_argument("--applicants", type=int, required=True, help="申请人数 N")
        parser.add_argument("--seed", type=int, required=True, help="同一种子，同一结果")
        parser.add_argument(
            "--quota", type=int, help="年度落户规模（默认申请人数的 5%%，北京约 6000/120000）"
        )
        parser.add_argument("--summary", help="另将 JSON 摘要写入该文件")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["quota"] is not None and options["quota"] < 1:
            raise CommandError("--quota 必须大于 0。")

        def progress(message: str) -> None:
            self.stderr.write(message)

        # Eager tasks log every run (one line per submitted application): the phases' own
        # lines say what happened; -v 2 shows everything.
        quiet = [logging.getLogger(name) for name in ("celery", "kombu")]
        levels = [logger.level for logger in quiet]
        if options["verbosity"] < 2:
            for logger in quiet:
                # kombu warns that the in-memory broker of eager tasks has no hostname.
                logger.setLevel(logging.ERROR)
        try:
            summary = simulate_round(
                year=options["year"],
                applicants=options["applicants"],
                seed=options["seed"],
                quota=options["quota"],
                progress=progress,
            )
        except SimulationError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            for logger, level in zip(quiet, levels, strict=True):
                logger.setLevel(level)
        line = json.dumps(summary, ensure_ascii=False)
        if options.get("summary"):
            Path(options["summary"]).write_text(line + "\n", encoding="utf-8")
        self.stdout.write(line)
