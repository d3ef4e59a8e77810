"""Department records (部门数据): what each department's data exchange says about a person.

细则第六条: 相关部门通过数据交换方式核查. One model per kind of record, keyed by the person
(an Applicant, found by identity number when a batch loads) and, for tax, by year.
Records are facts about a person, not about a round: a department reloads its data and a
row with the same natural key (`record_key`) is updated, not duplicated.

Periods are stored as periods (first month, last month inclusive, null = still ongoing),
not one row per month: 130,000 people × 15 years would be 23 million monthly rows, while
their periods are a few hundred thousand, and the verification compares month sets built
in memory per chunk anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from workflow.models import Applicant, Department


class DepartmentRecord(models.Model):
    applicant = models.ForeignKey(
        Applicant, on_delete=models.CASCADE, related_name="+", verbose_name="申请人"
    )
    # The natural key of the row (kind + identity number + the identifying columns): a
    # reloaded row updates its record instead of adding a second one.
    record_key = models.CharField("记录键", max_length=200, unique=True)
    batch = models.ForeignKey(
        "review.ImportBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="导入批次",
    )
    loaded_at = models.DateTimeField("导入时间", null=True, blank=True)

    # department code(s) whose clerks load and read this kind
    departments: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.record_key}"


class SocialInsurancePeriod(DepartmentRecord):  # noqa: DJ008 (__str__ inherited)
    """人社局 and 市医保局: months paid in Beijing (the insurance type with the most months).
    细则第二条 names 市医保局 among the reviewing departments: it holds the medical insurance
    payments (医疗保险), 人社局 the pension and the others; either loads its periods here."""

    departments = ("hrss", "medical_insurance")
    from_month = models.DateField("起始月份")
    to_month = models.DateField("截止月份", null=True, blank=True)
    district = models.CharField("缴费区", max_length=20)
    back_paid = models.BooleanField("补缴", default=False)

    class Meta:
        verbose_name = "社会保险缴纳记录"
        verbose_name_plural = "社会保险缴纳记录"


class ResidencePermit(DepartmentRecord):  # noqa: DJ008 (__str__ inherited)
    """公安局: 北京市居住证."""

    departments = ("police",)
    issued_on = models.DateField("签发日期")

    class Meta:
        verbose_name = "居住证记录"
        verbose_name_plural = "居住证记录"


class CriminalRecord(DepartmentRecord):  # noqa: DJ008 (__str__ inherited)
    """公安局: 刑事犯罪记录 (细则第十四条（四）)."""

    departments = ("police",)
    recorded_on = models.DateField("判决日期")
    description = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "刑事犯罪记录"
        verbose_name_plural = "刑事犯罪记录"


class Detention(DepartmentRecord):  # noqa: DJ008 (__str__ inherited)
    """公安局: 行政拘留 (守法记录, 细则第十五条（九）)."""

    departments = ("police",)
    detained_on = models.DateField("拘留日期")
    description = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "行政拘留记录"
        verbose_name_plural = "行政拘留记录"


class OwnKind(models.TextChoices):
    OWN = "own", "本人产权"
    SPOUSE_OWN = "spouse_own", "配偶产权"


class RentalKind(models.TextChoices):
    RENTAL = "rental", "租赁"
    DORM = "dorm", "单位宿舍"


class PropertyRegistration(DepartmentRecord):  # noqa: DJ008 (__str__ inherited)
    """规划自然资源委: 不动产登记 (own or spouse's home)."""

    departments = ("planning",)
    from_month = models.DateField("起始月份")
    to_month = models.DateField("截止月份", null=True, blank=True)
    kind = models.CharField("产权类型", max_length=12, choices=OwnKind.choices)
    district = models.CharField("所在区", max_length=20)

    class Meta:
        verbose_name = "不动产登记记录"
        verbose_name_plural = "不动产登记记录"


class RentalFiling(DepartmentRecord):  # noqa: DJ008 (__str__ inherited)
    """住建委: 房屋租赁登记备案 (or an employer's dormitory)."""

    departments = ("housing_construction",)
    from_month = models.DateField("起始月份")
    to_month = models.DateField("截止月份", null=True, blank=True)
    kind = models.CharField("居住类型", max_length=12, choices=RentalKind.choices)
    district = models.CharField("所在区", max_length=20)

    class Meta:
        verbose_name = "租赁备案记录"
        verbose_name_plural = "租赁备案记录"


class EducationLevel(models.TextChoices):
    JUNIOR_COLLEGE = "junior_college", "专科"
    BACHELOR = "bachelor", "本科"
    MASTER = "master", "硕士研究生"
    DOCTOR = "doctor", "博士研究生"


class Degree(DepartmentRecord):  # noqa: DJ008 (__str__ inherited)
    """教委: 学历、学位 (附件2)."""

    departments = ("education",)
    level = models.CharField("学历层次", max_length=20, choices=EducationLevel.choices)
    diploma = models.BooleanField("取得学历", default=True)
    degree = models.BooleanField("取得学位", default=True)
    graduated_on = models.DateField("毕业日期")

    class Meta:
        verbose_name = "学历学位记录"
        verbose_name_plural = "学历学位记录"


class IncomeTax(DepartmentRecord):  # noqa: DJ008 (__str__ inherited)
    """税务局: 个人所得税 per calendar year (by 入库 date)."""

    departments = ("tax",)
    year = models.PositiveSmallIntegerField("纳税年度")
    amount = models.DecimalField("个人所得税额（元）", max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = "个人所得税记录"
        verbose_name_plural = "个人所得税记录"
        constraints = [
            models.UniqueConstraint(fields=["applicant", "year"], name="income_tax_per_person_year")
        ]


class TaxPenalty(DepartmentRecord):  # noqa: DJ008 (__str__ inherited)
    """税务局: 涉税违法行为处罚 (纳税指标减分)."""

    departments = ("tax",)
    penalized_on = models.DateField("处罚日期")

    class Meta:
        verbose_name = "税务处罚记录"
        verbose_name_plural = "税务处罚记录"


class AwardRecord(DepartmentRecord):  # noqa: DJ008 (__str__ inherited)
    """科委, 宣传部, 人社局: 奖项、竞赛 (附件3); the loading department is kept."""

    departments = ("science", "publicity_dept", "hrss")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name="提供部门"
    )
    code = models.CharField("奖项代码", max_length=40)
    grade = models.CharField("等级", max_length=20, blank=True)
    rank = models.PositiveSmallIntegerField("位次/名次", null=True, blank=True)
    role = models.CharField("角色", max_length=40, blank=True)
    year = models.PositiveSmallIntegerField("获奖年度")

    class Meta:
        verbose_name = "奖项记录"
        verbose_name_plural = "奖项记录"


class HonorRecord(DepartmentRecord):  # noqa: DJ008 (__str__ inherited)
    """总工会, 宣传部, 民政局: 荣誉表彰 (附件4)."""

    departments = ("trade_union", "publicity_dept", "civil_affairs")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name="提供部门"
    )
    code = models.CharField("荣誉代码", max_length=40)
    year = models.PositiveSmallIntegerField("表彰年度", null=True, blank=True)

    class Meta:
        verbose_name = "荣誉表彰记录"
        verbose_name_plural = "荣誉表彰记录"


@dataclass(frozen=True, slots=True)
class RecordKind:
    code: str
    model: type[DepartmentRecord]

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def departments(self) -> tuple[str, ...]:
        return self.model.departments


RECORD_KINDS: dict[str, RecordKind] = {
    kind.code: kind
    for kind in (
        RecordKind("social_insurance", SocialInsurancePeriod),
        RecordKind("residence_permit", ResidencePermit),
        RecordKind("criminal_record", CriminalRecord),
        RecordKind("detention", Detention),
        RecordKind("property", PropertyRegistration),
        RecordKind("rental", RentalFiling),
        RecordKind("degree", Degree),
        RecordKind("income_tax", IncomeTax),
        RecordKind("tax_penalty", TaxPenalty),
        RecordKind("award", AwardRecord),
        RecordKind("honor", HonorRecord),
    )
}


def kinds_of_department(code: str) -> list[RecordKind]:
    return [kind for kind in RECORD_KINDS.values() if code in kind.departments]
