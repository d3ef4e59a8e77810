"""Notices (站内通知): what the portal tells a person about their own items, in the inbox
always, and by e-mail and SMS as they choose."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notice(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name="收件人",
    )
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    link = models.CharField("链接", max_length=300, blank=True)
    # What the notice is about, e.g. "claim:42:verify:2020-08-01T09:00:00+08:00": unique per
    # recipient, so a re-run of a listener or a phase job never tells anyone twice.
    dedup_key = models.CharField("去重键", max_length=200)
    created_at = models.DateTimeField("发送时间")
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    # Set once, by the one delivery that wins the conditional UPDATE (mail and SMS go out once).
    delivered_at = models.DateTimeField("邮件短信处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedup_key"], name="one_notice_per_recipient_and_key"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notice_recipient_unread"),
            # The delivery run's sweep (workflow.tasks.deliver_pending_notices): the few not
            # delivered yet among millions.
            models.Index(
                fields=["id"],
                condition=models.Q(delivered_at__isnull=True),
                name="notice_undelivered",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NoticePreference(models.Model):
    """How a person wants to hear: the inbox always; e-mail and SMS each on or off. No row:
    the defaults (both on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notice_preference",
        verbose_name="账号",
    )
    email_enabled = models.BooleanField("接收邮件通知", default=True)
    sms_enabled = models.BooleanField("接收短信通知", default=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name="更新时间")

    class Meta:
        verbose_name = "通知方式"
        verbose_name_plural = "通知方式"

    def __str__(self) -> str:
        return f"{self.user} 通知方式"
