"""An applicant's application in one round, and its indicator claims.

Transitions here are pure state changes (django-fsm, protected fields, optimistic
concurrency), each with its guard declared beside it (who, in which phases, by which clock);
the one transition mechanism (`workflow.services.transitions`) enforces the guard and writes
the audit row. Nothing else should call these methods.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from workflow.indicators import INDICATOR_CHOICES

from .guards import (
    ADMIN,
    DEPARTMENT,
    DISTRICT,
    OPEN,
    OWNER,
    PHASE,
    SYSTEM,
    UNIT,
    Guard,
    guards,
)
from .parties import Applicant, Department, Employer
from .rounds import AnnualRound
from .rounds import Phase as P

# Departments decide from the start of review until the round moves on (a round never stalls).
REVIEW_PHASES = (P.DECLARATION, P.AGGREGATION)
APPEAL_PHASES = (P.RESULT_QUERY, P.RECHECK_RANKING)
REVIEWERS = frozenset({DEPARTMENT, ADMIN, SYSTEM})


class AppState(models.TextChoices):
    DRAFT = "draft", "草稿"
    AWAITING_EMPLOYER = "awaiting_employer", "待单位确认"
    FILLING = "filling", "填报中"
    SUBMITTED = "submitted", "已提交"
    UNDER_REVIEW = "under_review", "审核汇总中"
    RESULTS_PUBLISHED = "results_published", "审核结果已公布"
    FINAL = "final", "审核结果已确定"
    RANKED = "ranked", "已排名"
    PUBLICIZED = "publicized", "公示中"
    QUALIFIED = "qualified", "取得落户资格"
    SETTLED = "settled", "已办理落户"
    # side exits
    REJECTED_BY_EMPLOYER = "rejected_by_employer", "单位未确认"
    WITHDRAWN = "withdrawn", "已撤回"
    INELIGIBLE = "ineligible", "不符合资格条件"
    NOT_ADMITTED = "not_admitted", "未进入落户名单"
    CANCELLED = "cancelled", "已取消资格"
    FORFEITED = "forfeited", "逾期视为放弃"
    # 细则第十七条: fraud found before the list is public cancels that year's application.
    VOIDED = "voided", "因弄虚作假取消申请"
    # 细则第十七条: fraud found after settlement — the police cancel the Beijing hukou and move
    # it back to where it was before (迁回调京前户籍所在地).
    HUKOU_REVOKED = "hukou_revoked", "户口注销"
    # 细则第十八条: a criminal record found before settlement ends the procedure.
    TERMINATED = "terminated", "终止办理"
    # 细则第十三条: 取得落户资格后自行放弃 — final, nobody is admitted in the place.
    RENOUNCED = "renounced", "自行放弃落户资格"


S = AppState
# 细则第五条: 申报阶段内可修改、撤回; these are the applicant's own states during declaration.
DECLARATION_STATES = [S.DRAFT, S.AWAITING_EMPLOYER, S.FILLING, S.SUBMITTED, S.REJECTED_BY_EMPLOYER]
UNSUBMITTED_STATES = [S.DRAFT, S.AWAITING_EMPLOYER, S.FILLING, S.REJECTED_BY_EMPLOYER]
# A claim is a department's work only once its application is submitted (细则第五条: until
# then the applicant may still change or withdraw it) and while it is not withdrawn: the
# queues, the claim pages and the evidence files all follow this one rule.
NOT_IN_REVIEW_STATES = [*UNSUBMITTED_STATES, S.WITHDRAWN]
# On or past the public list (细则第十条): once any application of a round is here, the list is
# published and the quota and ranking are final.
PUBLISHED_STATES = [
    S.PUBLICIZED,
    S.NOT_ADMITTED,
    S.QUALIFIED,
    S.SETTLED,
    S.CANCELLED,
    S.FORFEITED,
    S.HUKOU_REVOKED,
    S.RENOUNCED,
]
# Before the list is public: fraud found here voids the year's application (细则第十七条).
PRE_PUBLICATION_STATES = [
    *DECLARATION_STATES,
    S.UNDER_REVIEW,
    S.RESULTS_PUBLISHED,
    S.FINAL,
    S.RANKED,
]
# 细则第十八条: 在落户手续办理前 — every state from which the procedure can still go on.
NOT_FINAL_STATES = [*PRE_PUBLICATION_STATES, S.PUBLICIZED, S.QUALIFIED]


class Application(ConcurrentTransitionMixin, models.Model):
    # No index of its own: the (round, applicant) and (round, state) indexes lead with round.
    # Every index here is rewritten for each of the ~130,000 rows a ranking run updates.
    round = models.ForeignKey(
        AnnualRound,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name="年度",
        db_index=False,
    )
    applicant = models.ForeignKey(
        Applicant, on_delete=models.PROTECT, related_name="applications", verbose_name="申请人"
    )
    employer = models.ForeignKey(
        Employer,
        on_delete=models.PROTECT,
        related_name="applications",
        null=True,
        blank=True,
        verbose_name="用人单位",
    )
    state = FSMField("状态", choices=AppState.choices, default=AppState.DRAFT, protected=True)

    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    employer_rejection_reason = models.TextField("单位不予确认原因", blank=True)
    # Filled by ranking (issue: ranking + publicity).
    total_points = models.DecimalField(
        "积分", max_digits=7, decimal_places=2, null=True, blank=True
    )
    rank = models.PositiveIntegerField("排名", null=True, blank=True)
    admitted = models.BooleanField("进入落户名单", null=True, blank=True)
    score_explanation = models.JSONField(
        "积分说明", null=True, blank=True, encoder=DjangoJSONEncoder
    )
    # 细则第十条: 落户资格保留 2 年
    qualified_until = models.DateField("落户资格有效期至", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="创建时间")
    updated_at = models.DateTimeField(auto_now=True, verbose_name="更新时间")

    class Meta:
        verbose_name = "积分落户申请"
        verbose_name_plural = "积分落户申请"
        ordering = ["round", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "applicant"], name="one_application_per_applicant_per_round"
            )
        ]
        indexes = [
            models.Index(fields=["round", "state"], name="application_round_state"),
        ]

    def __str__(self) -> str:
        return f"{self.round.year} {self.applicant}"

    @property
    def state_label(self) -> str:
        return AppState(self.state).label

    # --- declaration (applicant and employer) -----------------------------------------
    @transition(
        field=state,
        source=[S.DRAFT, S.REJECTED_BY_EMPLOYER],
        target=S.AWAITING_EMPLOYER,
        custom=guards(Guard("选择用人单位", (P.DECLARATION,), frozenset({OWNER}))),
    )
    def name_employer(self) -> None:
        pass

    @transition(
        field=state,
        source=S.AWAITING_EMPLOYER,
        target=S.FILLING,
        custom=guards(Guard("确认隶属关系", (P.DECLARATION,), frozenset({UNIT}))),
    )
    def confirm_affiliation(self) -> None:
        pass

    @transition(
        field=state,
        source=S.AWAITING_EMPLOYER,
        target=S.REJECTED_BY_EMPLOYER,
        custom=guards(Guard("不予确认隶属关系", (P.DECLARATION,), frozenset({UNIT}))),
    )
    def reject_affiliation(self) -> None:
        pass

    @transition(
        field=state,
        source=S.FILLING,
        target=S.SUBMITTED,
        custom=guards(Guard("提交", (P.DECLARATION,), frozenset({OWNER}))),
    )
    def submit(self) -> None:
        pass

    @transition(
        field=state,
        source=DECLARATION_STATES,
        target=S.WITHDRAWN,
        custom=guards(
            Guard("撤回申请", (P.DECLARATION,), frozenset({OWNER})),
            # 细则第五条: not submitted by the deadline, withdrawn when aggregation begins.
            unsubmitted=Guard("关闭未提交的申请", (P.AGGREGATION,)),
        ),
    )
    def withdraw(self) -> None:
        pass

    # --- system steps driven by the round's phase jobs ----------------------------------
    @transition(
        field=state,
        source=S.SUBMITTED,
        target=S.UNDER_REVIEW,
        custom=guards(Guard("进入审核汇总", (P.AGGREGATION,))),
    )
    def begin_review(self) -> None:
        pass

    @transition(
        field=state,
        source=S.UNDER_REVIEW,
        target=S.RESULTS_PUBLISHED,
        custom=guards(Guard("公布审核结果", (P.RESULT_QUERY,))),
    )
    def publish_results(self) -> None:
        pass

    @transition(
        field=state,
        source=S.RESULTS_PUBLISHED,
        target=S.FINAL,
        custom=guards(Guard("确定审核结果", (P.RECHECK_RANKING,))),
    )
    def finalize(self) -> None:
        pass

    @transition(
        field=state,
        source=[S.UNDER_REVIEW, S.RESULTS_PUBLISHED, S.FINAL],
        target=S.INELIGIBLE,
        custom=guards(
            Guard("认定不符合资格条件", (P.AGGREGATION, P.RESULT_QUERY, P.RECHECK_RANKING)),
        ),
    )
    def mark_ineligible(self) -> None:
        pass

    @transition(
        field=state,
        source=S.FINAL,
        target=S.RANKED,
        custom=guards(Guard("记录积分排名")),
    )
    def rank_applied(self) -> None:
        pass

    @transition(
        field=state,
        source=S.RANKED,
        target=S.PUBLICIZED,
        custom=guards(Guard("列入公示名单", (P.PUBLICITY,))),
    )
    def publicize(self) -> None:
        pass

    @transition(
        field=state,
        source=S.RANKED,
        target=S.NOT_ADMITTED,
        custom=guards(Guard("标记未进入落户名单", (P.PUBLICITY,))),
    )
    def mark_not_admitted(self) -> None:
        pass

    # 细则第十条: 公示期满无异议的，取得年度积分落户资格
    @transition(
        field=state,
        source=S.PUBLICIZED,
        target=S.QUALIFIED,
        custom=guards(Guard("确认取得落户资格", (P.CLOSED,), clock=PHASE)),
    )
    def qualify(self) -> None:
        pass

    # 细则第十条/第十一条: 举报查证属实 or 核察发现问题的，取消已取得的积分落户资格
    @transition(
        field=state,
        source=[S.PUBLICIZED, S.QUALIFIED],
        target=S.CANCELLED,
        custom=guards(
            Guard("取消落户资格", (P.PUBLICITY, P.CLOSED), frozenset({ADMIN}), PHASE),
            fraud=Guard("取消落户资格", (), frozenset({ADMIN})),
        ),
    )
    def cancel(self) -> None:
        pass

    # 细则第十二条: the district office records the settlement, and only at the end of the
    # chain (workflow.extensions.settlement_holds: materials accepted, 人社局 approved, letter
    # issued). No administrator's shortcut.
    @transition(
        field=state,
        source=S.QUALIFIED,
        target=S.SETTLED,
        custom=guards(Guard("登记落户", (P.CLOSED,), frozenset({DISTRICT}), PHASE)),
    )
    def settle(self) -> None:
        pass

    # 细则第十七条: 弄虚作假的，取消其当年积分落户申请资格 — found at any state before the list is
    # public, ranked included: the ranking is then marked to be re-run (publicity.fraud_record).
    @transition(
        field=state,
        source=PRE_PUBLICATION_STATES,
        target=S.VOIDED,
        custom=guards(Guard("因弄虚作假取消申请", (), frozenset({ADMIN}))),
    )
    def void_for_fraud(self) -> None:
        pass

    # 细则第十七条: 已取得本市常住户口的，由公安部门予以注销，并迁回调京前户籍所在地.
    @transition(
        field=state,
        source=S.SETTLED,
        target=S.HUKOU_REVOKED,
        custom=guards(Guard("提请注销户口", (), frozenset({ADMIN}))),
    )
    def revoke_hukou(self) -> None:
        pass

    # 细则第十八条: 在落户手续办理前，发现申请人曾因犯罪被追究过刑事责任的，终止其积分落户办理程序.
    @transition(
        field=state,
        source=NOT_FINAL_STATES,
        target=S.TERMINATED,
        custom=guards(Guard("终止积分落户办理程序", (), frozenset({ADMIN}))),
    )
    def terminate(self) -> None:
        pass

    # 细则第十三条: 取得落户资格后自行放弃的，落户资格不递补 — the applicant's own declaration.
    @transition(
        field=state,
        source=S.QUALIFIED,
        target=S.RENOUNCED,
        custom=guards(Guard("放弃落户资格", (), frozenset({OWNER}), PHASE)),
    )
    def renounce(self) -> None:
        pass

    # 细则第十条: 落户资格保留 2年，逾期未办理的视为自行放弃
    @transition(
        field=state,
        source=S.QUALIFIED,
        target=S.FORFEITED,
        custom=guards(Guard("逾期视为放弃落户资格", ())),
    )
    def forfeit(self) -> None:
        pass


class ClaimState(models.TextChoices):
    PENDING = "pending", "待审核"
    VERIFIED = "verified", "审核通过"
    REJECTED = "rejected", "审核不通过"
    ADJUSTED = "adjusted", "审核调整"
    RECHECK_REQUESTED = "recheck_requested", "已申请复查"
    RECHECKED = "rechecked", "已复查"
    APPEALED = "appealed", "已申诉"
    APPEAL_UPHELD = "appeal_upheld", "申诉成立"
    APPEAL_REJECTED = "appeal_rejected", "申诉不成立"
    # 细则第七条: 数据交换不能比对核查的，申请人应按要求上传相关凭证材料 — waits for the applicant.
    SUPPLEMENT_REQUESTED = "supplement_requested", "待补件"


C = ClaimState
DECIDED_STATES = [C.VERIFIED, C.REJECTED, C.ADJUSTED]
APPEALABLE_STATES = [C.VERIFIED, C.REJECTED, C.ADJUSTED, C.RECHECKED]


class IndicatorClaim(ConcurrentTransitionMixin, models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="claims", verbose_name="申请"
    )
    # The application's round, copied when the claim is made (an application never changes
    # round): the reviewers' queue counts and pages read one department's claims of one round
    # from an index, without joining ~130,000 applications on every view (issue 13).
    round = models.ForeignKey(
        AnnualRound,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="年度",
        editable=False,
        db_index=False,
    )
    indicator = models.CharField("指标", max_length=30, choices=INDICATOR_CHOICES)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="claims", verbose_name="审核部门"
    )
    state = FSMField("状态", choices=ClaimState.choices, default=ClaimState.PENDING, protected=True)

    declared_facts = models.JSONField(
        "申报信息", default=dict, blank=True, encoder=DjangoJSONEncoder
    )
    verified_facts = models.JSONField("核定信息", null=True, blank=True, encoder=DjangoJSONEncoder)
    points = models.DecimalField("分值", max_digits=7, decimal_places=2, null=True, blank=True)
    decision_reason = models.TextField("审核意见", blank=True)
    recheck_reason = models.TextField("复查理由", blank=True)
    appeal_reason = models.TextField("申诉理由", blank=True)
    # 细则第八条: one appeal per claim; once set, never cleared.
    appealed_at = models.DateTimeField("申诉时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审核人",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    # 2020年问答第十二问（历史数据能用尽用）: declared with one click from the applicant's own
    # claim verified in an earlier round; the department still verifies it this year, and
    # its reviewer is shown where the data came from. Any later edit clears it.
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="沿用的往年已核实指标",
    )
    # Filled by department review when data exchange disagrees with the declaration.
    needs_manual_review = models.BooleanField("需人工审核", default=False)
    # Whether the claim is a department's work (its application not in NOT_IN_REVIEW_STATES):
    # the queues, the claim pages and the evidence files ask this instead of joining the
    # applications. Kept by the database, never by Python: set on insert from the
    # application's state, rewritten when the application moves into or out of review, and
    # recomputed whenever a write names it (a stale whole-row save cannot set it wrong).
    # The triggers are in migration 0019_claim_in_review_queue_tally.
    in_review = models.BooleanField("审核中", default=False, db_default=False, editable=False)
    mismatch = models.JSONField("比对差异", null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="创建时间")
    updated_at = models.DateTimeField(auto_now=True, verbose_name="更新时间")

    class Meta:
        verbose_name = "积分指标"
        verbose_name_plural = "积分指标"
        ordering = ["application", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "indicator"], name="one_claim_per_indicator"
            )
        ]
        indexes = [
            models.Index(fields=["department", "state"], name="claim_department_state"),
            # The reviewers' queues (issue 13): each queue's page and oldest item walk one
            # state's range of one department's round, oldest first; "all" walks the round.
            # Only claims in review are indexed (drafts' and withdrawn claims never queue).
            # The counts come from QueueTally, not from an index.
            models.Index(
                fields=["department", "round", "state", "updated_at"],
                name="claim_queue",
                condition=models.Q(in_review=True),
            ),
            models.Index(
                fields=["department", "round", "updated_at"],
                name="claim_queue_all",
                condition=models.Q(in_review=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_indicator_display()}"

    @property
    def state_label(self) -> str:
        return ClaimState(self.state).label

    @transition(
        field=state,
        source=C.PENDING,
        target=C.VERIFIED,
        custom=guards(Guard("审核通过", REVIEW_PHASES, REVIEWERS, OPEN)),
    )
    def verify(self) -> None:
        pass

    @transition(
        field=state,
        source=C.PENDING,
        target=C.REJECTED,
        custom=guards(Guard("审核不通过", REVIEW_PHASES, REVIEWERS, OPEN)),
    )
    def reject(self) -> None:
        pass

    @transition(
        field=state,
        source=C.PENDING,
        target=C.ADJUSTED,
        custom=guards(Guard("调整审核结果", REVIEW_PHASES, REVIEWERS, OPEN)),
    )
    def adjust(self) -> None:
        pass

    # 细则第五条: 申报阶段内修改填报信息 puts a decided claim back into review (a recheck of
    # the old declaration is moot once it changed).
    @transition(
        field=state,
        source=[*DECIDED_STATES, C.RECHECK_REQUESTED, C.RECHECKED, C.SUPPLEMENT_REQUESTED],
        target=C.PENDING,
        custom=guards(Guard("填报积分指标", (P.DECLARATION,), frozenset({OWNER}))),
    )
    def redeclare(self) -> None:
        pass

    # 细则第五条: 对有异议的审核结果发起复查 (declaration phase)
    @transition(
        field=state,
        source=DECIDED_STATES,
        target=C.RECHECK_REQUESTED,
        custom=guards(Guard("申请复查", (P.DECLARATION,), frozenset({OWNER}))),
    )
    def request_recheck(self) -> None:
        pass

    @transition(
        field=state,
        source=C.RECHECK_REQUESTED,
        target=C.RECHECKED,
        custom=guards(Guard("作出复查结论", REVIEW_PHASES, REVIEWERS, OPEN)),
    )
    def decide_recheck(self) -> None:
        pass

    # 细则第八条: 审核结果查询阶段提出申诉
    @transition(
        field=state,
        source=APPEALABLE_STATES,
        target=C.APPEALED,
        conditions=[lambda claim: claim.appealed_at is None],
        custom=guards(Guard("提出申诉", (P.RESULT_QUERY,), frozenset({OWNER}))),
    )
    def appeal(self) -> None:
        pass

    @transition(
        field=state,
        source=C.APPEALED,
        target=C.APPEAL_UPHELD,
        custom=guards(Guard("作出申诉结论", APPEAL_PHASES, REVIEWERS, OPEN)),
    )
    def uphold_appeal(self) -> None:
        pass

    @transition(
        field=state,
        source=C.APPEALED,
        target=C.APPEAL_REJECTED,
        custom=guards(Guard("作出申诉结论", APPEAL_PHASES, REVIEWERS, OPEN)),
    )
    def reject_appeal(self) -> None:
        pass

    # --- 补件 (细则第七条): the department asks for documents, the applicant answers by the
    # deadline the department set (inside the review phases), or the system hands the claim
    # back at the deadline to be decided on what is there.
    @transition(
        field=state,
        source=C.PENDING,
        target=C.SUPPLEMENT_REQUESTED,
        custom=guards(Guard("要求补件", REVIEW_PHASES, frozenset({DEPARTMENT, ADMIN}), OPEN)),
    )
    def request_supplement(self) -> None:
        pass

    # The applicant's clock is the request's own deadline (checked by the service); the phase
    # alone here, since that deadline may fall after the declaration window closed.
    @transition(
        field=state,
        source=C.SUPPLEMENT_REQUESTED,
        target=C.PENDING,
        custom=guards(Guard("提交补件材料", REVIEW_PHASES, frozenset({OWNER}), PHASE)),
    )
    def answer_supplement(self) -> None:
        pass

    @transition(
        field=state,
        source=C.SUPPLEMENT_REQUESTED,
        target=C.PENDING,
        custom=guards(Guard("补件逾期退回审核", REVIEW_PHASES)),
    )
    def supplement_overdue(self) -> None:
        pass
