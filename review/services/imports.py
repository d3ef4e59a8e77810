"""Department record batches: read, validate whole, load all or nothing, report every bad row.

A batch is one file of one kind of record from one department. The whole file is checked
first (limits, cells, then the header: a wrong header loads nothing and says which columns
are missing or unexpected); then the library imports the rows a chunk at a time (the file is
read again as it goes, so memory does not grow with its length) inside one transaction, which
is rolled back if any row is bad (unknown identity number, bad date, duplicate row…), so a
clerk fixes the file from the report (第 N 行, 列, 问题; N is the file's row) and loads it
again. Small files load inline; large ones as a Celery
job whose progress is in the cache (other connections cannot see an open transaction).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from review.batch_files import BatchFileError, Limits, open_batch
from review.models import RECORD_KINDS, BatchStatus, ImportBatch, kinds_of_department
from review.resources import RESOURCES, headers_of, kind_for_headers, record_resource
from review.services.verification import CHUNK_SIZE as VERIFICATION_CHUNK
from review.services.verification import verification_enqueue
from workflow.jobs import TRANSIENT_DB_ERRORS, RunLock, job_run_lock
from workflow.models import Application, AppState, Department, JobRun, JobStatus, Phase
from workflow.services import audit_record

INLINE_MAX_BYTES = 512 * 1024  # larger files are loaded by a worker
PROGRESS_EVERY = 5000
# Rows imported at a time: memory holds one chunk (its rows, instances and row results),
# whatever the file's length (issue 13); the bulk writes are 2,000 rows each either way.
CHUNK_ROWS = 5000

logger = logging.getLogger(__name__)


def file_format_of(file_name: str) -> str:
    return "xlsx" if file_name.lower().endswith(".xlsx") else "csv"


def header_errors(*, headers: list[str], kind: str) -> list[dict[str, Any]]:
    expected = headers_of(kind)
    missing = [h for h in expected if h not in headers]
    unexpected = [h for h in headers if h and h not in expected]
    errors = [{"row": 1, "column": h, "message": "缺少该列"} for h in missing]
    errors += [{"row": 1, "column": h, "message": "不应有该列"} for h in unexpected]
    if errors:
        errors.append(
            {
                "row": 1,
                "column": "表头",
                "message": f"{RECORD_KINDS[kind].label}的表头应为：{'，'.join(expected)}",
            }
        )
    return errors


def batch_create(
    *,
    department: Department,
    file_name: str,
    content: bytes,
    uploaded_by: Any = None,
    kind: str = "",
) -> ImportBatch:
    return ImportBatch.objects.create(
        department=department,
        kind=kind,
        file_name=file_name[:200],
        file_format=file_format_of(file_name),
        content=content,
        uploaded_by=uploaded_by,
    )


def batch_submit(
    *,
    department: Department,
    file_name: str,
    content: bytes,
    uploaded_by: Any = None,
    kind: str = "",
    inline: bool | None = None,
) -> ImportBatch:
    """Store the file and load it: inline when small, else queued for a worker (on commit).

    A file over the size limit is not stored: its batch is rejected at once, with the reason.
    """
    too_large = Limits.from_settings().size_error(len(content))
    batch = batch_create(
        department=department,
        file_name=file_name,
        content=b"" if too_large else content,
        uploaded_by=uploaded_by,
        kind=kind,
    )
    if too_large:
        return _finish(
            batch,
            status=BatchStatus.REJECTED,
            errors=[{"row": None, "column": "", "message": too_large}],
        )
    if inline is None:
        inline = len(content) <= INLINE_MAX_BYTES
    # A JobRun for an inline load too: if the web process dies mid-load, the reconciliation
    # finds the batch not done, its run lock free, and hands it to a worker.
    job_run = JobRun.objects.create(
        key=batch_run_key(batch.pk),
        kind=IMPORT_KIND,
        status=JobStatus.PENDING,
        enqueued_at=timezone.now(),
    )
    ImportBatch.objects.filter(pk=batch.pk).update(job_run=job_run)
    batch.job_run = job_run
    if inline:
        return batch_load(batch=batch)
    transaction.on_commit(lambda: _enqueue_load(batch))
    return batch


IMPORT_KIND = "review.import"


def batch_run_key(batch_id: int) -> str:
    return f"import:{batch_id}"


def batch_enqueue_again(*, job_run: JobRun) -> None:
    """The reconciliation's re-enqueue of a queued batch Redis or a dead worker lost."""
    batch = ImportBatch.objects.filter(job_run=job_run).first()
    if batch is not None and batch.status in (BatchStatus.PENDING, BatchStatus.RUNNING):
        _enqueue_load(batch)


def batch_fail(*, batch_id: int, reason: str) -> None:
    """A batch whose load cannot finish ends failed, nothing loaded (the load is one
    transaction), with the reason, instead of "running" forever."""
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.status in (BatchStatus.LOADED, BatchStatus.REJECTED):
        return
    cache.delete(progress_key(batch))
    _finish(
        batch,
        status=BatchStatus.FAILED,
        errors=[{"row": None, "column": "", "message": f"处理中断，未导入任何记录：{reason}"}],
    )
    if batch.job_run_id:
        JobRun.objects.filter(pk=batch.job_run_id).update(error=reason[:10000])


