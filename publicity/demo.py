"""The demo (`manage.py load_demo`, used by `make run`): the whole product around today.

Two rounds and one account per role:

- this year's round, its declaration open from a week ago for two weeks. Five applicants
  of 北京示例科技有限公司, each in another state; the department records (review's record
  models, built by `review.synthetic.records_from_facts`) are loaded *before* anyone submits,
  so the data exchange (细则第六条) gives real results on submission: the main demo
  applicant's claims are verified, one adjusted to the department's figures, one left in
  the 教委's manual queue with its diff;
- last year's round, already through to publicity: a generated population
  (`ranking.population`) imported as department-verified facts (`ranking.importing`),
  ranked against a quota of 5% of the applicants (Beijing's ratio: about 6,000 of
  120,000), and its list published (`publicity`) for the 7 days from today, so the public
  list, its histogram and cutoff, the downloads and the real-name objection form all work.
  Publicity *open* was chosen over *closed with settlement*: it is what the public sees,
  and the objection → investigation path only exists while it is open.

Every step goes through the services (windows, roles, audit rows). Idempotent: whatever
exists is left as it is; a run interrupted half-way resumes (an application started but
not submitted is carried on; a round imported but not yet published is advanced).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from publicity.selectors import publication_of
from publicity.services import objection_submit
from ranking.importing import facts_import
from ranking.models import RankingRun
from ranking.policy.identity import make_id_number
from ranking.population import generate_population
from ranking.services import ranking_run_approve
from review.synthetic import records_from_facts
from workflow import roles, services
from workflow.exceptions import DomainError
from workflow.indicators import DEPARTMENTS
from workflow.models import (
    BEIJING,
    PHASE_ORDER,
    AnnualRound,
    Applicant,
    Application,
    AppState,
    Employer,
    Phase,
    default_windows,
)
from workflow.roles import ADMIN_GROUP

PASSWORD = "luohu-demo-2020"  # noqa: S105 - printed on purpose: demo logins
ADDRESS = "http://127.0.0.1:8000/"
DEMO_CREDIT_CODE = "91110105MA01ABCD13"
DEMO_EMPLOYER = "北京示例科技有限公司"
PAST_APPLICANTS = 2000
PAST_SEED = 2020
# Beijing admits about 6,000 of some 120,000 applicants a year: 5%.
QUOTA_SHARE = 0.05
LABEL = "load_demo"

Progress = Callable[[str], None]


def _at(day: dt.date, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=BEIJING)


def demo_windows(today: dt.date) -> dict[str, dt.datetime]:
    """This year's round: declaration open from a week ago for two weeks."""

    def at(days: int, *hms: int) -> dt.datetime:
        return _at(today + dt.timedelta(days=days), *hms)

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


def past_windows(year: int, today: dt.date) -> dict[str, dt.datetime]:
    """Last year's round: the usual timetable (2020 dates moved to `year`) up to the ranking,
    then its publicity from today for 7 days (细则第十条). The list itself is published for
    the 7 days from the moment of publishing, so both say the same days."""
    windows = default_windows(year)
    opens = _at(today)
    if windows["recheck_closes_at"] >= opens:  # `year` is not in the past: squeeze before today
        windows = demo_windows(today - dt.timedelta(days=60))
    windows["publicity_opens_at"] = opens
    windows["publicity_closes_at"] = opens + dt.timedelta(days=7, hours=23, minutes=59, seconds=59)
    return windows


# --- the demo people --------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    gender: str
    born: dt.date
    state: str  # how far the demo takes the application: draft … submitted
    role: str  # what to look at first (printed)
    declared: dict[str, dict[str, Any]] = field(default_factory=dict)
    records: dict[str, Any] = field(default_factory=dict)  # facts-format-1 keys

    def id_number(self, index: int) -> str:
        return make_id_number("110105", self.born, 10 + index, self.gender)


def _tax(year: int, *amounts: str) -> dict[str, Any]:
    """Income tax for the last len(amounts) years up to `year`."""
    first = year - len(amounts) + 1
    return {"income_tax": {str(first + i): a for i, a in enumerate(amounts)}, "violations": []}


