"""The record of each ranking run (细则第十条: 按分数由高到低确定年度落户人员)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from workflow.models import AnnualRound, JobRun


class RankingStatus(models.TextChoices):
    SUCCEEDED = "succeeded", "成功"
    FAILED = "failed", "失败"
    REFUSED = "refused", "被拒绝"
    # 试算: computed as a ranking is, written nowhere; the administrator confirms it first.
    PREVIEW = "preview", "试算（未写入）"


class RankingRun(models.Model):
    """One run of the ranking. Exactly one succeeded run per round is `is_current`: the one
    whose ranks, totals and admitted flags the round's applications carry."""

    round = models.ForeignKey(
        AnnualRound, on_delete=models.PROTECT, related_name="ranking_runs", verbose_name="年度"
    )
    status = models.CharField("状态", max_length=10, choices=RankingStatus.choices)
    is_current = models.BooleanField("当前结果", default=False)
    quota = models.PositiveIntegerField("年度落户规模")
    cutoff = models.DecimalField(
        "落户分数线", max_digits=7, decimal_places=2, null=True, blank=True
    )
    eligible_count = models.PositiveIntegerField("参与排名人数", default=0)
    admitted_count = models.PositiveIntegerField("进入落户名单人数", default=0)
    ties_at_cutoff = models.PositiveIntegerField("分数线同分人数", default=0)
    ineligible_count = models.PositiveIntegerField("不符合资格条件人数", default=0)
    changed_count = models.PositiveIntegerField("结果有变化的申请数", default=0)
    message = models.TextField("说明", blank=True)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    actor_label = models.CharField("操作人标识", max_length=150)
    # 细则第十七条/第十八条: an application on this run's list left it before publication (fraud,
    # a criminal record): the list must be ranked again before it is approved or published.
    stale_reason = models.TextField("须重新排名的原因", blank=True)
    # The background job that ran it (the phase job, the administrator's ranking page).
    job_run = models.ForeignKey(
        JobRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="任务",
    )

    class Meta:
        verbose_name = "积分排名记录"
        verbose_name_plural = "积分排名记录"
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round"],
                condition=models.Q(is_current=True),
                name="one_current_ranking_run_per_round",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.round.year} 排名 {self.started_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"
        )


class RankingApproval(models.Model):
    """细则第十条: 落户人员情况报市政府批准后向社会发布 — the approval of one ranking run's list."""

    run = models.OneToOneField(
        RankingRun, on_delete=models.PROTECT, related_name="approval", verbose_name="排名记录"
    )
    document_number = models.CharField("批准文号", max_length=100)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="批准人"
    )
    approved_at = models.DateTimeField("批准时间")

    class Meta:
        verbose_name = "落户人员名单批准"
        verbose_name_plural = "落户人员名单批准"

    def __str__(self) -> str:
        return f"{self.run} 批准（{self.document_number}）"
