"""细则第十八条: 申请人和用人单位对曾因犯罪被追究刑事责任的情况应及时向市人力资源社会保障局书面报告.

A written report from the portal; the administrators read it in the admin and decide (the
termination itself is the application's declared transition ``terminate``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .applications import Application


class ReporterRole(models.TextChoices):
    APPLICANT = "applicant", "申请人"
    UNIT = "unit", "用人单位"


class CriminalRecordReport(models.Model):
    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        related_name="criminal_record_reports",
        verbose_name="申请",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="报告人账号",
    )
    reporter_role = models.CharField("报告人身份", max_length=10, choices=ReporterRole.choices)
    facts = models.TextField("报告内容")
    submitted_at = models.DateTimeField("报告时间")
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="处理人",
    )

    class Meta:
        verbose_name = "刑事责任情况书面报告"
        verbose_name_plural = "刑事责任情况书面报告"
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"书面报告 #{self.pk}（{self.application}）"
