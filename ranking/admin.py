"""Django admin for ranking runs: a read-only record (细则第十条). A run is started by the
round's phase job or `manage.py rank_round`, never by editing rows here."""

from __future__ import annotations

from django.contrib import admin

from ranking.models import RankingRun


@admin.register(RankingRun)
class RankingRunAdmin(admin.ModelAdmin):
    list_display = (
        "round",
        "status",
        "is_current",
        "quota",
        "cutoff",
        "admitted_count",
        "ties_at_cutoff",
        "eligible_count",
        "ineligible_count",
        "changed_count",
        "started_at",
        "actor_label",
    )
    list_filter = ("status", "is_current", "round")
    list_select_related = ("round",)
    readonly_fields = (
        "round",
        "status",
        "is_current",
        "quota",
        "cutoff",
        "eligible_count",
        "admitted_count",
        "ties_at_cutoff",
        "ineligible_count",
        "changed_count",
        "message",
        "started_at",
        "finished_at",
        "actor",
        "actor_label",
    )
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
