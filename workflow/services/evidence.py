"""Evidence services (证明材料): upload, delete and replace, each with its audit row.

细则第七条: where the data exchange cannot verify, the applicant uploads evidence in the
system. Until the application is submitted the evidence is the applicant's own working set:
files may be deleted or replaced. Once submitted a department may already have opened them
(workflow.evidence.evidence_can_view), so what was submitted stays; new files may still be
added while the declaration window is open (细则第五条: the declaration may still change).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from workflow import roles
from workflow.evidence import CheckedFile, evidence_check, evidence_limits
from workflow.exceptions import InvalidTransition, NotPermitted
from workflow.indicators import INDICATORS
from workflow.models import (
    UNSUBMITTED_STATES,
    Application,
    Evidence,
    EvidencePurpose,
    IndicatorClaim,
    Phase,
)

from ._common import audit_record, format_moment, now_or, require_window


def _evidence_snapshot(evidence: Evidence) -> dict[str, Any]:
    return {
        "application": evidence.application_id,
        "indicator": evidence.indicator,
        "purpose": evidence.purpose,
        "original_name": evidence.original_name,
        "content_type": evidence.content_type,
        "size": evidence.size,
        "sha256": evidence.sha256,
    }


def _require_owner(application: Application, actor: Any, action: str) -> None:
    applicant = roles.applicant_of(actor)
    if applicant is None or applicant.pk != application.applicant_id:
        raise NotPermitted(f"只有申请人本人才能{action}。")


def evidence_uploads_check(
    *,
    application: Application,
    indicator: str,
    purpose: str,
    uploads: Iterable[Any],
    replacing: Evidence | None = None,
) -> list[CheckedFile]:
    """Check a batch of files before any is stored: content type, size, the count per indicator
    and purpose, and exact duplicates (same SHA-256) of a file already on this indicator or
    earlier in the batch. ValidationError on `file`, naming the file."""
    uploads = list(uploads)
    stored = Evidence.objects.filter(application=application, indicator=indicator)
    if replacing is not None:
        stored = stored.exclude(pk=replacing.pk)
    known = dict(stored.exclude(sha256="").values_list("sha256", "original_name"))
    limits = evidence_limits()
    # A replacement takes the place of its file: it adds nothing to the count.
    count = stored.filter(purpose=purpose).count()
    if replacing is None and count + len(uploads) > limits.max_files:
        label = INDICATORS[indicator].label
        raise ValidationError(
            {
                "file": f"“{label}”最多上传 {limits.max_files} 个文件，已有 {count} 个，"
                f"本次选择了 {len(uploads)} 个；请删除不需要的文件或合并成一个 PDF 后再上传。"
            }
        )
    checked = []
    for upload in uploads:
        result = evidence_check(upload)
        earlier = known.get(result.sha256)
        if earlier is not None:
            raise ValidationError(
                {"file": f"文件“{upload.name}”与已上传的“{earlier}”内容完全相同，无需重复上传。"}
            )
        known[result.sha256] = str(upload.name)
        checked.append(result)
    return checked


def _store(
    *,
    application: Application,
    indicator: str,
    upload: Any,
    checked: CheckedFile,
    purpose: str,
    claim: IndicatorClaim | None,
    actor: Any,
    now: dt.datetime,
    action: str = "evidence.upload",
    before: dict[str, Any] | None = None,
) -> Evidence:
    evidence = Evidence(
        application=application,
        indicator=indicator,
        claim=claim,
        purpose=purpose,
        original_name=str(upload.name)[-200:],
        content_type=checked.content_type,
        extension=checked.extension,
        size=upload.size,
        sha256=checked.sha256,
        uploaded_by=actor,
        uploaded_at=now,
    )
    # The file is written by save(); if the transaction then rolls back, the written file is
    # removed here (an error in this function) or never referenced (a later one).
    evidence.file.save("upload", upload, save=False)
    stored_name = evidence.file.name
    try:
        evidence.save()
        audit_record(
            actor=actor,
            action=action,
            obj=evidence,
            now=now,
            round_year=application.round.year,
            before=before,
            after=_evidence_snapshot(evidence),
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
    return evidence_store_all(
        application=application,
        indicator=indicator,
        uploads=[upload],
        actor=actor,
        purpose=purpose,
        claim=claim,
        now=now,
    )[0]


def evidence_store_all(
    *,
    application: Application,
    indicator: str,
    uploads: Iterable[Any],
    actor: Any,
    purpose: str = EvidencePurpose.DECLARATION,
    claim: IndicatorClaim | None = None,
    now: dt.datetime | None = None,
) -> list[Evidence]:
    """Several files to one indicator, all or none: every file is checked before any is
    written, so a bad third file leaves nothing of the first two (a recheck or an appeal
    is never left with half its evidence)."""
    now = now_or(now)
    uploads = list(uploads)
    _require_owner(application, actor, "上传证明材料")
    if indicator not in INDICATORS:
        raise ValidationError({"indicator": f"未知的积分指标：{indicator}"})
    checked = evidence_uploads_check(
        application=application, indicator=indicator, purpose=purpose, uploads=uploads
    )
    if claim is None:
        claim = IndicatorClaim.objects.filter(application=application, indicator=indicator).first()
    with transaction.atomic():
        return [
            _store(
                application=application,
                indicator=indicator,
                upload=upload,
                checked=result,
                purpose=purpose,
                claim=claim,
                actor=actor,
                now=now,
            )
            for upload, result in zip(uploads, checked, strict=True)
        ]


def _require_changeable(evidence: Evidence, *, actor: Any, now: dt.datetime, action: str) -> None:
    application = evidence.application
    _require_owner(application, actor, action)
    require_window(round=application.round, phases=[Phase.DECLARATION], now=now, action=action)
    if evidence.purpose != EvidencePurpose.DECLARATION:
        # A recheck's or an appeal's files went to the department with its reason.
        raise InvalidTransition(
            f"“{evidence.original_name}”是{evidence.get_purpose_display()}，已随理由提交给部门，不能{action}。"
        )
    if application.state not in UNSUBMITTED_STATES:
        submitted = (
            f"已于 {format_moment(application.submitted_at)} 提交"
            if application.submitted_at
            else f"当前状态为{application.state_label}"
        )
        raise InvalidTransition(
            f"申请{submitted}，提交时的证明材料“{evidence.original_name}”不能再{action}；"
            "如需补充，可继续上传新文件。"
        )


def _delete_file_on_commit(evidence: Evidence) -> None:
    # The row is gone only when the transaction commits: the file goes then, never before.
    storage, name = evidence.file.storage, evidence.file.name
    transaction.on_commit(lambda: storage.delete(name))


def evidence_delete(*, evidence: Evidence, actor: Any, now: dt.datetime | None = None) -> None:
    """The applicant removes a declaration file before submitting (audited: what it was)."""
    now = now_or(now)
    action = "删除证明材料"
    _require_changeable(evidence, actor=actor, now=now, action="删除")
    with transaction.atomic():
        before = _evidence_snapshot(evidence)
        pk = evidence.pk
        evidence.delete()
        evidence.pk = pk  # the audit row names the deleted row
        audit_record(
            actor=actor,
            action="evidence.delete",
            obj=evidence,
            now=now,
            round_year=evidence.application.round.year,
            reason=action,
            before=before,
        )
        _delete_file_on_commit(evidence)


def evidence_replace(
    *, evidence: Evidence, upload: Any, actor: Any, now: dt.datetime | None = None
) -> Evidence:
    """The applicant puts another file in the place of a declaration file before submitting:
    one audit row with the old file as `before` and the new one as `after`."""
    now = now_or(now)
    _require_changeable(evidence, actor=actor, now=now, action="替换")
    application = evidence.application
    (checked,) = evidence_uploads_check(
        application=application,
        indicator=evidence.indicator,
        purpose=evidence.purpose,
        uploads=[upload],
        replacing=evidence,
    )
    with transaction.atomic():
        before = {**_evidence_snapshot(evidence), "id": evidence.pk}
        claim = evidence.claim
        _delete_file_on_commit(evidence)
        evidence.delete()
        return _store(
            application=application,
            indicator=before["indicator"],
            upload=upload,
            checked=checked,
            purpose=before["purpose"],
            claim=claim,
            actor=actor,
            now=now,
            action="evidence.replace",
            before=before,
        )


__all__ = [
    "evidence_delete",
    "evidence_replace",
    "evidence_store_all",
    "evidence_upload",
    "evidence_uploads_check",
]
