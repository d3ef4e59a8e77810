"""失信记录报送: the serious-dishonesty records, batched for 市经济和信息化局.

细则第十七条 puts an applicant who committed fraud (and a unit that helped) on the city's
public credit platform (本市公共信用信息服务平台), which 市经济和信息化局 runs (第二条). The
platform takes files, not a live link, so the records leave in batches:

- a batch takes every record not yet sent, and each record is in exactly one batch: the
  records are claimed with a conditional UPDATE on `export IS NULL` under row locks, so two
  administrators pressing the button at once make one batch and one "nothing to send";
- a batch is built once and stored (JSON, CSV, XLSX); downloading it again gives the same
  bytes, so a file lost on the receiving side is re-sent, never re-counted;
- each batch is dated and signed: the SHA-256 of its records' canonical JSON, and an
  HMAC-SHA256 of that digest with the batch number and date under the server's key
  (`salted_hmac`, SECRET_KEY), which `credit_export_verify` checks. The platform checks the
  digest; we can show a file came from us, unchanged.

Identity numbers leave masked (110105********0212): the platform matches people by name and
its own records; a full number in a file that is e-mailed and filed is a leak waiting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from publicity.models import CreditExport, CreditParty, CreditRecord
from ranking.policy.identity import mask_id_number
from workflow import roles
from workflow.exceptions import DomainError, NotPermitted
from workflow.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_bytes, xlsx_bytes
from workflow.services import actor_label, audit_record, now_or

BASIS = "《北京市积分落户操作管理细则》第十七条"
SIGNING_SALT = "luohutong.publicity.credit_export"
FORMAT_VERSION = 1

COLUMNS: Sequence[tuple[str, str]] = (
    ("record_id", "记录编号"),
    ("party", "主体类型"),
    ("name", "主体名称"),
    ("identifier", "统一社会信用代码/公民身份号码（脱敏）"),
    ("finding", "失信事实"),
    ("round_year", "申报年度"),
    ("application_id", "申请编号"),
    ("found_on", "认定日期"),
    ("barred_until", "限制申报至"),
    ("basis", "依据"),
)

CONTENT_TYPES = {"json": "application/json", "csv": CSV_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}


def may_download(user: Any) -> bool:
    return roles.is_administrator(user) or roles.is_credit_platform(user)


def _record_row(record: CreditRecord) -> dict[str, Any]:
    if record.party == CreditParty.APPLICANT:
        name, identifier = record.applicant.name, mask_id_number(record.applicant.id_number)
    else:
        name, identifier = record.employer.name, record.employer.credit_code
    return {
        "record_id": record.pk,
        "party": record.get_party_display(),
        "name": name,
        "identifier": identifier,
        "finding": record.reason,
        "round_year": record.round.year,
        "application_id": record.application_id,
        "found_on": timezone.localdate(record.recorded_at).isoformat(),
        "barred_until": record.barred_until.isoformat(),
        "basis": BASIS,
    }


def _canonical(rows: list[dict[str, Any]]) -> bytes:
    return json.dumps(rows, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _signature(*, number: str, created_at: dt.datetime, sha256: str) -> str:
    message = f"{number}\n{created_at.isoformat()}\n{sha256}"
    return salted_hmac(SIGNING_SALT, message, algorithm="sha256").hexdigest()


def _next_number(now: dt.datetime) -> str:
    year = timezone.localdate(now).year
    prefix = f"XY{year}-"
    last = (
        CreditExport.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def _files(
    *, number: str, created_at: dt.datetime, signer: str, rows: list[dict[str, Any]], sha: str
) -> tuple[bytes, bytes, bytes, str]:
    signature = _signature(number=number, created_at=created_at, sha256=sha)
    header = {
        "format": "luohutong.credit-export",
        "version": FORMAT_VERSION,
        "number": number,
        "created_at": created_at.isoformat(),
        "created_by": signer,
        "record_count": len(rows),
        "records_sha256": sha,
        "signature_hmac_sha256": signature,
        "basis": BASIS,
    }
    content_json = json.dumps(
        {"batch": header, "records": rows}, ensure_ascii=False, indent=2
    ).encode()
    title = (
        f"失信记录报送 {number}｜生成 {timezone.localtime(created_at):%Y-%m-%d %H:%M}｜"
        f"{len(rows)} 条｜记录 SHA-256 {sha}｜签名 {signature}"
    )
    labels = [label for _, label in COLUMNS]
    table = [[row[key] for key, _ in COLUMNS] for row in rows]
    content_csv = csv_bytes([title], [labels, *table])
    content_xlsx = xlsx_bytes(labels, table, sheet_title="失信记录", title=title)
    return content_json, content_csv, content_xlsx, signature


def credit_export_create(*, actor: Any, now: dt.datetime | None = None) -> CreditExport:
    """Put every record not yet sent into a new batch; refuse when there is none."""
    if not roles.is_administrator(actor):
        raise NotPermitted("只有管理员才能生成失信记录报送批次。")
    now = now_or(now)
    with transaction.atomic():
        pending = list(
            CreditRecord.objects.select_for_update(of=("self",))
            .filter(export__isnull=True)
            .select_related("applicant", "employer", "round")
            .order_by("pk")
        )
        if not pending:
            raise DomainError("没有尚未报送的失信记录。")
        rows = [_record_row(record) for record in pending]
        sha = hashlib.sha256(_canonical(rows)).hexdigest()
        number = _next_number(now)
        signer = actor_label(actor)
        content_json, content_csv, content_xlsx, signature = _files(
            number=number, created_at=now, signer=signer, rows=rows, sha=sha
        )
        export = CreditExport.objects.create(
            number=number,
            created_at=now,
            created_by=actor,
            created_by_label=signer,
            record_count=len(rows),
            content_json=content_json,
            content_csv=content_csv,
            content_xlsx=content_xlsx,
            sha256=sha,
            signature=signature,
        )
        claimed = CreditRecord.objects.filter(
            pk__in=[record.pk for record in pending], export__isnull=True
        ).update(export=export)
        if claimed != len(pending):  # only without row locks (SQLite) could this race
            raise DomainError("失信记录正在被另一位管理员报送，请刷新后重试。")
        audit_record(
            actor=actor,
            action="credit.export",
            obj=export,
            now=now,
            reason=f"失信记录报送 {number}：{len(rows)} 条",
            after={
                "number": number,
                "record_ids": [record.pk for record in pending],
                "records_sha256": sha,
            },
        )
    return export


def credit_export_file(
    *, export: CreditExport, fmt: str, actor: Any, now: dt.datetime | None = None
) -> tuple[bytes, str, str]:
    """(content, content type, file name) of a stored batch; each download is audit-logged."""
    if not may_download(actor):
        raise NotPermitted("只有管理员和市经济和信息化局的账号才能下载失信记录报送文件。")
    if fmt not in CONTENT_TYPES:
        raise DomainError(f"格式：不支持“{fmt}”，可选 JSON、CSV、XLSX。")
    content = bytes(getattr(export, f"content_{fmt}"))
    audit_record(
        actor=actor,
        action="credit.export.download",
        obj=export,
        now=now_or(now),
        reason=f"下载失信记录报送 {export.number}（{fmt.upper()}）",
    )
    return content, CONTENT_TYPES[fmt], f"credit-records-{export.number}.{fmt}"


def credit_export_verify(content_json: bytes) -> CreditExport:
    """The stored batch a JSON file claims to be, if its records and signature are intact."""
    try:
        document = json.loads(content_json)
        batch, rows = document["batch"], document["records"]
        number = batch["number"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DomainError("文件不是本系统生成的失信记录报送 JSON 文件。") from exc
    export = CreditExport.objects.filter(number=number).first()
    if export is None:
        raise DomainError(f"报送批号“{number}”不存在。")
    sha = hashlib.sha256(_canonical(rows)).hexdigest()
    if sha != export.sha256 or sha != batch.get("records_sha256"):
        raise DomainError(f"报送批次 {number} 的记录内容与生成时不同。")
    expected = _signature(number=number, created_at=export.created_at, sha256=sha)
    if not hmac.compare_digest(expected, str(batch.get("signature_hmac_sha256", ""))):
        raise DomainError(f"报送批次 {number} 的签名无效。")
    return export
