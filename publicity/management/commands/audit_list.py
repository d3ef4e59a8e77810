"""manage.py audit_list FILE [--year Y] [--policy ID] [--quota Q] [--json]: audit a published
list (CSV or XLSX, the official layout or this system's export) to the cent.

Exit status: 0 every value fits, 1 some do not (listed), 2 the file or the options cannot be
used (the message names the row and the column).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from publicity.list_audit import SHORT_LABELS, ListAudit, list_audit_file
from ranking.policy import POLICIES
from workflow.exceptions import DomainError

EXIT_MISFITS = 1
EXIT_UNREADABLE = 2


def report_lines(audit: ListAudit) -> list[str]:
    """The report as text: a summary, the fits per column, then every misfit."""
    report = audit.report
    lines = [
        f"核验：{audit.source}（{report.year}年度，{report.policy_title}，{report.policy_id}）",
        f"名单 {report.rows} 行；落户分数线（名单最低积分）"
        f"{'—' if report.cutoff is None else f'{report.cutoff:.2f}'}，"
        f"分数线上同分 {report.tied_at_cutoff} 人"
        + (f"；年度落户规模 {report.quota} 人" if report.quota is not None else ""),
        "逐列核验：",
    ]
    for column in report.columns:
        state = (
            "未核验"
            if not column.checked
            else f"{column.fits}/{report.rows} 相符"
            + (f"，{column.misfits} 行不符" if column.misfits else "")
        )
        lines.append(f"  {SHORT_LABELS[column.column]}：{state}")
    lines.extend(f"说明：{note}" for note in report.notes)
    if report.all_fit:
        lines.append("结论：全部相符。")
        return lines
    lines.append(f"结论：不相符 {len(report.misfits)} 处（涉及 {report.misfit_rows} 行）：")
    for misfit in report.misfits:
        if misfit.column == "quota":
            lines.append(f"  名单整体：{misfit.reason}")
            continue
        name = audit.names.get(misfit.number, "")
        where = f"（第 {misfit.line} 行）" if misfit.line else ""
        lines.append(f"  {misfit.number} {name}{where}{misfit.reason}")
    return lines


class Command(BaseCommand):
    help = (
        "核验公示名单：逐行逐列检查分值是否符合当年规则、积分是否为十项之和、排名与分数线 / "
        "audit a published list. Exit 0 all fit, 1 misfits, 2 unreadable file"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="名单文件（CSV 或 XLSX），或 - 表示标准输入")
        parser.add_argument("--year", type=int, help="年度 Y（默认取文件标题或公示编号中的年度）")
        parser.add_argument(
            "--policy", choices=sorted(POLICIES), help="政策版本（默认为该年度的政策）"
        )
        parser.add_argument("--quota", type=int, help="年度落户规模（给出时核验名单人数）")
        parser.add_argument("--json", action="store_true", help="输出一个 JSON 对象")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        quota = options.get("quota")
        if quota is not None and quota < 1:
            raise CommandError("--quota 应为正整数。", returncode=EXIT_UNREADABLE)
        try:
            data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(
                f"无法打开文件 {path}：{exc.strerror}", returncode=EXIT_UNREADABLE
            ) from exc
        try:
            audit = list_audit_file(
                data=data,
                filename="标准输入" if path == "-" else Path(path).name,
                year=options.get("year"),
                policy_id=options.get("policy"),
                quota=quota,
            )
        except DomainError as exc:
            raise CommandError(exc.message, returncode=EXIT_UNREADABLE) from exc
        if options["json"]:
            self.stdout.write(json.dumps(audit.report.as_json(), ensure_ascii=False))
        else:
            self.stdout.write("\n".join(report_lines(audit)))
        if not audit.report.all_fit:
            sys.exit(EXIT_MISFITS)
