"""django-import-export resources for the department records (CSV and XLSX, Chinese headers).

Tuned the way the library's maintainers describe for large imports (docs: "Bulk imports"):
`use_bulk` with a `batch_size`, `skip_diff`, no per-row model validation, an instance loader
that fetches every existing row of the dataset in a few queries (by `record_key`), and the
identity number → applicant lookup cached for the dataset instead of one query per row.
A batch load gives the resource its file a chunk at a time (review.services.imports); the
resource keeps what must hold across the chunks (each key's first line, for duplicates).
XLSX is read with openpyxl in read-only mode (review.batch_files); defusedxml is installed,
so openpyxl parses the workbook's XML with it.

`record_resource(kind, tuned=False)` is the library's default path on the same columns, kept
for the benchmark's side-by-side figure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from import_export import fields, resources, widgets
from import_export.instance_loaders import ModelInstanceLoader

from ranking.policy.identity import mask_id_number, parse_id_number
from ranking.policy.tables import AWARD_CODES, CITY_LEVEL, DISTRICTS, HONOR_CODES
from review.models import RECORD_KINDS
from review.models.records import EducationLevel, OwnKind, RentalKind
from workflow import crypto
from workflow.models import Applicant
from workflow.services import rows_insert

KEY_COLUMN = "record_key"
ID_COLUMN = "公民身份号码"
LOOKUP_CHUNK = 5000  # SQLite allows ~32k parameters a query; PostgreSQL does not care


# --- widgets: Chinese messages that say what a clerk must fix ---------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


class ChineseWidget(widgets.Widget):
    def __init__(self, *, required: bool = True, max_length: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.required = required
        # The column's width (RecordResource sets it from the model field): a longer value
        # is this cell's error, not a database error for the whole batch.
        self.max_length = max_length

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        if _text(value) == "" and not isinstance(value, dt.date):
            if self.required:
                raise ValueError("不能为空")
            return None
        if self.max_length is not None and len(_text(value)) > self.max_length:
            raise ValueError(f"不能超过 {self.max_length} 个字符（实为 {len(_text(value))} 个）")
        return self.parse(value)

    def parse(self, value: Any) -> Any:  # pragma: no cover - overridden
        return value

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return "" if value is None else str(value)


class TextWidget(ChineseWidget):
    """Free text; blank is "" (the text columns are NOT NULL, like Django's CharFields)."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        cleaned = super().clean(value, row, **kwargs)
        return "" if cleaned is None else cleaned


_MONTH = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})月?$")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


class MonthWidget(ChineseWidget):
    def parse(self, value: Any) -> dt.date:
        if isinstance(value, dt.date):  # an Excel date cell
            return dt.date(value.year, value.month, 1)
        match = _MONTH.match(_text(value))
        if not match or not 1 <= int(match[2]) <= 12:
            raise ValueError(f"月份“{_text(value)}”格式错误，应为 YYYY-MM，例如 2015-07")
        return dt.date(int(match[1]), int(match[2]), 1)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else f"{value:%Y-%m}"


class DateWidget(ChineseWidget):
    def parse(self, value: Any) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        match = _DATE.match(_text(value))
        try:
            if not match:
                raise ValueError
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise ValueError(
                f"日期“{_text(value)}”格式错误或不存在，应为 YYYY-MM-DD，例如 2016-03-01"
            ) from None

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else value.isoformat()


class YesNoWidget(ChineseWidget):
    TRUE = {"是", "有", "y", "yes", "true", "1"}
    FALSE = {"否", "无", "n", "no", "false", "0"}

    def parse(self, value: Any) -> bool:
        text = _text(value).lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(f"“{_text(value)}”无效，应填“是”或“否”")

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else ("是" if value else "否")


class ChoiceWidget(ChineseWidget):
    """Accepts the code or the Chinese label."""

    def __init__(self, choices: Iterable[tuple[str, str]], **kwargs: Any):
        super().__init__(**kwargs)
        self.choices = list(choices)
        self.lookup = {code: code for code, _ in self.choices} | {
            str(label): code for code, label in self.choices
        }

    def parse(self, value: Any) -> str:
        text = _text(value)
        if text not in self.lookup:
            allowed = "、".join(str(label) for _, label in self.choices)
            raise ValueError(f"“{text}”无效，应为 {allowed} 之一")
        return self.lookup[text]


