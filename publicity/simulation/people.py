"""The cast: an administrator, a reviewer per department, a unit administrator per
employer, and the applicants, registered through the same services as the portal.

Logins are created without a usable password: nobody logs in as a simulated person, and
hashing one password per applicant would take longer than the whole round (PBKDF2 is slow
on purpose). Everyone is found again by username on a later run in the same database: an
applicant of an earlier simulated year applies again, as people do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from publicity.simulation.clock import each_side_by_side, in_chunks
from publicity.simulation.script import ApplicantScript
from workflow import crypto, roles, services
from workflow.indicators import DEPARTMENTS
from workflow.models import AnnualRound, Applicant, Department, Employer

ADMIN_USERNAME = "simulate_admin"
REVIEWER_USERNAME = "simulate_reviewer_{code}"
UNIT_USERNAME = "simulate_unit_{credit_code}"
UNIT_VERIFICATION = "已核验营业执照副本、经办人授权书和经办人身份证件。"


@dataclass
class Cast:
    seed: int
    admin: Any
    reviewers: dict[str, Any]  # department code → reviewer
    departments: dict[str, Department]  # by code
    units: dict[str, Any] = field(default_factory=dict)  # credit code → unit administrator
    employers: dict[str, Employer] = field(default_factory=dict)  # credit code → employer
    scripts: list[ApplicantScript] = field(default_factory=list)
    users: dict[int, Any] = field(default_factory=dict)  # script index → the applicant's login
    applications: dict[int, int] = field(default_factory=dict)  # script index → application id
    index_of_applicant: dict[int, int] = field(default_factory=dict)  # Applicant pk → index
    round: AnnualRound | None = None

    def script_of_applicant(self, applicant_id: int) -> ApplicantScript:
        return self.scripts[self.index_of_applicant[applicant_id]]


def _login(username: str, **extra: Any) -> Any:
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=None, **extra)
    return user


def staff_cast(*, seed: int) -> Cast:
    """The administrator and one reviewer per department (reviewer_assign audits each call,
    so a reviewer already in place is left as they are)."""
    admin = _login(ADMIN_USERNAME, first_name="模拟管理员")
    if not roles.is_administrator(admin):
        services.administrator_grant(user=admin)
    departments = services.departments_ensure()
    reviewers = {}
    for code, name in DEPARTMENTS.items():
        user = _login(REVIEWER_USERNAME.format(code=code), first_name=f"{name}审核员")
        if roles.department_of(user) != departments[code]:
            services.reviewer_assign(user=user, department=departments[code], actor=admin)
        reviewers[code] = user
    return Cast(seed=seed, admin=admin, reviewers=reviewers, departments=departments)


def employers_register(cast: Cast, *, progress: Callable[[str], None]) -> None:
    """Each employer of the population registers with its first unit administrator, as
    `portal.unit_account_register` does, whom the administrator verifies (an employer
    already registered is kept). Employers register side by side."""
    names: dict[str, str] = {}
    for script in cast.scripts:
        employer = script.facts["employer"]
        names.setdefault(employer["credit_code"], employer["name"])

    def register(code: str) -> tuple[str, Employer, Any]:
        name = names[code]
        employer = Employer.objects.filter(credit_code=code).first()
        if employer is None:
            employer = services.employer_register(credit_code=code, name=name)
        unit = _login(UNIT_USERNAME.format(credit_code=code), first_name=f"{name}经办人")
        membership = services.employer_membership_add(user=unit, employer=employer)
        # A unit account confirms declarations only once an administrator has seen the
        # business licence and the letter of authorisation (idempotent).
        services.employer_membership_verify(
            membership=membership, actor=cast.admin, reason=UNIT_VERIFICATION
        )
        return code, employer, unit

    for code, employer, unit in each_side_by_side(list(names), register):
        cast.employers[code] = employer
        cast.units[code] = unit
    progress(f"{len(cast.employers)} 家用人单位已注册 / employers registered")


# People registering in the same hour, registered together (`services.applicants_register_many`:
# the same validation and audit row as one registration, one INSERT per chunk).
REGISTRATIONS_PER_COMMIT = 1000


def applicants_register(cast: Cast, *, progress: Callable[[str], None]) -> None:
    """Each person registers as an applicant (a user name that says nothing about them, as in
    the portal; they would log in with the identity number)."""
    User = get_user_model()
    created = 0
    for chunk in in_chunks(cast.scripts, REGISTRATIONS_PER_COMMIT):
        existing = Applicant.objects.select_related("user").in_bulk_by_id_number(
            s.id_number for s in chunk
        )
        new = [script for script in chunk if script.id_number not in existing]
        persons = [script.facts["person"] for script in new]  # unpacked once each
        with transaction.atomic():
            users = []
            for person in persons:
                user = User(
                    username=crypto.new_applicant_username(), first_name=person["name"][:150]
                )
                user.set_unusable_password()
                users.append(user)
            User.objects.bulk_create(users)
            applicants = services.applicants_register_many(
                people=[
                    {
                        "user": user,
                        "id_number": script.id_number,
                        "name": person["name"],
                        "phone": f"139{script.index % 10**8:08d}",
                        "female_job": person.get("female_job"),
                    }
                    for script, person, user in zip(new, persons, users, strict=True)
                ]
            )
        created += len(applicants)
        existing.update({s.id_number: a for s, a in zip(new, applicants, strict=True)})
        for script in chunk:
            applicant = existing[script.id_number]
            cast.users[script.index] = applicant.user
            cast.index_of_applicant[applicant.pk] = script.index
    progress(
        f"{len(cast.scripts)} 名申请人（新注册 {created}） / applicants ({created} new registrations)"
    )
