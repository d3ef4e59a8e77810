"""The applicant's pages: dashboard, indicator pages, evidence, recheck and appeal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from workflow import portal, services
from workflow.evidence import evidence_limits, evidence_of
from workflow.exceptions import DomainError
from workflow.forms import (
    PAGES,
    EmployerCodeForm,
    EmployerSearchForm,
    EvidenceReplaceForm,
    EvidenceUploadForm,
    ObjectionForm,
)
from workflow.forms.indicators import RowLimits, data_from_draft, draft_data, with_extra_row
from workflow.indicators import INDICATORS, evidence_required
from workflow.models import (
    APPEALABLE_STATES,
    DECIDED_STATES,
    UNSUBMITTED_STATES,
    Application,
    AppState,
    ClaimState,
    FormDraft,
    IndicatorClaim,
    Phase,
)
from workflow.selectors import (
    applicant_dashboard_applications,
    applicant_review_requests,
    application_for,
    carry_over_offer,
    department_names,
    employers_search,
    round_current,
)
from workflow.services.claims import EDITABLE_APPLICATION_STATES

from ._common import applicant_required, report


def _application_or_404(request: HttpRequest) -> Application:
    round = round_current(request=request)
    application = application_for(round=round, applicant=request.applicant) if round else None
    if application is None:
        raise Http404("您在本年度还没有积分落户申请。")
    return application


@applicant_required
def dashboard(request: HttpRequest) -> HttpResponse:
    round = round_current(request=request)
    now = timezone.now()
    application, earlier_qualification = applicant_dashboard_applications(
        applicant=request.applicant, round=round
    )
    context = {
        "round": round,
        "application": application,
        "applicant": request.applicant,
        "bar": portal.bar_notice(party=request.applicant, now=now),
        "employer_form": EmployerCodeForm(),
        "declaration_open": bool(round and round.is_declaration_open(now)),
        # A qualification is held for two years (细则第十条): one from an earlier round stays
        # on the dashboard after the next round opens, with the way to settle it.
        "earlier_qualification": earlier_qualification,
    }
    if application is not None:
        context.update(portal.applicant_overview(application=application, now=now))
        context["requests"] = applicant_review_requests(
            application=application, claims=context["claims"].values()
        )
        if application.state in (
            AppState.RANKED,
            AppState.PUBLICIZED,
            AppState.QUALIFIED,
            AppState.NOT_ADMITTED,
            AppState.SETTLED,
            AppState.FORFEITED,
        ):
            context["ranking"] = portal.application_ranking(application=application)
        if application.state == AppState.WITHDRAWN:
            context["withdrawal"] = portal.withdrawal_of(application=application)
        if application.employer_id:
            context["employer_bar"] = portal.bar_notice(party=application.employer, now=now)
    return render(request, "workflow/applicant/dashboard.html", context)


def _employer_page(
    request: HttpRequest, *, code_form: EmployerCodeForm, query: str, status: int = 200
) -> HttpResponse:
    """The name-employer page: search by name or code, choose, or type the code (kept on error)."""
    round = round_current(request=request)
    now = timezone.now()
    application = application_for(round=round, applicant=request.applicant) if round else None
    search = EmployerSearchForm({"q": query})
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    if application is None:
        can_name = bool(round and round.is_declaration_open(now)) and not (
            request.applicant.is_barred(timezone.localdate(now))
        )
    else:
        can_name = round.is_declaration_open(now) and application.state in (
            AppState.DRAFT,
            AppState.REJECTED_BY_EMPLOYER,
        )
    return render(
        request,
        "workflow/applicant/employer.html",
        {
            "round": round,
            "application": application,
            "can_name": can_name,
            "search": search,
            "query": query,
            "results": employers_search(query=query) if query else [],
            "chosen": code_form.data.get("credit_code", "") if code_form.is_bound else "",
            "code_form": code_form,
        },
        status=status,
    )


@applicant_required
def name_employer(request: HttpRequest) -> HttpResponse:
    """细则第五条: the applicant names the unit that pays the insurance; found by a GET search."""
    return _employer_page(request, code_form=EmployerCodeForm(), query=request.GET.get("q", ""))


@require_POST
@applicant_required
def begin(request: HttpRequest) -> HttpResponse:
    """Start the application naming the employer, or name another one after a refusal."""
    round = round_current(request=request)
    form = EmployerCodeForm(request.POST)
    query = request.POST.get("q", "")
    if round is None:
        messages.error(request, "目前没有进行中的积分落户年度。")
        return redirect("workflow:applicant")
    if not form.is_valid():
        # What was typed (or chosen) stays on the page, next to its error.
        return _employer_page(request, code_form=form, query=query, status=400)
    application = application_for(round=round, applicant=request.applicant)
    try:
        if application is None:
            portal.application_begin(round=round, employer=form.employer, actor=request.user)
        else:
            services.application_name_employer(
                application=application, employer=form.employer, actor=request.user
            )
    except DomainError as error:
        report(request, error)
        return _employer_page(request, code_form=form, query=query, status=400)
    messages.success(
        request, f"已提交给“{form.employer.name}”确认隶属关系；单位确认后即可填报积分指标。"
    )
    return redirect("workflow:applicant")


@require_POST
@applicant_required
def submit(request: HttpRequest) -> HttpResponse:
    application = _application_or_404(request)
    try:
        services.application_submit(application=application, actor=request.user)
    except DomainError as error:
        report(request, error)
    else:
        deadline = timezone.localtime(application.round.declaration_closes_at)
        messages.success(
            request,
            f"已提交。各部门将陆续审核，结果会显示在本页；{deadline:%Y年%m月%d日 %H:%M} 前您仍可修改各项指标，"
            "修改即时生效、申请保持已提交，无需重新提交。",
        )
    return redirect("workflow:applicant")


def _page_context(request, application, code, bound, claim, now) -> dict:
    round = application.round
    names = department_names()
    can_fill = round.is_declaration_open(now) and application.state in EDITABLE_APPLICATION_STATES
    return {
        "application": application,
        "round": round,
        "page": PAGES[code],
        "bound": bound,
        "claim": claim,
        "indicator": INDICATORS[code],
        "evidence": evidence_of(application=application, indicator=code),
        "upload_form": EvidenceUploadForm(),
        "replace_form": EvidenceReplaceForm(),
        "limits": evidence_limits(),
        # 细则第七条: only where the data exchange cannot verify what is declared.
        "evidence_required": evidence_required(code, claim.declared_facts if claim else None),
        # Until submission the evidence is the applicant's working set (services.evidence).
        "can_change_evidence": round.is_declaration_open(now)
        and application.state in UNSUBMITTED_STATES,
        # 历史数据能用尽用: offered while nothing is declared on this page yet (no claim, or
        # a blank form saved).
        "carry_over": carry_over_offer(application=application, indicator=code)
        if can_fill and (claim is None or not any((claim.declared_facts or {}).values()))
        else None,
        "can_fill": can_fill,
        "declaration_open": round.is_declaration_open(now),
        "draft": FormDraft.objects.filter(application=application, indicator=code).first(),
        # The education page shows the comparison for what is declared (the compare button
        # shows it for what is typed).
        "comparison": portal.education_comparison_for(
            application=application, education=(claim.declared_facts or {}).get("education") or []
        )
        if code == "education" and claim is not None
        else None,
        "department_names": [names.get(d, d) for d in INDICATORS[code].departments],
    }


@applicant_required
def indicator(request: HttpRequest, code: str) -> HttpResponse:
    """One indicator's page: declared ones as forms, zero-fill ones read-only."""
    if code not in INDICATORS:
        raise Http404("未知的积分指标。")
    application = _application_or_404(request)
    now = timezone.now()
    claim = (
        IndicatorClaim.objects.filter(application=application, indicator=code)
        .select_related("department")
        .order_by()  # one claim per indicator; the default ordering joins the round
        .first()
    )
    if INDICATORS[code].zero_fill or code not in PAGES:
        return render(
            request,
            "workflow/applicant/indicator_readonly.html",
            {
                "application": application,
                "claim": claim,
                "indicator": INDICATORS[code],
                "departments": department_names(),
                "evidence": evidence_of(application=application, indicator=code),
                "declaration_open": application.round.is_declaration_open(now),
            },
        )
    page = PAGES[code]
    limits = RowLimits.of(
        applicant=application.applicant,
        year=application.round.year,
        today=timezone.localdate(now),
    )
    if application.state in (
        AppState.DRAFT,
        AppState.AWAITING_EMPLOYER,
        AppState.REJECTED_BY_EMPLOYER,
    ):
        messages.error(request, "用人单位确认隶属关系后才能填报积分指标。")
        return redirect("workflow:applicant")

    if request.method != "POST":
        draft = FormDraft.objects.filter(application=application, indicator=code).first()
        if draft is not None and (claim is None or draft.saved_at >= claim.updated_at):
            bound = page.bind(data=data_from_draft(draft.data), limits=limits)
        else:
            bound = page.bind(
                facts=claim.declared_facts if claim else None,
                declared=claim is not None,
                limits=limits,
            )
        return render(
            request,
            "workflow/applicant/indicator_form.html",
            _page_context(request, application, code, bound, claim, now),
        )

    action = request.POST.get("action", "declare")
    try:
        if action.startswith("add_row:"):
            data = with_extra_row(request.POST, action.split(":", 1)[1])
            portal.draft_save(
                application=application, indicator=code, data=draft_data(data), actor=request.user
            )
            bound = page.bind(data=data, limits=limits)
            return render(
                request,
                "workflow/applicant/indicator_form.html",
                _page_context(request, application, code, bound, claim, now),
            )
        # Whatever else happens, what was typed is kept (保存草稿).
        portal.draft_save(
            application=application,
            indicator=code,
            data=draft_data(request.POST),
            actor=request.user,
        )
        if action == "autosave":
            return HttpResponse(status=204)
        if action == "save_draft":
            messages.success(request, "草稿已保存（尚未申报，部门看不到草稿）。")
            return redirect("workflow:indicator", code=code)
        bound = page.bind(data=request.POST, limits=limits)
        declared = bound.check_with_engine(
            applicant=application.applicant,
            year=application.round.year,
            policy_id=application.round.policy_id,
        )
        if action == "compare" and declared is not None:
            # 就业与就学积分比较: what is typed, against the applicant's records, nothing declared.
            context = _page_context(request, application, code, bound, claim, now)
            context["comparison"] = portal.education_comparison_for(
                application=application, education=declared.get("education") or []
            )
            context["compared"] = True
            return render(request, "workflow/applicant/indicator_form.html", context)
        if declared is None:
            return render(
                request,
                "workflow/applicant/indicator_form.html",
                _page_context(request, application, code, bound, claim, now),
                status=400,
            )
        portal.claim_declare_from_form(
            application=application, indicator=code, declared_facts=declared, actor=request.user
        )
    except DomainError as error:
        report(request, error)
        return redirect("workflow:indicator", code=code)
    if application.state == AppState.SUBMITTED:
        messages.success(
            request,
            f"“{page.title}”已修改并重新交部门审核；申请仍为已提交，无需重新提交。",
        )
    else:
        messages.success(request, f"“{page.title}”已保存为申报信息。全部填好后请回到首页提交。")
    return redirect("workflow:applicant")


