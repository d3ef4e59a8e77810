"""Any bytes, as CSV or XLSX, are a dataset or BatchFileError with a report (hypothesis);
the streamed reading of a batch load sees the same rows or the same report."""

from __future__ import annotations

import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review.batch_files import BatchFileError, Limits, open_batch, read_dataset
from review.synthetic import csv_bytes, xlsx_bytes

LIMITS = Limits(
    max_bytes=200_000, max_rows=50, max_field_chars=200, max_xlsx_expanded_bytes=2_000_000
)
CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "\x00", '"', '"a""b', "\r", "\n", "a,b", "=1+1", "1e400", "x" * 300]),
)


def _zip_with(sheet: bytes) -> bytes:
    """A workbook whose first sheet's XML is replaced (damaged) by `sheet`."""
    book = xlsx_bytes([["公民身份号码", "说明"], ["1", "2"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = sheet if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            target.writestr(item, data)
    return out.getvalue()


CONTENT = st.one_of(
    st.binary(max_size=3_000),
    st.lists(st.lists(CELLS, max_size=5), max_size=8).map(
        lambda rows: csv_bytes(rows) if rows else b""
    ),
    st.binary(max_size=500).map(_zip_with),
    st.sampled_from([b"\xef\xbb\xbf", b"PK\x03\x04", b'"unterminated', b"a,b\r\n\x00,\x00"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=CONTENT, file_format=st.sampled_from(["csv", "xlsx"]))
def test_any_bytes_are_a_dataset_or_a_report(content, file_format):
    try:
        dataset = read_dataset(content, file_format, limits=LIMITS)
    except BatchFileError as error:
        for item in error.errors:
            assert "\x00" not in item["column"]  # the report must be storable
            assert item["message"]
        return
    assert len(dataset) <= LIMITS.max_rows


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=CONTENT, file_format=st.sampled_from(["csv", "xlsx"]))
def test_a_streamed_batch_reads_the_rows_or_the_report_of_the_whole_file(content, file_format):
    try:
        dataset = read_dataset(content, file_format, limits=LIMITS)
    except BatchFileError as error:
        expected: object = error.errors
    else:
        expected = (list(dataset.headers or []), [list(row) for row in dataset])
    try:
        batch_file = open_batch(content, file_format, limits=LIMITS)
        rows = [list(row) for chunk in batch_file.chunks(3) for row in chunk]
    except BatchFileError as error:
        streamed: object = error.errors
    else:
        assert batch_file.rows == len(rows)
        streamed = (batch_file.headers, rows)
    assert streamed == expected
