"""The public list (公示), objections (实名举报), settlement (落户办理) and credit records.

细则第十条: 公示 7 天; 公示期满无异议的取得落户资格, 资格保留 2 年; 举报查证属实的取消资格.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from ranking.policy.settlement import COLLECTIVE, HOME_DIRECT_PUBLIC, HOME_OWN, HOME_UNIT_PUBLIC
from workflow.models import (
    AnnualRound,
    Applicant,
    Application,
    Employer,
    EncryptedTextField,
    Phase,
    validate_id_number_field,
)
from workflow.models.guards import ADMIN, DISTRICT, HRSS, OWNER, PHASE, SYSTEM, Guard, guards


class Publication(models.Model):
    """The list as published: a frozen copy, so what the public saw never changes."""

    round = models.OneToOneField(
        AnnualRound, on_delete=models.PROTECT, related_name="publication", verbose_name="年度"
    )
    ranking_run = models.ForeignKey(
        "ranking.RankingRun", on_delete=models.PROTECT, related_name="+", verbose_name="排名记录"
    )
    opens_at = models.DateTimeField("公示开始")
    closes_at = models.DateTimeField("公示结束")
    quota = models.PositiveIntegerField("年度落户规模")
    cutoff = models.DecimalField("落户分数线", max_digits=7, decimal_places=2, null=True)
    admitted_count = models.PositiveIntegerField("公示人数")
    applicant_count = models.PositiveIntegerField("参与排名人数")
    # [{"from": "90.00", "to": "91.00", "count": 12}, ...] over ALL ranked applicants' totals.
    histogram = models.JSONField("积分分布", default=list, encoder=DjangoJSONEncoder)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="发布人",
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="创建时间")
    # The list changes after publication only when an upheld objection cancels an entry
    # (细则第十条); the version keys its stored downloads and cached statistics, the time is
    # the downloads' Last-Modified.
    list_version = models.PositiveIntegerField("名单版本", default=1)
    list_changed_at = models.DateTimeField("名单更新时间")

    class Meta:
        verbose_name = "公示"
        verbose_name_plural = "公示"
        ordering = ["-opens_at"]

    def __str__(self) -> str:
        return f"{self.round.year}年度积分落户公示"

    def is_open(self, now: dt.datetime) -> bool:
        return self.opens_at <= now <= self.closes_at

    @property
    def version_key(self) -> str:
        """This list at its current version, for the keys of what is cached from it (pages,
        statistics). The creation time guards against a database rebuilt under a long-lived
        cache: the same id and version, another list."""
        return f"{self.pk}:{self.list_version}:{self.created_at.timestamp():.6f}"


class PublicityEntry(models.Model):
    """One line of the public list, in the layout of the official lists since 2020."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="entries", verbose_name="公示"
    )
    application = models.OneToOneField(
        Application,
        on_delete=models.PROTECT,
        related_name="publicity_entry",
        verbose_name="申请",
    )
    number = models.CharField("公示编号", max_length=12)  # year + 5-digit sequence: 202000001
    position = models.PositiveIntegerField("序号")
    rank = models.PositiveIntegerField("排名")
    name = models.CharField("姓名", max_length=60)
    birth_month = models.CharField("出生年月", max_length=7)  # YYYY-MM, never the full date
    employer_name = models.CharField("单位名称", max_length=200)
    indicators = models.JSONField("指标分值", encoder=DjangoJSONEncoder)  # code -> "12.34"
    total = models.DecimalField("积分", max_digits=7, decimal_places=2)
    # Set when an upheld objection cancels this person's admission (细则第十条). The row stays:
    # the public saw its number, and nobody moves up into its place.
    cancelled_at = models.DateTimeField("取消资格时间", null=True, blank=True)

    class Meta:
        verbose_name = "公示名单条目"
        verbose_name_plural = "公示名单"
        ordering = ["publication", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "position"], name="publicity_entry_position"
            ),
            models.UniqueConstraint(
                fields=["publication", "number"], name="publicity_entry_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class DownloadFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel（XLSX）"


class PublicationDownload(models.Model):
    """A published list's download, built once per list version and served as stored (with
    its digest as the ETag) until an upheld objection changes the list."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="downloads", verbose_name="公示"
    )
    format = models.CharField("格式", max_length=4, choices=DownloadFormat.choices)
    list_version = models.PositiveIntegerField("名单版本")
    writer = models.CharField("生成程序版本", max_length=16)  # publicity.downloads.WRITER_REVISION
    content = models.BinaryField("文件内容")
    sha256 = models.CharField("SHA-256 校验值", max_length=64)
    size = models.PositiveIntegerField("字节数")
    built_at = models.DateTimeField("生成时间")

    class Meta:
        verbose_name = "公示名单下载文件"
        verbose_name_plural = "公示名单下载文件"
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "format", "list_version", "writer"],
                name="publication_download_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.publication_id} v{self.list_version}.{self.format}"


class ObjectionState(models.TextChoices):
    RECEIVED = "received", "已受理"
    UPHELD = "upheld", "查证属实"
    REJECTED = "rejected", "查无实据"


DECIDE = guards(Guard("处理举报", (Phase.PUBLICITY, Phase.CLOSED), frozenset({ADMIN}), PHASE))


class Objection(ConcurrentTransitionMixin, models.Model):
    """实名举报. The reporter's identity is for administrators only (细则第十条: 实名举报)."""

    publication = models.ForeignKey(
        Publication,
        on_delete=models.PROTECT,
        related_name="objections",
        verbose_name="公示",
    )
    entry = models.ForeignKey(
        PublicityEntry, on_delete=models.PROTECT, related_name="objections", verbose_name="被举报人"
    )
    reporter_name = models.CharField("举报人姓名", max_length=60)
    # Encrypted at rest (workflow.crypto); nothing looks a reporter up by number.
    reporter_id_number = EncryptedTextField(
        "举报人公民身份号码", max_length=18, validators=[validate_id_number_field]
    )
    reporter_contact = EncryptedTextField("举报人联系方式", max_length=100)
    facts = models.TextField("举报事实")
    submitted_at = models.DateTimeField("举报时间")
    state = FSMField(
        "处理状态",
        max_length=10,
        choices=ObjectionState.choices,
        default=ObjectionState.RECEIVED,
        protected=True,
    )
    outcome = models.TextField("核查结论", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="处理人",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "实名举报"
        verbose_name_plural = "实名举报"
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["publication", "state"], name="objection_state")]

    def __str__(self) -> str:
        return f"举报 #{self.pk} → {self.entry.number}"

    # 细则第十条: 对公示有异议的实名举报, investigated and decided by the administrators, during
    # the publicity or after it (an investigation may outlast the 7 days).
    @transition(
        field=state, source=ObjectionState.RECEIVED, target=ObjectionState.UPHELD, custom=DECIDE
    )
    def uphold(self) -> None:
        pass

    @transition(
        field=state, source=ObjectionState.RECEIVED, target=ObjectionState.REJECTED, custom=DECIDE
    )
    def dismiss(self) -> None:
        pass


