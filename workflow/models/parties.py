"""Who takes part: departments, employers (用人单位), applicants, and the role links."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from ranking.policy.identity import parse_id_number, validate_credit_code
from workflow import crypto

from .fields import BlindIndexField, EncryptedTextField


def validate_id_number_field(value: str) -> None:
    # GB 11643-1999 check digit; the message names the field (公民身份号码).
    try:
        parse_id_number(value)
    except ValueError as exc:
        raise ValidationError(f"公民身份号码无效：{exc}", code="invalid_id_number") from exc


def validate_credit_code_field(value: str) -> None:
    # GB 32100-2015 check character.
    try:
        validate_credit_code(value)
    except ValueError as exc:
        raise ValidationError(f"统一社会信用代码无效：{exc}", code="invalid_credit_code") from exc


class Department(models.Model):
    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60)

    class Meta:
        verbose_name = "审核部门"
        verbose_name_plural = "审核部门"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Employer(models.Model):
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, validators=[validate_credit_code_field]
    )
    name = models.CharField("单位名称", max_length=200)
    # 细则第五条: 该用人单位应在京注册并进行税务登记
    registered_in_beijing = models.BooleanField("在京注册", default=True)
    tax_registered = models.BooleanField("已税务登记", default=True)
    barred_until = models.DateField("限制申报至", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="创建时间")

    class Meta:
        verbose_name = "用人单位"
        verbose_name_plural = "用人单位"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def is_barred(self, on: dt.date) -> bool:
        return self.barred_until is not None and on <= self.barred_until


class FemaleJob(models.TextChoices):
    # 细则第十四条（二）: 女工人 50 周岁, 女干部（管理岗人员）55 周岁
    WORKER = "worker", "工人"
    CADRE = "cadre", "干部（管理岗）"


class ApplicantQuerySet(models.QuerySet):
    """The one way to find applicants by identity number: through its blind index (the
    number itself is encrypted, and a ciphertext never equals another)."""

    def by_id_number(self, number: str) -> ApplicantQuerySet:
        return self.filter(id_number_index=crypto.id_number_index(number))

    def in_bulk_by_id_number(self, numbers: Iterable[str]) -> dict[str, Applicant]:
        """{number: applicant} of those numbers that have one (callers chunk long lists)."""
        indexes = crypto.id_number_indexes(numbers)
        rows = self.filter(id_number_index__in=list(indexes))
        return {indexes[applicant.id_number_index]: applicant for applicant in rows}

    def pks_by_id_number(self, numbers: Iterable[str]) -> dict[str, int]:
        """{number: applicant id}, decrypting nothing (a department batch's 130,000 rows)."""
        indexes = crypto.id_number_indexes(numbers)
        rows = self.filter(id_number_index__in=list(indexes)).values_list("id_number_index", "pk")
        return {indexes[index]: pk for index, pk in rows}


class Applicant(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="applicant",
        verbose_name="账号",
    )
    # Encrypted at rest; unique through its blind index (workflow.crypto).
    id_number = EncryptedTextField(
        "公民身份号码", max_length=18, validators=[validate_id_number_field]
    )
    id_number_index = BlindIndexField(
        "公民身份号码",
        source="id_number",
        unique=True,
        error_messages={"unique": "该公民身份号码已登记，不能重复登记。"},
    )
    name = models.CharField("姓名", max_length=60)
    phone = EncryptedTextField("手机号码", max_length=20, blank=True)
    female_job = models.CharField(
        "女性岗位类别", max_length=10, choices=FemaleJob.choices, null=True, blank=True
    )
    barred_until = models.DateField("限制申报至", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="创建时间")

    objects = ApplicantQuerySet.as_manager()

    class Meta:
        verbose_name = "申请人"
        verbose_name_plural = "申请人"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    # Birth date and gender are derived, never stored, so they cannot disagree with the number.
    @property
    def birth_date(self) -> dt.date:
        return parse_id_number(self.id_number).birth_date

    @property
    def gender(self) -> str:
        return parse_id_number(self.id_number).gender

    def clean(self) -> None:
        # Before validate_unique (full_clean's next step) compares it with the other rows'.
        self.id_number_index = self._meta.get_field("id_number_index").index_of(self)
        try:
            gender = self.gender
        except ValueError:
            return  # the field validator reports the number itself
        # facts-format-1: female_job required for women, null for men.
        if gender == "F" and not self.female_job:
            raise ValidationError({"female_job": "女性申请人须选择岗位类别（工人或干部）。"})
        if gender == "M" and self.female_job:
            raise ValidationError({"female_job": "男性申请人不填写女性岗位类别。"})

    def validate_unique(self, exclude: Iterable[str] | None = None) -> None:
        # The index stands for the number: checked whenever the number is (a form has no index
        # field, so it would leave it out), and its error is the number's, named in Chinese.
        excluded = set(exclude or ())
        if "id_number" not in excluded:
            excluded.discard("id_number_index")
        try:
            super().validate_unique(exclude=excluded)
        except ValidationError as error:
            raise ValidationError(
                {
                    ("id_number" if name == "id_number_index" else name): messages
                    for name, messages in error.error_dict.items()
                }
            ) from None

    def is_barred(self, on: dt.date) -> bool:
        return self.barred_until is not None and on <= self.barred_until


class EmployerMembership(models.Model):
    """A unit administrator (单位经办人) acting for an employer.

    Anyone can register a unit account by typing a credit code; only once an administrator
    has checked that the account really acts for that code (营业执照, 授权书) may it confirm
    or refuse the unit's employees' declarations (`employer_membership_verify`).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="employer_memberships",
        verbose_name="账号",
    )
    employer = models.ForeignKey(
        Employer, on_delete=models.CASCADE, related_name="memberships", verbose_name="用人单位"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="创建时间")
    verified_at = models.DateTimeField("核验时间", null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="核验人",
    )

    class Meta:
        verbose_name = "单位经办人"
        verbose_name_plural = "单位经办人"
        constraints = [
            models.UniqueConstraint(fields=["user", "employer"], name="unique_employer_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.employer}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class ReviewerProfile(models.Model):
    """A department reviewer (审核人员)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviewer_profile",
        verbose_name="账号",
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="reviewers", verbose_name="审核部门"
    )

    class Meta:
        verbose_name = "审核人员"
        verbose_name_plural = "审核人员"

    def __str__(self) -> str:
        return f"{self.user} ({self.department})"
