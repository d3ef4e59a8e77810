"""落户办理 pages (细则第十一条、第十二条): the applicant prepares and submits the materials and
prints the papers; the district office and the 人社局 work their queues. Each POST calls one
service of ``publicity.services_settlement``; the guards there decide who may."""

from __future__ import annotations

from functools import wraps
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from publicity import selectors_settlement as selectors
from publicity import services_settlement as services
from publicity.forms import (
    SettlementChildForm,
    SettlementMaterialsForm,
    SettlementRecordForm,
    SettlementReturnForm,
)
from publicity.models import Settlement, SettlementState
from publicity.settlement_pdfs import DOCUMENTS
from review.forms import OriginalsInviteForm
from workflow import roles
from workflow.exceptions import DomainError
from workflow.forms.errors import form_error_messages
from workflow.models import Application, AppState
from workflow.services.appointments import originals_invite


def _login_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def settlement_staff_required(view):
    """The district office, the 人社局's reviewers, administrators (who only look)."""

    @wraps(view)
    @_login_required
    def wrapper(request: HttpRequest, *args, **kwargs):
        user = request.user
        if not (
            roles.is_district_office(user)
            or roles.is_hrss_reviewer(user)
            or roles.is_administrator(user)
        ):
            raise PermissionDenied("只有区指定部门、市人力资源社会保障局和管理员才能访问此页面。")
        return view(request, *args, **kwargs)

    return wrapper


# --- the applicant -------------------------------------------------------------------------


def _mine(request: HttpRequest):
    application = selectors.settlement_application_of(request.user)
    if application is None:
        raise Http404("您没有取得积分落户资格的申请。")
    return application, Settlement.objects.filter(application=application).first()


def _my_settlement(request: HttpRequest) -> Settlement:
    """The settlement the applicant has started (the steps after 开始办理 act on it)."""
    _, settlement = _mine(request)
    if settlement is None:
        raise Http404("请先开始办理落户。")
    return settlement


def _mine_page(
    request: HttpRequest,
    *,
    materials_form: SettlementMaterialsForm | None = None,
    child_form: SettlementChildForm | None = None,
    status: int = 200,
) -> HttpResponse:
    application, settlement = _mine(request)
    now = timezone.now()
    context = {"application": application, "settlement": settlement}
    if settlement is not None:
        context.update(
            editable=settlement.state in (SettlementState.PREPARING, SettlementState.RETURNED),
            materials_form=materials_form or SettlementMaterialsForm(instance=settlement),
            child_form=child_form or SettlementChildForm(),
            children=list(settlement.children.all()),
            decision=services.family_planning_decision(settlement),
            missing=services.settlement_missing(settlement, now=now),
            job_residence=services.scored_job_residence(application),
            documents=[
                (kind, name)
                for kind, (name, _, available) in DOCUMENTS.items()
                if available(settlement)
            ],
        )
    return render(request, "publicity/settlement_mine.html", context, status=status)


@_login_required
def settlement_mine(request: HttpRequest) -> HttpResponse:
    return _mine_page(request)


