"""Django admin for the workflow: every state change is a POST button calling the service,
so the admin obeys the same phase windows, roles and audit as everything else.
Plain field edits made here are audited too (action "admin.change")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from ranking.policy.identity import mask_id_number, parse_id_number
from workflow import crypto, phase_jobs, roles, services
from workflow import selectors as workflow_selectors
from workflow.admin_forms import ButtonReasonForm
from workflow.exceptions import DomainError
from workflow.indicators import DISTRICT_OFFICES
from workflow.models import (
    AnnualRound,
    Applicant,
    Application,
    AuditEvent,
    Department,
    Employer,
    EmployerMembership,
    IndicatorClaim,
    JobRun,
    LoginUnlock,
    OriginalsCheck,
    ReviewerProfile,
    ServiceWindow,
    SupplementRequest,
    WindowDay,
)
from workflow.reconcile import job_run_resume
from workflow.services._common import snapshot

admin.site.site_header = "落户通 · 积分落户管理后台"
admin.site.site_title = "落户通"
admin.site.index_title = "积分落户管理"


@dataclass(frozen=True)
class Button:
    name: str
    label: str
    run: Callable[
        [Any, Any, Any], Any
    ]  # (obj, user, reason) or, with a form, (obj, user, cleaned_data)
    needs_reason: bool = False
    # FSM transition method whose source states decide whether the button shows
    fsm_method: str | None = None
    # A decision that needs input (facts, an outcome): the button opens an intermediate page
    # with this form (GET), whose POST calls `run` with the cleaned data.
    form: type[forms.Form] | None = None
    initial: Callable[[Any], dict[str, Any]] | None = None


class IdNumberSearch:
    """Admin search that finds a typed identity number through its blind index (the number is
    encrypted: the database cannot match it); any other text searches `search_fields`.
    `id_number_path` is the path to the encrypted number ("applicant__id_number").

    The number never travels in a URL (issue 14: browser history, Referer, access logs): the
    search form posts (templates/admin/change_list.html), and the list comes back as
    `?q=idx:<blind index>`, a keyed HMAC that says nothing without the key. A number typed
    into the address bar is sent on the same way."""

    id_number_path = "id_number"
    id_number_search = True
    INDEX_PREFIX = "idx:"

    def get_urls(self):
        opts = self.model._meta  # type: ignore[attr-defined]
        name = f"{opts.app_label}_{opts.model_name}_search_number"
        view = self.admin_site.admin_view(self.search_number_view)  # type: ignore[attr-defined]
        return [path("search-number/", view, name=name), *super().get_urls()]  # type: ignore[misc]

    def _changelist_with(self, params: dict[str, str]) -> HttpResponseRedirect:
        opts = self.model._meta  # type: ignore[attr-defined]
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        return HttpResponseRedirect(f"{url}?{urlencode(params)}" if params else url)

    def _as_query(self, term: str) -> str:
        try:
            number = parse_id_number(term).number
        except ValueError:
            return term
        return self.INDEX_PREFIX + crypto.id_number_index(number)

    def search_number_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        params = {
            key: value
            for key, value in request.POST.items()
            if key not in ("csrfmiddlewaretoken", "q") and "\x00" not in value
        }
        term = request.POST.get("q", "").replace("\x00", "").strip()
        if term:
            params["q"] = self._as_query(term)
        return self._changelist_with(params)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        term = request.GET.get("q", "").strip()
        query = self._as_query(term) if term else term
        if query != term:  # a number in the address bar: not passed on in the page's links
            params = {key: value for key, value in request.GET.items() if key != "q"}
            return self._changelist_with({**params, "q": query})
        extra_context = {
            **(extra_context or {}),
            "id_number_searched": query.startswith(self.INDEX_PREFIX),
        }
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        lookup = f"{self.id_number_path}_index"
        if search_term.startswith(self.INDEX_PREFIX):
            index = search_term.removeprefix(self.INDEX_PREFIX)
            return queryset.filter(**{lookup: index}), False
        try:
            number = parse_id_number(search_term).number
        except ValueError:
            return super().get_search_results(request, queryset, search_term)  # type: ignore[misc]
        return queryset.filter(**{lookup: crypto.id_number_index(number)}), False


class TransitionAdmin(admin.ModelAdmin):
    change_form_template = "admin/workflow/transition_change_form.html"
    buttons: tuple[Button, ...] = ()

    def _url_name(self) -> str:
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_transition"

    def get_urls(self):
        custom = [
            path(
                "<path:object_id>/transition/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name=self._url_name(),
            )
        ]
        return custom + super().get_urls()

    def _visible_buttons(self, obj: Any) -> list[dict[str, Any]]:
        from django_fsm import can_proceed

        out = []
        for button in self.buttons:
            if button.fsm_method and not can_proceed(
                getattr(obj, button.fsm_method), check_conditions=False
            ):
                continue
            out.append(
                {
                    "name": button.name,
                    "label": button.label,
                    "needs_reason": button.needs_reason,
                    "has_form": button.form is not None,
                    "url_name": f"admin:{self._url_name()}",
                }
            )
        return out

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra_context["workflow_transitions"] = self._visible_buttons(obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def transition_view(self, request: HttpRequest, object_id: str, name: str):
        button = next((b for b in self.buttons if b.name == name), None)
        if button is not None and button.form is not None:
            return self._form_transition_view(request, object_id, button)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        if button is None:
            raise PermissionDenied
        reason_form = ButtonReasonForm(request.POST)
        if not reason_form.is_valid():
            for error in reason_form.errors.get("reason", []):
                messages.error(request, f"{button.label}未执行：{error}")
            return HttpResponseRedirect(self._change_url(obj))
        try:
            summary = button.run(obj, request.user, reason_form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, f"{button.label}未执行：{exc}")
        except ValidationError as exc:
            messages.error(request, f"{button.label}未执行：{'；'.join(exc.messages)}")
        else:
            # A button may say what it did (an advance: what its jobs moved).
            done = summary if isinstance(summary, str) and summary else "已完成。"
            messages.success(request, f"{button.label}：{done}")
        return HttpResponseRedirect(self._change_url(obj))

    def _change_url(self, obj: Any) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])

    def _form_transition_view(self, request: HttpRequest, object_id: str, button: Button):
        """GET: the decision's form; POST: validate, call the service, back to the object.

        A refusal by the service (window, role, state) is shown on the form, keeping what
        the administrator typed.
        """
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        obj = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        assert button.form is not None
        initial = button.initial(obj) if button.initial else {}
        form = button.form(request.POST or None, initial=initial)
        action = button.label.rstrip("…")
        if request.method == "POST" and form.is_valid():
            try:
                button.run(obj, request.user, form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, f"{action}未执行：{exc}")
            except ValidationError as exc:
                form.add_error(None, f"{action}未执行：{'；'.join(exc.messages)}")
            else:
                messages.success(request, f"{action}：已完成。")
                return HttpResponseRedirect(self._change_url(obj))
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "original": obj,
            "title": f"{action}：{obj}",
            "button": button,
            "form": form,
            "change_url": self._change_url(obj),
        }
        return TemplateResponse(request, "admin/workflow/transition_form.html", context)

    def save_model(self, request, obj, form, change):
        # Field edits are audited like everything else (one transaction with the save).
        from django.db import transaction

        fields = [f for f in form.changed_data if f in {f.name for f in obj._meta.concrete_fields}]
        with transaction.atomic():
            before = None
            if change and fields:
                before = snapshot(type(obj).objects.get(pk=obj.pk), fields)
            super().save_model(request, obj, form, change)
            services.audit_record(
                actor=request.user,
                action="admin.change" if change else "admin.add",
                obj=obj,
                now=timezone.now(),
                before=before,
                after=snapshot(obj, fields) if fields else None,
            )


# --- the round ------------------------------------------------------------------------


def round_advance_summarised(round: AnnualRound, user: Any, *, force: bool) -> str:
    """Advance, then say what the phase jobs did, counted from the audit log they wrote:
    how many moved from which state to which (withdrawn, begun review, ranked …)."""
    from django.db.models import Max

    since = AuditEvent.objects.aggregate(last=Max("id"))["last"] or 0
    services.round_advance(round=round, actor=user, force=force)
    lines = []
    for model, move, count in workflow_selectors.audit_moves_since(round=round, after_id=since):
        if model is AnnualRound:
            lines.append(move)
        else:
            lines.append(f"{model._meta.verbose_name} {move} {count} 项")
    return "已完成。" + "；".join(lines) + "。"


@admin.register(AnnualRound)
class AnnualRoundAdmin(TransitionAdmin):
    list_display = (
        "year",
        "phase",
        "quota",
        "policy_id",
        "declaration_opens_at",
        "declaration_closes_at",
    )
    list_filter = ("phase",)
    buttons = (
        Button(
            "advance",
            "推进到下一阶段（按时间表）",
            lambda o, u, r: round_advance_summarised(o, u, force=False),
        ),
        Button(
            "force_advance",
            "提前推进到下一阶段（记入审计）",
            lambda o, u, r: round_advance_summarised(o, u, force=True),
        ),
    )

    @admin.display(description="推进到下一阶段前须处理的事项")
    def open_before_boundary(self, obj: AnnualRound) -> str:
        # Who holds the round up, before the boundary: the same query the exit job refuses on.
        what, open_items = phase_jobs.round_open_items(round=obj)
        if not open_items:
            return "无"
        window = obj.phase_window(obj.phase)
        deadline = f"（本阶段 {services.format_moment(window[1])} 截止）" if window else ""
        listing = "；".join(f"{name}审核人员 {count} 项" for name, count in open_items)
        return f"{what}{deadline}：{listing}"

    def get_readonly_fields(self, request, obj=None):
        fields = ["phase", "created_at", "updated_at"]
        if obj is not None:
            fields += ["year", "open_before_boundary"]
            if obj.phase != "scheduled":
                # The timetable is fixed once the round has started.
                fields += [
                    f.name for f in obj._meta.fields if f.name.endswith(("_opens_at", "_closes_at"))
                ]
            if obj.quota_locked:
                fields += ["quota", "policy_id"]
        return fields

    def has_delete_permission(self, request, obj=None):
        return False


# --- parties --------------------------------------------------------------------------


@admin.register(Department)
class DepartmentAdmin(TransitionAdmin):
    list_display = ("code", "name")


@admin.register(Employer)
class EmployerAdmin(TransitionAdmin):
    list_display = (
        "name",
        "credit_code",
        "registered_in_beijing",
        "tax_registered",
        "barred_until",
    )
    search_fields = ("name", "credit_code")
    list_filter = ("registered_in_beijing", "tax_registered")


@admin.register(Applicant)
class ApplicantAdmin(IdNumberSearch, TransitionAdmin):
    # The list masks the number; the applicant's own change page shows it in full.
    list_display = (
        "name",
        "masked_id_number",
        "birth_date",
        "gender",
        "female_job",
        "barred_until",
    )
    search_fields = ("name", "user__username")  # and an identity number: IdNumberSearch
    readonly_fields = ("birth_date", "gender")
    raw_id_fields = ("user",)

    @admin.display(description="公民身份号码")
    def masked_id_number(self, obj: Applicant) -> str:
        return mask_id_number(obj.id_number)


@admin.register(EmployerMembership)
class EmployerMembershipAdmin(TransitionAdmin):
    """单位经办人: verify that an account acts for its unit's credit code (营业执照, 授权书)
    before it may confirm employees' declarations; every verification is audited."""

    list_display = ("user", "employer", "credit_code", "verified", "verified_at", "verified_by")
    list_filter = (("verified_at", admin.EmptyFieldListFilter),)
    list_select_related = ("user", "employer", "verified_by")
    search_fields = ("user__username", "employer__name", "employer__credit_code")
    raw_id_fields = ("user", "employer")
    readonly_fields = ("verified_at", "verified_by", "created_at")
    actions = ["verify_selected"]
    buttons = (
        Button(
            "verify",
            "核验：该账号代表本单位（已核对营业执照与授权书）",
            lambda o, u, r: services.employer_membership_verify(membership=o, actor=u, reason=r),
            needs_reason=True,
        ),
        Button(
            "unverify",
            "撤销核验",
            lambda o, u, r: services.employer_membership_unverify(membership=o, actor=u, reason=r),
            needs_reason=True,
        ),
    )

    @admin.display(description="统一社会信用代码", ordering="employer__credit_code")
    def credit_code(self, obj: EmployerMembership) -> str:
        return obj.employer.credit_code

    @admin.display(description="已核验", boolean=True, ordering="verified_at")
    def verified(self, obj: EmployerMembership) -> bool:
        return obj.is_verified

    @admin.action(description="核验所选单位经办人（已核对营业执照与授权书）")
    def verify_selected(self, request, queryset):
        done = 0
        for membership in queryset.select_related("employer"):
            if membership.is_verified:
                continue
            try:
                services.employer_membership_verify(
                    membership=membership, actor=request.user, reason="管理员批量核验"
                )
            except DomainError as exc:
                messages.error(request, f"{membership}：{exc}")
            else:
                done += 1
        messages.success(request, f"已核验 {done} 名单位经办人。")


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(TransitionAdmin):
    list_display = ("user", "department")
    list_filter = ("department",)
    raw_id_fields = ("user",)


