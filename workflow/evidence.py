"""Evidence files (证明材料): checked by content, shown only to those allowed. The writes
(upload, delete, replace) are services: `workflow.services.evidence`.

- The type is what the bytes are (the `filetype` package reads the magic numbers), never
  what the name or the browser claims: a renamed .exe is refused as a "PDF".
- The size limit is settings.EVIDENCE_MAX_BYTES, the count settings.EVIDENCE_MAX_FILES per
  indicator and purpose; both are stated on the page before anything is uploaded.
- Who may open a file: the applicant it belongs to, a reviewer of the department assigned
  the claim of its indicator once the application is submitted, an administrator. Nobody
  else, not even the employer unit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError

from workflow import roles
from workflow.models import Application, Evidence
from workflow.selectors import claims_reviewable_by

# content type -> stored extension
ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
}
ALLOWED_LABEL = "PDF、JPG、PNG"
# filetype needs at most the first 262 bytes to recognise a type.
_HEAD_BYTES = 262


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(size, 1) / 1024:.0f} KB"


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str
    sha256: str


@dataclass(frozen=True)
class EvidenceLimits:
    """What the upload form states up front: the same numbers the checks below enforce."""

    max_bytes: int
    max_files: int
    types: str = ALLOWED_LABEL

    @property
    def size_label(self) -> str:
        return human_size(self.max_bytes)


def evidence_limits() -> EvidenceLimits:
    return EvidenceLimits(
        max_bytes=settings.EVIDENCE_MAX_BYTES, max_files=settings.EVIDENCE_MAX_FILES
    )


def content_sha256(upload: Any) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def evidence_check(upload: Any) -> CheckedFile:
    """Type (by content), extension and hash of an uploaded file, or ValidationError on `file`."""
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size == 0:
        raise ValidationError({"file": f"文件“{upload.name}”是空文件。"})
    if upload.size > limit:
        raise ValidationError(
            {
                "file": f"文件“{upload.name}”大小为 {human_size(upload.size)}，超过上限 {human_size(limit)}。"
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
    return CheckedFile(kind.mime, ALLOWED_TYPES[kind.mime], content_sha256(upload))


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


def evidence_of(*, application: Application, indicator: str) -> list[Evidence]:
    """One indicator's evidence, oldest first (no join: Evidence's default ordering goes
    through the application to its round).

    Files are asked for only where the departments cannot check by data exchange (细则第七条),
    so nearly every indicator page has none: asking whether there is one costs half of
    reading the files' rows (issue 13: the indicator page's costliest query for an answer
    that is nearly always "none"), and the rows are read only when there is."""
    files = Evidence.objects.filter(application=application, indicator=indicator)
    if not files.exists():
        return []
    return list(files.order_by("uploaded_at", "id"))


def evidence_purposes(*, application: Application) -> dict[str, list[str]]:
    """Each indicator's evidence as the purposes of its files: the dashboard counts them and
    asks whether one was declared (one query, no file objects built)."""
    grouped: dict[str, list[str]] = {}
    rows = Evidence.objects.filter(application=application).order_by()
    for indicator, purpose in rows.values_list("indicator", "purpose"):
        grouped.setdefault(indicator, []).append(purpose)
    return grouped