@require_POST
@_login_required
def settlement_start(request: HttpRequest) -> HttpResponse:
    application, _ = _mine(request)
    try:
        services.settlement_start(application=application, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("publicity:settlement_mine")


@require_POST
@_login_required
def settlement_materials(request: HttpRequest) -> HttpResponse:
    settlement = _my_settlement(request)
    form = SettlementMaterialsForm(request.POST, instance=Settlement.objects.get(pk=settlement.pk))
    if not form.is_valid():
        return _mine_page(request, materials_form=form, status=400)
    try:
        services.settlement_materials_save(
            settlement=settlement, actor=request.user, data=form.cleaned_data
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _mine_page(request, materials_form=form, status=400)
    messages.success(request, "落户材料信息已保存。")
    return redirect("publicity:settlement_mine")


@require_POST
@_login_required
def settlement_child_add(request: HttpRequest) -> HttpResponse:
    settlement = _my_settlement(request)
    form = SettlementChildForm(request.POST)
    if not form.is_valid():
        return _mine_page(request, child_form=form, status=400)
    try:
        services.settlement_child_add(
            settlement=settlement, actor=request.user, data=form.cleaned_data
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _mine_page(request, child_form=form, status=400)
    messages.success(request, f"已添加子女：{form.cleaned_data['name']}。")
    return redirect("publicity:settlement_mine")


@require_POST
@_login_required
def settlement_child_remove(request: HttpRequest, child_id: int) -> HttpResponse:
    settlement = _my_settlement(request)
    try:
        services.settlement_child_remove(
            settlement=settlement, actor=request.user, child_id=child_id
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("publicity:settlement_mine")


@require_POST
@_login_required
def settlement_submit(request: HttpRequest) -> HttpResponse:
    settlement = _my_settlement(request)
    try:
        services.settlement_submit(settlement=settlement, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "落户材料已提交区指定部门审核。")
    return redirect("publicity:settlement_mine")


@_login_required
def settlement_pdf(request: HttpRequest, application_id: int, kind: str) -> HttpResponse:
    settlement = get_object_or_404(
        Settlement.objects.select_related(
            "application__applicant", "application__employer", "application__round"
        ),
        application__pk=application_id,
    )
    try:
        services.settlement_require_viewer(settlement, request.user)
    except DomainError as exc:
        raise PermissionDenied(exc.message) from exc
    if kind not in DOCUMENTS or not DOCUMENTS[kind][2](settlement):
        raise Http404("没有这份材料。")
    name, build, _ = DOCUMENTS[kind]
    response = HttpResponse(build(settlement), content_type="application/pdf")
    filename = f"{name}-{selectors.application_number(settlement.application)}.pdf"
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response


# --- the district office and the 人社局 -------------------------------------------------------


@settlement_staff_required
def settlement_queue(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    states = selectors.settlement_queue_states(request.user)
    counts = selectors.settlement_counts(user=request.user)
    return render(
        request,
        "publicity/settlement_queue.html",
        {
            "settlements": selectors.settlement_queue(user=request.user, state=state)[:200],
            "tabs": [(s, SettlementState(s).label, counts.get(s, 0)) for s in states],
            "state": state,
            "is_district_office": roles.is_district_office(request.user),
        },
    )


ACTIONS = ("accept", "return", "approve", "record", "originals")


@settlement_staff_required
def settlement_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = get_object_or_404(
        Application.objects.select_related("applicant", "round"), pk=application_id
    )
    settlement = (
        Settlement.objects.select_related(
            "application__applicant", "application__employer", "application__round"
        )
        .filter(application=application)
        .first()
    )
    if settlement is None:  # the applicant has not started: nothing to act on yet
        return render(
            request,
            "publicity/settlement.html",
            {"application": application, "settlement": None},
        )
    return_form = SettlementReturnForm(request.POST or None, prefix="return")
    record_form = SettlementRecordForm(request.POST or None, prefix="record")
    originals_form = OriginalsInviteForm(request.POST or None, prefix="originals")
    action = request.POST.get("action", "")
    if request.method == "POST" and action in ACTIONS:
        try:
            if action == "accept":
                services.settlement_accept(settlement=settlement, actor=request.user)
                done = "材料已审核通过，报市人力资源社会保障局核准。"
            elif action == "return":
                if not return_form.is_valid():
                    raise DomainError("退回原因：请写明需要补正的材料。")
                services.settlement_return(
                    settlement=settlement,
                    actor=request.user,
                    reason=return_form.cleaned_data["reason"],
                )
                done = "材料已退回申请人补正。"
            elif action == "originals":
                # 细则第七条: originals may be checked after qualification too, at a district
                # office's window by appointment (the review loop's service and booking).
                if not originals_form.is_valid():
                    raise DomainError("；".join(form_error_messages(originals_form)))
                originals_invite(
                    application=settlement.application,
                    actor=request.user,
                    **originals_form.cleaned_data,
                )
                done = "已邀请申请人预约到服务窗口查验原件。"
            elif action == "approve":
                services.settlement_approve(settlement=settlement, actor=request.user)
                done = f"已核准，函件编号 {settlement.letter_number}。"
            else:
                record_form.is_valid()
                services.settlement_record(
                    settlement=settlement,
                    actor=request.user,
                    residence_permit_cancelled=record_form.cleaned_data.get(
                        "residence_permit_cancelled", False
                    ),
                )
                done = "已登记落户。"
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done)
            return redirect("publicity:settlement", application_id=application_id)
    user = request.user
    state = settlement.state
    return render(
        request,
        "publicity/settlement.html",
        {
            "settlement": settlement,
            "application": settlement.application,
            "children": list(settlement.children.all()),
            "decision": services.family_planning_decision(settlement),
            "number": selectors.application_number(settlement.application),
            "return_form": return_form,
            "record_form": record_form,
            "originals_form": originals_form,
            "originals_checks": settlement.application.originals_checks.select_related(
                "department"
            ).order_by("-invited_at"),
            "can_invite": settlement.application.state == AppState.QUALIFIED,
            "can_review": roles.is_district_office(user) and state == SettlementState.SUBMITTED,
            "can_approve": roles.is_hrss_reviewer(user) and state == SettlementState.ACCEPTED,
            "can_record": roles.is_district_office(user) and state == SettlementState.LETTER_ISSUED,
            "documents": [
                (kind, name)
                for kind, (name, _, available) in DOCUMENTS.items()
                if available(settlement)
            ],
        },
    )
