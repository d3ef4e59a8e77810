"""Who may do what: the four roles of the round.

- applicant (申请人): a user with an Applicant record;
- unit_admin (单位经办人): a user with an EmployerMembership (acts once it is verified);
- reviewer (审核人员): a user with a ReviewerProfile (one department);
- administrator (管理员): a superuser, or a staff user in the group "积分落户管理员".
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist

ADMIN_GROUP = "积分落户管理员"
# 细则第十条: 落户规模和落户人员情况报市政府批准 — the accounts that record the city's approvals
# (the year's quota, the ranked list). Administrators are not approvers by being administrators.
QUOTA_APPROVER_GROUP = "quota_approver"
# 细则第二条/第十七条: 市经济和信息化局 receives the serious-dishonesty records for the public
# credit platform; its accounts download the batches and see nothing else.
CREDIT_PLATFORM_GROUP = "credit_platform"
# 细则第十一条: the materials 报市人力资源社会保障局核准 — the 人社局 department's reviewers.
HRSS_DEPARTMENT = "hrss"

ROLE_LABELS = {
    "administrator": "管理员",
    "reviewer": "审核人员",
    "unit_admin": "单位经办人",
    "applicant": "申请人",
    "credit_platform": "市经济和信息化局（信用平台）",
    "quota_approver": "市政府审批",
    "district_office": "区指定部门（落户办理）",
    "anonymous": "访客",
    "none": "未分配角色",
}


def is_administrator(user: Any) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(user.is_staff and user.groups.filter(name=ADMIN_GROUP).exists())


def is_quota_approver(user: Any) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.groups.filter(name=QUOTA_APPROVER_GROUP).exists()


def is_credit_platform(user: Any) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.groups.filter(name=CREDIT_PLATFORM_GROUP).exists()


def is_district_office(user: Any) -> bool:
    """A staff member of a 区指定部门 (细则第二条): an account assigned to a district office
    (one of `workflow.indicators.DISTRICT_OFFICES`), which runs the service windows (原件查验)
    and the district's part of settlement (细则第十一条、第十二条)."""
    from workflow.indicators import DISTRICT_OFFICES

    department = department_of(user)
    return department is not None and department.code in DISTRICT_OFFICES


def is_hrss_reviewer(user: Any) -> bool:
    department = department_of(user)
    return department is not None and department.code == HRSS_DEPARTMENT


def applicant_of(user: Any):
    """The user's Applicant, read now (a service may act long after its caller's copy of
    the user was read, and a bar may have been recorded since)."""
    if user is None or not user.is_authenticated:
        return None
    from workflow.models import Applicant

    return Applicant.objects.filter(user=user).first()


def applicant_of_request_user(user: Any):
    """The request's user's Applicant: the one read with the user at the start of the
    request (workflow.backends.AccountBackend), else read now."""
    if user is None or not user.is_authenticated:
        return None
    read_with_user = user._meta.model.applicant.related  # the request's user is a lazy proxy
    if read_with_user.is_cached(user):
        return read_with_user.get_cached_value(user)
    return applicant_of(user)


def employers_of(user: Any):
    from workflow.models import Employer

    if user is None or not user.is_authenticated:
        return Employer.objects.none()
    return Employer.objects.filter(memberships__user=user)


def department_of(user: Any):
    """The reviewer's Department, or None.

    Read once per user object (Django keeps the profile, or its absence, on the user): a
    decision asks several times (the guard, the claim's visibility, the department's
    check), and each asking was a query."""
    if user is None or not user.is_authenticated:
        return None
    try:
        profile = user.reviewer_profile
    except ObjectDoesNotExist:
        return None
    return profile.department


def is_unit_admin_of(user: Any, employer: Any) -> bool:
    if employer is None or user is None or not user.is_authenticated:
        return False
    return employer.memberships.filter(user=user).exists()


def is_verified_unit_admin_of(user: Any, employer: Any) -> bool:
    """A unit administrator whose account an administrator has verified as acting for the
    employer's credit code: only they may confirm or refuse its employees' declarations."""
    if employer is None or user is None or not user.is_authenticated:
        return False
    return employer.memberships.filter(user=user, verified_at__isnull=False).exists()


def is_reviewer_of(user: Any, department: Any) -> bool:
    dept = department_of(user)
    return dept is not None and department is not None and dept.pk == department.pk


def role_of(user: Any) -> str:
    """The user's main role, in order of precedence (one account normally has one)."""
    if user is None or not user.is_authenticated:
        return "anonymous"
    if is_administrator(user):
        return "administrator"
    if is_district_office(user):
        return "district_office"
    if department_of(user) is not None:
        return "reviewer"
    if employers_of(user).exists():
        return "unit_admin"
    if applicant_of(user) is not None:
        return "applicant"
    if is_quota_approver(user):
        return "quota_approver"
    if is_credit_platform(user):
        return "credit_platform"
    return "none"
