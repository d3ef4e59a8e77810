"""Evidence files leave the private storage only here, after the object's permission check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404

from workflow.evidence import evidence_can_view
from workflow.models import Evidence


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
