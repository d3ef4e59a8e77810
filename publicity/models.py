"""The public list (公示), objections (实名举报), settlement (落户办理) and credit records.

细则第十条: 公示 7 天; 公示期满无异议的取得落户资格, 资格保留 2 年; 举报查证属实的取消资格.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from workflow.models import (
    AnnualRound,
    Applicant,
    Application,
    Employer,
    EncryptedTextField,
    Phase,
    validate_id_number_field,
)
from workflow.models.guards import ADMIN, PHASE, Guard, guards


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


class Settlement(models.Model):
    """落户办理: the materials checklist and the district office's completion mark."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="settlement", verbose_name="申请"
    )
    application_form = models.BooleanField("《北京市积分落户申请表》", default=False)
    transfer_registration = models.BooleanField("《调动人员情况登记表》", default=False)
    # Accompanying minor children: their papers, or "none accompanying".
    has_minor_children = models.BooleanField("有随迁未成年子女", default=False)
    minor_children_papers = models.BooleanField("随迁未成年子女材料", default=False)
    # 存档 (personnel archive transferred) or 无档案声明
    archive_statement = models.BooleanField("存档证明或无档案声明", default=False)
    notes = models.TextField("备注", blank=True)
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="办结人",
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name="更新时间")

    class Meta:
        verbose_name = "落户办理"
        verbose_name_plural = "落户办理"

    def __str__(self) -> str:
        return f"落户办理 {self.application_id}"

    def missing_materials(self) -> list[str]:
        missing = []
        if not self.application_form:
            missing.append(str(self._meta.get_field("application_form").verbose_name))
        if not self.transfer_registration:
            missing.append(str(self._meta.get_field("transfer_registration").verbose_name))
        if self.has_minor_children and not self.minor_children_papers:
            missing.append(str(self._meta.get_field("minor_children_papers").verbose_name))
        if not self.archive_statement:
            missing.append(str(self._meta.get_field("archive_statement").verbose_name))
        return missing


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