def batch_run_failed(*, job_run: JobRun, reason: str) -> None:
    batch = ImportBatch.objects.filter(job_run=job_run).first()
    if batch is not None:
        batch_fail(batch_id=batch.pk, reason=reason)


def _enqueue_load(batch: ImportBatch) -> None:
    from review.tasks import load_batch

    try:
        load_batch.delay(batch_id=batch.pk)
    except Exception:
        # The broker refused the task: say so on the batch rather than leave it pending
        # with no worker ever to pick it up.
        logger.exception("import batch %s could not be queued", batch.pk)
        _finish(
            batch,
            status=BatchStatus.FAILED,
            errors=[{"row": None, "column": "", "message": "无法提交后台任务，请稍后重新上传"}],
        )


def progress_key(batch: ImportBatch) -> str:
    return f"review:import:{batch.pk}:done"


def batch_progress(*, batch: ImportBatch) -> tuple[int, int]:
    """(rows done, rows total) while a batch loads."""
    if batch.status != BatchStatus.RUNNING:
        return batch.total_rows, batch.total_rows
    return int(cache.get(progress_key(batch)) or 0), batch.total_rows


def _row_errors(result: Any, resource: Any, *, rows_before: int) -> list[dict[str, Any]]:
    """The report's rows for one chunk's result, numbered as the file's lines (the library
    numbers a chunk's rows from 1; the header is line 1)."""
    errors: list[dict[str, Any]] = []
    for invalid in result.invalid_rows:
        line = rows_before + invalid.number + 1
        for attribute, messages in invalid.error_dict.items():
            column = resource.column_of.get(attribute, attribute)
            for message in messages:
                errors.append({"row": line, "column": column, "message": str(message)})
    for number, row_errors in result.row_errors():
        for error in row_errors:
            errors.append(
                {
                    "row": rows_before + number + 1,
                    "column": "整行",
                    "message": f"无法导入：{error.error}",
                }
            )
    for error in result.base_errors:
        errors.append({"row": None, "column": "", "message": f"导入失败：{error.error}"})
    return errors


def _finish(
    batch: ImportBatch,
    *,
    status: str,
    errors: list[dict[str, Any]],
    keep_file: bool = False,
    **counts: int,
) -> ImportBatch:
    """Record the outcome. The uploaded file (a department's identity numbers, in clear) is
    deleted with it, the report kept; only a failure the task will retry keeps the file."""
    errors.sort(key=lambda e: (e["row"] is None, e["row"] or 0))
    batch.status = status
    batch.errors = errors
    batch.finished_at = timezone.now()
    for name, value in counts.items():
        setattr(batch, name, value)
    fields = ["status", "errors", "finished_at", "kind", *counts]
    if not keep_file:
        batch.content = b""
        fields.append("content")
    batch.save(update_fields=fields)
    if batch.job_run_id:
        JobRun.objects.filter(pk=batch.job_run_id).update(
            status=JobStatus.FAILED if status == BatchStatus.FAILED else JobStatus.SUCCEEDED,
            done=batch.total_rows,
            total=batch.total_rows,
            finished_at=batch.finished_at,
            message=batch.get_status_display(),
        )
    return batch


def batch_load(*, batch: ImportBatch, tuned: bool = True) -> ImportBatch:
    """Validate and load the batch, all rows or none; the report is on `batch.errors`.

    The batch always ends loaded, rejected (the report says why) or failed: an error nobody
    foresaw marks it failed with the error in its report instead of leaving it "running".
    A lost database connection is raised again after that, so the task retries it.
    """
    # The run lock says "a live process is loading this batch" to the reconciliation and to
    # a second copy of the task (redelivered, or enqueued again while this one was slow).
    with job_run_lock(key=batch_run_key(batch.pk), grace=0) as lock:
        if lock is RunLock.BUSY:
            return batch
        batch.refresh_from_db()
        return _load_once(batch, tuned=tuned)


def _load_once(batch: ImportBatch, *, tuned: bool) -> ImportBatch:
    if batch.status in (BatchStatus.LOADED, BatchStatus.REJECTED):
        return batch  # a redelivered task: already decided (and its file deleted)
    if batch.status == BatchStatus.FAILED and not batch.content:
        return batch  # failed for good: the file is gone, the report says why
    if batch.job_run_id:
        # Counted before the load's transaction, so a load that kills its worker counts: the
        # reconciliation gives up on a batch after JOB_MAX_ATTEMPTS starts.
        JobRun.objects.filter(pk=batch.job_run_id).update(
            attempts=F("attempts") + 1, started_at=timezone.now()
        )
    try:
        return _load(batch, tuned=tuned)
    except Exception as exc:
        logger.exception("import batch %s failed", batch.pk)
        cache.delete(progress_key(batch))
        retried = isinstance(exc, TRANSIENT_DB_ERRORS)
        _finish(
            batch,
            status=BatchStatus.FAILED,
            keep_file=retried,  # the retry reads the file again
            # The detail is in the log; the clerk needs to know nothing was loaded.
            errors=[
                {
                    "row": None,
                    "column": "",
                    "message": f"处理出错（{type(exc).__name__}），未导入任何记录，请联系系统管理员",
                }
            ],
        )
        if retried:
            raise
        return batch


