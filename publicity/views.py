"""Public list (no login), downloads, objections; the administrators' back office."""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import http_date
from django.utils.translation import get_language

from publicity import credit_exports, downloads, list_pages, selectors, services, statistics
from publicity.charts import histogram_chart
from publicity.exports import csv_bytes, xlsx_bytes
from publicity.forms import FraudForm, ListSearchForm, ObjectionDecisionForm, ObjectionForm
from publicity.models import CreditExport, CreditRecord, Objection
from publicity.selectors import MAX_YEAR, MIN_YEAR
from ranking import confirmation
from workflow import roles
from workflow import selectors as workflow_selectors
from workflow.exceptions import DomainError, NotPermitted
from workflow.models import AnnualRound, Application

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def administrator_required(view):
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not roles.is_administrator(request.user):
            raise PermissionDenied("只有管理员才能访问此页面。")
        return view(request, *args, **kwargs)

    return wrapper


def _not_published(request: HttpRequest, year: int) -> HttpResponse:
    """A plain page, status 404, whatever DEBUG says (Http404 would show Django's debug page)."""
    round = workflow_selectors.round_get(year=year) if MIN_YEAR <= year <= MAX_YEAR else None
    return render(
        request,
        "publicity/not_published.html",
        {"year": year, "round": round, "publications": selectors.publications_recent()},
        status=404,
    )


def publicity_list(request: HttpRequest, year: int) -> HttpResponse:
    publication = selectors.publication_published(year=year)
    if publication is None:
        return _not_published(request, year)
    now = timezone.now()
    is_open, not_yet = publication.is_open(now), now < publication.opens_at
    # The page is the list's version seen by this visitor: a browser that holds it asks
    # again with its ETag and gets 304 Not Modified without the page being built. A
    # page with a message to show (after an objection was submitted) is always built.
    etag = (
        None
        if len(messages.get_messages(request))
        else _list_etag(request, publication=publication, stage=(is_open, not_yet))
    )
    if etag is not None:
        response = get_conditional_response(request, etag=etag)
        if response is not None:
            return _list_cache_headers(response, etag=etag, publication=publication)
    search = ListSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    page = selectors.publicity_page(
        publication=publication, query=query, page=request.GET.get("page", 1)
    )
    response = render(
        request,
        "publicity/list.html",
        {
            "round": publication.round,
            "publication": publication,
            "page": page,
            "query": query,
            "search": search,
            **list_pages.table_context(publication=publication, page=page, query=query),
            # Drawn only when the page's cached fragment is missing (the template calls it).
            "chart": lambda: histogram_chart(
                publication.histogram,
                cutoff=publication.cutoff,
                title=f"{publication.round.year}年度全部参与排名申请人的积分分布",
            ),
            "cancelled": list_pages.cancelled_count_cached(publication),
            "is_open": is_open,
            "not_yet": not_yet,
        },
    )
    return _list_cache_headers(response, etag=etag, publication=publication)


def _list_etag(request: HttpRequest, *, publication: Any, stage: tuple[bool, bool]) -> str:
    """What a list page shows depends on the list's version (an upheld objection or a
    cancellation bumps it), whether the 7 days are open, who is signed in (the header),
    the language and the templates deployed; the URL carries the page and the query."""
    parts = (
        publication.pk,
        publication.list_version,
        *stage,
        request.user.pk if request.user.is_authenticated else 0,
        get_language(),
        list_pages.page_revision(),
    )
    return '"' + hashlib.sha256(repr(parts).encode()).hexdigest()[:32] + '"'


def _list_cache_headers(
    response: HttpResponse, *, etag: str | None, publication: Any
) -> HttpResponse:
    if etag is not None:
        response["ETag"] = etag
        response["Last-Modified"] = http_date(publication.list_changed_at.timestamp())
        # Keep a copy, but ask before using it: the 7 days and objections move on. Private:
        # the header names whoever is signed in.
        patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(response, ["Cookie"])
    return response


def publicity_download(request: HttpRequest, year: int, fmt: str) -> HttpResponse:
    """The stored file of the list's current version; a conditional GET that still has it
    gets 304 Not Modified and no body."""
    publication = selectors.publication_published(year=year)
    if publication is None:
        return _not_published(request, year)
    download = downloads.download_prepare(publication=publication, fmt=fmt)
    etag = f'"{download.sha256}"'
    changed_at = publication.list_changed_at.timestamp()
    response = get_conditional_response(request, etag=etag, last_modified=int(changed_at))
    if response is None:
        response = HttpResponse(
            downloads.download_content(download), content_type=downloads.CONTENT_TYPES[fmt]
        )
        response["Content-Disposition"] = f'attachment; filename="publicity-{year}.{fmt}"'
    response["ETag"] = etag
    response["Last-Modified"] = http_date(changed_at)
    # Anyone may keep a copy, but must ask again before using it: an upheld objection can
    # change the list during the 7 days.
    patch_cache_control(response, public=True, no_cache=True)
    return response


