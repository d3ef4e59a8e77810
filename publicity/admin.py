"""Django admin for the public list, objections, settlement and credit records.

The list itself (Publication, PublicityEntry) is frozen when published, and credit records
are written only by `fraud_record`: read-only here. Every change goes through the services
(same roles, states and audit rows as the back-office pages): objection decisions and
settlement steps are buttons, never field edits. The reporter of an objection is shown to
administrators only (实名举报: 对举报人信息保密).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from publicity import services
from publicity.forms import ObjectionDecisionForm
from publicity.models import (
    CreditExport,
    CreditRecord,
    Objection,
    ObjectionState,
    Publication,
    PublicityEntry,
    Settlement,
)
from workflow import roles
from workflow.admin import Button, TransitionAdmin

REPORTER_FIELDS = ("reporter_name", "reporter_id_number", "reporter_contact")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by staff with the view permission; never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = (
        "round",
        "opens_at",
        "closes_at",
        "quota",
        "cutoff",
        "admitted_count",
        "applicant_count",
    )
    date_hierarchy = "opens_at"
    readonly_fields = (
        "round",
        "ranking_run",
        "opens_at",
        "closes_at",
        "quota",
        "cutoff",
        "admitted_count",
        "applicant_count",
        "histogram",
        "published_by",
        "created_at",
        "list_version",
        "list_changed_at",
    )
    fields = readonly_fields


@admin.register(PublicityEntry)
class PublicityEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "rank",
        "name",
        "birth_month",
        "employer_name",
        "total",
        "cancelled_at",
        "publication",
    )
    list_filter = ("publication__round",)
    search_fields = ("number", "name", "employer_name")
    ordering = ("publication", "position")
    list_select_related = ("publication__round",)
    readonly_fields = (
        "publication",
        "application",
        "number",
        "position",
        "rank",
        "name",
        "birth_month",
        "employer_name",
        "indicators",
        "total",
        "cancelled_at",
    )
    fields = readonly_fields
    show_full_result_count = False  # no COUNT(*) over the whole list on every page


def _decide(upheld: bool):
    def run(obj: Objection, user: Any, data: dict[str, Any]) -> Any:
        return services.objection_decide(
            objection=obj, upheld=upheld, outcome=data["outcome"], actor=user
        )

    return run


class _OutcomeForm(ObjectionDecisionForm):
    """The outcome text only: each button already says which way the decision goes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["upheld"]


@admin.register(Objection)
class ObjectionAdmin(TransitionAdmin):
    list_filter = ("state", "publication__round")
    list_select_related = ("entry", "publication__round")
    ordering = ("-submitted_at", "-id")
    buttons = (
        Button("uphold", "查证属实（取消其落户资格，不递补）…", _decide(True), form=_OutcomeForm),
        Button("reject", "查无实据…", _decide(False), form=_OutcomeForm),
    )

    @staticmethod
    def _sees_reporter(request) -> bool:
        return roles.is_administrator(request.user)

    def get_list_display(self, request):
        shown = ["__str__", "entry", "state", "submitted_at", "decided_at"]
        if self._sees_reporter(request):
            shown.insert(2, "reporter_name")
        return shown

    def get_search_fields(self, request):
        # Searching by a reporter's identity number would reveal it one guess at a time; it
        # is encrypted at rest, with no blind index, so not even administrators search it.
        if self._sees_reporter(request):
            return ("entry__number", "entry__name", "reporter_name")
        return ("entry__number", "entry__name")

    def get_fields(self, request, obj=None):
        fields = [
            "publication",
            "entry",
            "facts",
            "submitted_at",
            "state",
            "outcome",
            "decided_by",
            "decided_at",
        ]
        if self._sees_reporter(request):
            fields[2:2] = REPORTER_FIELDS
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def _visible_buttons(self, obj: Objection) -> list[dict[str, Any]]:
        return super()._visible_buttons(obj) if obj.state == ObjectionState.RECEIVED else []

    def has_add_permission(self, request) -> bool:
        return False  # reporters use the public form (实名举报) during the 7 days

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # decisions are the buttons (objection_decide)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    # 细则第十一条、第十二条: every step is the chain's (the applicant, the district office, the
    # 人社局), on their own pages; here it is only shown, never moved.
    list_display = ("application", "state", "letter_number", "settled_at")
    list_filter = ("state",)
    search_fields = ("application__applicant__name", "letter_number")
    list_select_related = ("application__applicant", "application__round")


@admin.register(CreditRecord)
class CreditRecordAdmin(ReadOnlyAdmin):
    """失信记录: written by `fraud_record` (细则第十一条), never edited."""

    list_display = (
        "party",
        "applicant",
        "employer",
        "round",
        "barred_until",
        "recorded_at",
        "recorded_by",
        "export",
    )
    list_filter = ("party", "round")
    search_fields = ("applicant__name", "employer__name", "employer__credit_code")
    list_select_related = ("applicant", "employer", "round", "recorded_by")
    readonly_fields = (
        "party",
        "applicant",
        "employer",
        "application",
        "round",
        "reason",
        "barred_until",
        "recorded_at",
        "recorded_by",
        "export",
    )
    fields = readonly_fields


@admin.register(CreditExport)
class CreditExportAdmin(ReadOnlyAdmin):
    """失信记录报送批次: made and downloaded on /publicity/manage/credit-exports/."""

    list_display = ("number", "created_at", "created_by_label", "record_count", "sha256")
    fields = readonly_fields = (
        "number",
        "created_at",
        "created_by_label",
        "record_count",
        "sha256",
        "signature",
    )
