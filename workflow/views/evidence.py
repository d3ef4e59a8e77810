"""Evidence files leave the private storage only here, after the object's permission check;
the applicant deletes or replaces them here before submitting (services.evidence)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from workflow import services
from workflow.evidence import evidence_can_view
from workflow.exceptions import DomainError
from workflow.forms import EvidenceReplaceForm
from workflow.models import Evidence

from ._common import applicant_required, report


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    evidence = get_object_or_404(Evidence.objects.select_related("application__applicant"), pk=pk)
    if not evidence_can_view(user=request.user, evidence=evidence):
        # Not "forbidden": whether another person's file exists is itself private.
        raise Http404("没有找到该文件。")
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("文件已不存在。") from error
    response = FileResponse(
        handle,
        content_type=evidence.content_type,
        filename=evidence.original_name,
        as_attachment=False,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; plugin-types application/pdf"
    )
    return response


def _own_evidence_or_404(request: HttpRequest, pk: int) -> Evidence:
    # The applicant's own files only; another person's answer "not found", as in download.
    return get_object_or_404(
        Evidence.objects.select_related("application__round", "application__applicant"),
        pk=pk,
        application__applicant__user=request.user,
    )


@require_POST
@applicant_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _own_evidence_or_404(request, pk)
    try:
        services.evidence_delete(evidence=evidence, actor=request.user)
    except DomainError as error:
        report(request, error)
    else:
        messages.success(request, f"已删除证明材料“{evidence.original_name}”。")
    return redirect("workflow:indicator", code=evidence.indicator)


@require_POST
@applicant_required
def replace(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _own_evidence_or_404(request, pk)
    form = EvidenceReplaceForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("file", []):
            messages.error(request, f"替换“{evidence.original_name}”：{error}")
        return redirect("workflow:indicator", code=evidence.indicator)
    old_name = evidence.original_name
    try:
        new = services.evidence_replace(
            evidence=evidence, upload=form.cleaned_data["file"], actor=request.user
        )
    except (ValidationError, DomainError) as error:
        report(request, error)
    else:
        messages.success(request, f"已用“{new.original_name}”替换“{old_name}”。")
    return redirect("workflow:indicator", code=evidence.indicator)
