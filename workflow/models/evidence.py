"""The portal's own storage: evidence files (证明材料) and per-indicator form drafts.

Evidence files are personal documents: they live under settings.PRIVATE_STORAGE_ROOT,
never under the web root, and leave the server only through `workflow.views.evidence`,
which checks the object's permissions (the applicant, the department assigned the claim,
administrators).
"""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models

from workflow.indicators import INDICATOR_CHOICES

from .applications import Application, IndicatorClaim


class PrivateStorage(FileSystemStorage):
    """Files under settings.PRIVATE_STORAGE_ROOT, read at use (tests point it at a temp dir).

    No base_url: these files have no public address at all.
    """

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(settings.PRIVATE_STORAGE_ROOT)

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("证明材料没有公开地址，只能通过权限检查后的下载视图读取。")


def private_storage() -> FileSystemStorage:
    return PrivateStorage()


def evidence_path(instance: Evidence, filename: str) -> str:
    # The stored name never comes from the uploader: a random name with the extension the
    # *content* was detected as (filetype), grouped by round and application.
    extension = instance.extension or "bin"
    return (
        f"evidence/{instance.application.round.year}/{instance.application_id}/"
        f"{uuid.uuid4().hex}.{extension}"
    )


class EvidencePurpose(models.TextChoices):
    DECLARATION = "declaration", "申报材料"
    RECHECK = "recheck", "复查材料"
    APPEAL = "appeal", "申诉材料"
    SUPPLEMENT = "supplement", "补件材料"


class Evidence(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="evidence", verbose_name="申请"
    )
    # Per indicator, not per claim: an applicant may upload before the claim exists.
    indicator = models.CharField("指标", max_length=30, choices=INDICATOR_CHOICES)
    claim = models.ForeignKey(
        IndicatorClaim,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name="积分指标",
    )
    purpose = models.CharField(
        "用途", max_length=20, choices=EvidencePurpose.choices, default=EvidencePurpose.DECLARATION
    )
    file = models.FileField(
        "文件", storage=private_storage, upload_to=evidence_path, max_length=200
    )
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=60)
    extension = models.CharField("扩展名", max_length=10)
    size = models.PositiveIntegerField("大小（字节）")
    # The content's SHA-256: the same file uploaded twice to one indicator is refused.
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="上传人",
    )
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "证明材料"
        verbose_name_plural = "证明材料"
        ordering = ["application", "indicator", "uploaded_at", "id"]
        indexes = [
            models.Index(fields=["application", "indicator"], name="evidence_app_indicator"),
        ]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()} · {self.original_name}"


class FormDraft(models.Model):
    """What the applicant typed on one indicator page, valid or not (保存草稿).

    Not a declaration: departments never see it; `claim_declare` only ever receives
    validated facts. Kept so nothing typed is lost to a validation error or a lost session.
    """

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="form_drafts", verbose_name="申请"
    )
    indicator = models.CharField("指标", max_length=30, choices=INDICATOR_CHOICES)
    data = models.JSONField("草稿内容", default=dict)
    saved_at = models.DateTimeField("保存时间")

    class Meta:
        verbose_name = "填报草稿"
        verbose_name_plural = "填报草稿"
        constraints = [
            models.UniqueConstraint(
                fields=["application", "indicator"], name="one_draft_per_indicator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_indicator_display()}（草稿）"
