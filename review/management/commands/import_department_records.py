"""manage.py import_department_records DEPT FILE [--kind KIND] [--async]

Loads one batch of a department's records (CSV or XLSX, Chinese headers; the kind is
recognised from the header). All rows or none: on any bad row nothing is loaded and every
bad row is printed (第 N 行 · 列 · 问题); the exit status is then non-zero.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from review.models import BatchStatus, kinds_of_department
from review.services.imports import batch_submit
from workflow.models import Department


class Command(BaseCommand):
    help = "导入部门数据（CSV 或 XLSX）：全部校验通过才导入，否则逐行报告错误"

    def add_arguments(self, parser):
        parser.add_argument("department", help="部门代码，例如 hrss、police、tax")
        parser.add_argument("file", help="CSV 或 XLSX 文件")
        parser.add_argument("--kind", default="", help="记录类型（默认按表头识别）")
        parser.add_argument(
            "--async", dest="run_async", action="store_true", help="交给 Celery 任务处理（大批量）"
        )

    def handle(self, *args, department, file, kind, run_async, **options):
        dept = Department.objects.filter(code=department).first()
        if dept is None:
            codes = "、".join(Department.objects.values_list("code", flat=True))
            raise CommandError(f"未知的部门代码：{department}（可用：{codes}）")
        kinds = [k.code for k in kinds_of_department(dept.code)]
        if kind and kind not in kinds:
            raise CommandError(f"{dept.name}没有“{kind}”类记录（可用：{'、'.join(kinds)}）")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        batch = batch_submit(
            department=dept,
            file_name=path.name,
            content=path.read_bytes(),
            kind=kind,
            inline=not run_async,
        )
        if run_async:
            self.stdout.write(f"已提交批次 {batch.pk}，由后台任务处理（任务 {batch.job_run_id}）。")
            return
        if batch.status == BatchStatus.LOADED:
            self.stdout.write(
                self.style.SUCCESS(
                    f"批次 {batch.pk}：{batch.total_rows} 行已全部导入（新增 {batch.new_rows}，更新 {batch.updated_rows}）。"
                )
            )
            return
        for error in batch.errors:
            row = f"第 {error['row']} 行" if error["row"] else "文件"
            self.stderr.write(f"{row} · {error['column'] or '—'} · {error['message']}")
        raise CommandError(
            f"批次 {batch.pk} 未导入任何记录：共 {len(batch.errors)} 处错误，请修改后重新导入。"
        )
