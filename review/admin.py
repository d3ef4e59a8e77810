"""Admin: each kind of department record with django-import-export (CSV/XLSX, bulk path)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ImportForm

from review.batch_files import BatchFileError, Limits, read_dataset
from review.models import RECORD_KINDS, ImportBatch
from review.resources import RESOURCES
from workflow import exports, roles
from workflow.models import Department


# The admin's import and export go through the same reader and writer as the back office:
# the same limits on what is read, and no cell written that a spreadsheet would run.
class BatchCSV(CSV):
    def is_binary(self) -> bool:
        return True  # the bytes reach read_dataset, which also knows GB18030

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream: Any, **kwargs: Any) -> Any:
        data = in_stream.encode("utf-8") if isinstance(in_stream, str) else in_stream
        return read_dataset(data, "csv")

    def export_data(self, dataset: Any, **kwargs: Any) -> bytes:
        return exports.csv_bytes(dataset.headers or [], dataset)


class BatchXLSX(XLSX):
    def create_dataset(self, in_stream: Any, **kwargs: Any) -> Any:
        return read_dataset(in_stream, "xlsx")

    def export_data(self, dataset: Any, **kwargs: Any) -> bytes:
        return exports.xlsx_bytes(dataset.headers or [], dataset)


class LimitedImportForm(ImportForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["import_file"].help_text = Limits.from_settings().described()

    def clean_import_file(self) -> Any:
        upload = self.cleaned_data["import_file"]
        if error := Limits.from_settings().size_error(upload.size):
            raise forms.ValidationError(error)
        return upload


def _record_admin(kind: str) -> type[ImportExportModelAdmin]:
    record_kind = RECORD_KINDS[kind]

    class RecordAdmin(ImportExportModelAdmin):
        resource_classes = [RESOURCES[kind]]
        formats = [BatchCSV, BatchXLSX]
        import_form_class = LimitedImportForm
        list_display = ("record_key", "loaded_at")
        search_fields = ("applicant__id_number", "record_key")
        raw_id_fields = ("applicant", "batch")
        list_select_related = ("applicant",)

        def get_import_resource_kwargs(self, request, **kwargs):
            department = roles.department_of(request.user)
            if department is None or department.code not in record_kind.departments:
                department = Department.objects.filter(code=record_kind.departments[0]).first()
            return {
                **super().get_import_resource_kwargs(request, **kwargs),
                "department": department,
            }

        def add_data_read_fail_error_to_form(self, form, e):
            if isinstance(e, BatchFileError):
                for error in e.errors[:20]:
                    where = f"第 {error['row']} 行 · {error['column']}：" if error["row"] else ""
                    form.add_error("import_file", f"{where}{error['message']}")
                return
            super().add_data_read_fail_error_to_form(form, e)

        def get_export_resource_kwargs(self, request, **kwargs):
            return self.get_import_resource_kwargs(request, **kwargs)

        def get_queryset(self, request):
            # Object-level: a department's staff see only their own kinds of record.
            queryset = super().get_queryset(request)
            department = roles.department_of(request.user)
            if roles.is_administrator(request.user) or (
                department and department.code in record_kind.departments
            ):
                return queryset
            return queryset.none()

    RecordAdmin.__name__ = f"{record_kind.model.__name__}Admin"
    return RecordAdmin


for _kind in RECORD_KINDS:
    admin.site.register(RECORD_KINDS[_kind].model, _record_admin(_kind))


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("created_at", "department", "kind", "file_name", "total_rows", "status")
    list_filter = ("status", "department", "kind")
    readonly_fields = (
        "department",
        "kind",
        "file_name",
        "file_format",
        "uploaded_by",
        "status",
        "total_rows",
        "new_rows",
        "updated_rows",
        "errors",
        "job_run",
        "created_at",
        "finished_at",
    )
    exclude = ("content",)

    def has_add_permission(self, request):
        return False
