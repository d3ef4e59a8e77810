"""Demo data for `make run`: a round whose declaration is open today, and one account per role.

Idempotent: running it again changes nothing that exists (accounts keep their passwords
reset to the demo one, so the printed logins always work).
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from ranking.policy.identity import make_id_number
from workflow import services
from workflow.indicators import DEPARTMENTS
from workflow.models import (
    BEIJING,
    AnnualRound,
    Applicant,
    Application,
    Employer,
    Phase,
)
from workflow.roles import ADMIN_GROUP

PASSWORD = "luohu-demo-2020"  # noqa: S105 - printed on purpose: demo logins
ADDRESS = "http://127.0.0.1:8000/"
DEMO_CREDIT_CODE = "91110105MA01ABCD13"


def demo_windows(today: dt.date) -> dict[str, dt.datetime]:
    """The five windows laid around today: declaration open from a week ago for two weeks."""

    def at(days: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
        day = today + dt.timedelta(days=days)
        return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=BEIJING)

    return {
        "declaration_opens_at": at(-7, 8),
        "declaration_closes_at": at(14, 20),
        "aggregation_opens_at": at(15),
        "aggregation_closes_at": at(20, 23, 59, 59),
        "result_query_opens_at": at(21, 8),
        "result_query_closes_at": at(24, 20),
        "recheck_opens_at": at(25),
        "recheck_closes_at": at(30, 23, 59, 59),
        "publicity_opens_at": at(31),
        "publicity_closes_at": at(38),
    }


class Command(BaseCommand):
    help = "载入演示数据：申报期开放的演示轮次和各角色账号 / load the demo round and accounts"

    def handle(self, *args, **options):
        now = timezone.now()
        with transaction.atomic():
            round = self._round(now)
            logins = self._accounts(round, now)
        self.stdout.write(self.style.SUCCESS(f"演示轮次：{round}，当前处于{round.phase_label}"))
        self.stdout.write(f"请打开 {ADDRESS}（管理后台 {ADDRESS}admin/）")
        self.stdout.write(f"所有演示账号的密码：{PASSWORD}")
        for username, role in logins:
            self.stdout.write(f"  {username:<28} {role}")

    def _round(self, now):
        year = timezone.localdate(now).year
        round = AnnualRound.objects.filter(year=year).first()
        if round is None:
            round = services.round_create(
                year=year, quota=100, windows=demo_windows(timezone.localdate(now)), now=now
            )
        if round.phase == Phase.SCHEDULED and round.declaration_opens_at <= now:
            services.round_advance(round=round, to=Phase.DECLARATION, now=now, label="load_demo")
        if not round.is_declaration_open(now):
            self.stdout.write(
                self.style.WARNING(f"{year}年度轮次已存在且申报阶段未开放，演示申请未能创建。")
            )
        return round

    def _user(self, username, **extra):
        user, _ = get_user_model().objects.get_or_create(username=username, defaults=extra)
        for name, value in extra.items():
            setattr(user, name, value)
        user.set_password(PASSWORD)
        user.save()
        return user

    def _accounts(self, round, now):
        logins = []
        admin = self._user("admin", is_staff=True, is_superuser=True, first_name="管理员")
        group, _ = Group.objects.get_or_create(name=ADMIN_GROUP)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label__in=["workflow", "review", "ranking", "publicity"])
        )
        admin.groups.add(group)
        logins.append(("admin", "管理员（积分落户管理员，可进管理后台）"))

        employer = Employer.objects.filter(credit_code=DEMO_CREDIT_CODE).first() or services.employer_register(
            credit_code=DEMO_CREDIT_CODE, name="北京示例科技有限公司", now=now
        )
        unit = self._user("unit", first_name="单位经办人")
        services.employer_membership_add(user=unit, employer=employer, now=now)
        logins.append(("unit", f"单位经办人（{employer.name}）"))

        departments = services.departments_ensure()
        for code, name in DEPARTMENTS.items():
            username = f"reviewer_{code}"
            services.reviewer_assign(
                user=self._user(username, first_name=name), department=departments[code], now=now
            )
            logins.append((username, f"审核人员（{name}）"))

        people = [
            ("applicant", "王小明", "M", dt.date(1985, 7, 12), "filling"),
            ("applicant2", "李小红", "F", dt.date(1988, 3, 3), "awaiting_employer"),
            ("applicant3", "张伟", "M", dt.date(1979, 11, 20), "submitted"),
            ("applicant4", "刘芳", "F", dt.date(1990, 5, 8), "submitted"),
            ("applicant5", "陈静", "F", dt.date(1983, 9, 30), "draft"),
        ]
        for index, (username, name, gender, born, state) in enumerate(people):
            user = self._user(username, first_name=name)
            applicant = Applicant.objects.filter(user=user).first() or services.applicant_register(
                user=user,
                id_number=make_id_number("110105", born, 10 + index, gender),
                name=name,
                phone=f"1380000000{index}",
                female_job="worker" if gender == "F" else None,
                now=now,
            )
            if round.is_declaration_open(now):
                self._application(round, applicant, employer, unit, state, now)
            logins.append((username, f"申请人（{name}）"))
        return logins

    def _application(self, round, applicant, employer, unit, state, now):
        if Application.objects.filter(round=round, applicant=applicant).exists():
            return
        user = applicant.user
        application = services.application_start(round=round, actor=user, now=now)
        if state == "draft":
            return
        services.application_name_employer(application=application, employer=employer, actor=user, now=now)
        if state == "awaiting_employer":
            return
        services.employer_confirm_affiliation(application=application, actor=unit, now=now)
        services.claim_declare(
            application=application,
            indicator="education",
            declared_facts={
                "education": [
                    {"level": "bachelor", "diploma": True, "degree": True, "graduated_on": "2008-06-30"}
                ]
            },
            actor=user,
            now=now,
        )
        services.claim_declare(
            application=application,
            indicator="housing",
            declared_facts={"housing": [{"from": "2015-05", "to": None, "kind": "own", "district": "通州区"}]},
            actor=user,
            now=now,
        )
        if state == "submitted":
            services.application_submit(application=application, actor=user, now=now)