def _export_download(round: AnnualRound, fmt: str) -> HttpResponse:
    # The administrators' copy, as `export_publicity` writes it: a draft before publication.
    if fmt not in ("csv", "xlsx"):
        raise Http404("只提供 CSV 和 XLSX 格式。")
    rows, draft = selectors.list_rows(round)
    suffix = "-draft" if draft else ""
    if fmt == "csv":
        response = HttpResponse(csv_bytes(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            xlsx_bytes(rows, year=round.year, draft=draft), content_type=XLSX_TYPE
        )
    response["Content-Disposition"] = f'attachment; filename="publicity-{round.year}{suffix}.{fmt}"'
    return response


def statistics_page(request: HttpRequest) -> HttpResponse:
    years = statistics.statistics_by_year()
    return render(
        request,
        "publicity/statistics.html",
        statistics.statistics_context(years, year=request.GET.get("year", "")),
    )


def statistics_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        statistics.statistics_csv(statistics.statistics_by_year()),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="publicity-statistics.csv"'
    return response


def objection_create(request: HttpRequest, year: int) -> HttpResponse:
    publication = selectors.publication_published(year=year)
    if publication is None:
        return _not_published(request, year)
    round = publication.round
    form = ObjectionForm(request.POST or None, initial={"number": request.GET.get("number", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.objection_submit(publication=publication, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                "举报已受理。核查结果将通过您留下的联系方式告知；您的身份信息仅管理员可见。",
            )
            return redirect("publicity:list", year=year)
    return render(
        request,
        "publicity/objection_form.html",
        {
            "round": round,
            "publication": publication,
            "form": form,
            "is_open": publication.is_open(timezone.now()),
        },
    )


# --- back office (administrators) -------------------------------------------------------------


@administrator_required
def manage_round(request: HttpRequest, year: int) -> HttpResponse:
    round = get_object_or_404(AnnualRound, year=year)
    publication = selectors.publication_of(round)
    return render(
        request,
        "publicity/manage_round.html",
        {
            "round": round,
            "publication": publication,
            "run": selectors.current_ranking(round),
            "objections": selectors.objections_for_administrators(publication)
            if publication
            else [],
            "qualified": round.applications.filter(state="qualified")
            .select_related("applicant")
            .order_by("rank", "pk")[:200],
        },
    )


def manage_download(request: HttpRequest, year: int, fmt: str) -> HttpResponse:
    """The list as ranked (a draft until published): for the administrators, and for the
    city's approvers, who approve it (细则第十条)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not (roles.is_administrator(request.user) or roles.is_quota_approver(request.user)):
        raise PermissionDenied("只有管理员和市政府审批账号才能下载排名名单。")
    return _export_download(get_object_or_404(AnnualRound, year=year), fmt)


@administrator_required
def objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    objection = get_object_or_404(
        Objection.objects.select_related("entry", "publication__round"), pk=pk
    )
    form = ObjectionDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.objection_decide(objection=objection, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已记录核查结论。")
            return redirect("publicity:manage", year=objection.publication.round.year)
    return render(
        request, "publicity/objection_detail.html", {"objection": objection, "form": form}
    )


@administrator_required
def fraud_create(request: HttpRequest, application_id: int) -> HttpResponse:
    application = get_object_or_404(
        Application.objects.select_related("applicant", "employer", "round"), pk=application_id
    )
    # A joint check that found fraud (联动核察, 细则第二条) brings its conclusion as the facts.
    joint = application.joint_checks.filter(fraud_found=True).order_by("-concluded_at").first()
    initial = {"reason": f"联动核察结论：{joint.outcome}"} if joint is not None else None
    form = FraudForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.fraud_record(application=application, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已取消资格并记入信用记录。")
            return redirect("publicity:manage", year=application.round.year)
    return render(request, "publicity/fraud.html", {"application": application, "form": form})


def credit_export_list(request: HttpRequest) -> HttpResponse:
    """失信记录报送 (细则第十七条): administrators make batches, 市经信局 downloads them."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not credit_exports.may_download(request.user):
        raise PermissionDenied("只有管理员和市经济和信息化局的账号才能查看失信记录报送。")
    if request.method == "POST":
        try:
            export = credit_exports.credit_export_create(actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"已生成报送批次 {export.number}，共 {export.record_count} 条记录。"
            )
        return redirect("publicity:credit_exports")
    return render(
        request,
        "publicity/credit_exports.html",
        {
            "exports": CreditExport.objects.all()[:100],
            "pending": CreditRecord.objects.filter(export__isnull=True).count(),
            "may_create": roles.is_administrator(request.user),
        },
    )


def credit_export_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    export = get_object_or_404(CreditExport, pk=pk)
    try:
        content, content_type, filename = credit_exports.credit_export_file(
            export=export, fmt=fmt, actor=request.user
        )
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        raise Http404(exc.message) from exc
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@administrator_required
def rank_confirm(request: HttpRequest, year: int) -> HttpResponse:
    """积分排名 from the back office (细则第十条): first a 试算 that states the quota, the cutoff
    it produces, the ties and the counts; then the ranking, only on a confirmed 试算. Both run
    as background jobs (150,000 applications take a minute); the page follows them."""
    round = get_object_or_404(AnnualRound, year=year)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "rank":
                confirmation.ranking_confirm(
                    round=round,
                    actor=request.user,
                    preview_id=request.POST.get("preview", ""),
                    checked=request.POST.get("checked") == "on",
                )
                messages.success(request, "已开始积分排名，完成后本页显示结果。")
            else:
                confirmation.ranking_job_start(round=round, actor=request.user, preview=True)
                messages.success(request, "已开始试算，完成后本页显示结果。")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("publicity:rank", year=year)
    return render(request, "publicity/rank_confirm.html", confirmation.ranking_page(round=round))