def demo_people(year: int) -> list[Person]:
    """Five applicants; `records` is what the departments hold (facts format 1, cut-off Y-1-12)."""
    last = year - 1
    bachelor = {"level": "bachelor", "diploma": True, "degree": True, "graduated_on": "2008-06-30"}
    return [
        Person(
            "applicant",
            "王小明",
            "M",
            dt.date(1985, 7, 12),
            "submitted",
            "/apply/ 查看申报与审核结果：多项已核实、住所按部门数据调整、学历待人工核查 / "
            "see the results: verified, housing adjusted, education in manual review",
            declared={
                # Records show the bachelor's degree only: the master's is not on file → manual queue.
                "education": {
                    "education": [
                        bachelor,
                        {
                            "level": "master",
                            "diploma": True,
                            "degree": True,
                            "graduated_on": "2012-06-30",
                        },
                    ]
                },
                # Registered from 2017-05, declared from 2015-05: 24 months fewer → adjusted.
                "housing": {
                    "housing": [
                        {"from": "2015-05", "to": None, "kind": "own", "district": "通州区"}
                    ]
                },
                "job_residence_area": {},
            },
            records={
                "social_insurance": [
                    {"from": "2010-07", "to": None, "district": "朝阳区", "back_paid": False}
                ],
                "residence_permit": {"issued_on": "2016-03-01"},
                "housing": [{"from": "2017-05", "to": None, "kind": "own", "district": "通州区"}],
                "education": [bachelor],
                "tax": _tax(last, "102000.00", "118000.00", "126500.00"),
            },
        ),
        Person(
            "applicant2",
            "李小红",
            "F",
            dt.date(1988, 3, 3),
            "awaiting_employer",
            "/apply/ 已选择用人单位，等待单位确认 / waiting for the unit to confirm",
        ),
        Person(
            "applicant3",
            "张伟",
            "M",
            dt.date(1979, 11, 20),
            "filling",
            "/apply/ 已填报，点“提交”后即时看到部门核查结果 / press 提交 and see the departments' results",
            declared={
                "education": {
                    "education": [
                        {
                            "level": "master",
                            "diploma": True,
                            "degree": True,
                            "graduated_on": "2004-07-01",
                        }
                    ]
                },
                "housing": {
                    "housing": [
                        {"from": "2012-03", "to": None, "kind": "rental", "district": "海淀区"}
                    ]
                },
                "honors": {"honors": [{"code": "beijing_model_worker", "year": last - 2}]},
            },
            records={
                "social_insurance": [
                    {"from": "2004-08", "to": "2011-12", "district": "海淀区", "back_paid": False},
                    {"from": "2012-01", "to": None, "district": "朝阳区", "back_paid": False},
                ],
                "residence_permit": {"issued_on": "2016-01-15"},
                "housing": [
                    {"from": "2012-03", "to": None, "kind": "rental", "district": "海淀区"}
                ],
                "education": [
                    {
                        "level": "master",
                        "diploma": True,
                        "degree": True,
                        "graduated_on": "2004-07-01",
                    }
                ],
                "tax": _tax(last, "21000.00", "23500.00", "26800.00"),
                "honors": [{"code": "beijing_model_worker", "year": last - 2}],
            },
        ),
        Person(
            "applicant4",
            "刘芳",
            "F",
            dt.date(1990, 5, 8),
            "submitted",
            "/apply/ 已提交：住所、纳税两项待人工核查 / submitted, two claims in manual review",
            declared={
                "education": {
                    "education": [
                        {
                            "level": "bachelor",
                            "diploma": True,
                            "degree": True,
                            "graduated_on": "2012-06-30",
                        }
                    ]
                },
                # Registered in 丰台区, declared 海淀区: a different district → manual queue (住建委).
                "housing": {
                    "housing": [
                        {"from": "2016-01", "to": None, "kind": "rental", "district": "海淀区"}
                    ]
                },
            },
            records={
                "social_insurance": [
                    {"from": "2012-07", "to": None, "district": "海淀区", "back_paid": False}
                ],
                "residence_permit": {"issued_on": "2016-06-20"},
                "housing": [
                    {"from": "2016-01", "to": None, "kind": "rental", "district": "丰台区"}
                ],
                "education": [
                    {
                        "level": "bachelor",
                        "diploma": True,
                        "degree": True,
                        "graduated_on": "2012-06-30",
                    }
                ],
                # No tax record at all: 税务局's manual queue.
            },
        ),
        Person(
            "applicant5",
            "陈静",
            "F",
            dt.date(1983, 9, 30),
            "draft",
            "/apply/ 刚开始申报：选择用人单位 / just started: name the employer",
        ),
    ]


STEPS = ("draft", "awaiting_employer", "filling", "submitted")


# --- report ----------------------------------------------------------------------------


@dataclass
class Login:
    username: str
    role: str
    look_at: str


@dataclass
class DemoReport:
    current: AnnualRound
    past: AnnualRound | None
    logins: list[Login] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