@require_POST
@applicant_required
def upload(request: HttpRequest, code: str) -> HttpResponse:
    if code not in INDICATORS:
        raise Http404("未知的积分指标。")
    application = _application_or_404(request)
    form = EvidenceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("file", []):
            messages.error(request, f"证明材料：{error}")
        return redirect("workflow:indicator", code=code)
    if not application.round.is_declaration_open(timezone.now()):
        messages.error(
            request, "申报阶段已结束，不能再上传申报材料；复查或申诉时可随理由一起上传。"
        )
        return redirect("workflow:indicator", code=code)
    stored = 0
    for upload_file in form.cleaned_data["file"]:
        try:
            services.evidence_upload(
                application=application, indicator=code, upload=upload_file, actor=request.user
            )
            stored += 1
        except (ValidationError, DomainError) as error:
            report(request, error)
    if stored:
        messages.success(request, f"已上传 {stored} 个文件。")
    return redirect("workflow:indicator", code=code)


@require_POST
@applicant_required
def carry_over(request: HttpRequest, code: str) -> HttpResponse:
    """与上一年度相同（无变化）: one click declares the earlier round's verified data."""
    if code not in INDICATORS:
        raise Http404("未知的积分指标。")
    application = _application_or_404(request)
    try:
        claim = portal.claim_carry_over_from_page(
            application=application, indicator=code, actor=request.user
        )
    except DomainError as error:
        report(request, error)
        return redirect("workflow:indicator", code=code)
    messages.success(
        request,
        f"已沿用 {claim.carried_from.application.round.year} 年度已核实的“{INDICATORS[code].label}”信息"
        "作为本年度申报；部门仍将核实。如有变化，可在本页修改后重新保存。",
    )
    return redirect("workflow:indicator", code=code)


