"""A published list's downloads (CSV, XLSX): built once per list version, stored, served as is.

The list is frozen when published (细则第十条); the one later change is an upheld objection
cancelling an admission, which bumps `Publication.list_version` (`objection_decide`). A
stored download belongs to one version, so a stale one is never served, and its SHA-256 is
the ETag that browsers and proxies revalidate against (304 Not Modified). Built by the
publish job right after publication, or by the first request for a version that has none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from django.db import IntegrityError, transaction

from publicity import exports
from publicity.exports import csv_bytes, xlsx_bytes
from publicity.models import DownloadFormat, Publication, PublicationDownload
from publicity.selectors import published_rows
from workflow import exports as cell_writer
from workflow.services import now_or

# A file built by another version of the writers is not served: a change to the list's
# writer (publicity/exports.py: a column) or the cell writer it goes through
# (workflow/exports.py: how a cell is escaped) rebuilds every published list's downloads on
# their next request instead of serving the old bytes for ever.
WRITER_REVISION = hashlib.sha256(
    b"".join(Path(module.__file__).read_bytes() for module in (exports, cell_writer))
).hexdigest()[:16]

CONTENT_TYPES = {
    DownloadFormat.CSV: "text/csv; charset=utf-8",
    DownloadFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def download_stored(*, publication: Publication, fmt: str) -> PublicationDownload | None:
    """The stored download of the list's current version, without its bytes (for the ETag)."""
    return (
        PublicationDownload.objects.filter(
            publication=publication,
            format=fmt,
            list_version=publication.list_version,
            writer=WRITER_REVISION,
        )
        .defer("content")
        .first()
    )


def download_content(download: PublicationDownload) -> bytes:
    content = PublicationDownload.objects.filter(pk=download.pk).values_list("content", flat=True)
    return bytes(content.get())  # PostgreSQL hands back a memoryview


def download_prepare(
    *, publication: Publication, fmt: str, now: dt.datetime | None = None
) -> PublicationDownload:
    """The stored download of the publication's current list version, without its bytes; built
    and stored first if there is none yet (then the other files of that format are dropped:
    older list versions, older writers). Idempotent, and safe when two requests build the same version at once."""
    if fmt not in DownloadFormat.values:
        raise ValueError(f"unknown download format {fmt!r}")
    # The version is read before the rows: an objection decided meanwhile changes both in one
    # transaction, so this version's file can only be older than the rows, never newer.
    version = publication.list_version
    stored = download_stored(publication=publication, fmt=fmt)
    if stored is not None:
        return stored
    rows = published_rows(publication)
    if fmt == DownloadFormat.CSV:
        data = csv_bytes(rows)
    else:
        data = xlsx_bytes(rows, year=publication.round.year, draft=False)
    try:
        with transaction.atomic():
            download = PublicationDownload.objects.create(
                publication=publication,
                format=fmt,
                list_version=version,
                writer=WRITER_REVISION,
                content=data,
                sha256=hashlib.sha256(data).hexdigest(),
                size=len(data),
                built_at=now_or(now),
            )
    except IntegrityError:  # a concurrent request built the same version first
        return PublicationDownload.objects.defer("content").get(
            publication=publication, format=fmt, list_version=version, writer=WRITER_REVISION
        )
    PublicationDownload.objects.filter(publication=publication, format=fmt).exclude(
        list_version=version, writer=WRITER_REVISION
    ).delete()
    return download


def downloads_prepare(*, publication: Publication) -> list[PublicationDownload]:
    """Every format of the current version (the publish job calls this right after publishing)."""
    return [download_prepare(publication=publication, fmt=fmt) for fmt in DownloadFormat.values]