# --- loading ---------------------------------------------------------------------------


def demo_load(
    *,
    now: dt.datetime | None = None,
    past_applicants: int = PAST_APPLICANTS,
    seed: int = PAST_SEED,
    progress: Progress | None = None,
) -> DemoReport:
    """Load (or complete) the demo; returns what to print."""
    now = now or timezone.now()
    progress = progress or (lambda message: None)
    today = timezone.localdate(now)
    started = time.monotonic()
    with transaction.atomic():
        current = _current_round(today=today, now=now)
        report = DemoReport(current=current, past=None)
        employer = _employer(now)
        password_hash = _demo_password_hash()
        unit = _accounts(report, employer=employer, password_hash=password_hash, now=now)
        _applicants(
            report,
            round=current,
            employer=employer,
            unit=unit,
            password_hash=password_hash,
            now=now,
        )
    # Verification of the submitted applications ran on that commit (eager tasks).
    report.timings["current"] = time.monotonic() - started
    if past_applicants > 0:
        started = time.monotonic()
        report.past = _past_round(
            report,
            year=today.year - 1,
            count=past_applicants,
            seed=seed,
            today=today,
            now=now,
            progress=progress,
        )
        report.timings["past"] = time.monotonic() - started
    return report


def _current_round(*, today: dt.date, now: dt.datetime) -> AnnualRound:
    round = AnnualRound.objects.filter(year=today.year).first()
    if round is None:
        round = services.round_create(
            year=today.year, quota=100, windows=demo_windows(today), now=now
        )
    _quota_approve(round, now=now)
    if round.phase == Phase.SCHEDULED and round.declaration_opens_at <= now:
        services.round_advance(round=round, to=Phase.DECLARATION, now=now, label=LABEL)
    return round


def _employer(now: dt.datetime) -> Employer:
    return Employer.objects.filter(
        credit_code=DEMO_CREDIT_CODE
    ).first() or services.employer_register(
        credit_code=DEMO_CREDIT_CODE, name=DEMO_EMPLOYER, now=now
    )


def _demo_password_hash() -> str:
    """One hash of the demo password for every demo account: hashing is slow on purpose
    (17 accounts × PBKDF2), and a re-run that finds it still valid writes nothing."""
    stored = (
        get_user_model().objects.filter(username="admin").values_list("password", flat=True).first()
    )
    return stored if stored and check_password(PASSWORD, stored) else make_password(PASSWORD)


def _user(username: str, password_hash: str, **extra: Any):
    user, created = get_user_model().objects.get_or_create(username=username, defaults=extra)
    changed = [name for name, value in extra.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, extra[name])
    if user.password != password_hash:  # reset: the printed logins always work
        user.password = password_hash
        changed.append("password")
    if changed:
        user.save(update_fields=changed)
    return user


def _accounts(report: DemoReport, *, employer: Employer, password_hash: str, now: dt.datetime):
    year = report.current.year
    admin = _user("admin", password_hash, is_staff=True, is_superuser=True, first_name="管理员")
    group, _ = Group.objects.get_or_create(name=ADMIN_GROUP)
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["workflow", "review", "ranking", "publicity"]
        )
    )
    admin.groups.add(group)
    report.logins.append(
        Login(
            "admin",
            "管理员 administrator",
            f"/publicity/manage/{year - 1}/ 公示名单、实名举报的核查；/admin/ 轮次、申请与审计记录 / "
            "the published list and its objection; the admin site",
        )
    )

    approver = _user("city-approver", password_hash, first_name="市政府审批（演示）")
    services.quota_approver_grant(user=approver)
    report.logins.append(
        Login(
            "city-approver",
            "市政府审批 city approver",
            "/publicity/approvals/ 批准年度落户规模与落户人员名单（细则第十条） / "
            "approve the quota and the ranked list",
        )
    )
    credit = _user("credit", password_hash, first_name="市经济和信息化局（演示）")
    credit.groups.add(Group.objects.get_or_create(name=roles.CREDIT_PLATFORM_GROUP)[0])
    report.logins.append(
        Login(
            "credit",
            "市经济和信息化局 credit platform",
            "/publicity/manage/credit-exports/ 失信记录报送批次（细则第十七条） / "
            "the dishonesty record batches",
        )
    )

    unit = _user("unit", password_hash, first_name="单位经办人")
    membership = services.employer_membership_add(user=unit, employer=employer, now=now)
    # The demo unit acts at once: as if the administrator had seen its business licence.
    services.employer_membership_verify(
        membership=membership, actor=admin, reason="演示单位：营业执照与授权书已核", now=now
    )
    report.logins.append(
        Login(
            "unit",
            f"单位经办人 unit（{employer.name}）",
            "/unit/ 确认李小红的隶属关系 / confirm 李小红 works for the unit",
        )
    )

    departments = services.departments_ensure()
    queues = {
        "education": "王小明的学历（申报硕士，教委仅有本科记录）",
        "housing_construction": "刘芳的住所（申报海淀区，备案在丰台区）",
        "tax": "刘芳的纳税（无纳税记录）",
    }
    for code, name in DEPARTMENTS.items():
        username = f"reviewer_{code}"
        user = _user(username, password_hash, first_name=name)
        if roles.department_of(user) != departments[code]:  # reviewer_assign audits every call
            services.reviewer_assign(user=user, department=departments[code], now=now)
        look_at = (
            f"/review/ 人工核查队列：{queues[code]} / manual queue with the diff"
            if code in queues
            else "/review/ 本部门的核查队列 / the department's queue"
        )
        report.logins.append(Login(username, f"审核人员 reviewer（{name}）", look_at))

    # 细则第二条、第十一条: a 区指定部门 account reviews settlement materials and records settlements.
    district = _user("district", password_hash, first_name="区指定部门")
    if not roles.is_district_office(district):
        services.district_office_grant(user=district, now=now)
    report.logins.append(
        Login(
            "district",
            "区指定部门 district office",
            "/publicity/manage/settlements/ 落户材料审核与落户登记 / settlement materials and records",
        )
    )
    return unit


