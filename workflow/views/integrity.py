"""The applicant's and the unit's own steps after submission: renouncing a qualification
(细则第十三条) and the written report of a criminal record (细则第十八条). Each view parses
its input and calls one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from workflow import roles, services
from workflow.exceptions import DomainError
from workflow.forms.reports import CriminalRecordReportForm
from workflow.models import Application, AppState

from ._common import applicant_required, report


def _own_application(request: HttpRequest, pk: int) -> Application:
    applicant = roles.applicant_of_request_user(request.user)
    if applicant is None:
        raise Http404("没有这份申请。")
    return get_object_or_404(
        Application.objects.select_related("round"), pk=pk, applicant=applicant
    )


@applicant_required
def renounce(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirm page, then the service: final, never backfilled (细则第十三条)."""
    application = _own_application(request, pk)
    if request.method == "POST" and request.POST.get("confirm") == "1":
        try:
            services.application_renounce(application=application, actor=request.user)
        except DomainError as error:
            report(request, error)
        else:
            messages.success(request, "您已自行放弃积分落户资格。该资格不递补，也不能恢复。")
            return redirect("workflow:applicant")
    return render(
        request,
        "workflow/applicant/renounce.html",
        {"application": application, "allowed": application.state == AppState.QUALIFIED},
    )


@login_required
def criminal_record_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The applicant or a verified account of the unit reports in writing (细则第十八条)."""
    application = get_object_or_404(Application.objects.select_related("round", "employer"), pk=pk)
    is_own = (
        a := roles.applicant_of_request_user(request.user)
    ) is not None and a.pk == application.applicant_id
    if not is_own and not roles.is_verified_unit_admin_of(request.user, application.employer):
        raise Http404("没有这份申请。")
    form = CriminalRecordReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.criminal_record_report_submit(
                application=application, facts=form.cleaned_data["facts"], actor=request.user
            )
        except DomainError as error:
            report(request, error)
        else:
            messages.success(request, "书面报告已提交，市人力资源社会保障局将核实处理。")
            return redirect("workflow:applicant" if is_own else "workflow:unit")
    return render(request, "workflow/report.html", {"application": application, "form": form})
