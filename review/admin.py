"""Admin: each kind of department record with django-import-export (CSV/XLSX, bulk path)."""

from __future__ import annotations

from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX

from review.models import RECORD_KINDS, ImportBatch
from review.resources import RESOURCES
from workflow import roles
from workflow.models import Department


def _record_admin(kind: str) -> type[ImportExportModelAdmin]:
    record_kind = RECORD_KINDS[kind]

    class RecordAdmin(ImportExportModelAdmin):
        resource_classes = [RESOURCES[kind]]
        formats = [CSV, XLSX]
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
