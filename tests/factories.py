"""factory_boy factories. Identity numbers and credit codes are valid (check characters)."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from ranking.policy.identity import make_credit_code, make_id_number
from workflow.indicators import primary_department_of
from workflow.models import (
    AnnualRound,
    Applicant,
    Application,
    Department,
    Employer,
    EmployerMembership,
    IndicatorClaim,
    ReviewerProfile,
    default_windows,
)

PASSWORD = "test-password-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.cn")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class RoundFactory(factory.django.DjangoModelFactory):
    """A round with the default (2020-style) timetable of its year, in `phase`."""

    class Meta:
        model = AnnualRound
        django_get_or_create = ("year",)
        # The approval is a row of its own; the round needs no second save after it.
        skip_postgeneration_save = True

    year = 2020
    quota = 6000
    policy_id = "beijing-2020"

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        for name, value in default_windows(kwargs["year"]).items():
            kwargs.setdefault(name, value)
        return kwargs

    @factory.post_generation
    def quota_approved(obj, create, extracted, **kwargs):
        # 细则第十条: ranking takes only a quota the city approved. Approved by default;
        # RoundFactory(quota_approved=False) for the refused case.
        if create and extracted is not False:
            quota_approval_record(obj)


def city_approver():
    """The 市政府 approver persona (group quota_approver)."""
    from django.contrib.auth.models import Group

    from workflow.roles import QUOTA_APPROVER_GROUP

    user, _ = get_user_model().objects.get_or_create(username="city-approver")
    group, _ = Group.objects.get_or_create(name=QUOTA_APPROVER_GROUP)
    user.groups.add(group)
    return user


def quota_approval_record(round, *, document_number: str = "京政函〔测试〕1号"):
    """Approve the round's current quota (as the city would), unless it already is."""
    from workflow.services import quota_approval_current, quota_approve

    if quota_approval_current(round) is None:
        quota_approve(
            round=round, quota=round.quota, document_number=document_number, actor=city_approver()
        )


def ranking_approval_record(round, *, document_number: str = "京政函〔测试〕2号"):
    """Approve the round's current ranked list (细则第十条), so it can be published."""
    from ranking.models import RankingRun
    from ranking.services import ranking_run_approve

    run = RankingRun.objects.get(round=round, is_current=True)
    return ranking_run_approve(run=run, document_number=document_number, actor=city_approver())


def department(code: str) -> Department:
    # departments_ensure: a transactional test before this one may have flushed the seed rows.
    from workflow.services import departments_ensure

    return departments_ensure()[code]


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer
        django_get_or_create = ("credit_code",)

    credit_code = factory.Sequence(lambda n: make_credit_code(f"91110105MA{n:07d}"))
    name = factory.Sequence(lambda n: f"北京示例科技有限公司{n}")
    registered_in_beijing = True
    tax_registered = True


class ApplicantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Applicant

    user = factory.SubFactory(UserFactory)
    id_number = factory.Sequence(
        lambda n: make_id_number(
            "110105", dt.date(1980, 1, 1) + dt.timedelta(days=n % 3000), n % 500, "M"
        )
    )
    name = factory.Sequence(lambda n: f"申请人{n}")
    phone = "13800000000"
    female_job = None


class MembershipFactory(factory.django.DjangoModelFactory):
    """A unit administrator already verified as acting for the unit (verified=False: not yet)."""

    class Meta:
        model = EmployerMembership

    class Params:
        verified = True

    user = factory.SubFactory(UserFactory)
    employer = factory.SubFactory(EmployerFactory)
    verified_at = factory.Maybe("verified", factory.LazyFunction(timezone.now), None)


class ReviewerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewerProfile

    user = factory.SubFactory(UserFactory)
    department = factory.LazyFunction(lambda: department("hrss"))


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application created directly in `state` (tests only; services own real moves)."""

    class Meta:
        model = Application

    round = factory.SubFactory(RoundFactory)
    applicant = factory.SubFactory(ApplicantFactory)
    employer = factory.SubFactory(EmployerFactory)


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorClaim

    application = factory.SubFactory(ApplicationFactory)
    round = factory.SelfAttribute("application.round")
    indicator = "education"
    department = factory.LazyAttribute(lambda o: department(primary_department_of(o.indicator)))
    declared_facts = factory.LazyFunction(
        lambda: {
            "education": [
                {"level": "bachelor", "diploma": True, "degree": True, "graduated_on": "2009-06-30"}
            ]
        }
    )