def _applicants(
    report: DemoReport,
    *,
    round: AnnualRound,
    employer: Employer,
    unit: Any,
    password_hash: str,
    now: dt.datetime,
) -> None:
    open_now = round.is_declaration_open(now)
    if not open_now:
        report.warnings.append(
            f"{round.year}年度轮次已存在且申报阶段未开放，演示申请未能创建或补全。"
        )
    departments = {code: d.pk for code, d in services.departments_ensure().items()}
    for index, person in enumerate(demo_people(round.year)):
        user = _user(person.username, password_hash, first_name=person.name)
        applicant = Applicant.objects.filter(user=user).first() or services.applicant_register(
            user=user,
            id_number=person.id_number(index),
            name=person.name,
            phone=f"1380000000{index}",
            female_job="worker" if person.gender == "F" else None,
            now=now,
        )
        report.logins.append(
            Login(person.username, f"申请人 applicant（{person.name}）", person.role)
        )
        _records(person, applicant=applicant, year=round.year, departments=departments, now=now)
        if open_now:
            _application(
                person, round=round, applicant=applicant, employer=employer, unit=unit, now=now
            )


def _records(
    person: Person,
    *,
    applicant: Applicant,
    year: int,
    departments: dict[str, int],
    now: dt.datetime,
) -> None:
    """The departments' records of this person (idempotent: keyed by `record_key`)."""
    if not person.records:
        return

    facts = {"year": year, "person": {"id_number": applicant.id_number}, **person.records}
    by_model: dict[type, list] = defaultdict(list)
    for record in records_from_facts(facts, applicant_id=applicant.pk, departments=departments):
        record.loaded_at = now
        by_model[type(record)].append(record)
    for model, records in by_model.items():
        model.objects.bulk_create(records, ignore_conflicts=True)


def _application(
    person: Person,
    *,
    round: AnnualRound,
    applicant: Applicant,
    employer: Employer,
    unit: Any,
    now: dt.datetime,
) -> None:
    """Take the person's application as far as `person.state`, resuming where it stands."""
    user = applicant.user
    application = Application.objects.filter(round=round, applicant=applicant).first()
    if application is None:
        application = services.application_start(round=round, actor=user, now=now)
    goal = STEPS.index(person.state)
    if goal >= 1 and application.state == AppState.DRAFT:
        services.application_name_employer(
            application=application, employer=employer, actor=user, now=now
        )
    if goal >= 2 and application.state == AppState.AWAITING_EMPLOYER:
        services.employer_confirm_affiliation(application=application, actor=unit, now=now)
    if goal >= 2 and application.state == AppState.FILLING:
        declared = set(application.claims.values_list("indicator", flat=True))
        for indicator, facts in person.declared.items():
            if indicator not in declared:
                services.claim_declare(
                    application=application,
                    indicator=indicator,
                    declared_facts=facts,
                    actor=user,
                    now=now,
                )
    if goal >= 3 and application.state == AppState.FILLING:
        services.application_submit(application=application, actor=user, now=now)


