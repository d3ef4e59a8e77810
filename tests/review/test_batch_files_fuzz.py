"""Any bytes, as CSV or XLSX, are a dataset or BatchFileError with a report (hypothesis)."""

from __future__ import annotations

import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review.batch_files import BatchFileError, Limits, read_dataset
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
