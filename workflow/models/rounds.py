"""The annual round: its timetable is a row of data with small predicates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .guards import ADMIN, PHASE, SYSTEM, Guard, guards

BEIJING = ZoneInfo("Asia/Shanghai")


class Phase(models.TextChoices):
    # 细则第三条: 申报、部门审核结果汇总、审核结果查询、部门复核及积分排名、公示和落户办理
    SCHEDULED = "scheduled", "未开始"
    DECLARATION = "declaration", "申报阶段"
    AGGREGATION = "aggregation", "部门审核结果汇总阶段"
    RESULT_QUERY = "result_query", "审核结果查询阶段"
    RECHECK_RANKING = "recheck_ranking", "部门复核及积分排名阶段"
    PUBLICITY = "publicity", "公示和落户办理阶段"
    CLOSED = "closed", "已结束"


PHASE_ORDER: tuple[str, ...] = tuple(Phase.values)

# phase -> prefix of its window fields on AnnualRound
WINDOW_FIELDS: dict[str, str] = {
    Phase.DECLARATION: "declaration",
    Phase.AGGREGATION: "aggregation",
    Phase.RESULT_QUERY: "result_query",
    Phase.RECHECK_RANKING: "recheck",
    Phase.PUBLICITY: "publicity",
}


def _at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=BEIJING)


def default_windows(year: int) -> dict[str, dt.datetime]:
    """The 2020 timetable (2020年积分落户工作安排, seed 001) moved to `year`.

    Every window is inclusive at both ends: open while opens_at <= now <= closes_at.
    """
    publicity_opens = _at(year, 10, 15)
    return {
        # 申报阶段: 7月17日8时至8月15日20时
        "declaration_opens_at": _at(year, 7, 17, 8),
        "declaration_closes_at": _at(year, 8, 15, 20),
        # 部门审核结果汇总阶段: 8月16日至9月4日
        "aggregation_opens_at": _at(year, 8, 16),
        "aggregation_closes_at": _at(year, 9, 4, 23, 59, 59),
        # 审核结果查询阶段: 9月5日8时至9月12日20时
        "result_query_opens_at": _at(year, 9, 5, 8),
        "result_query_closes_at": _at(year, 9, 12, 20),
        # 部门复核及积分排名阶段: 9月13日至10月14日
        "recheck_opens_at": _at(year, 9, 13),
        "recheck_closes_at": _at(year, 10, 14, 23, 59, 59),
        # 公示和落户办理阶段: 10月15日起; 细则第十条: 公示 7 天
        "publicity_opens_at": publicity_opens,
        "publicity_closes_at": publicity_opens + dt.timedelta(days=7),
    }


# 细则第三条: the system (beat, at the window boundaries) or an administrator moves a round on,
# one phase at a time; round_advance checks the timetable and runs each phase's jobs.
ADVANCE = guards(Guard("推进年度轮次", (), frozenset({SYSTEM, ADMIN}), PHASE))


class AnnualRound(ConcurrentTransitionMixin, models.Model):
    year = models.PositiveSmallIntegerField("年度", unique=True)
    policy_id = models.CharField("政策版本", max_length=40, default="beijing-2020")
    quota = models.PositiveIntegerField("年度落户规模")

    declaration_opens_at = models.DateTimeField("申报开始")
    declaration_closes_at = models.DateTimeField("申报截止")
    aggregation_opens_at = models.DateTimeField("审核结果汇总开始")
    aggregation_closes_at = models.DateTimeField("审核结果汇总结束")
    result_query_opens_at = models.DateTimeField("审核结果查询开始")
    result_query_closes_at = models.DateTimeField("审核结果查询截止")
    recheck_opens_at = models.DateTimeField("复核及排名开始")
    recheck_closes_at = models.DateTimeField("复核及排名结束")
    publicity_opens_at = models.DateTimeField("公示开始")
    publicity_closes_at = models.DateTimeField("公示结束")

    phase = FSMField("阶段", choices=Phase.choices, default=Phase.SCHEDULED, protected=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="创建时间")
    updated_at = models.DateTimeField(auto_now=True, verbose_name="更新时间")

    class Meta:
        verbose_name = "年度轮次"
        verbose_name_plural = "年度轮次"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年度积分落户"

    # --- the timetable as predicates ------------------------------------------------
    def phase_window(self, phase: str) -> tuple[dt.datetime, dt.datetime] | None:
        prefix = WINDOW_FIELDS.get(phase)
        if prefix is None:
            return None
        return getattr(self, f"{prefix}_opens_at"), getattr(self, f"{prefix}_closes_at")

    def is_window_open(self, phase: str, now: dt.datetime) -> bool:
        window = self.phase_window(phase)
        return window is not None and window[0] <= now <= window[1]

    def is_declaration_open(self, now: dt.datetime) -> bool:
        return self.phase == Phase.DECLARATION and self.is_window_open(Phase.DECLARATION, now)

    def is_result_query_open(self, now: dt.datetime) -> bool:
        return self.phase == Phase.RESULT_QUERY and self.is_window_open(Phase.RESULT_QUERY, now)

    def is_publicity_open(self, now: dt.datetime) -> bool:
        return self.phase == Phase.PUBLICITY and self.is_window_open(Phase.PUBLICITY, now)

    def phase_due(self, now: dt.datetime) -> str:
        """The phase the timetable says the round should be in at `now`."""
        if now > self.publicity_closes_at:
            return Phase.CLOSED
        due = Phase.SCHEDULED
        for phase, prefix in WINDOW_FIELDS.items():
            if getattr(self, f"{prefix}_opens_at") <= now:
                due = phase
        return due

    def next_phase(self) -> str | None:
        index = PHASE_ORDER.index(self.phase)
        return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None

    @property
    def phase_label(self) -> str:
        return Phase(self.phase).label

    @property
    def current_deadline(self) -> dt.datetime | None:
        window = self.phase_window(self.phase)
        return window[1] if window else None

    @property
    def quota_locked(self) -> bool:
        """The list has been published: from then on the quota is final (issue 6). Before,
        the city may still widen it (seed 000) and the round is re-ranked with it."""
        from .applications import PUBLISHED_STATES  # applications imports this module

        return self.pk is not None and self.applications.filter(state__in=PUBLISHED_STATES).exists()

    @property
    def qualification_expires_on(self) -> dt.date:
        # 细则第十条: 落户资格保留 2年, counted from the end of the publicity.
        closes = self.publicity_closes_at.astimezone(BEIJING).date()
        try:
            return closes.replace(year=closes.year + 2)
        except ValueError:  # 29 February
            return closes.replace(year=closes.year + 2, day=28)

    @property
    def windows_in_order(self) -> bool:
        bounds: list[dt.datetime] = []
        for prefix in WINDOW_FIELDS.values():
            bounds += [getattr(self, f"{prefix}_opens_at"), getattr(self, f"{prefix}_closes_at")]
        return all(a <= b for a, b in zip(bounds, bounds[1:], strict=False))

    # --- state machine: pure, one step at a time; round_advance checks the timetable ------
    @transition(field=phase, source=Phase.SCHEDULED, target=Phase.DECLARATION, custom=ADVANCE)
    def open_declaration(self) -> None:
        pass

    @transition(field=phase, source=Phase.DECLARATION, target=Phase.AGGREGATION, custom=ADVANCE)
    def open_aggregation(self) -> None:
        pass

    @transition(field=phase, source=Phase.AGGREGATION, target=Phase.RESULT_QUERY, custom=ADVANCE)
    def open_result_query(self) -> None:
        pass

    @transition(
        field=phase, source=Phase.RESULT_QUERY, target=Phase.RECHECK_RANKING, custom=ADVANCE
    )
    def open_recheck_ranking(self) -> None:
        pass

    @transition(field=phase, source=Phase.RECHECK_RANKING, target=Phase.PUBLICITY, custom=ADVANCE)
    def open_publicity(self) -> None:
        pass

    @transition(field=phase, source=Phase.PUBLICITY, target=Phase.CLOSED, custom=ADVANCE)
    def close(self) -> None:
        pass


# phase entered -> AnnualRound transition method
ROUND_TRANSITIONS: dict[str, str] = {
    Phase.DECLARATION: "open_declaration",
    Phase.AGGREGATION: "open_aggregation",
    Phase.RESULT_QUERY: "open_result_query",
    Phase.RECHECK_RANKING: "open_recheck_ranking",
    Phase.PUBLICITY: "open_publicity",
    Phase.CLOSED: "close",
}


class QuotaApproval(models.Model):
    """细则第十条: 市发展改革委研究提出年度落户规模, 报市政府批准. One row per approval; the round's
    quota is approved when its latest approval is for exactly that quota (a widened quota
    needs an approval of its own)."""

    round = models.ForeignKey(
        AnnualRound, on_delete=models.PROTECT, related_name="quota_approvals", verbose_name="年度"
    )
    quota = models.PositiveIntegerField("批准的年度落户规模")
    proposed_by = models.CharField("提出单位", max_length=60, default="市发展改革委")
    document_number = models.CharField("批准文号", max_length=100)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="批准人",
    )
    approved_at = models.DateTimeField("批准时间")

    class Meta:
        verbose_name = "年度落户规模批准"
        verbose_name_plural = "年度落户规模批准"
        ordering = ["-approved_at", "-id"]

    def __str__(self) -> str:
        return f"{self.round.year}年度落户规模 {self.quota} 人（{self.document_number}）"
