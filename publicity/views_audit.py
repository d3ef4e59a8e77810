"""核验公示名单 (public, no login): upload a list, or pick a list published here, and see
which figures fit the year's rules."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from publicity.forms_audit import ListAuditForm
from publicity.list_audit import (
    SHORT_LABELS,
    ListAudit,
    fit_chart,
    list_audit_file,
    list_audit_publication,
    publications_auditable,
)
from publicity.models import Publication
from ranking.policy.audit import COLUMN_LABELS
from workflow.exceptions import DomainError

MISFITS_SHOWN = 1000  # a list that fits nowhere would otherwise be a 60,000-row page


def list_audit(request: HttpRequest) -> HttpResponse:
    form = ListAuditForm(request.POST or None, request.FILES or None)
    audit: ListAudit | None = None
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                audit = list_audit_file(
                    data=data["file"].read(),
                    filename=data["file"].name,
                    year=data["year"],
                    policy_id=data["policy"] or None,
                    quota=data["quota"],
                )
            except DomainError as exc:
                form.add_error("file", exc.message)
    elif re.fullmatch(r"[0-9]{4}", request.GET.get("year", "")):
        # Four ASCII digits: str.isdigit() also takes '²', and 5,000 digits, which int() refuses.
        publication = get_object_or_404(
            Publication.objects.select_related("round"), round__year=int(request.GET["year"])
        )
        audit = list_audit_publication(publication=publication)
    context = {
        "form": form,
        "publications": publications_auditable(),
        "audit": audit,
        "status": 400 if request.method == "POST" and audit is None else 200,
    }
    if audit is not None:
        misfits = audit.report.misfits
        context.update(
            report=audit.report,
            chart=fit_chart(audit.report),
            misfits=[
                {
                    "misfit": misfit,
                    "name": audit.names.get(misfit.number, ""),
                    "column": SHORT_LABELS.get(misfit.column, COLUMN_LABELS[misfit.column]),
                }
                for misfit in misfits[:MISFITS_SHOWN]
            ],
            misfits_hidden=max(0, len(misfits) - MISFITS_SHOWN),
        )
    return render(request, "publicity/audit.html", context, status=context["status"])
