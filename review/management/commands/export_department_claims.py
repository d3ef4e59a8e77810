"""manage.py export_department_claims DEPT {pending,decisions} FILE.{csv,xlsx}"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from review import exports, selectors
from workflow.models import Department


class Command(BaseCommand):
    help = "导出部门的待审核指标或审核结果（CSV 或 XLSX）"

    def add_arguments(self, parser):
        parser.add_argument("department", help="部门代码，例如 hrss")
        parser.add_argument(
            "what", choices=["pending", "decisions"], help="pending=待审核，decisions=审核结果"
        )
        parser.add_argument("file", help="输出文件（.csv 或 .xlsx）")

    def handle(self, *args, department, what, file, **options):
        dept = Department.objects.filter(code=department).first()
        if dept is None:
            raise CommandError(f"未知的部门代码：{department}")
        fmt = "xlsx" if file.lower().endswith(".xlsx") else "csv"
        if what == "pending":
            dataset = exports.pending_dataset(
                selectors.pending_claims_for_export(department=dept).iterator(2000)
            )
        else:
            dataset = exports.decisions_dataset(
                selectors.decisions_for_export(department=dept).iterator(2000)
            )
        body, _ = exports.render(dataset, fmt)
        Path(file).write_bytes(body)
        self.stdout.write(self.style.SUCCESS(f"已导出 {len(dataset)} 行到 {file}"))
