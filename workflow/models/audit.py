"""The append-only audit log of every state change and decision.

Append-only twice: here in Python (a clear refusal before any SQL), and in the database,
whoever asks: triggers (migration 0010) refuse UPDATE, DELETE and TRUNCATE but the seal of
the hash chain (workflow/audit_chain.py, docs/reliability.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class AppendOnlyError(Exception):
    pass


_REFUSAL = "审计记录只能追加，不能修改或删除。"


class AuditEventQuerySet(models.QuerySet):
    # Bulk paths skip Model.save()/delete(), so refuse them here too.
    def update(self, **kwargs):
        raise AppendOnlyError(_REFUSAL)

    def delete(self):
        raise AppendOnlyError(_REFUSAL)

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(_REFUSAL)


class AuditEvent(models.Model):
    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    # "system", "beat" or the username at the time (kept even if the user goes away).
    actor_label = models.CharField("操作人标识", max_length=150)
    action = models.CharField("操作", max_length=60)
    object_type = models.CharField("对象类型", max_length=60)
    object_id = models.CharField("对象编号", max_length=40)
    round_year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    from_state = models.CharField("原状态", max_length=40, blank=True)
    to_state = models.CharField("新状态", max_length=40, blank=True)
    reason = models.TextField("原因", blank=True)
    before = models.JSONField("变更前", null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField("变更后", null=True, blank=True, encoder=DjangoJSONEncoder)
    # The tamper-evident chain (workflow/audit_chain.py): empty until the row is sealed, after
    # its writer commits; then its place in the chain, the hash of the row before it and its own.
    chain_seq = models.PositiveBigIntegerField("链序号", null=True, blank=True, editable=False)
    prev_hash = models.CharField("前一条哈希", max_length=64, null=True, blank=True, editable=False)
    hash = models.CharField("哈希", max_length=64, null=True, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            # What the next seal takes, in id order; empty once everything is sealed.
            models.Index(
                fields=["id"], condition=models.Q(hash__isnull=True), name="audit_unsealed"
            ),
        ]
        constraints = [
            # One row per place in the chain; partial, so the chain's end is one index probe.
            models.UniqueConstraint(
                fields=["chain_seq"],
                condition=models.Q(chain_seq__isnull=False),
                name="audit_chain_seq_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(_REFUSAL)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(_REFUSAL)
