from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from workflow.models import AnnualRound, AppState, JobRun, JobStatus, Phase
from workflow.phase_jobs import round_open_items
from workflow.selectors import round_state_counts
from workflow.services import format_moment


class Command(BaseCommand):
    help = "显示年度轮次的阶段、时间表和各状态申请数 / phase, windows and counts by state"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)

    def handle(self, *args, year, **options):
        round = AnnualRound.objects.filter(year=year).first()
        if round is None:
            raise CommandError(f"{year}年度的积分落户轮次不存在。")
        now = timezone.now()
        self.stdout.write(f"{round}  政策版本 {round.policy_id}  落户规模 {round.quota}")
        self.stdout.write(f"当前阶段：{round.phase_label} ({round.phase})")
        due = round.phase_due(now)
        if due != round.phase:
            self.stdout.write(self.style.WARNING(f"按时间表现应处于：{Phase(due).label}"))
        self.stdout.write("时间表：")
        for phase in Phase:
            window = round.phase_window(phase)
            if window:
                mark = "▶" if phase == round.phase else " "
                self.stdout.write(
                    f" {mark} {phase.label}：{format_moment(window[0])} → {format_moment(window[1])}"
                )
        what, open_items = round_open_items(round=round)
        if open_items:
            window = round.phase_window(round.phase)
            deadline = f"（本阶段 {format_moment(window[1])} 截止）" if window else ""
            self.stdout.write(self.style.WARNING(f"须在推进到下一阶段前处理的{what}{deadline}："))
            for department, count in open_items:
                self.stdout.write(f"   {department}审核人员：{count} 项")
        counts = round_state_counts(round=round)
        self.stdout.write(f"申请（共 {sum(counts.values())} 份）：")
        for state in AppState:
            if counts.get(state.value):
                self.stdout.write(f"   {state.label} ({state.value})：{counts[state.value]}")
        # A chunked job is one line (its chunks counted), not one line per chunk.
        runs = JobRun.objects.filter(round=round, parent__isnull=True).order_by("created_at", "id")
        if runs:
            self.stdout.write("批处理任务：")
            for run in runs:
                self.stdout.write(
                    f"   {run.key}：{run.get_status_display()} {run.done}/{run.total}"
                )
                chunks = run.chunks.values_list("status", flat=True)
                if chunks:
                    left = sum(status != JobStatus.SUCCEEDED for status in chunks)
                    self.stdout.write(f"      分 {len(chunks)} 批，未完成 {left} 批")
                if run.error:
                    self.stdout.write(self.style.ERROR(f"      {run.error.splitlines()[0]}"))
