"""manage.py ranking_results --year Y --out FILE [--compare OLD]: a ranked round's results as
JSON Lines (one application a line, by identity number), and the differences from an earlier
dump: the check that a change to scoring or ranking keeps every result (issue 13)."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from workflow.models import AnnualRound, Application

FIELDS = ("state", "total", "rank", "admitted", "eligible", "reasons", "indicators")
SHOWN = 20


def round_results(round: AnnualRound) -> dict[str, dict[str, Any]]:
    """Identity number -> what the ranking decided and every indicator's points."""
    results = {}
    applications = (
        Application.objects.filter(round=round)
        .select_related("applicant")
        .only(
            "state", "total_points", "rank", "admitted", "score_explanation", "applicant__id_number"
        )
        .order_by("pk")
    )
    for application in applications.iterator(chunk_size=5000):
        explanation = application.score_explanation or {}
        # Read on the model, never in SQL: the identity number may be stored encrypted.
        results[application.applicant.id_number] = {
            "state": application.state,
            "total": None if application.total_points is None else str(application.total_points),
            "rank": application.rank,
            "admitted": application.admitted,
            "eligible": explanation.get("eligible"),
            "reasons": explanation.get("reasons"),
            "indicators": explanation.get("indicators"),
        }
    return results


class Command(BaseCommand):
    help = "导出已排名轮次的结果并与之前的导出逐项比较 / dump a ranked round's results, diff them"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="年度 Y")
        parser.add_argument("--out", help="写入 JSON Lines 文件")
        parser.add_argument("--compare", help="与之前导出的 JSON Lines 文件比较")

    def handle(self, *args: Any, **options: Any) -> None:
        round = AnnualRound.objects.filter(year=options["year"]).first()
        if round is None:
            raise CommandError(f"--year：{options['year']}年度轮次不存在。")
        results = round_results(round)
        if options.get("out"):
            with Path(options["out"]).open("w", encoding="utf-8") as out:
                for id_number in sorted(results):
                    out.write(
                        json.dumps(
                            {"id_number": id_number, **results[id_number]}, ensure_ascii=False
                        )
                        + "\n"
                    )
        admitted = [row["total"] for row in results.values() if row["admitted"]]
        # The cutoff is the lowest admitted total (同分同落: every tie at it is admitted too).
        cutoff = min(admitted, key=Decimal) if admitted else "—"
        described = (
            f"{round.year}年度（{round.policy_id}）：{len(results)} 份申请，进入名单 {len(admitted)} 人，"
            f"落户分数线 {cutoff} 分"
        )
        if not options.get("compare"):
            self.stdout.write(described)
            return
        earlier: dict[str, dict[str, Any]] = {}
        with Path(options["compare"]).open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                earlier[row.pop("id_number")] = row
        differences = []
        # Which fields differ, counted: a change to one indicator's rule shows as that
        # indicator with the totals and ranks it moved, not as 20 lines of one field.
        by_field: Counter[str] = Counter()
        for id_number in sorted(set(results) | set(earlier)):
            now, before = results.get(id_number), earlier.get(id_number)
            if now is None or before is None:
                differences.append(f"{id_number}：只在{'之前' if now is None else '本次'}的结果中")
                by_field["只在一方"] += 1
                continue
            for name in FIELDS:
                if now[name] != before[name]:
                    differences.append(f"{id_number} {name}：{before[name]!r} → {now[name]!r}")
                    by_field[name] += 1
        summary = (
            f"{described}；比较状态、积分、名次、是否进入名单、资格与每项指标分值，"
            f"差异 {len(differences)} 处"
        )
        for difference in differences[:SHOWN]:
            self.stdout.write(difference)
        if differences:
            counted = "、".join(f"{name} {count} 处" for name, count in by_field.most_common())
            raise CommandError(f"{summary}（{counted}）")
        self.stdout.write(summary)
