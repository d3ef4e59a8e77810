"""Registration of applicants and employer units (login, logout, passwords: django.contrib.auth)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from workflow import portal
from workflow.forms import ApplicantRegistrationForm, UnitRegistrationForm


def _put_errors(form, error: ValidationError, renames: dict[str, str] | None = None) -> None:
    renames = renames or {}
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            name = renames.get(name, name)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def register(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/register.html")


def register_applicant(request: HttpRequest) -> HttpResponse:
    form = ApplicantRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            portal.applicant_account_register(
                id_number=data["id_number"],
                name=data["name"],
                phone=data["phone"],
                email=data["email"],
                password=data["password1"],
                female_job=data["female_job"] or None,
            )
        except ValidationError as error:
            _put_errors(form, error, {"user": "id_number"})
        else:
            # The same answer whether or not the number already had an account (and no
            # automatic login, which would tell the two apart): the login page comes next.
            messages.info(request, portal.REGISTRATION_ANSWER)
            return redirect("login")
    return render(
        request,
        "registration/register_applicant.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def register_unit(request: HttpRequest) -> HttpResponse:
    form = UnitRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            employer = portal.unit_account_register(
                credit_code=data["credit_code"],
                unit_name=data["unit_name"],
                username=data["username"],
                contact_name=data["contact_name"],
                email=data["email"],
                password=data["password1"],
            )
        except ValidationError as error:
            _put_errors(form, error, {"name": "unit_name"})
        else:
            user = employer.memberships.get().user
            login(request, user, backend="workflow.backends.AccountBackend")
            messages.success(request, f"“{employer.name}”注册成功，您是本单位的经办人。")
            return redirect("workflow:unit")
    return render(
        request,
        "registration/register_unit.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """What a login refused by the throttle shows (settings.AXES_LOCKOUT_CALLABLE): 429 and
    a Chinese page. It never echoes the user name typed (an identity number)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {
            "message": locked_out_message(),
            "minutes": minutes,
            "limit": settings.AXES_FAILURE_LIMIT,
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


def locked_out_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return f"登录失败次数过多，账号已锁定{minutes}分钟，请稍后再试或联系管理员解锁"
