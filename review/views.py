"""Department back office: thin views (parse input, call one service or selector, render)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from review import exports, selectors
from review.batch_files import Limits
from review.forms import (
    BulkDecisionForm,
    DecisionForm,
    JointCheckOpenForm,
    OriginalsInviteForm,
    QueueFilterForm,
    RecordSearchForm,
    SupplementRequestForm,
    UploadForm,
    claim_part,
)
from review.models import RECORD_KINDS, ImportBatch, kinds_of_department
from review.resources import headers_of
from review.services.decisions import DECISION_WORDS, claim_decide, claims_bulk_decide
from review.services.imports import batch_progress, batch_submit
from workflow import crypto, roles
from workflow.exceptions import DomainError
from workflow.facts import BASIS_EFFECTIVE, CLAIM_FACT_KEYS, application_score
from workflow.indicators import INDICATORS
from workflow.models import ClaimState, Department, IndicatorClaim
from workflow.selectors import claims_reviewable_by, round_current


def _department_or_403(request) -> Department:
    department = selectors.reviewer_department(
        user=request.user, requested=request.GET.get("department")
    )
    if department is None:
        raise PermissionDenied("只有审核部门的工作人员才能访问。")
    return department


def _claim_or_404(request, pk: int) -> IndicatorClaim:
    # Who is no department's staff at all is refused outright (403, whatever the id). For
    # staff, one answer for "no such claim", "another department's" and "an application not
    # submitted or withdrawn" (404): counting through the ids tells them nothing.
    if not (roles.is_administrator(request.user) or roles.department_of(request.user)):
        raise PermissionDenied("只有审核部门的工作人员才能访问。")
    return get_object_or_404(
        claims_reviewable_by(user=request.user).select_related(
            "application__applicant", "application__round", "application__employer", "department"
        ),
        pk=pk,
    )


@login_required
def queue(request, kind: str | None = None):
    department = _department_or_403(request)
    data = request.GET.copy()
    if kind:
        data["queue"] = kind
    form = QueueFilterForm(data or None)
    filters = selectors.QueueFilters()
    if form.is_valid():
        filters = selectors.QueueFilters(
            queue=form.cleaned_data["queue"] or "manual",
            state=form.cleaned_data["state"],
            indicator=form.cleaned_data["indicator"],
            older_than_days=form.cleaned_data["older_than_days"],
        )
    round = round_current()
    counts = selectors.queue_counts(department=department, round=round)
    page = selectors.work_queue_page(
        department=department,
        round=round,
        filters=filters,
        number=request.GET.get("page"),
        counts=counts,
    )
    return render(
        request,
        "review/queue.html",
        {
            "department": department,
            "departments": Department.objects.all()
            if roles.is_administrator(request.user)
            else None,
            "form": form,
            "filters": filters,
            "page": page,
            "counts": counts,
            "joint_awaiting": selectors.joint_checks_awaiting(department=department),
            "deadline": selectors.queue_deadline(round=round, queue=filters.queue),
            "bulk_form": BulkDecisionForm(),
            "round": round,
        },
    )


@login_required
def claim_detail(request, pk: int):
    claim = _claim_or_404(request, pk)
    return _render_claim(request, claim, _decision_form(claim))


def _decision_form(claim: IndicatorClaim, data=None) -> DecisionForm:
    # Prefilled with the department's figures (records found, or decided); when the department
    # holds nothing, with the declaration, the usual starting point of an adjustment.
    facts = claim_part(selectors.claim_department_facts(claim=claim), claim.indicator)
    if not facts or not any(facts.values()):
        facts = claim.declared_facts or facts
    return DecisionForm(data, claim=claim, facts=facts)


def _render_claim(request, claim: IndicatorClaim, form: DecisionForm, status: int = 200):
    try:
        explanation = application_score(claim.application, basis=BASIS_EFFECTIVE).as_contract(
            explain=True
        )
    except Exception:  # invalid facts: the page still shows everything else
        explanation = None
    indicators = ((explanation or {}).get("explanation") or {}).get("indicators") or {}
    administrator = roles.is_administrator(request.user)
    return render(
        request,
        "review/claim.html",
        {
            "claim": claim,
            "form": form,
            "history": selectors.claim_history(claim=claim, user=request.user),
            "evidence": list(claim.application.evidence.filter(indicator=claim.indicator)),
            # This indicator's points only: the applicant's total (every department's
            # indicators together) is not a department's business; administrators see it.
            "scored": explanation is not None,
            "indicator_points": (explanation or {}).get("indicators", {}).get(claim.indicator),
            "total": explanation["total"] if explanation and administrator else None,
            "full_history": administrator,
            "indicator_explanation": indicators.get(claim.indicator),
            "department_facts": selectors.claim_department_facts(claim=claim),
            "zero_fill": INDICATORS[claim.indicator].zero_fill,
            # 职住区域 and 年龄 carry no facts of their own: computed from others' records.
            "derived": not CLAIM_FACT_KEYS[claim.indicator],
            # 细则第七条: 补件 and 原件查验 on this claim, and the forms to ask for them.
            **selectors.claim_review_loop(claim=claim),
            "supplement_form": SupplementRequestForm(),
            "can_request_supplement": claim.state == ClaimState.PENDING,
            "invite_form": OriginalsInviteForm(),
            # 细则第二条: 人社局牵头开展联动核察.
            "can_open_joint_check": administrator
            or getattr(roles.department_of(request.user), "code", None) == "hrss",
            "joint_check_form": JointCheckOpenForm(),
        },
        status=status,
    )


@login_required
@require_POST
def claim_decide_view(request, pk: int):
    claim = _claim_or_404(request, pk)
    form = _decision_form(claim, request.POST)
    if form.adding_row:
        return _render_claim(request, claim, form)
    if not form.is_valid():
        return _render_claim(request, claim, form, status=400)
    try:
        claim_decide(
            claim=claim,
            actor=request.user,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
            verified_facts=form.cleaned_data["verified_facts"],
        )
    except DomainError as exc:
        form.add_error(None, str(exc))
        return _render_claim(request, claim, form, status=400)
    messages.success(request, f"已作出结论：{DECISION_WORDS[form.cleaned_data['decision']]}。")
    return redirect("review:queue")


@login_required
@require_POST
def bulk_decide(request):
    """Step 1 shows what will be decided; step 2 (confirm=1) decides."""
    department = _department_or_403(request)
    form = BulkDecisionForm(request.POST)
    # isascii: '²'.isdigit() is true and int('²') raises; an id longer than 18 digits is
    # past any bigint and no claim's.
    ids = [
        int(i)
        for i in request.POST.getlist("claim_ids")
        if i.isascii() and i.isdigit() and len(i) <= 18
    ]
    claims = list(
        claims_reviewable_by(user=request.user)
        .select_related("application__applicant", "application__round", "department")
        .filter(pk__in=ids)
    )
    if len(claims) != len(set(ids)):
        raise PermissionDenied("所选指标中有不属于本部门审核的。")
    if not form.is_valid() or not claims:
        if not claims:
            form.add_error(None, "请至少选择一项指标。")
        return render(
            request,
            "review/bulk_confirm.html",
            {"form": form, "claims": claims, "department": department},
            status=400,
        )
    if request.POST.get("confirm") != "1":
        return render(
            request,
            "review/bulk_confirm.html",
            {"form": form, "claims": claims, "department": department, "confirming": True},
        )
    try:
        done = claims_bulk_decide(
            claim_ids=ids,
            actor=request.user,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        form.add_error(None, str(exc))
        return render(
            request,
            "review/bulk_confirm.html",
            {"form": form, "claims": claims, "department": department},
            status=400,
        )
    messages.success(request, f"已批量审核 {len(done)} 项。")
    return redirect("review:queue")


@login_required
def export(request, what: str, fmt: str):
    department = _department_or_403(request)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    if what == "pending":
        dataset = exports.pending_dataset(
            selectors.pending_claims_for_export(department=department).iterator(2000)
        )
    elif what == "decisions":
        dataset = exports.decisions_dataset(
            selectors.decisions_for_export(department=department).iterator(2000)
        )
    else:
        raise Http404
    body, content_type = exports.render(dataset, fmt)
    response = HttpResponse(body, content_type=content_type)
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{department.code}-{what}-{stamp}.{fmt}"
    )
    return response


@login_required
def imports(request):
    department = _department_or_403(request)
    form = UploadForm()
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            batch = batch_submit(
                department=department,
                file_name=upload.name,
                content=upload.read(),
                uploaded_by=request.user,
            )
            return redirect(reverse("review:batch", args=[batch.pk]))
    batches = ImportBatch.objects.filter(department=department).defer("content")[:30]
    kinds = [(k, headers_of(k.code)) for k in kinds_of_department(department.code)]
    return render(
        request,
        "review/imports.html",
        {
            "department": department,
            "form": form,
            "batches": batches,
            "kinds": kinds,
            "limits": Limits.from_settings().described(),
        },
    )


@login_required
def batch_detail(request, pk: int):
    batch = get_object_or_404(
        ImportBatch.objects.defer("content").select_related("department"), pk=pk
    )
    if not selectors.can_see_department(user=request.user, department=batch.department):
        raise PermissionDenied("该批次不属于本部门。")
    done, total = batch_progress(batch=batch)
    return render(
        request,
        "review/batch.html",
        {
            "batch": batch,
            "done": done,
            "total": total,
            "percent": int(done * 100 / total) if total else 0,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def records(request, kind: str):
    if kind not in RECORD_KINDS:
        raise Http404
    if not selectors.can_see_records(user=request.user, kind=kind):
        raise PermissionDenied("该类记录不属于本部门。")
    model = RECORD_KINDS[kind].model
    items = model.objects.select_related("applicant").order_by("-pk")
    # The search is a POST: an identity number in a query string ends up in access logs,
    # browser history and Referer headers. One person's records fit on one page.
    search = RecordSearchForm(request.POST if request.method == "POST" else None)
    number = search.cleaned_data["id_number"] if search.is_valid() else ""
    if number:
        items = items.filter(applicant__id_number_index=crypto.id_number_index(number))
        page = Paginator(items, 1000).get_page(1)
    else:
        page = Paginator(items, 50).get_page(request.GET.get("page"))
    fields = [
        f
        for f in model._meta.concrete_fields
        if f.name not in ("id", "record_key", "batch", "applicant")
    ]
    rows = [
        (
            item,
            [
                getattr(
                    item, f"get_{f.name}_display", lambda f=f, item=item: getattr(item, f.attname)
                )()
                for f in fields
            ],
        )
        for item in page
    ]
    return render(
        request,
        "review/records.html",
        {
            "kind": RECORD_KINDS[kind],
            "fields": fields,
            "rows": rows,
            "page": page,
            "id_number": number,
            "search": search,
        },
    )
