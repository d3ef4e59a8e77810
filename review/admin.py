"""Admin: each kind of department record with django-import-export (CSV/XLSX, bulk path)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.http import HttpResponseRedirect
from django.urls import reverse
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ImportForm

from review.batch_files import BatchFileError, Limits, read_dataset
from review.models import RECORD_KINDS, ImportBatch
from review.resources import RESOURCES
from review.services.decisions import claim_decide
from workflow import exports, roles
from workflow.admin import Button, IdNumberSearch, TransitionAdmin
from workflow.admin_forms import AppealDecisionForm, ClaimAdjustForm, RecheckDecisionForm
from workflow.models import Department, IndicatorClaim


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

    class RecordAdmin(IdNumberSearch, ImportExportModelAdmin):
        resource_classes = [RESOURCES[kind]]
        formats = [BatchCSV, BatchXLSX]
        import_form_class = LimitedImportForm
        list_display = ("record_key", "loaded_at")
        id_number_path = "applicant__id_number"
        search_fields = ("record_key",)
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

        def export_action(self, request):
            # The export takes the changelist's filters from the query string, but unlike the
            # changelist (which answers ?e=1) django-import-export lets a parameter naming no
            # field escape as a 500. Refused with the parameters named instead.
            try:
                return super().export_action(request)
            except IncorrectLookupParameters:
                names = "、".join(sorted(request.GET)) or "（无）"
                messages.error(
                    request, f"导出未执行：筛选条件无效，地址中的参数 {names} 不是本表的筛选项。"
                )
                opts = self.model._meta
                return HttpResponseRedirect(
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
                )

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


# --- the claims' admin page: decided through the back office's service ----------------------
# Registered here, not in workflow: deciding a claim is review's work (docs/architecture.md).


def _decide(
    claim: IndicatorClaim, actor: Any, decision: str, reason: str, verified_facts: Any
) -> Any:
    # The same decision service as the reviewers' back office: besides the workflow transition
    # and its audit row it scores the claim's points from the new facts (checking them against
    # facts-format-1) and re-scores the application after an appeal (细则第八条), so a decision
    # taken here shows the applicant the same result as one taken in /review/.
    return claim_decide(
        claim=claim,
        actor=actor,
        decision=decision,
        reason=reason,
        verified_facts=verified_facts or None,
    )


@admin.register(IndicatorClaim)
class IndicatorClaimAdmin(IdNumberSearch, TransitionAdmin):
    list_display = (
        "id",
        "application",
        "indicator",
        "department",
        "state",
        "points",
        "needs_manual_review",
    )
    list_filter = ("indicator", "department", "state", "needs_manual_review", "application__round")
    id_number_path = "application__applicant__id_number"
    search_fields = ("application__applicant__name",)
    list_select_related = ("application__applicant", "application__round", "department")
    readonly_fields = [f.name for f in IndicatorClaim._meta.fields]
    buttons = (
        Button(
            "verify",
            "审核通过",
            # One way to decide a claim: the back office's service (points, audit, checks).
            lambda o, u, r: _decide(o, u, "verify", r, None),
            needs_reason=True,
            fsm_method="verify",
        ),
        Button(
            "reject",
            "审核不通过",
            lambda o, u, r: _decide(o, u, "reject", r, None),
            needs_reason=True,
            fsm_method="reject",
        ),
        Button(
            "adjust",
            "调整审核结果…",
            lambda o, u, d: _decide(o, u, "adjust", d["reason"], d["verified_facts"]),
            fsm_method="adjust",
            form=ClaimAdjustForm,
            initial=lambda o: {"verified_facts": o.verified_facts or o.declared_facts or {}},
        ),
        Button(
            "decide_recheck",
            "作出复查结论…",
            lambda o, u, d: _decide(o, u, d["outcome"], d["reason"], d["verified_facts"]),
            fsm_method="decide_recheck",
            form=RecheckDecisionForm,
        ),
        Button(
            "decide_appeal",
            "作出申诉结论…",
            lambda o, u, d: _decide(o, u, d["outcome"], d["reason"], d["verified_facts"]),
            fsm_method="uphold_appeal",
            form=AppealDecisionForm,
        ),
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
