"""Registering employers, applicants and role links; identity numbers are validated here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from ranking.policy.identity import validate_credit_code
from workflow import roles
from workflow.exceptions import DomainError, NotPermitted
from workflow.models import Applicant, Department, Employer, EmployerMembership, ReviewerProfile

from ._common import audit_record, now_or, snapshot


def _normalise(value: str) -> str:
    return value.strip().upper()


def employer_register(
    *,
    credit_code: str,
    name: str,
    registered_in_beijing: bool = True,
    tax_registered: bool = True,
    actor: Any = None,
    now: dt.datetime | None = None,
) -> Employer:
    """Register a unit. Raises ValidationError keyed by field (``credit_code`` …)."""
    now = now_or(now)
    employer = Employer(
        credit_code=_normalise(credit_code),
        name=name.strip(),
        registered_in_beijing=registered_in_beijing,
        tax_registered=tax_registered,
    )
    employer.full_clean()
    with transaction.atomic():
        employer.save()
        audit_record(
            actor=actor,
            action="employer.register",
            obj=employer,
            now=now,
            after=snapshot(
                employer, ["credit_code", "name", "registered_in_beijing", "tax_registered"]
            ),
        )
    return employer


def applicant_register(
    *,
    user: Any,
    id_number: str,
    name: str,
    phone: str = "",
    female_job: str | None = None,
    actor: Any = None,
    now: dt.datetime | None = None,
) -> Applicant:
    """Register the user as an applicant. Raises ValidationError keyed by field (``id_number`` …)."""
    now = now_or(now)
    applicant = Applicant(
        user=user,
        id_number=_normalise(id_number),
        name=name.strip(),
        phone=phone.strip(),
        female_job=female_job or None,
    )
    applicant.full_clean()
    with transaction.atomic():
        applicant.save()
        audit_record(
            actor=actor or user,
            action="applicant.register",
            obj=applicant,
            now=now,
            after=snapshot(applicant, ["id_number", "name", "female_job"]),
        )
    return applicant


def employer_membership_add(
    *, user: Any, employer: Employer, actor: Any = None, now: dt.datetime | None = None
) -> EmployerMembership:
    now = now_or(now)
    if actor is not None and not roles.is_administrator(actor):
        raise NotPermitted("只有管理员才能指定单位经办人。")
    with transaction.atomic():
        membership, created = EmployerMembership.objects.get_or_create(user=user, employer=employer)
        if created:
            audit_record(
                actor=actor,
                action="employer.membership_add",
                obj=membership,
                now=now,
                after={"user": user.pk, "employer": employer.pk},
            )
    return membership


# Where an unverified unit account is sent (细则第五条: the unit confirms its employees'
# declarations; it must first be known to act for that credit code).
UNIT_UNVERIFIED_MESSAGE = (
    "单位账号尚未核验，暂不能确认职工申报；请携营业执照副本（加盖公章）、经办人授权书和"
    "经办人身份证件到单位注册地所在区人力资源公共服务中心办理核验，或联系管理员。"
)


def employer_membership_verify(
    *,
    membership: EmployerMembership,
    actor: Any,
    reason: str = "",
    now: dt.datetime | None = None,
) -> EmployerMembership:
    """An administrator records that this account acts for the unit's credit code (they saw
    the business licence and the unit's letter of authorisation). Audited; verifying an
    already verified account changes nothing."""
    now = now_or(now)
    if not roles.is_administrator(actor):
        raise NotPermitted("只有管理员才能核验单位经办人。")
    with transaction.atomic():
        locked = EmployerMembership.objects.select_for_update().get(pk=membership.pk)
        if locked.verified_at is None:
            locked.verified_at, locked.verified_by = now, actor
            locked.save(update_fields=["verified_at", "verified_by"])
            audit_record(
                actor=actor,
                action="employer.membership_verify",
                obj=locked,
                now=now,
                reason=reason.strip(),
                before={"verified_at": None},
                after={
                    "user": locked.user_id,
                    "employer": locked.employer_id,
                    "credit_code": locked.employer.credit_code,
                    "verified_at": now.isoformat(),
                },
            )
    membership.verified_at, membership.verified_by = locked.verified_at, locked.verified_by
    return membership


def employer_membership_unverify(
    *,
    membership: EmployerMembership,
    actor: Any,
    reason: str,
    now: dt.datetime | None = None,
) -> EmployerMembership:
    """Withdraw a verification (the person left the unit, or it was given in error)."""
    now = now_or(now)
    if not roles.is_administrator(actor):
        raise NotPermitted("只有管理员才能撤销单位经办人的核验。")
    if not reason.strip():
        raise DomainError("请填写撤销核验的原因。")
    with transaction.atomic():
        locked = EmployerMembership.objects.select_for_update().get(pk=membership.pk)
        if locked.verified_at is not None:
            before = {"verified_at": locked.verified_at.isoformat(), "by": locked.verified_by_id}
            locked.verified_at, locked.verified_by = None, None
            locked.save(update_fields=["verified_at", "verified_by"])
            audit_record(
                actor=actor,
                action="employer.membership_unverify",
                obj=locked,
                now=now,
                reason=reason.strip(),
                before=before,
                after={"verified_at": None},
            )
    membership.verified_at, membership.verified_by = None, None
    return membership


def reviewer_assign(
    *, user: Any, department: Department, actor: Any = None, now: dt.datetime | None = None
) -> ReviewerProfile:
    now = now_or(now)
    if actor is not None and not roles.is_administrator(actor):
        raise NotPermitted("只有管理员才能指定审核人员。")
    with transaction.atomic():
        profile, _ = ReviewerProfile.objects.update_or_create(
            user=user, defaults={"department": department}
        )
        audit_record(
            actor=actor,
            action="reviewer.assign",
            obj=profile,
            now=now,
            after={"user": user.pk, "department": department.code},
        )
    return profile


def administrator_grant(*, user: Any, actor: Any = None, now: dt.datetime | None = None) -> None:
    now = now_or(now)
    if actor is not None and not roles.is_administrator(actor):
        raise NotPermitted("只有管理员才能授予管理员权限。")
    with transaction.atomic():
        group, _ = Group.objects.get_or_create(name=roles.ADMIN_GROUP)
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(group)
        audit_record(
            actor=actor, action="administrator.grant", obj=user, now=now, after={"user": user.pk}
        )


def district_office_grant(
    *,
    user: Any,
    office: str = "district_dongcheng",
    actor: Any = None,
    now: dt.datetime | None = None,
) -> ReviewerProfile:
    """An account of a 区指定部门 (细则第二条: 各区政府、经开区指定相关部门): assigned to that
    district office, it runs its service windows (原件查验) and its part of settlement (受理
    and recording, 细则第十一条、第十二条). `office` is a code of `DISTRICT_OFFICES`."""
    from .departments import district_offices_ensure

    offices = district_offices_ensure()
    if office not in offices:
        raise DomainError(f"区指定部门：未知的代码“{office}”。")
    return reviewer_assign(user=user, department=offices[office], actor=actor, now=now)


def credit_code_check(value: str) -> str:
    """Validate a credit code outside a model (forms, imports): ValidationError on the field."""
    try:
        return validate_credit_code(value)
    except ValueError as exc:
        raise ValidationError({"credit_code": f"统一社会信用代码无效：{exc}"}) from exc