class SettlementState(models.TextChoices):
    PREPARING = "preparing", "准备材料"
    SUBMITTED = "submitted", "已提交，待区指定部门审核"
    RETURNED = "returned", "材料退回补正"
    ACCEPTED = "accepted", "区指定部门审核通过，待市人力资源社会保障局核准"
    APPROVED = "approved", "市人力资源社会保障局已核准"
    LETTER_ISSUED = "letter_issued", "已出具函件"
    SETTLED = "settled", "已落户"


class HomeKind(models.TextChoices):
    # 细则第十二条: 可以办理落户手续的合法住房, or the unit's collective household.
    OWN_HOME = HOME_OWN, "自有住房（房屋所有权证或不动产权证书，规划用途为住宅）"
    DIRECT_PUBLIC = HOME_DIRECT_PUBLIC, "直管公房（公有住房租赁合同）"
    UNIT_PUBLIC = HOME_UNIT_PUBLIC, "自管公房（单位出具的住房分配通知单）"
    COLLECTIVE = COLLECTIVE, "单位集体户"


# Who moves a settlement (细则第十一条、第十二条): the applicant prepares and submits; the district
# office (区指定部门) reviews and finally records the settlement; the 人社局 approves; the system
# issues the letter once approved. No phase: the qualification's two years are the clock
# (publicity.services checks qualified_until), and they outlast the round's own phases.
_OWNER = frozenset({OWNER})
_DISTRICT = frozenset({DISTRICT})
SUBMIT = guards(Guard("提交落户材料", (), _OWNER, PHASE))
REVIEW = guards(Guard("审核落户材料", (), _DISTRICT, PHASE))
APPROVE = guards(Guard("核准落户", (), frozenset({HRSS}), PHASE))
ISSUE = guards(Guard("出具落户函件", (), frozenset({HRSS, SYSTEM}), PHASE))
SETTLE = guards(Guard("登记落户", (), _DISTRICT, PHASE))


