"""Login locks lifted early by an administrator (the locks themselves live in the cache)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ranking.policy.identity import mask_id_number


class LoginUnlock(models.Model):
    """An administrator lifted a login lock before its 15 minutes were up (django-axes keeps
    the failure counters in the cache, so this row, with its audit row, is the record)."""

    at = models.DateTimeField("解锁时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="操作人",
    )
    username = models.CharField("账号", max_length=150, blank=True)
    ip_address = models.GenericIPAddressField("网络地址", null=True, blank=True)
    reason = models.TextField("原因")

    class Meta:
        verbose_name = "登录解锁"
        verbose_name_plural = "登录解锁"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        what = "、".join(x for x in (mask_id_number(self.username), self.ip_address or "") if x)
        return f"{self.at:%Y-%m-%d %H:%M} 解锁 {what}"