def _load(batch: ImportBatch, *, tuned: bool) -> ImportBatch:
    try:
        batch_file = open_batch(bytes(batch.content), batch.file_format)
    except BatchFileError as exc:
        return _finish(batch, status=BatchStatus.REJECTED, errors=exc.errors)
    # The rows are in batch_file; the bytes stay in the database (a retry reads them again)
    # until _finish deletes them, and need not stay in memory through the load.
    batch.content = b""
    headers = batch_file.headers
    kinds = [k.code for k in kinds_of_department(batch.department.code)]
    kind = batch.kind or kind_for_headers(headers, kinds)
    if kind is None or kind not in kinds:
        errors = []
        for candidate in kinds:
            errors += header_errors(headers=headers, kind=candidate)
        if not errors:
            errors = [
                {"row": 1, "column": "表头", "message": f"{batch.department.name}没有这种记录"}
            ]
        return _finish(batch, status=BatchStatus.REJECTED, errors=errors)
    batch.kind = kind
    errors = header_errors(headers=headers, kind=kind)
    if errors:
        return _finish(batch, status=BatchStatus.REJECTED, errors=errors)
    total = batch_file.rows
    if not total:
        return _finish(
            batch,
            status=BatchStatus.REJECTED,
            errors=[{"row": None, "column": "", "message": "文件中没有数据行"}],
        )
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RUNNING, total_rows=total, kind=kind
    )
    batch.status, batch.total_rows = BatchStatus.RUNNING, total
    if batch.job_run_id:
        JobRun.objects.filter(pk=batch.job_run_id).update(
            status=JobStatus.RUNNING, total=total, started_at=timezone.now()
        )
    resource_class = RESOURCES[kind] if tuned else record_resource(kind, tuned=False)
    resource = resource_class(department=batch.department, batch=batch)
    key = progress_key(batch)
    counter = {"rows": 0}

    def after_import_row(row: Any, row_result: Any, **kwargs: Any) -> None:
        counter["rows"] += 1
        if counter["rows"] % PROGRESS_EVERY == 0:
            cache.set(key, counter["rows"], 3600)

    resource.after_import_row = after_import_row  # type: ignore[method-assign]
    new = updated = 0
    # The applicants to verify again, collected only while few enough to be named: past
    # VERIFICATION_CHUNK the whole round is verified (_enqueue_verification).
    affected: set[int] = set()
    with transaction.atomic():
        # One chunk of the file at a time through the same resource (it keeps the file's
        # duplicate keys across chunks), so memory holds a chunk and its results, never the
        # file's rows; one transaction, so a bad row anywhere still loads nothing.
        rows_before = 0
        for chunk in batch_file.chunks(CHUNK_ROWS):
            result = resource.import_data(
                chunk,
                use_transactions=True,
                rollback_on_validation_errors=True,
                raise_errors=False,
                first_line=rows_before + 2,
            )
            errors += _row_errors(result, resource, rows_before=rows_before)
            new += result.totals.get("new", 0)
            updated += result.totals.get("update", 0)
            if len(affected) <= VERIFICATION_CHUNK:
                affected.update(resource.applicant_ids())
            rows_before += len(chunk)
        if errors:
            transaction.set_rollback(True)
        else:
            audit_record(
                actor=batch.uploaded_by,
                action="records.import",
                obj=batch,
                now=timezone.now(),
                reason=f"{RECORD_KINDS[kind].label}：新增 {new} 条，更新 {updated} 条",
                after={"kind": kind, "rows": total, "new": new, "updated": updated},
            )
            _enqueue_verification(applicant_ids=affected)
    cache.delete(key)
    if errors:
        return _finish(batch, status=BatchStatus.REJECTED, errors=errors, total_rows=total)
    return _finish(
        batch,
        status=BatchStatus.LOADED,
        errors=[],
        total_rows=total,
        new_rows=new,
        updated_rows=updated,
    )


def _enqueue_verification(*, applicant_ids: Any) -> None:
    # New records may settle pending claims: verify the affected applications (细则第五条:
    # applicants see results during the declaration). Whole round when the batch is large.
    from workflow.models import AnnualRound

    ids = list(applicant_ids)
    for round in AnnualRound.objects.filter(phase__in=[Phase.DECLARATION, Phase.AGGREGATION]):
        if len(ids) > VERIFICATION_CHUNK:
            verification_enqueue(round=round, application_ids=None)
            continue
        app_ids = list(
            Application.objects.filter(
                round=round,
                applicant_id__in=ids,
                state__in=[AppState.SUBMITTED, AppState.UNDER_REVIEW],
            ).values_list("pk", flat=True)
        )
        if app_ids:
            verification_enqueue(round=round, application_ids=app_ids)
