"""manage.py rank_round --year Y [--quota Q]: 同分同落 ranking of a round (administrator's path)."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ranking.services import ranking_run_record_failure, round_rank
from workflow.exceptions import DomainError
from workflow.models import AnnualRound
from workflow.services import quota_approve


class Command(BaseCommand):
    help = (
        "按积分由高到低排名，积分相同的同时确定（同分同落）；--quota 先调整年度落户规模（公示前） / "
        "rank a round against its quota"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="年度 Y")
        parser.add_argument(
            "--quota",
            type=int,
            help="经市政府批准的新年度落户规模（公示前可调整；须同时给出 --approved-by 和 --document-number）",
        )
        parser.add_argument(
            "--approved-by", dest="approved_by", help="登记批准的市政府审批账号（quota_approver）"
        )
        parser.add_argument("--document-number", dest="document_number", help="市政府批准文号")
        parser.add_argument(
            "--as-user",
            dest="as_user",
            help="以该管理员账号记录操作（默认记录为 rank_round）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"]
        round = AnnualRound.objects.filter(year=year).first()
        if round is None:
            raise CommandError(f"--year：{year}年度轮次不存在。")
        actor = None
        if options.get("as_user"):
            actor = get_user_model().objects.filter(username=options["as_user"]).first()
            if actor is None:
                raise CommandError(f"--as-user：账号 {options['as_user']} 不存在。")
        started = time.perf_counter()
        try:
            if options.get("quota") is not None:
                # 细则第十条: a widened quota is the city's to approve, like the first one.
                approver = (
                    get_user_model().objects.filter(username=options.get("approved_by")).first()
                    if options.get("approved_by")
                    else None
                )
                if approver is None or not options.get("document_number"):
                    raise CommandError(
                        "--quota：新的年度落户规模须经市政府批准，请同时给出 --approved-by"
                        "（市政府审批账号）和 --document-number（批准文号）。"
                    )
                quota_approve(
                    round=round,
                    quota=options["quota"],
                    document_number=options["document_number"],
                    actor=approver,
                )
            run = round_rank(round=round, actor=actor, label="rank_round")
        except DomainError as exc:
            ranking_run_record_failure(
                round=round, error=exc.message, actor=actor, label="rank_round"
            )
            raise CommandError(exc.message) from exc
        elapsed = time.perf_counter() - started
        self.stdout.write(f"{year}年度：{run.message}（用时 {elapsed:.1f} 秒）")
