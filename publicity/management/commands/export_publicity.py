"""manage.py export_publicity --year Y --format csv|xlsx [--out FILE]: the list, as published
(or, before publication, a draft from the current ranking: the XLSX title says 草稿)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from publicity.exports import csv_bytes, xlsx_bytes
from publicity.selectors import current_ranking, list_rows
from ranking.services import require_declaration_closed
from workflow.exceptions import DomainError
from workflow.models import AnnualRound


class Command(BaseCommand):
    help = "导出积分落户公示名单（CSV 或 XLSX；公示前为草稿） / export the publicity list"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="年度 Y")
        parser.add_argument("--format", dest="fmt", choices=["csv", "xlsx"], required=True)
        parser.add_argument("--out", help="输出文件（默认标准输出）")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"]
        round = AnnualRound.objects.filter(year=year).first()
        if round is None:
            raise CommandError(f"--year：{year}年度轮次不存在。")
        try:
            require_declaration_closed(round=round, now=timezone.now(), action="导出公示名单")
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if current_ranking(round) is None:
            raise CommandError(f"{year}年度尚未排名，请先运行 manage.py rank_round --year {year}。")
        rows, draft = list_rows(round)
        data = (
            csv_bytes(rows) if options["fmt"] == "csv" else xlsx_bytes(rows, year=year, draft=draft)
        )
        if options.get("out"):
            Path(options["out"]).write_bytes(data)
            self.stderr.write(
                f"{year}年度{'（草稿）' if draft else ''}：{len(rows)} 人 → {options['out']}"
            )
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