class Settlement(ConcurrentTransitionMixin, models.Model):
    """落户办理 (细则第十一条、第十二条): the materials the applicant prepares online, the district
    office's review, the 人社局's approval, the numbered letter, and the settlement itself."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="settlement", verbose_name="申请"
    )
    state = FSMField(
        "办理状态",
        max_length=16,
        choices=SettlementState.choices,
        default=SettlementState.PREPARING,
        protected=True,
    )
    # Where to settle (细则第十二条).
    home_kind = models.CharField(
        "落户地址类型", max_length=16, choices=HomeKind.choices, blank=True
    )
    home_address = models.CharField("落户地址", max_length=200, blank=True)
    home_document = models.CharField("住房证明编号", max_length=60, blank=True)
    # 细则第十一条: 档案审核按相关规定办理，无档案人员应出具无档案诚信声明（附件1）.
    has_archive = models.BooleanField("有人事档案", default=True)
    archive_holder = models.CharField("档案存放单位", max_length=200, blank=True)
    # 细则第十一条（二）: the papers of the accompanying children.
    marriage_certificate = models.BooleanField("与随迁子女有关的婚姻凭证已备齐", default=False)
    family_planning_certificate = models.BooleanField("符合计划生育政策凭证已备齐", default=False)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    return_reason = models.TextField("退回原因", blank=True)
    reviewed_at = models.DateTimeField("区指定部门审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审核人",
    )
    approved_at = models.DateTimeField("核准时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="核准人",
    )
    # The letter's number is given once, in order within the year it is issued.
    letter_year = models.PositiveIntegerField("函件年份", null=True, blank=True)
    letter_sequence = models.PositiveIntegerField("函件序号", null=True, blank=True)
    letter_number = models.CharField("函件编号", max_length=40, blank=True)
    letter_issued_at = models.DateTimeField("函件出具时间", null=True, blank=True)
    # 细则第十二条: 落户后应依法注销《北京市居住证》.
    residence_permit_cancelled = models.BooleanField("已注销《北京市居住证》", default=False)
    settled_at = models.DateTimeField("落户时间", null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="登记人",
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name="更新时间")

    class Meta:
        verbose_name = "落户办理"
        verbose_name_plural = "落户办理"
        indexes = [models.Index(fields=["state"], name="settlement_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["letter_year", "letter_sequence"],
                condition=models.Q(letter_sequence__isnull=False),
                name="settlement_letter_number_once",
            )
        ]

    def __str__(self) -> str:
        return f"落户办理 {self.application_id}"

    @transition(
        field=state,
        source=[SettlementState.PREPARING, SettlementState.RETURNED],
        target=SettlementState.SUBMITTED,
        custom=SUBMIT,
    )
    def submit(self) -> None:
        pass

    @transition(
        field=state,
        source=SettlementState.SUBMITTED,
        target=SettlementState.RETURNED,
        custom=REVIEW,
    )
    def return_materials(self) -> None:
        pass

    @transition(
        field=state,
        source=SettlementState.SUBMITTED,
        target=SettlementState.ACCEPTED,
        custom=REVIEW,
    )
    def accept(self) -> None:
        pass

    @transition(
        field=state,
        source=SettlementState.ACCEPTED,
        target=SettlementState.APPROVED,
        custom=APPROVE,
    )
    def approve(self) -> None:
        pass

    @transition(
        field=state,
        source=SettlementState.APPROVED,
        target=SettlementState.LETTER_ISSUED,
        custom=ISSUE,
    )
    def issue_letter(self) -> None:
        pass

    @transition(
        field=state,
        source=SettlementState.LETTER_ISSUED,
        target=SettlementState.SETTLED,
        custom=SETTLE,
    )
    def settle(self) -> None:
        pass


class SettlementChild(models.Model):
    """One of the applicant's children (细则第十一条（二）): all of them count for the
    family-planning exemption; the accompanying minors bring their papers."""

    settlement = models.ForeignKey(
        Settlement, on_delete=models.CASCADE, related_name="children", verbose_name="落户办理"
    )
    name = models.CharField("子女姓名", max_length=60)
    birth_date = models.DateField("出生日期")
    # Encrypted at rest like every identity number (docs/reliability.md); never looked up.
    id_number = EncryptedTextField(
        "公民身份号码", max_length=18, blank=True, validators=[validate_id_number_field]
    )
    accompanying = models.BooleanField("随迁", default=True)
    # The accompanying child's papers: 户口簿 and 《出生医学证明》.
    hukou_booklet = models.BooleanField("户口簿已备齐", default=False)
    birth_certificate = models.BooleanField("《出生医学证明》已备齐", default=False)

    class Meta:
        verbose_name = "子女"
        verbose_name_plural = "子女"
        ordering = ["birth_date", "pk"]

    def __str__(self) -> str:
        return self.name


class CreditParty(models.TextChoices):
    APPLICANT = "applicant", "申请人"
    EMPLOYER = "employer", "用人单位"


class CreditExport(models.Model):
    """报送市经济和信息化局: one dated, signed batch of 失信记录 for the public credit platform
    (细则第十七条: 纳入本市公共信用信息服务平台). Each record goes out in exactly one batch;
    a batch is kept as built, so it can be downloaded again, byte for byte."""

    number = models.CharField("报送批号", max_length=20, unique=True)
    created_at = models.DateTimeField("生成时间")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="生成人",
    )
    created_by_label = models.CharField("生成人（记录时）", max_length=150)
    record_count = models.PositiveIntegerField("记录数")
    # The JSON file is the batch of record; CSV and XLSX carry the same rows, digest and
    # signature for a reader with a spreadsheet.
    content_json = models.BinaryField("JSON 文件")
    content_csv = models.BinaryField("CSV 文件")
    content_xlsx = models.BinaryField("XLSX 文件")
    sha256 = models.CharField("记录 SHA-256", max_length=64)
    signature = models.CharField("签名（HMAC-SHA256）", max_length=64)

    class Meta:
        verbose_name = "失信记录报送批次"
        verbose_name_plural = "失信记录报送批次"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.number}（{self.record_count} 条）"


class CreditRecord(models.Model):
    """失信记录: fraud found at any point bars the party for the year and 5 more (细则第十一条)."""

    party = models.CharField("对象类型", max_length=10, choices=CreditParty.choices)
    applicant = models.ForeignKey(
        Applicant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_records",
        verbose_name="申请人",
    )
    employer = models.ForeignKey(
        Employer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_records",
        verbose_name="用人单位",
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        related_name="credit_records",
        verbose_name="相关申请",
    )
    round = models.ForeignKey(
        AnnualRound, on_delete=models.PROTECT, related_name="credit_records", verbose_name="年度"
    )
    reason = models.TextField("原因")
    barred_until = models.DateField("限制申报至")
    recorded_at = models.DateTimeField("记录时间")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="记录人",
    )
    export = models.ForeignKey(
        CreditExport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
        verbose_name="报送批次",
    )

    class Meta:
        verbose_name = "信用记录"
        verbose_name_plural = "信用记录"
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(party="applicant", applicant__isnull=False, employer__isnull=True)
                    | models.Q(party="employer", employer__isnull=False, applicant__isnull=True)
                ),
                name="credit_record_party_matches",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_party_display()} 限制至 {self.barred_until}"
