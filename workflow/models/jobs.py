"""Progress of batch work, tracked in the database (not in Celery chords).

A JobRun's `key` is its idempotency key ("phase:2020:aggregation:enter:<dotted path>",
"verify:2020:chunk:17"): a job that already succeeded is never run again, and a job
re-run after a crash continues from what its committed chunks left behind.
"""

from __future__ import annotations

from django.db import models

from .rounds import AnnualRound


class JobStatus(models.TextChoices):
    PENDING = "pending", "等待"
    RUNNING = "running", "运行中"
    SUCCEEDED = "succeeded", "成功"
    FAILED = "failed", "失败"


class JobRun(models.Model):
    kind = models.CharField("类型", max_length=60)
    key = models.CharField("幂等键", max_length=200, unique=True)
    round = models.ForeignKey(
        AnnualRound,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="job_runs",
        verbose_name="年度",
    )
    status = models.CharField(
        "状态", max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    total = models.PositiveIntegerField("总数", default=0)
    done = models.PositiveIntegerField("已完成", default=0)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    # A chunk of a larger job (verification): planned with the job, its task's arguments in
    # `payload`, so the reconciliation (workflow.reconcile) can enqueue it again from the
    # database alone, whatever happened to the broker.
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="chunks",
        verbose_name="所属任务",
    )
    payload = models.JSONField("任务参数", default=dict, blank=True)
    # Last handed to the broker (planned or re-enqueued): what "not done within a bounded
    # time" is measured from.
    enqueued_at = models.DateTimeField("最近投递时间", null=True, blank=True)
    message = models.TextField("说明", blank=True)
    error = models.TextField("错误", blank=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="创建时间")

    class Meta:
        verbose_name = "批处理任务"
        verbose_name_plural = "批处理任务"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.key} ({self.get_status_display()} {self.done}/{self.total})"

    @property
    def succeeded(self) -> bool:
        return self.status == JobStatus.SUCCEEDED
