from django.core.management.base import BaseCommand, CommandError

from workflow.exceptions import DomainError
from workflow.services import format_moment, round_create


class Command(BaseCommand):
    help = "创建年度积分落户轮次（默认时间表同 2020 年）/ create the year's round"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--quota", type=int, required=True, help="年度落户规模")
        parser.add_argument(
            "--policy",
            default=None,
            help="政策版本（默认：2020 年起 beijing-2020，之前 beijing-2018）",
        )

    def handle(self, *args, year, quota, policy, **options):
        try:
            round = round_create(year=year, quota=quota, policy_id=policy)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"已创建{round}（{round.policy_id}，落户规模 {round.quota}）")
        )
        for phase, (opens_at, closes_at) in _windows(round):
            self.stdout.write(f"  {phase}：{format_moment(opens_at)} → {format_moment(closes_at)}")


def _windows(round):
    from workflow.models import Phase

    for phase in Phase:
        window = round.phase_window(phase)
        if window:
            yield phase.label, window
