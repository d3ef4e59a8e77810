"""One whole round, phase by phase, with the scripted actors; and its summary."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from publicity.demo import QUOTA_SHARE, round_half_up
from publicity.models import CreditRecord
from publicity.selectors import open_objection_count, publication_of
from publicity.simulation import declaration, integrity, listing, people, review_loop, reviewing
from publicity.simulation.clock import (
    SimulatedClock,
    SimulationError,
    simulation_windows,
    wait_for_notice_jobs,
)
from publicity.simulation.memory import PeakMemory
from publicity.simulation.script import applicant_scripts
from ranking.models import RankingRun
from ranking.population import generate_population
from ranking.services import ranking_run_approve
from review.selectors import OPEN_STATES, claims_in_review
from workflow import services
from workflow.exceptions import DomainError
from workflow.models import (
    AnnualRound,
    Application,
    AppState,
    AuditEvent,
    ClaimState,
    IndicatorClaim,
    OriginalsCheck,
    OriginalsState,
    Phase,
    SupplementRequest,
)

Progress = Callable[[str], None]
LABEL = "simulate_round"
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def default_quota(applicants: int) -> int:
    """Beijing admits about 6,000 of some 120,000 applicants a year (5%); at least two, so
    that the list has someone for each of the two objections."""
    return max(2, round_half_up(applicants * QUOTA_SHARE))


class _Timer:
    """Real seconds and peak memory per phase (time-machine leaves the monotonic clock
    alone); each step's line says how far into its phase it finished."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.seconds: dict[str, float] = {}
        self.peak_mb: dict[str, dict[str, Any]] = {}
        self.memory = PeakMemory()
        self.started = time.monotonic()

    def say(self, message: str) -> None:
        self.progress(f"[{time.monotonic() - self.started:7.1f} s] {message}")

    @contextmanager
    def phase(self, name: str, label: str) -> Iterator[None]:
        self.progress(f"== {label} / {name} ==")
        self.memory.start()
        self.started = time.monotonic()
        try:
            yield
            wait_for_notice_jobs()  # the phase's notices, composed by the workers, count in it
        finally:
            self.seconds[name] = round(time.monotonic() - self.started, 2)
            self.peak_mb[name] = self.memory.stop()
        peaks = self.peak_mb[name]
        workers = "" if peaks["worker"] is None else f", worker {peaks['worker']:.0f} MB"
        self.progress(
            f"== {label} / {name}: {self.seconds[name]:.1f} s, "
            f"peak driver {peaks['driver']:.0f} MB{workers} =="
        )


def _city_approver() -> Any:
    user, _ = get_user_model().objects.get_or_create(
        username="sim-city-approver", defaults={"first_name": "市政府审批（模拟）"}
    )
    return services.quota_approver_grant(user=user)


def _advance(cast: people.Cast, clock: SimulatedClock, to: str, progress: Progress) -> None:
    """The administrator moves the round on when its window opens (the clock is put there)."""
    round = cast.round
    assert round is not None
    opens_at = round.phase_window(to)[0] if to != Phase.CLOSED else None
    if opens_at is not None:
        clock.move_to(opens_at)
    progress(f"{timezone.localtime():%Y-%m-%d %H:%M} 管理员推进轮次 / the administrator advances")
    try:
        services.round_advance(
            round=round,
            to=to,
            actor=cast.admin,
            label=LABEL,
            progress=lambda message: progress(f"   {message.strip()}"),
        )
    except DomainError as exc:
        raise SimulationError(
            f"workflow.services.round_advance → {Phase(to).label}：{exc}"
        ) from exc