# --- applications and claims ----------------------------------------------------------


class ClaimInline(admin.TabularInline):
    model = IndicatorClaim
    fields = ("indicator", "department", "state", "points", "needs_manual_review", "appealed_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(IdNumberSearch, TransitionAdmin):
    list_display = (
        "id",
        "round",
        "applicant",
        "employer",
        "state",
        "total_points",
        "rank",
        "submitted_at",
    )
    list_filter = ("round", "state", "admitted")
    id_number_path = "applicant__id_number"
    search_fields = ("applicant__name", "employer__name", "employer__credit_code")
    list_select_related = ("round", "applicant", "employer")
    readonly_fields = [f.name for f in Application._meta.fields]
    inlines = [ClaimInline]
    buttons = (
        Button(
            "begin_review",
            "进入审核汇总",
            lambda o, u, r: services.application_begin_review(application=o, actor=u),
            fsm_method="begin_review",
        ),
        Button(
            "publish_results",
            "公布审核结果",
            lambda o, u, r: services.application_publish_results(application=o, actor=u),
            fsm_method="publish_results",
        ),
        Button(
            "finalize",
            "确定审核结果",
            lambda o, u, r: services.application_finalize(application=o, actor=u),
            fsm_method="finalize",
        ),
        Button(
            "mark_ineligible",
            "认定不符合资格条件",
            lambda o, u, r: services.application_mark_ineligible(application=o, actor=u, reason=r),
            needs_reason=True,
            fsm_method="mark_ineligible",
        ),
        Button(
            "publicize",
            "列入公示名单",
            lambda o, u, r: services.application_publicize(application=o, actor=u),
            fsm_method="publicize",
        ),
        Button(
            "mark_not_admitted",
            "标记未进入落户名单",
            lambda o, u, r: services.application_mark_not_admitted(application=o, actor=u),
            fsm_method="mark_not_admitted",
        ),
        Button(
            "qualify",
            "确认取得落户资格",
            lambda o, u, r: services.application_qualify(application=o, actor=u),
            fsm_method="qualify",
        ),
        Button(
            "cancel",
            "取消落户资格",
            lambda o, u, r: services.application_cancel(application=o, actor=u, reason=r),
            needs_reason=True,
            fsm_method="cancel",
        ),
        Button(
            "forfeit",
            "标记逾期放弃",
            lambda o, u, r: services.application_forfeit(application=o, actor=u),
            fsm_method="forfeit",
        ),
    )

    def has_add_permission(self, request):
        return False  # applicants start their own applications

    def has_delete_permission(self, request, obj=None):
        return False


# --- login locks ----------------------------------------------------------------------


class LoginUnlockForm(forms.ModelForm):
    class Meta:
        model = LoginUnlock
        fields = ("username", "ip_address", "reason")
        help_texts = {
            "username": "登录时输入的账号：申请人为公民身份号码，单位经办人为用户名。",
            "ip_address": "同一网络地址连续失败被锁定时填写（见用户反映或日志）。",
        }

    def clean(self):
        data = super().clean()
        if not (data.get("username") or "").strip() and not data.get("ip_address"):
            raise ValidationError("请填写要解锁的账号或网络地址。")
        return data


@admin.register(LoginUnlock)
class LoginUnlockAdmin(admin.ModelAdmin):
    """解除登录锁定: 10 failed logins in 15 minutes lock an account or an address for 15
    minutes; "add" here lifts it at once, recorded and audited (workflow.services.login_unlock)."""

    form = LoginUnlockForm
    list_display = ("at", "masked_username", "ip_address", "actor", "reason")
    list_select_related = ("actor",)

    @admin.display(description="账号", ordering="username")
    def masked_username(self, obj: LoginUnlock) -> str:
        return mask_id_number(obj.username)

    def has_add_permission(self, request):
        return roles.is_administrator(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The service writes the row, its audit row and clears the counters on commit.
        done = services.login_unlock(
            actor=request.user,
            username=obj.username,
            ip_address=obj.ip_address,
            reason=obj.reason,
        )
        obj.pk, obj.at, obj.actor = done.pk, done.at, done.actor


admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    actions = ["unlock_login"]

    @admin.action(description="解除所选账号的登录锁定")
    def unlock_login(self, request, queryset):
        for user in queryset:
            try:
                services.login_unlock(
                    actor=request.user,
                    username=user.get_username(),
                    reason="管理员在账号列表中解除登录锁定",
                )
            except DomainError as exc:
                messages.error(request, str(exc))
                return
        messages.success(request, f"已解除 {queryset.count()} 个账号的登录锁定。")


# --- audit and jobs: read only --------------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "from_state",
        "to_state",
        "round_year",
    )
    list_filter = ("action", "object_type", "round_year")
    search_fields = ("object_id", "actor_label", "reason")
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # append-only (also refused by the model and its queryset)


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = (
        "key",
        "kind",
        "round",
        "status",
        "done",
        "total",
        "attempts",
        "started_at",
        "finished_at",
        "error_summary",
    )
    list_filter = ("status", "kind", "round")
    search_fields = ("key",)
    readonly_fields = [f.name for f in JobRun._meta.fields]
    actions = ["resume_chunks"]

    # The administrators (积分落户管理员) follow the jobs: what failed and why, and resume it.
    def has_module_permission(self, request):
        return roles.is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return roles.is_administrator(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="失败原因")
    def error_summary(self, obj: JobRun) -> str:
        # A job that cannot finish says why in the list, not only on its own page.
        return obj.error.splitlines()[0][:200] if obj.error else ""

    @admin.action(description="重新运行未完成的批次")
    def resume_chunks(self, request, queryset):
        with transaction.atomic():
            counts = {job.key: job_run_resume(job_run=job) for job in queryset}
        resumed = {key: n for key, n in counts.items() if n}
        if resumed:
            listing = "；".join(f"{key}：{n} 批" for key, n in resumed.items())
            self.message_user(request, f"已重新投递未完成的批次（{listing}）。")
        else:
            self.message_user(
                request, "所选任务没有未完成的批次可重新运行。", level=messages.WARNING
            )


# 细则第十条、第十八条: the approvals and written reports (their own module, autodiscovered here).
from workflow import admin_integrity  # noqa: E402, F401

# --- the review loop (细则第七条) -----------------------------------------------------------


class WindowDayInline(admin.TabularInline):
    # Capacities are set on the office's page (window_day_set: never below the bookings made,
    # audited); here they are only shown.
    model = WindowDay
    extra = 0
    can_delete = False
    readonly_fields = ("date", "morning_capacity", "afternoon_capacity")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ServiceWindow)
class ServiceWindowAdmin(admin.ModelAdmin):
    """The district offices' windows (服务窗口): reference data the administrator keeps."""

    list_display = ("name", "department", "address")
    list_filter = ("department",)
    inlines = [WindowDayInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "department":
            kwargs["queryset"] = Department.objects.filter(code__in=DISTRICT_OFFICES)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdmin(admin.ModelAdmin):
    # States change only through the transition mechanism (the back office and the portal).
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SupplementRequest)
class SupplementRequestAdmin(ReadOnlyAdmin):
    list_display = ("claim", "due_at", "requested_at", "answered_at", "overdue_at")
    list_filter = ("answered_at", "overdue_at")


@admin.register(OriginalsCheck)
class OriginalsCheckAdmin(ReadOnlyAdmin):
    list_display = ("application", "department", "state", "number", "date", "half")
    list_filter = ("state", "department")
    search_fields = ("number",)