# --- last year's round -------------------------------------------------------------------


def _past_round(
    report: DemoReport,
    *,
    year: int,
    count: int,
    seed: int,
    today: dt.date,
    now: dt.datetime,
    progress: Progress,
) -> AnnualRound:

    round = AnnualRound.objects.filter(year=year).first()
    if round is None:
        round = services.round_create(
            year=year,
            quota=max(1, round_half_up(count * QUOTA_SHARE)),
            windows=past_windows(year, today),
            now=now,
        )
    _quota_approve(round, now=now)
    if not round.applications.exists() and round.phase != Phase.CLOSED:
        progress(
            f"生成并导入 {count} 名{year}年度申请人 / importing {count} generated applicants …"
        )
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        lines = (dumps(facts) for facts in generate_population(year=year, count=count, seed=seed))
        imported = facts_import(round=round, lines=lines, now=now, label=LABEL)
        if imported.errors:  # the generator writes valid facts: this is a bug, say where
            raise RuntimeError("；".join(str(e) for e in imported.errors[:5]))
    if PHASE_ORDER.index(round.phase) < PHASE_ORDER.index(Phase.PUBLICITY):
        progress(f"{year}年度：排名并发布公示名单 / ranking and publishing the list …")
        try:
            services.round_advance(
                round=round, to=Phase.PUBLICITY, now=now, label=LABEL, progress=progress
            )
        except DomainError as exc:
            # 细则第十条: ranked, the list waits in 公示 for the city's approval.
            if round.phase != Phase.PUBLICITY:  # e.g. an administrator's round, other windows
                report.warnings.append(f"{year}年度轮次未能推进到公示阶段：{exc}")
    if round.phase == Phase.PUBLICITY and publication_of(round) is None:
        run = RankingRun.objects.filter(round=round, is_current=True).first()
        if run is not None and not hasattr(run, "approval"):
            ranking_run_approve(
                run=run, document_number=f"京政函〔{year}〕演示2号", actor=_city_approver(), now=now
            )
        try:
            services.round_advance(round=round, now=now, to=Phase.PUBLICITY, label=LABEL)
        except DomainError as exc:
            report.warnings.append(f"{year}年度公示名单未能发布：{exc}")
    publication = publication_of(round)
    # The list opens when the phase job publishes it, a moment after `now`.
    now = max(now, timezone.now())
    if publication is not None and publication.is_open(now) and not publication.objections.exists():
        _objection(publication, now=now)
    return round


def _city_approver() -> Any:
    user, _ = get_user_model().objects.get_or_create(
        username="city-approver", defaults={"first_name": "市政府审批（演示）"}
    )
    return services.quota_approver_grant(user=user)


def _quota_approve(round: AnnualRound, *, now: dt.datetime) -> None:
    # 细则第十条: 落户规模报市政府批准 — the demo's rounds rank against an approved quota.
    if services.quota_approval_current(round) is None and not round.quota_locked:
        services.quota_approve(
            round=round,
            quota=round.quota,
            document_number=f"京政函〔{round.year}〕演示1号",
            actor=_city_approver(),
            now=now,
        )


def round_half_up(value: float) -> int:
    return int(value + 0.5)


def _objection(publication: Any, *, now: dt.datetime) -> None:
    """One real-name report for the administrator to investigate (细则第十条)."""

    entry = publication.entries.order_by("position").first()
    if entry is None:
        return
    objection_submit(
        publication=publication,
        number=entry.number,
        reporter_name="赵敏",
        reporter_id_number=make_id_number("110101", dt.date(1980, 1, 1), 1, "F"),
        reporter_contact="13900000000",
        facts="据我所知，该申请人申报的自有住房早已出售，公示期间实际租住在外区，请核查住所指标。",
        now=now,
    )


# --- printing helpers ----------------------------------------------------------------------


def format_deadline(round: AnnualRound) -> str:
    return f"{timezone.localtime(round.declaration_closes_at, BEIJING):%Y-%m-%d %H:%M}"


def publication_summary(round: AnnualRound) -> str:

    publication = publication_of(round)
    if publication is None:
        return ""
    closes = timezone.localtime(publication.closes_at, BEIJING)
    return (
        f"，{publication.applicant_count} 人参加排名，落户规模 {publication.quota}，"
        f"公示 {publication.admitted_count} 人，分数线 {publication.cutoff}，公示至 {closes:%Y-%m-%d %H:%M}"
    )