def simulate_round(
    *,
    year: int,
    applicants: int,
    seed: int,
    quota: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Drive a new round of `year` through every phase with `applicants` generated people;
    returns the summary (`round_summary`). Deterministic for a seed, apart from the seconds."""
    timer = _Timer(progress or (lambda message: None))
    progress = timer.say
    if applicants < 2:
        raise SimulationError("--applicants 至少为 2。")
    if AnnualRound.objects.filter(year=year).exists():
        raise SimulationError(f"{year}年度轮次已存在；模拟需要一个新的年度。")
    quota = quota or default_quota(applicants)
    windows = simulation_windows(year, now=timezone.now())

    with SimulatedClock(windows["declaration_opens_at"] - 7 * DAY) as clock:
        with timer.phase(Phase.SCHEDULED, "准备"):
            cast = people.staff_cast(seed=seed)
            cast.round = services.round_create(
                year=year, quota=quota, windows=windows, actor=cast.admin
            )
            progress(f"{year}年度轮次，落户规模 {quota} 人 / round created, quota {quota}")
            # 细则第十条: the 发改委's quota, approved by the city before anything is ranked.
            approver = _city_approver()
            services.quota_approve(
                round=cast.round,
                quota=quota,
                document_number=f"京政函〔{year}〕模拟1号",
                actor=approver,
            )
            cast.scripts = applicant_scripts(
                generate_population(year=year, count=applicants, seed=seed), seed=seed
            )
            people.employers_register(cast, progress=progress)

        with timer.phase(Phase.DECLARATION, Phase.DECLARATION.label):
            _advance(cast, clock, Phase.DECLARATION, progress)
            opens = cast.round.declaration_opens_at
            clock.move_to(opens + HOUR)
            people.applicants_register(cast, progress=progress)
            uploads = declaration.departments_upload(cast)
            declaration.applications_begin(cast, progress=progress)
            clock.move_to(opens + 2 * DAY)
            declaration.units_decide(cast, progress=progress)
            clock.move_to(opens + 3 * DAY)
            declaration.employers_named_again(cast, progress=progress)
            declaration.units_decide(cast, progress=progress, second_time=True)
            clock.move_to(opens + 4 * DAY)
            declaration.departments_loaded(cast, uploads, progress=progress)
            clock.move_to(opens + 5 * DAY)
            declaration.applicants_declare(cast, progress=progress)
            clock.move_to(opens + 10 * DAY)
            declaration.applicants_withdraw(cast, progress=progress)
            clock.move_to(opens + 12 * DAY)
            declaration.applicants_ask_recheck(cast, progress=progress)

        with timer.phase(Phase.AGGREGATION, Phase.AGGREGATION.label):
            _advance(cast, clock, Phase.AGGREGATION, progress)
            declaration.wait_for_verification(cast)
            # 细则第七条: 补件 with a deadline, then one 原件查验 by appointment.
            opens = cast.round.aggregation_opens_at
            clock.move_to(opens + DAY)
            review_loop.supplements_request(cast, due_at=opens + 4 * DAY, progress=progress)
            clock.move_to(opens + 2 * DAY)
            answered = review_loop.supplements_answer(cast, progress=progress)
            if answered:
                review_loop.originals_appointment(
                    cast, claim=answered[0], clock=clock, progress=progress
                )
            clock.move_to(max(timezone.now(), opens + 4 * DAY) + HOUR)
            review_loop.supplements_overdue(progress=progress)
            reviewing.reviewers_decide(cast, queues=["manual", "recheck"], progress=progress)
            reviewing.require_no_open_claims(cast, where="部门审核结果汇总阶段结束前")

        with timer.phase(Phase.RESULT_QUERY, Phase.RESULT_QUERY.label):
            _advance(cast, clock, Phase.RESULT_QUERY, progress)
            clock.move_to(cast.round.result_query_opens_at + DAY)
            reviewing.applicants_appeal(cast, progress=progress)

        with timer.phase(Phase.RECHECK_RANKING, Phase.RECHECK_RANKING.label):
            _advance(cast, clock, Phase.RECHECK_RANKING, progress)
            clock.move_to(cast.round.recheck_opens_at + 2 * DAY)
            reviewing.reviewers_decide(cast, queues=["appeal"], progress=progress)
            reviewing.require_no_open_claims(cast, where="部门复核及积分排名阶段")

        with timer.phase(Phase.PUBLICITY, Phase.PUBLICITY.label):
            # Leaving the recheck phase fixes the results and ranks (同分同落); entering
            # publicity publishes the list for 7 days once the city approved it (细则第十条):
            # the round waits in 公示 for the approval, then the entry job resumes.
            try:
                _advance(cast, clock, Phase.PUBLICITY, progress)
            except SimulationError:
                if cast.round.phase != Phase.PUBLICITY:
                    raise
            if publication_of(cast.round) is None:
                run = RankingRun.objects.get(round=cast.round, is_current=True)
                ranking_run_approve(
                    run=run, document_number=f"京政函〔{year}〕模拟2号", actor=approver
                )
                progress(f"市政府批准落户人员名单（排名 #{run.pk}） / the city approves the list")
                # The round is in 公示 already: the advance only finishes its entry jobs.
                services.round_advance(
                    round=cast.round, to=Phase.PUBLICITY, actor=cast.admin, label=LABEL
                )
            publication = publication_of(cast.round)
            if publication is None:
                raise SimulationError(
                    "进入公示阶段后没有公示名单（publicity.tasks.publish_round）。"
                )
            progress(
                f"公示 {publication.admitted_count} 人，分数线 {publication.cutoff} / "
                f"listed, cutoff"
            )
            clock.move_to(publication.opens_at + DAY)
            objections = listing.objections_submit(cast, publication=publication, progress=progress)
            clock.move_to(publication.opens_at + 3 * DAY)
            listing.objections_decide(cast, objections=objections, progress=progress)

        with timer.phase(Phase.CLOSED, Phase.CLOSED.label):
            # 公示期满: the round closes and the listed are qualified (细则第十条).
            clock.move_to(max(cast.round.publicity_closes_at, publication.closes_at) + HOUR)
            _advance(cast, clock, Phase.CLOSED, progress)
            clock.move_to(timezone.now() + 14 * DAY)
            listing.settlement_one(cast, publication=publication, progress=progress)
            integrity.renunciation_one(cast, publication=publication, progress=progress)
            integrity.fraud_one(cast, publication=publication, progress=progress)

    return round_summary(round=cast.round, seconds=timer.seconds, peak_mb=timer.peak_mb)


def round_summary(
    *,
    round: AnnualRound,
    seconds: dict[str, float],
    peak_mb: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The round as it stands: what the simulation promises (nothing open, the list, …)."""
    round.refresh_from_db()
    states = dict(
        Application.objects.filter(round=round)
        .values("state")
        .annotate(count=Count("pk"))
        .values_list("state", "count")
    )
    publication = publication_of(round)
    claims = IndicatorClaim.objects.filter(application__round=round)
    supplements = SupplementRequest.objects.filter(claim__application__round=round)
    return {
        "year": round.year,
        "phase": round.phase,
        "applications": dict(sorted(states.items())),
        # Work a department still owes: claims of applications in review (a withdrawn or
        # never submitted application's draft claims are nobody's work).
        "claims_open": claims_in_review(claims.filter(state__in=OPEN_STATES)).count(),
        "appeals_open": claims.filter(state=ClaimState.APPEALED).count(),
        "objections_open": open_objection_count(publication) if publication else 0,
        "quota": round.quota,
        "cutoff": None if publication is None else str(publication.cutoff),
        # The people the list was published with (同分同落: at least the quota), and the list
        # as it stands, which export_publicity and the downloads give: an upheld objection
        # takes its person off, and nobody moves up (细则第十条).
        "admitted": publication.admitted_count if publication else 0,
        # Obtained the qualification (细则第十条): holding it, or already settled with it.
        "qualified": states.get(AppState.QUALIFIED, 0) + states.get(AppState.SETTLED, 0),
        "settled": states.get(AppState.SETTLED, 0),
        "renounced": states.get(AppState.RENOUNCED, 0),
        "cancelled_for_fraud": CreditRecord.objects.filter(round=round, party="applicant").count(),
        # 细则第七条: 补件 asked, answered and handed back at the deadline; 原件查验 visits.
        "supplements": {
            "requested": supplements.count(),
            "answered": supplements.filter(answered_at__isnull=False).count(),
            "overdue": supplements.filter(overdue_at__isnull=False).count(),
        },
        "originals_attended": OriginalsCheck.objects.filter(
            application__round=round, state=OriginalsState.ATTENDED
        ).count(),
        "audit_events": AuditEvent.objects.filter(round_year=round.year).count(),
        "seconds": seconds,
        # Per phase, the peak resident MB of the driver and of the largest worker process
        # (None: no worker, tasks ran in the driver); issue 13 allows 1 GB each.
        "peak_mb": peak_mb or {},
    }
