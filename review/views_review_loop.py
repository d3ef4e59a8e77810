"""The departments' side of the review loop (细则第七条): ask for 补件, invite to 原件查验, and
the district office's windows page (capacity per half-day, bookings, attendance and outcome).
Thin views: parse input, call one service, redirect."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from review import selectors
from review.forms import (
    JointCheckConcludeForm,
    JointCheckFindingForm,
    JointCheckOpenForm,
    OriginalsInviteForm,
    OriginalsRecordForm,
    SupplementRequestForm,
    WindowDayForm,
)
from workflow import roles
from workflow.exceptions import DomainError
from workflow.forms.errors import form_error_messages
from workflow.models import BEIJING, OriginalsCheck, ServiceWindow
from workflow.services.appointments import originals_invite, originals_record, window_day_set
from workflow.services.joint_checks import (
    joint_check_conclude,
    joint_check_open,
    joint_check_record_finding,
)
from workflow.services.supplements import claim_request_supplement

from .views import _claim_or_404


def _form_errors(request, form) -> None:
    for message in form_error_messages(form):
        messages.error(request, message)


@login_required
@require_POST
def claim_supplement(request, pk: int):
    claim = _claim_or_404(request, pk)
    form = SupplementRequestForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("review:claim", pk=claim.pk)
    try:
        claim_request_supplement(
            claim=claim,
            actor=request.user,
            documents=form.cleaned_data["documents"],
            due_at=form.cleaned_data["due_at"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("review:claim", pk=claim.pk)
    messages.success(request, "已要求申请人补件，该指标转入“待补件”队列。")
    return redirect("review:queue")


@login_required
@require_POST
def claim_originals(request, pk: int):
    claim = _claim_or_404(request, pk)
    form = OriginalsInviteForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("review:claim", pk=claim.pk)
    try:
        originals_invite(
            claim=claim,
            actor=request.user,
            office=form.cleaned_data["office"],
            documents=form.cleaned_data["documents"],
            book_from=form.cleaned_data["book_from"],
            book_until=form.cleaned_data["book_until"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("review:claim", pk=claim.pk)
    messages.success(request, "已邀请申请人预约原件查验。")
    return redirect("review:claim", pk=claim.pk)


def _office_or_403(request):
    department = selectors.reviewer_department(
        user=request.user, requested=request.GET.get("department")
    )
    if department is None:
        raise PermissionDenied("只有审核部门的工作人员才能访问。")
    return department


@login_required
def windows(request):
    """The office's windows: set a day's capacity; the bookings of a day, to mark them."""
    office = _office_or_403(request)
    own_windows = ServiceWindow.objects.filter(department=office)
    form = WindowDayForm(request.POST or None, windows=own_windows)
    if request.method == "POST":
        if form.is_valid():
            try:
                window_day_set(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, "预约容量已保存。")
                return redirect(f"{request.path}?date={form.cleaned_data['date']:%Y-%m-%d}")
        else:
            _form_errors(request, form)
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = timezone.localtime(timezone.now(), BEIJING).date()
    return render(
        request,
        "review/windows.html",
        {
            "department": office,
            "windows": own_windows.prefetch_related("days"),
            "form": form,
            "day": day,
            "bookings": selectors.office_bookings(department=office, date=day),
            "record_form": OriginalsRecordForm(),
        },
    )


@login_required
@require_POST
def originals_record_view(request, pk: int):
    check = get_object_or_404(
        OriginalsCheck.objects.select_related("department", "claim", "application__round"), pk=pk
    )
    if not (
        roles.is_administrator(request.user) or roles.is_reviewer_of(request.user, check.department)
    ):
        raise PermissionDenied(f"只有{check.department.name}的工作人员才能登记原件查验。")
    form = OriginalsRecordForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            originals_record(
                check=check,
                actor=request.user,
                attended=form.cleaned_data["attended"],
                originals_match=form.cleaned_data["originals_match"],
                outcome=form.cleaned_data["outcome"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已登记预约号 {check.number}：{check.state_label}。")
    return redirect(f"{reverse('review:windows')}?date={check.date:%Y-%m-%d}")


# --- 联动核察 -------------------------------------------------------------------------------


@login_required
@require_POST
def claim_joint_check(request, pk: int):
    claim = _claim_or_404(request, pk)
    form = JointCheckOpenForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("review:claim", pk=claim.pk)
    try:
        check = joint_check_open(
            application=claim.application,
            actor=request.user,
            subject=form.cleaned_data["subject"],
            departments=form.cleaned_data["departments"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("review:claim", pk=claim.pk)
    messages.success(request, "已发起联动核察，参与部门将收到通知。")
    return redirect("review:joint_check", pk=check.pk)


@login_required
def joint_checks(request):
    department = _office_or_403(request)
    return render(
        request,
        "review/joint_checks.html",
        {
            "department": department,
            "checks": selectors.joint_checks_for(department=department, user=request.user),
        },
    )


@login_required
def joint_check_detail(request, pk: int):
    department = _office_or_403(request)
    check = get_object_or_404(
        selectors.joint_checks_for(department=department, user=request.user), pk=pk
    )
    finding_form = JointCheckFindingForm()
    conclude_form = JointCheckConcludeForm()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "conclude":
                conclude_form = JointCheckConcludeForm(request.POST)
                if conclude_form.is_valid():
                    joint_check_conclude(
                        check=check, actor=request.user, **conclude_form.cleaned_data
                    )
                    messages.success(request, "已作出联动核察结论。")
                    return redirect("review:joint_check", pk=check.pk)
            else:
                finding_form = JointCheckFindingForm(request.POST)
                if finding_form.is_valid():
                    joint_check_record_finding(
                        check=check, actor=request.user, **finding_form.cleaned_data
                    )
                    messages.success(request, "核查意见已保存。")
                    return redirect("review:joint_check", pk=check.pk)
        except DomainError as error:
            messages.error(request, error.message)
    mine = check.findings.filter(department=department).first()
    return render(
        request,
        "review/joint_check.html",
        {
            "department": department,
            "check": check,
            "findings": check.findings.select_related("department", "recorded_by"),
            "mine": mine,
            "finding_form": finding_form,
            "conclude_form": conclude_form,
            "is_lead": department.pk == check.department_id or roles.is_administrator(request.user),
        },
        status=400 if request.method == "POST" else 200,
    )
