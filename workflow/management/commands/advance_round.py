from django.core.management.base import BaseCommand, CommandError

from workflow.exceptions import DomainError, WindowClosed
from workflow.models import PHASE_ORDER, AnnualRound
from workflow.services import round_advance


class Command(BaseCommand):
    help = (
        "推进年度轮次到下一阶段（或 --to 指定阶段），依次运行每个阶段的任务，不跳过任何阶段 / "
        "advance the round, running each phase's jobs"
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--to", choices=PHASE_ORDER, help="目标阶段（默认下一阶段）")
        parser.add_argument(
            "--force",
            action="store_true",
            help="按时间表尚未开始也推进（管理员决定，记入审计日志）",
        )

    def handle(self, *args, year, to, force, **options):
        round = AnnualRound.objects.filter(year=year).first()
        if round is None:
            raise CommandError(f"{year}年度的积分落户轮次不存在，请先运行 create_round。")
        self.stdout.write(f"{round}：当前处于{round.phase_label}")
        try:
            round_advance(
                round=round,
                to=to,
                force=force,
                label="advance_round",
                progress=lambda message: self.stdout.write(message),
            )
        except DomainError as exc:
            round.refresh_from_db()
            hint = (
                "如确需提前推进，请加 --force。"
                if isinstance(exc, WindowClosed) and not force
                else ""
            )
            raise CommandError(f"{exc}（当前阶段：{round.phase_label}）{hint}") from exc
        self.stdout.write(self.style.SUCCESS(f"{round}：现处于{round.phase_label}"))
