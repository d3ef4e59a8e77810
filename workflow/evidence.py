"""Evidence files (证明材料): checked by content, stored privately, shown only to those allowed.

- The type is what the bytes are (the `filetype` package reads the magic numbers), never
  what the name or the browser claims: a renamed .exe is refused as a "PDF".
- The size limit is settings.EVIDENCE_MAX_BYTES.
- Who may open a file: the applicant it belongs to, a reviewer of the department assigned
  the claim of its indicator once the application is submitted, an administrator. Nobody
  else, not even the employer unit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from workflow import roles
from workflow.exceptions import NotPermitted
from workflow.indicators import INDICATORS
from workflow.models import Application, Evidence, EvidencePurpose, IndicatorClaim
from workflow.selectors import claims_reviewable_by
from workflow.services import audit_record
from workflow.services._common import now_or

# content type -> stored extension
ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
}
ALLOWED_LABEL = "PDF、JPG、PNG"
# filetype needs at most the first 262 bytes to recognise a type.
_HEAD_BYTES = 262


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(size, 1) / 1024:.0f} KB"


def evidence_check(upload: Any) -> tuple[str, str]:
    """(content type, extension) of an uploaded file, or ValidationError on the `file` field."""
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size == 0:
        raise ValidationError({"file": f"文件“{upload.name}”是空文件。"})
    if upload.size > limit:
        raise ValidationError(
            {
                "file": f"文件“{upload.name}”大小为 {_human_size(upload.size)}，超过上限 {_human_size(limit)}。"
            }
        )
    upload.seek(0)
    head = upload.read(_HEAD_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        found = f"（实际为 {kind.mime}）" if kind is not None else ""
        raise ValidationError(
            {
                "file": f"文件“{upload.name}”的内容不是 {ALLOWED_LABEL} 格式{found}，请上传扫描件或照片。"
            }
        )
    return kind.mime, ALLOWED_TYPES[kind.mime]


def _store(
    *,
    application: Application,
    indicator: str,
    upload: Any,
    purpose: str,
    claim: IndicatorClaim | None,
    actor: Any,
    now: dt.datetime,
) -> Evidence:
    content_type, extension = evidence_check(upload)
    evidence = Evidence(
        application=application,
        indicator=indicator,
        claim=claim,
        purpose=purpose,
        original_name=str(upload.name)[-200:],
        content_type=content_type,
        extension=extension,
        size=upload.size,
        uploaded_by=actor,
        uploaded_at=now,
    )
    # The file is written by save(); if the transaction then rolls back, on_commit never
    # runs and the orphan file is removed below.
    evidence.file.save("upload", upload, save=False)
    stored_name = evidence.file.name
    try:
        evidence.save()
        audit_record(
            actor=actor,
            action="evidence.upload",
            obj=evidence,
            now=now,
            round_year=application.round.year,
            after={
                "application": application.pk,
                "indicator": indicator,
                "purpose": purpose,
                "original_name": evidence.original_name,
                "content_type": content_type,
                "size": evidence.size,
            },
        )
    except Exception:
        evidence.file.storage.delete(stored_name)
        raise
    return evidence


def evidence_upload(
    *,
    application: Application,
    indicator: str,
    upload: Any,
    actor: Any,
    purpose: str = EvidencePurpose.DECLARATION,
    claim: IndicatorClaim | None = None,
    now: dt.datetime | None = None,
) -> Evidence:
    """The applicant adds one evidence file to an indicator. ValidationError on `file`."""
    now = now_or(now)
    applicant = roles.applicant_of(actor)
    if applicant is None or applicant.pk != application.applicant_id:
        raise NotPermitted("只有申请人本人才能上传证明材料。")
    if indicator not in INDICATORS:
        raise ValidationError({"indicator": f"未知的积分指标：{indicator}"})
    if claim is None:
        claim = IndicatorClaim.objects.filter(application=application, indicator=indicator).first()
    with transaction.atomic():
        return _store(
            application=application,
            indicator=indicator,
            upload=upload,
            purpose=purpose,
            claim=claim,
            actor=actor,
            now=now,
        )


def evidence_can_view(*, user: Any, evidence: Evidence) -> bool:
    """The applicant it belongs to; a reviewer whose department has the claim of its
    indicator on its application, once that application is in review (the same rule as
    the back office's claim pages: `claims_reviewable_by`); administrators. Never the
    employer unit, nor a department that merely supports the indicator."""
    if user is None or not user.is_authenticated:
        return False
    if roles.is_administrator(user):
        return True
    if evidence.application.applicant.user_id == user.pk:
        return True
    return (
        claims_reviewable_by(user=user)
        .filter(application_id=evidence.application_id, indicator=evidence.indicator)
        .exists()
    )


def evidence_for(*, application: Application) -> dict[str, list[Evidence]]:
    """The application's evidence grouped by indicator (one query)."""
    grouped: dict[str, list[Evidence]] = {}
    for item in Evidence.objects.filter(application=application).order_by("uploaded_at", "id"):
        grouped.setdefault(item.indicator, []).append(item)
    return grouped
