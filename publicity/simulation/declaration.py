"""申报阶段: applicants, their units and the departments' data, in the declaration window.

Applicants start through the portal's action (start and name the employer), units confirm
or refuse the affiliation, the departments load their record batches through the import
service (the data exchange, 细则第六条), and applicants declare their indicators and submit;
submitting queues the verification that the applicant sees at once. Some then ask for a
recheck (复查, 细则第五条) of an adjusted result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef

from publicity.simulation.clock import (
    SimulationError,
    chunks_side_by_side,
    each_side_by_side,
    in_chunks,
    wait_until,
)
from publicity.simulation.people import Cast
from publicity.simulation.script import P_RECHECK, ApplicantScript, choice
from review.models import RECORD_KINDS, BatchStatus, ImportBatch
from review.services.imports import batch_submit
from review.synthetic import record_files
from workflow import portal, services
from workflow.indicators import evidence_required
from workflow.models import (
    Application,
    AppState,
    ClaimState,
    IndicatorClaim,
    JobRun,
    JobStatus,
)

Progress = Callable[[str], None]
VERIFICATION_RUN = "review.verify"  # JobRun.kind of review.services.verification.verification_start

UNIT_REFUSAL = "经核实，该职工的社会保险不由本单位缴纳，本单位不予确认隶属关系。"
WITHDRAWAL = "个人原因，放弃本年度积分落户申报。"
RECHECK_REASON = "我对“{label}”指标的审核结果有异议：申报的情况属实，请复查。"
# A scanned document stands in for what 细则第七条 asks where the data exchange cannot verify
# (股权投资): the smallest PDF the content check accepts.
EVIDENCE_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _application(cast: Cast, index: int) -> Application:
    # Fresh each time: another actor (the unit, a phase job) may have moved it meanwhile.
    return Application.objects.select_related("round", "applicant", "employer").get(
        pk=cast.applications[index]
    )


# Applicants starting, declaring and submitting in the same hour, taken together through
# `workflow.services.mass` (each still checked and audited as their own).
APPLICANTS_PER_COMMIT = 500


def applications_begin(cast: Cast, *, progress: Progress) -> None:
    # One after the other, so that the applications' ids (which order ties on the list)
    # follow the script.
    for chunk in in_chunks(cast.scripts, APPLICANTS_PER_COMMIT):
        with transaction.atomic():
            ids = services.applications_begin_many(
                round=cast.round,
                starts=[
                    (
                        cast.users[script.index],
                        cast.employers[script.facts["employer"]["credit_code"]],
                    )
                    for script in chunk
                ],
            )
        for script, pk in zip(chunk, ids, strict=True):
            cast.applications[script.index] = pk
    progress(f"{len(cast.applications)} 份申请已开始并选择用人单位 / applications started")


def units_decide(cast: Cast, *, progress: Progress, second_time: bool = False) -> None:
    """Each unit confirms its employees' affiliation, all at once from its list; a few are
    refused the first time, one by one with the reason."""
    scripts = [s for s in cast.scripts if s.names_unit_again] if second_time else cast.scripts
    waiting = dict(
        Application.objects.filter(
            pk__in=[cast.applications[s.index] for s in scripts],
            state=AppState.AWAITING_EMPLOYER,
        ).values_list("pk", "employer__credit_code")
    )
    staff: dict[str, list[ApplicantScript]] = {}
    for script in scripts:
        code = waiting.get(cast.applications[script.index])
        if code is not None:
            staff.setdefault(code, []).append(script)

    def decide(code: str) -> tuple[int, int]:
        unit = cast.units[code]
        refused = [s for s in staff[code] if s.unit_rejects and not second_time]
        for script in refused:
            services.employer_reject_affiliation(
                application=_application(cast, script.index), actor=unit, reason=UNIT_REFUSAL
            )
        confirmed = services.employer_confirm_affiliations(
            round=cast.round,
            application_ids=[cast.applications[s.index] for s in staff[code] if s not in refused],
            actor=unit,
        )
        return confirmed, len(refused)

    outcomes = each_side_by_side(sorted(staff), decide)
    confirmed, refused = sum(c for c, _ in outcomes), sum(r for _, r in outcomes)
    progress(f"单位确认 {confirmed}，不予确认 {refused} / units confirmed, refused")


def employers_named_again(cast: Cast, *, progress: Progress) -> None:
    """Half of those refused clear it up with their unit and name it again."""
    count = 0
    for script in cast.scripts:
        if script.names_unit_again:
            application = _application(cast, script.index)
            services.application_name_employer(
                application=application,
                employer=application.employer,
                actor=cast.users[script.index],
            )
            count += 1
    progress(f"{count} 人重新提交单位确认 / named their unit again")


def departments_upload(cast: Cast) -> list[tuple[int, str, int]]:
    """Each department uploads its records of each kind as CSV files (a long kind in several
    files, as the import's limits ask), built from the people's true facts; the 教委's data
    lacks the degrees of a few (the manual queue finds them). The workers load them while the
    applicants and units go on (`departments_loaded` waits for them before anyone submits:
    the records name registered applicants, and a claim is verified when it is submitted).
    Returns each batch's id, kind and rows."""
    people = (
        {**script.facts, "education": []} if script.degree_not_on_file else script.facts
        for script in cast.scripts
    )
    batches = []
    for part, (kind, content, rows) in enumerate(record_files(people), start=1):
        department_code = RECORD_KINDS[kind].departments[0]
        batch = batch_submit(
            department=cast.departments[department_code],
            file_name=f"{cast.round.year}-{department_code}-{kind}-{part}.csv",
            content=content,
            uploaded_by=cast.reviewers[department_code],
            kind=kind,
        )
        batches.append((batch.pk, kind, rows))
    return batches


def departments_loaded(
    cast: Cast, batches: list[tuple[int, str, int]], *, progress: Progress
) -> None:
    """Wait until the uploaded batches are loaded; one that is not stops the run."""
    ids = [pk for pk, _, _ in batches]
    wait_until(
        lambda: (
            not ImportBatch.objects.filter(
                pk__in=ids, status__in=[BatchStatus.PENDING, BatchStatus.RUNNING]
            ).exists()
        ),
        what="部门数据导入",
    )
    for batch in ImportBatch.objects.filter(pk__in=ids).order_by("pk"):
        if batch.status != BatchStatus.LOADED:
            shown = "；".join(
                f"第 {e['row']} 行 {e['column']}：{e['message']}" for e in batch.errors[:5]
            )
            raise SimulationError(
                f"review.services.imports.batch_submit：{batch.file_name} "
                f"{batch.get_status_display()}：{shown}"
            )
    rows = sum(n for _, _, n in batches)
    progress(f"{len(batches)} 个部门数据批次、{rows} 行已导入 / department batches loaded")


def verification_done(cast: Cast) -> bool:
    """Every submitted application's claims have been through the data exchange (a pending
    claim left is one flagged for a reviewer), and no verification run of the round is
    still going: on a worker both take a moment after the commit that queued them."""
    unverified = IndicatorClaim.objects.filter(
        application=OuterRef("pk"), state=ClaimState.PENDING, needs_manual_review=False
    )
    return not (
        Application.objects.filter(
            round=cast.round, state__in=[AppState.SUBMITTED, AppState.UNDER_REVIEW]
        )
        .filter(Exists(unverified))
        .exists()
        or JobRun.objects.filter(round=cast.round, kind=VERIFICATION_RUN)
        .exclude(status=JobStatus.SUCCEEDED)
        .exists()
    )


def wait_for_verification(cast: Cast) -> None:
    wait_until(lambda: verification_done(cast), what="数据交换核验")


def applicants_declare(cast: Cast, *, progress: Progress) -> None:
    """Each applicant declares their indicators and submits; one in a hundred stops half-way.
    Those acting in the same hour are taken a chunk at a time (`services.claims_declare_many`,
    `services.applications_submit_many`); an applicant with an equity investment uploads the
    evidence for it (细则第七条) in between, as on the indicator page."""
    outcomes = chunks_side_by_side(
        cast.scripts,
        lambda chunk: _declare_and_submit(cast, chunk),
        size=APPLICANTS_PER_COMMIT,
    )
    submitted, stopped = outcomes.count("submitted"), outcomes.count("stopped")
    wait_for_verification(cast)
    progress(f"{submitted} 份申请已提交，{stopped} 份未提交 / submitted, left unsubmitted")


def _declare_and_submit(cast: Cast, scripts: Sequence[ApplicantScript]) -> list[str]:
    applications = (
        Application.objects.filter(state=AppState.FILLING)
        .select_related("round", "applicant", "employer")
        .in_bulk([cast.applications[s.index] for s in scripts])
    )
    acting = [s for s in scripts if cast.applications[s.index] in applications]
    declarations = []
    for script in acting:
        declared = list(script.declared.items())
        if script.abandons:
            declared = declared[:1]
        declarations.append(
            (
                applications[cast.applications[script.index]],
                cast.users[script.index],
                dict(declared),
            )
        )
    services.claims_declare_many(round=cast.round, declarations=declarations)
    for application, user, declared in declarations:
        for indicator, facts in declared.items():
            if evidence_required(indicator, facts):
                services.evidence_upload(
                    application=application,
                    indicator=indicator,
                    upload=ContentFile(EVIDENCE_PDF, name="证明材料.pdf"),
                    actor=user,
                )
    services.applications_submit_many(
        round=cast.round,
        submissions=[
            (cast.applications[s.index], cast.users[s.index]) for s in acting if not s.abandons
        ],
    )
    outcome = {s.index: ("stopped" if s.abandons else "submitted") for s in acting}
    return [outcome.get(s.index, "skipped") for s in scripts]


def applicants_withdraw(cast: Cast, *, progress: Progress) -> None:
    count = 0
    for script in cast.scripts:
        if not script.withdraws:
            continue
        application = _application(cast, script.index)
        if application.state == AppState.SUBMITTED:
            services.application_withdraw(
                application=application, actor=cast.users[script.index], reason=WITHDRAWAL
            )
            count += 1
    progress(f"{count} 人撤回申请 / withdrew")


def claims_object(
    cast: Cast,
    claims: Iterable[IndicatorClaim],
    *,
    kind: str,
    reason: str,
    objects: Callable[[ApplicantScript, IndicatorClaim, float], bool],
) -> int:
    """Each claim's applicant asks for a recheck or appeals (`kind`) through the portal when
    `objects(script, claim, draw)` says so, with a seeded draw of their own per claim and
    kind; the reason names the indicator. Returns how many did."""
    by_application: dict[int, list[IndicatorClaim]] = {}
    for claim in claims:
        by_application.setdefault(claim.application_id, []).append(claim)

    # Applicants side by side; one applicant's claims one after the other.
    def object_to(own: list[IndicatorClaim]) -> int:
        count = 0
        for claim in own:
            script = cast.script_of_applicant(claim.application.applicant_id)
            draw = choice(cast.seed, script.index, claim.indicator, kind).random()
            if not objects(script, claim, draw):
                continue
            portal.claim_object(
                claim=claim,
                kind=kind,
                reason=reason.format(label=claim.get_indicator_display()),
                uploads=[],
                actor=cast.users[script.index],
            )
            count += 1
        return count

    return sum(each_side_by_side([by_application[pk] for pk in sorted(by_application)], object_to))


def applicants_ask_recheck(cast: Cast, *, progress: Progress) -> None:
    """An applicant whose claim was adjusted may ask for a recheck (复查, 细则第五条)."""
    claims = (
        IndicatorClaim.objects.filter(
            application__round=cast.round,
            application__state=AppState.SUBMITTED,
            state=ClaimState.ADJUSTED,
        )
        .select_related("application__round", "application__applicant")
        .order_by("pk")
    )
    count = claims_object(
        cast,
        claims,
        kind="recheck",
        reason=RECHECK_REASON,
        objects=lambda script, claim, draw: draw < P_RECHECK,
    )
    progress(f"{count} 项指标申请复查 / rechecks asked")
