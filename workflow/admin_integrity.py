"""Admin pages of 细则第十条 and 第十八条: the city's quota approvals (read-only: written by
``quota_approve``) and the written reports of a criminal record, which an administrator
reads and acts on by terminating the procedure (``criminal_record_report_terminate``)."""

from __future__ import annotations

from django.contrib import admin, messages

from workflow import services
from workflow.exceptions import DomainError
from workflow.models import CriminalRecordReport, QuotaApproval


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(QuotaApproval)
class QuotaApprovalAdmin(_ReadOnly):
    list_display = [
        "round",
        "quota",
        "proposed_by",
        "document_number",
        "approved_by",
        "approved_at",
    ]
    list_filter = ["round"]


@admin.register(CriminalRecordReport)
class CriminalRecordReportAdmin(_ReadOnly):
    list_display = [
        "id",
        "application",
        "reporter_role",
        "submitted_at",
        "handled_at",
        "handled_by",
    ]
    list_filter = ["reporter_role", "handled_at"]
    readonly_fields = ["application", "reporter", "reporter_role", "facts", "submitted_at"]
    actions = ["terminate"]

    @admin.action(description="核实属实：终止积分落户办理程序（细则第十八条）")
    def terminate(self, request, queryset):
        for report in queryset.order_by("pk"):
            try:
                services.criminal_record_report_terminate(
                    report=report, actor=request.user, reason="书面报告核实属实"
                )
            except DomainError as error:
                self.message_user(request, f"报告 #{report.pk}：{error}", messages.ERROR)
            else:
                self.message_user(request, f"报告 #{report.pk}：已终止办理。", messages.SUCCESS)
