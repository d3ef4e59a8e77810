"""The employer unit's pages: its applicants, confirm or reject affiliation, follow progress."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from workflow import portal, roles, services
from workflow.exceptions import DomainError
from workflow.forms import RejectAffiliationForm
from workflow.models import Application, AppState
from workflow.selectors import round_current

from ._common import report, unit_admin_required

PAGE_SIZE = 50


def _own_application(request: HttpRequest, pk: int) -> Application:
    # Object-level check: only applications naming one of the user's own units; another
    # unit's application is "not found", not "forbidden" (it must not even be confirmed to exist).
    application = get_object_or_404(
        Application.objects.select_related("applicant", "employer", "round"), pk=pk
    )
    if not roles.is_unit_admin_of(request.user, application.employer):
        raise Http404("没有找到该申请。")
    return application


def _verified(request: HttpRequest) -> list:
    return [e for e in request.employers if roles.is_verified_unit_admin_of(request.user, e)]


@unit_admin_required
def dashboard(request: HttpRequest) -> HttpResponse:
    round = round_current()
    # An account not yet verified for a unit sees none of the people who named that unit:
    # anyone could have registered it by typing the credit code.
    verified = _verified(request)
    employer_ids = [e.pk for e in verified]
    now = timezone.now()
    applications = Application.objects.none()
    counts: dict[str, int] = {}
    state = request.GET.get("state", "")
    if round is not None:
        base = Application.objects.filter(round=round, employer_id__in=employer_ids)
        counts = dict(base.values_list("state").annotate(n=Count("id")).order_by())
        applications = base.select_related("applicant", "employer").order_by("state", "id")
        if state in AppState.values:
            applications = applications.filter(state=state)
    bars = []
    for employer in request.employers:
        notice = portal.bar_notice(party=employer, now=now)
        if notice:
            bars.append({**notice, "employer": employer})
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "workflow/unit/dashboard.html",
        {
            "round": round,
            "employers": request.employers,
            "unverified": [e for e in request.employers if e not in verified],
            "any_verified": bool(verified),
            "unverified_message": services.UNIT_UNVERIFIED_MESSAGE,
            "bars": bars,
            "page": page,
            "state": state,
            "counts": [(AppState(code).label, code, n) for code, n in sorted(counts.items())],
            "awaiting": counts.get(AppState.AWAITING_EMPLOYER, 0),
            "declaration_open": bool(round and round.is_declaration_open(now)),
            "results_public": bool(round and portal.results_public(round=round)),
            "reject_form": RejectAffiliationForm(),
        },
    )


@unit_admin_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own_application(request, pk)
    if not roles.is_verified_unit_admin_of(request.user, application.employer):
        messages.error(request, services.UNIT_UNVERIFIED_MESSAGE)
        return redirect("workflow:unit")
    return render(
        request,
        "workflow/unit/application.html",
        {
            "application": application,
            "rows": portal.unit_application_rows(application=application),
            "results_public": portal.results_public(round=application.round),
            "reject_form": RejectAffiliationForm(),
            "declaration_open": application.round.is_declaration_open(timezone.now()),
            "bar": portal.bar_notice(party=application.employer),
        },
    )


@require_POST
@unit_admin_required
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own_application(request, pk)
    try:
        services.employer_confirm_affiliation(application=application, actor=request.user)
    except DomainError as error:
        report(request, error)
    else:
        messages.success(request, f"已确认 {application.applicant.name} 与本单位的隶属关系。")
    return redirect("workflow:unit")


@require_POST
@unit_admin_required
def confirm_many(request: HttpRequest) -> HttpResponse:
    """Confirm the ticked staff at once (a unit with hundreds of applicants): the same guard
    per application as one confirmation, and one refused refuses them all."""
    try:
        ids = sorted({int(value) for value in request.POST.getlist("application")})
    except ValueError:
        ids = []
    round = round_current()
    if not ids or round is None:
        messages.error(request, "请勾选要确认隶属关系的申请人。")
        return redirect("workflow:unit")
    try:
        confirmed = services.employer_confirm_affiliations(
            round=round, application_ids=ids, actor=request.user
        )
    except DomainError as error:
        report(request, error)
    else:
        messages.success(request, f"已确认 {confirmed} 名申请人与本单位的隶属关系。")
    return redirect("workflow:unit")


@require_POST
@unit_admin_required
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own_application(request, pk)
    form = RejectAffiliationForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "workflow/unit/application.html",
            {
                "application": application,
                "rows": portal.unit_application_rows(application=application),
                "results_public": portal.results_public(round=application.round),
                "reject_form": form,
                "declaration_open": application.round.is_declaration_open(timezone.now()),
            },
            status=400,
        )
    try:
        services.employer_reject_affiliation(
            application=application, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        report(request, error)
    else:
        messages.success(request, f"已不予确认 {application.applicant.name}，原因已告知申请人。")
    return redirect("workflow:unit")
