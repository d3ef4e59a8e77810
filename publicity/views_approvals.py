"""市政府审批 (细则第十条): the city's approver accounts record the year's quota proposed by the
发改委 and the ranked list before it is published. A page of its own, for the one role that
uses it; the services check the role again (the page is not the guard)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from ranking.models import RankingApproval, RankingRun, RankingStatus
from ranking.services import ranking_run_approve, ranking_run_unpublishable_reason
from workflow import roles
from workflow.exceptions import DomainError
from workflow.forms.errors import form_error_messages
from workflow.models import AnnualRound, Phase
from workflow.services import quota_approval_current, quota_approve


class QuotaApprovalForm(forms.Form):
    quota = forms.IntegerField(label="批准的年度落户规模（人）", min_value=1, max_value=1_000_000)
    proposed_by = forms.CharField(label="提出单位", max_length=60, initial="市发展改革委")
    document_number = forms.CharField(label="批准文号", max_length=100)


class ListApprovalForm(forms.Form):
    document_number = forms.CharField(label="批准文号", max_length=100)


def _approver(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not roles.is_quota_approver(request.user):
        raise PermissionDenied("只有市政府审批账号才能访问此页面。")
    return None


def approvals(request: HttpRequest) -> HttpResponse:
    refused = _approver(request)
    if refused is not None:
        return refused
    rounds = []
    for round in AnnualRound.objects.exclude(phase=Phase.CLOSED).order_by("-year"):
        run = RankingRun.objects.filter(
            round=round, is_current=True, status=RankingStatus.SUCCEEDED
        ).first()
        rounds.append(
            {
                "round": round,
                "quota_approval": quota_approval_current(round),
                "quota_form": QuotaApprovalForm(
                    initial={"quota": round.quota, "proposed_by": "市发展改革委"},
                    prefix=f"q{round.pk}",
                ),
                "run": run,
                "run_approval": RankingApproval.objects.filter(run=run).first() if run else None,
                "run_blocked": ranking_run_unpublishable_reason(run, year=round.year),
                "list_form": ListApprovalForm(prefix=f"l{round.pk}"),
            }
        )
    return render(request, "publicity/approvals.html", {"rounds": rounds})


def approve_quota(request: HttpRequest, year: int) -> HttpResponse:
    refused = _approver(request)
    if refused is not None:
        return refused
    round = get_object_or_404(AnnualRound, year=year)
    form = QuotaApprovalForm(request.POST or None, prefix=f"q{round.pk}")
    if request.method == "POST" and form.is_valid():
        try:
            approval = quota_approve(round=round, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"已登记：{round.year}年度落户规模 {approval.quota} 人"
                f"（{approval.document_number}）。",
            )
    else:
        messages.error(
            request, "；".join(form_error_messages(form)) or "请填写批准的年度落户规模和批准文号。"
        )
    return redirect("publicity:approvals")


def approve_list(request: HttpRequest, year: int, run_id: int) -> HttpResponse:
    refused = _approver(request)
    if refused is not None:
        return refused
    run = get_object_or_404(RankingRun, pk=run_id, round__year=year)
    form = ListApprovalForm(request.POST or None, prefix=f"l{run.round_id}")
    if request.method == "POST" and form.is_valid():
        try:
            approval = ranking_run_approve(
                run=run, document_number=form.cleaned_data["document_number"], actor=request.user
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"已登记：{year}年度落户人员名单（排名 #{run.pk}）经市政府批准"
                f"（{approval.document_number}）。",
            )
    else:
        messages.error(request, "；".join(form_error_messages(form)) or "请填写批准文号。")
    return redirect("publicity:approvals")
