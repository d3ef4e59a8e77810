"""The inbox (站内通知): one's own notices, mark read, and how else to be told."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from workflow import services
from workflow.forms import NoticePreferenceForm
from workflow.selectors import notices_of

PAGE_SIZE = 30


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(notices_of(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "workflow/notices/inbox.html", {"page": page})


@require_POST
@login_required
def read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notice read and go where it points (only the user's own; only this site)."""
    services.notice_mark_read(user=request.user, notice_id=pk)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("workflow:notices")


@require_POST
@login_required
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.notice_mark_read(user=request.user)
    messages.success(request, f"已将 {count} 条通知标记为已读。")
    return redirect("workflow:notices")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    current = services.notice_preference_of(request.user)
    form = NoticePreferenceForm(
        request.POST or None,
        initial={"email_enabled": current.email_enabled, "sms_enabled": current.sms_enabled},
    )
    if request.method == "POST" and form.is_valid():
        services.notice_preference_set(user=request.user, **form.cleaned_data)
        messages.success(request, "通知方式已保存。站内通知始终保留。")
        return redirect("workflow:notices")
    return render(request, "workflow/notices/preferences.html", {"form": form})
