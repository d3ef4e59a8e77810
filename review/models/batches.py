"""A department's import batch: the uploaded file, its validation report and its outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from workflow.models import Department, JobRun


class BatchStatus(models.TextChoices):
    PENDING = "pending", "等待处理"
    RUNNING = "running", "正在校验导入"
    LOADED = "loaded", "已全部导入"
    REJECTED = "rejected", "校验未通过，未导入任何记录"
    FAILED = "failed", "处理出错"


class ImportBatch(models.Model):
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name="部门"
    )
    kind = models.CharField("记录类型", max_length=30, blank=True)
    file_name = models.CharField("文件名", max_length=200)
    file_format = models.CharField("文件格式", max_length=10)
    # The file itself, so a worker on another machine can read it (batches are a few MB).
    content = models.BinaryField("文件内容", editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="上传人",
    )
    status = models.CharField(
        "状态", max_length=10, choices=BatchStatus.choices, default=BatchStatus.PENDING
    )
    total_rows = models.PositiveIntegerField("行数", default=0)
    new_rows = models.PositiveIntegerField("新增", default=0)
    updated_rows = models.PositiveIntegerField("更新", default=0)
    # [{"row": 3, "column": "起始月份", "message": "……"}]; row = the line in the file.
    errors = models.JSONField("错误报告", default=list, blank=True)
    job_run = models.ForeignKey(
        JobRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="导入作业",
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "部门数据导入批次"
        verbose_name_plural = "部门数据导入批次"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.department} {self.file_name} ({self.get_status_display()})"