class SetWidget(ChineseWidget):
    def __init__(self, allowed: Iterable[str], what: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.allowed = frozenset(allowed)
        self.what = what

    def parse(self, value: Any) -> str:
        text = _text(value)
        if text not in self.allowed:
            raise ValueError(f"未知的{self.what}“{text}”")
        return text


class IntWidget(ChineseWidget):
    def __init__(self, *, low: int, high: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.low, self.high = low, high

    def parse(self, value: Any) -> int:
        text = _text(value)
        shown = text if len(text) <= 40 else text[:40] + "…"
        # "2019.0" is how an XLSX number cell reads; never through float (1e400 is inf).
        match = re.fullmatch(r"([+-]?)(\d+)(?:\.0*)?", text)
        if not match:
            raise ValueError(f"“{shown}”不是整数")
        digits = match[2].lstrip("0") or "0"
        if len(digits) > 18:  # far outside any range here, and int() of it is costly
            raise ValueError(f"“{shown}”超出范围（{self.low}–{self.high}）")
        number = int(match[1] + digits)
        if not self.low <= number <= self.high:
            raise ValueError(f"{number} 超出范围（{self.low}–{self.high}）")
        return number


class MoneyWidget(ChineseWidget):
    # The column is DecimalField(max_digits=14, decimal_places=2).
    MAX = Decimal("999999999999.99")

    def parse(self, value: Any) -> Decimal:
        text = _text(value).replace(",", "")
        shown = text if len(text) <= 40 else text[:40] + "…"
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"金额“{shown}”格式错误，应为数字，例如 1200.00") from None
        if not amount.is_finite():
            raise ValueError(f"金额“{shown}”格式错误，应为数字，例如 1200.00")
        if amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
            raise ValueError(f"金额“{shown}”应为非负数，最多两位小数")
        if amount > self.MAX:
            raise ValueError(f"金额“{shown}”超出范围（最大 {self.MAX:,}）")
        return amount.quantize(Decimal("0.01"))


class ApplicantWidget(ChineseWidget):
    """Identity number → applicant id, from a dict filled once per batch (tuned path)."""

    def __init__(self, resource: RecordResource, **kwargs: Any):
        super().__init__(**kwargs)
        self.resource = resource

    def parse(self, value: Any) -> int:
        number = _text(value).upper()
        # The report outlives the file (deleted once loaded): it names the row and column
        # and shows the number masked, never in full.
        try:
            parse_id_number(number)
        except ValueError as exc:
            raise ValueError(f"公民身份号码“{crypto.masked(number)}”无效：{exc}") from None
        applicant_id = self.resource.applicant_id(number)
        if applicant_id is None:
            raise ValueError(f"系统中没有公民身份号码为“{mask_id_number(number)}”的申请人")
        return applicant_id

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if obj is None else obj.applicant.id_number


# --- the columns of each kind -----------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    attribute: str
    widget: Any  # a callable returning the widget
    key: bool = False  # part of the natural key


SI_DISTRICTS = DISTRICTS | {CITY_LEVEL}

COLUMNS: dict[str, list[Column]] = {
    "social_insurance": [
        Column("起始月份", "from_month", MonthWidget, key=True),
        Column("截止月份", "to_month", lambda: MonthWidget(required=False), key=True),
        Column("缴费区", "district", lambda: SetWidget(SI_DISTRICTS, "缴费区"), key=True),
        Column("是否补缴", "back_paid", YesNoWidget, key=True),
    ],
    "residence_permit": [Column("签发日期", "issued_on", DateWidget)],
    "criminal_record": [
        Column("判决日期", "recorded_on", DateWidget, key=True),
        Column("说明", "description", lambda: TextWidget(required=False)),
    ],
    "detention": [
        Column("拘留日期", "detained_on", DateWidget, key=True),
        Column("说明", "description", lambda: TextWidget(required=False)),
    ],
    "property": [
        Column("起始月份", "from_month", MonthWidget, key=True),
        Column("截止月份", "to_month", lambda: MonthWidget(required=False), key=True),
        Column("产权类型", "kind", lambda: ChoiceWidget(OwnKind.choices), key=True),
        Column("所在区", "district", lambda: SetWidget(DISTRICTS, "区"), key=True),
    ],
    "rental": [
        Column("起始月份", "from_month", MonthWidget, key=True),
        Column("截止月份", "to_month", lambda: MonthWidget(required=False), key=True),
        Column("居住类型", "kind", lambda: ChoiceWidget(RentalKind.choices), key=True),
        Column("所在区", "district", lambda: SetWidget(DISTRICTS, "区"), key=True),
    ],
    "degree": [
        Column("学历层次", "level", lambda: ChoiceWidget(EducationLevel.choices), key=True),
        Column("取得学历", "diploma", YesNoWidget),
        Column("取得学位", "degree", YesNoWidget),
        Column("毕业日期", "graduated_on", DateWidget, key=True),
    ],
    "income_tax": [
        Column("纳税年度", "year", lambda: IntWidget(low=1990, high=2100), key=True),
        Column("个人所得税额（元）", "amount", MoneyWidget),
    ],
    "tax_penalty": [Column("处罚日期", "penalized_on", DateWidget, key=True)],
    "award": [
        Column("奖项代码", "code", lambda: SetWidget(AWARD_CODES, "奖项代码"), key=True),
        Column("等级", "grade", lambda: TextWidget(required=False), key=True),
        Column("位次", "rank", lambda: IntWidget(low=1, high=999, required=False)),
        Column("角色", "role", lambda: TextWidget(required=False)),
        Column("获奖年度", "year", lambda: IntWidget(low=1980, high=2100), key=True),
    ],
    "honor": [
        Column("荣誉代码", "code", lambda: SetWidget(HONOR_CODES, "荣誉代码"), key=True),
        Column(
            "表彰年度", "year", lambda: IntWidget(low=1950, high=2100, required=False), key=True
        ),
    ],
}


def headers_of(kind: str) -> list[str]:
    return [ID_COLUMN, *(column.header for column in COLUMNS[kind])]


def kind_for_headers(headers: Iterable[str], candidates: Iterable[str]) -> str | None:
    given = {_text(h) for h in headers if _text(h)}
    for kind in candidates:
        if set(headers_of(kind)) == given:
            return kind
    return None


def _key_part(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return _text(value).upper()


class ChunkedCachedInstanceLoader(ModelInstanceLoader):
    """The library's CachedInstanceLoader, querying the batch's keys in chunks."""

    def __init__(self, resource: Any, dataset: Any = None):
        super().__init__(resource, dataset)
        keys = [row for row in dataset[KEY_COLUMN]] if dataset is not None and len(dataset) else []
        self.all_instances: dict[str, Any] = {}
        queryset = self.get_queryset()
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start : start + LOOKUP_CHUNK]
            for instance in queryset.filter(record_key__in=chunk):
                self.all_instances[instance.record_key] = instance

    def get_instance(self, row: Any) -> Any:
        return self.all_instances.get(row[KEY_COLUMN])


class RecordResource(resources.ModelResource):
    """Base for one kind: set `kind`; `department` and `batch` are given per import."""

    kind = ""
    tuned = True

    def __init__(self, *, department: Any = None, batch: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.department = department
        self.batch = batch
        self.loaded_at = timezone.now()
        # Identity number → applicant id for the rows being imported (one chunk of a
        # streamed batch), filled in before_import.
        self._applicants: dict[str, int] = {}
        self.duplicate_of: dict[int, int] = {}  # dataset row number → the first file line
        # A file streamed in chunks (review.services.imports) is one import for duplicates:
        # each natural key's first line, kept as a 16-byte digest (about 100 bytes a row
        # instead of the key and the row) across the file's chunks.
        self._first_line: dict[bytes, int] = {}
        self.fields = {
            KEY_COLUMN: fields.Field(
                attribute="record_key", column_name=KEY_COLUMN, widget=ChineseWidget()
            ),
            "applicant": fields.Field(
                attribute="applicant_id", column_name=ID_COLUMN, widget=ApplicantWidget(self)
            ),
        }
        for column in COLUMNS[self.kind]:
            widget = column.widget()
            # Free text is kept as given, so it must fit its column; the other widgets map
            # what they accept (a Chinese label) to a code that fits.
            if isinstance(widget, TextWidget):
                widget.max_length = self._meta.model._meta.get_field(column.attribute).max_length
            self.fields[column.attribute] = fields.Field(
                attribute=column.attribute, column_name=column.header, widget=widget
            )
        self.column_of = {name: field.column_name for name, field in self.fields.items()}
        self.column_of.update(
            {field.attribute: field.column_name for field in self.fields.values()}
        )
        self.column_of[KEY_COLUMN] = "整行"

    def bulk_create(
        self,
        using_transactions: bool,
        dry_run: bool,
        raise_errors: bool,
        batch_size: int | None = None,
        result: Any = None,
    ) -> None:
        # The library's bulk_create, by COPY on PostgreSQL (workflow.services.rows_insert):
        # Django's INSERT quoted every cell of every record in Python.
        if self.create_instances and (using_transactions or not dry_run):
            try:
                rows_insert(self._meta.model, self.create_instances)
            except Exception as exc:
                self.handle_import_error(result, exc, raise_errors)
            finally:
                self.create_instances.clear()

    def get_import_id_fields(self) -> list[str]:
        return [KEY_COLUMN]

    def get_export_fields(self, selected_fields: Any = None) -> list[Any]:
        return [field for name, field in self.fields.items() if name != KEY_COLUMN]

    def applicant_id(self, number: str) -> int | None:
        if self.tuned:
            return self._applicants.get(number)
        # The library's default: one query per row (what ForeignKeyWidget does).
        return Applicant.objects.by_id_number(number).values_list("pk", flat=True).first()

    def record_key(self, row: dict[str, Any]) -> str:
        parts = [self.kind, _key_part(row.get(ID_COLUMN))]
        if self.kind in ("award", "honor") and self.department is not None:
            parts.insert(1, self.department.code)
        parts += [_key_part(row.get(c.header)) for c in COLUMNS[self.kind] if c.key]
        return "|".join(parts)[:200]

    def applicant_ids(self) -> list[int]:
        """The applicants the rows just imported name (found ones only)."""
        return list(self._applicants.values())

    def before_import(self, dataset: Any, *, first_line: int = 2, **kwargs: Any) -> None:
        """Whole-batch checks before any row: natural keys, duplicates, identity numbers.

        `first_line` is the file's line of the dataset's first row: a streamed batch imports
        its chunks one after another through this resource, so a duplicate of a row in an
        earlier chunk is caught and every line number is the file's. 2 (the line after the
        header) starts a new file.
        """
        if first_line == 2:
            self._first_line = {}
        self.duplicate_of = {}
        self._applicants = {}
        headers = list(dataset.headers)
        keys = []
        for index, values in enumerate(dataset, 1):
            row = dict(zip(headers, values, strict=False))
            key = self.record_key(row)
            keys.append(key)
            line = first_line + index - 1
            digest = hashlib.blake2b(key.encode(), digest_size=16).digest()
            if digest in self._first_line:
                self.duplicate_of[index] = self._first_line[digest]
            else:
                self._first_line[digest] = line
        if KEY_COLUMN in dataset.headers:
            del dataset[KEY_COLUMN]
        dataset.append_col(keys, header=KEY_COLUMN)
        if self.tuned:
            numbers = list({_text(n).upper() for n in dataset[ID_COLUMN]})
            # One HMAC per number, then one indexed `__in` query per chunk: nothing decrypted.
            for start in range(0, len(numbers), LOOKUP_CHUNK):
                self._applicants.update(
                    Applicant.objects.pks_by_id_number(numbers[start : start + LOOKUP_CHUNK])
                )

    def before_import_row(self, row: Any, row_number: int | None = None, **kwargs: Any) -> None:
        # A duplicate row is invalid as a whole (the library reports it as an invalid row,
        # in the admin too), so the batch is rolled back.
        if row_number in self.duplicate_of:
            raise ValidationError({KEY_COLUMN: f"与第 {self.duplicate_of[row_number]} 行重复"})

    def after_init_instance(self, instance: Any, new: bool, row: Any, **kwargs: Any) -> None:
        if self.batch is not None:
            instance.batch_id = self.batch.pk
        instance.loaded_at = self.loaded_at
        if hasattr(instance, "department_id") and self.department is not None:
            instance.department_id = self.department.pk


def record_resource(kind: str, *, tuned: bool = True) -> type[RecordResource]:
    """The resource class for a kind of record (`tuned=False`: the library's defaults)."""
    model = RECORD_KINDS[kind].model
    meta_attrs: dict[str, Any] = {"model": model, "fields": ()}
    if tuned:
        meta_attrs.update(
            use_bulk=True,
            batch_size=2000,
            skip_diff=True,
            skip_unchanged=False,
            report_skipped=False,
            clean_model_instances=False,
            instance_loader_class=ChunkedCachedInstanceLoader,
        )
    meta = type("Meta", (), meta_attrs)
    name = f"{model.__name__}{'' if tuned else 'Default'}Resource"
    return type(
        name,
        (RecordResource,),
        {"Meta": meta, "kind": kind, "tuned": tuned, "__module__": __name__},
    )


RESOURCES: dict[str, type[RecordResource]] = {kind: record_resource(kind) for kind in RECORD_KINDS}
