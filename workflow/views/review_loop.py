"""The applicant's side of the review loop (细则第七条): answering a 补件 request, booking,
changing or cancelling a 原件查验 slot, printing its slip. Each view parses its input and
calls one service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from workflow.exceptions import DomainError
from workflow.forms.review_loop import BookingForm, SupplementAnswerForm
from workflow.models import IndicatorClaim, OriginalsCheck, OriginalsState
from workflow.selectors import originals_slots
from workflow.services.appointments import originals_book, originals_cancel
from workflow.services.supplements import claim_answer_supplement
from workflow.slips import booking_slip_pdf

from ._common import applicant_required, report


def _own_claim(request: HttpRequest, pk: int) -> IndicatorClaim:
    return get_object_or_404(
        IndicatorClaim.objects.select_related("application__round", "department"),
        pk=pk,
        application__applicant=request.applicant,
    )


def _own_check(request: HttpRequest, pk: int) -> OriginalsCheck:
    return get_object_or_404(
        OriginalsCheck.objects.select_related(
            "application__round", "application__applicant", "department", "window", "claim"
        ),
        pk=pk,
        application__applicant=request.applicant,
    )


@applicant_required
def supplement(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _own_claim(request, pk)
    form = SupplementAnswerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            claim_answer_supplement(
                claim=claim,
                actor=request.user,
                uploads=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
            )
        except (ValidationError, DomainError) as error:
            report(request, error)
        else:
            messages.success(
                request, f"“{claim.get_indicator_display()}”的补件材料已提交，已退回审核部门审核。"
            )
            return redirect("workflow:applicant")
    return render(
        request,
        "workflow/applicant/supplement.html",
        {
            "claim": claim,
            "requests": list(claim.supplements.order_by("-requested_at", "-id")),
            "waiting": claim.state == "supplement_requested",
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@applicant_required
def originals(request: HttpRequest, pk: int) -> HttpResponse:
    check = _own_check(request, pk)
    form = BookingForm(request.POST or None, check=check)
    if request.method == "POST" and form.is_valid():
        rebooking = check.state == OriginalsState.BOOKED
        try:
            originals_book(
                check=check,
                actor=request.user,
                window=form.cleaned_data["window"],
                date=form.cleaned_data["date"],
                half=form.cleaned_data["half"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"{'改约' if rebooking else '预约'}成功，预约号 {check.number}。请打印预约单并按时到场。",
            )
            return redirect("workflow:originals", pk=check.pk)
    return render(
        request,
        "workflow/applicant/originals.html",
        {
            "check": check,
            "form": form,
            "slots": originals_slots(check=check),
            "can_book": check.state in (OriginalsState.INVITED, OriginalsState.BOOKED),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@applicant_required
def originals_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    check = _own_check(request, pk)
    try:
        originals_cancel(check=check, actor=request.user)
    except DomainError as error:
        report(request, error)
    else:
        messages.success(request, "预约已取消。请在可预约期内重新预约。")
    return redirect("workflow:originals", pk=check.pk)


@applicant_required
def originals_slip(request: HttpRequest, pk: int) -> HttpResponse:
    check = _own_check(request, pk)
    if check.state != OriginalsState.BOOKED:
        raise Http404("没有有效的预约，无法打印预约单。")
    response = HttpResponse(booking_slip_pdf(check), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="originals-{check.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