def _objection(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    application = _application_or_404(request)
    claim = get_object_or_404(
        IndicatorClaim.objects.select_related("department"), application=application, indicator=code
    )
    round = application.round
    now = timezone.now()
    if kind == "appeal":
        phase, title = Phase.RESULT_QUERY, "申诉"
        window_open = round.is_result_query_open(now)
        allowed = (
            window_open
            and application.state == AppState.RESULTS_PUBLISHED
            and claim.state in APPEALABLE_STATES
            and claim.appealed_at is None
        )
    else:
        phase, title = Phase.DECLARATION, "申请复查"
        window_open = round.is_declaration_open(now)
        allowed = (
            window_open
            and application.state in (AppState.FILLING, AppState.SUBMITTED)
            and claim.state in DECIDED_STATES
        )
    form = ObjectionForm()
    if request.method == "POST":
        form = ObjectionForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                portal.claim_object(
                    claim=claim,
                    kind=kind,
                    reason=form.cleaned_data["reason"],
                    uploads=form.cleaned_data["file"],
                    actor=request.user,
                    now=now,
                )
            except ValidationError as error:
                for text in error.messages:
                    form.add_error("file", text)
            except DomainError as error:
                report(request, error)
                return redirect("workflow:applicant")
            else:
                messages.success(
                    request, f"“{claim.get_indicator_display()}”的{title}已提交，请等待部门处理。"
                )
                return redirect("workflow:applicant")
    window = round.phase_window(phase)
    return render(
        request,
        "workflow/applicant/objection.html",
        {
            "application": application,
            "claim": claim,
            "form": form,
            "kind": kind,
            "title": title,
            "allowed": allowed,
            "window_open": window_open,
            "window": window,
            "phase_label": Phase(phase).label,
            "evidence": evidence_of(application=application, indicator=code),
            "ClaimState": ClaimState,
        },
    )


@applicant_required
def recheck(request: HttpRequest, code: str) -> HttpResponse:
    # 细则第五条: 申报阶段内对有异议的审核结果发起复查
    return _objection(request, code, "recheck")


@applicant_required
def appeal(request: HttpRequest, code: str) -> HttpResponse:
    # 细则第八条: 审核结果查询阶段提出申诉，每项指标一次；阶段结束后不再受理
    return _objection(request, code, "appeal")
