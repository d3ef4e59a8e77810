"""manage.py simulate_round_plot SUMMARY.json [SUMMARY.json …] --out FILE.svg"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from publicity.simulation.plot import phase_times_svg


class Command(BaseCommand):
    help = (
        "把若干次 simulate_round 的摘要（--summary 文件）画成各阶段用时的堆叠柱状图（SVG）/ "
        "draw the phase times of simulate_round runs as one SVG"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("summaries", nargs="+", help="simulate_round --summary 写出的文件")
        parser.add_argument("--out", required=True, help="输出的 SVG 文件")
        parser.add_argument("--title", default="simulate_round：各阶段用时 / phase times")

    def handle(self, *args: Any, **options: Any) -> None:
        summaries = []
        for name in options["summaries"]:
            try:
                summary = json.loads(Path(name).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"摘要文件 {name} 无法读取：{exc}") from exc
            if not isinstance(summary, dict) or "seconds" not in summary:
                raise CommandError(f"摘要文件 {name} 不是 simulate_round 的摘要（缺少 seconds）。")
            summaries.append(summary)
        Path(options["out"]).write_text(
            phase_times_svg(summaries, title=options["title"]), encoding="utf-8"
        )
        self.stdout.write(f"{options['out']}：{len(summaries)} 次运行 / runs")
