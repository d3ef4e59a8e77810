"""manage.py import_facts --year Y FILE.jsonl: verified facts in, applications ready to rank."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat

from ranking.importing import facts_import
from ranking.jsonlines import InputTooLarge, read_lines
from workflow.exceptions import DomainError
from workflow.models import AnnualRound


class Command(BaseCommand):
    help = (
        "导入部门核定信息（facts format 1, JSON Lines），建立申请人、用人单位和“审核结果已确定”的申请；"
        "任何一行有误则全部不导入 / import verified facts as final applications (all or nothing)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="年度 Y（该年度轮次须已创建）")
        parser.add_argument("file", help="JSON Lines 文件，或 - 表示标准输入")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"]
        round = AnnualRound.objects.filter(year=year).first()
        if round is None:
            raise CommandError(
                f"--year：{year}年度轮次不存在，请先创建（manage.py create_round）。"
            )
        max_bytes = settings.FACTS_IMPORT_MAX_BYTES
        too_large = f"文件超过 {filesizeformat(max_bytes)} 的上限，请分批导入。"
        limits = {"max_bytes": settings.FACTS_MAX_LINE_BYTES, "max_total": max_bytes}
        started = time.perf_counter()
        try:
            if options["file"] == "-":
                report = facts_import(round=round, lines=read_lines(sys.stdin.buffer, **limits))
            else:
                path = Path(options["file"])
                if not path.is_file():
                    raise CommandError(f"文件不存在：{path}")
                if path.stat().st_size > max_bytes:
                    raise CommandError(too_large)
                with path.open("rb") as handle:
                    report = facts_import(round=round, lines=read_lines(handle, **limits))
        except InputTooLarge:
            raise CommandError(too_large) from None
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(report.errors)} 行有误，未导入任何数据（共 {report.lines} 行）。"
            )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{year}年度：导入 {report.applications} 份申请（新建申请人 {report.applicants_created}、"
            f"用人单位 {report.employers_created}、指标 {report.claims} 项），用时 {elapsed:.1f} 秒。"
        )
