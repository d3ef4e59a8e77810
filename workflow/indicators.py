"""Indicator codes (contract facts-format-1) and the departments that review them.

Pure data: no ORM. The ten columns of the official publicity list since 2020, plus
`eligibility` (资格条件, 细则第十四条), which the police and HRSS check.
"""

from __future__ import annotations

from dataclasses import dataclass

# Department codes, seeded by migration 0002.
DEPARTMENTS: dict[str, str] = {
    "hrss": "人社局",
    "housing_construction": "住建委",
    "planning": "规划自然资源委",
    "education": "教委",
    "tax": "税务局",
    "police": "公安局",
    "science": "科委",
    "publicity_dept": "宣传部",
    "trade_union": "总工会",
    "civil_affairs": "民政局",
    "medical_insurance": "医保局",
}

# 细则第二条: 各区政府、北京经济技术开发区指定相关部门 — the offices whose service windows see
# originals (原件查验) and take part in joint checks. Not indicator reviewers, so not in
# DEPARTMENTS; created when first needed (`workflow.services.district_offices_ensure`).
DISTRICT_OFFICES: dict[str, str] = {
    "district_dongcheng": "东城区政府指定部门",
    "district_xicheng": "西城区政府指定部门",
    "district_chaoyang": "朝阳区政府指定部门",
    "district_haidian": "海淀区政府指定部门",
    "district_fengtai": "丰台区政府指定部门",
    "district_shijingshan": "石景山区政府指定部门",
    "district_mentougou": "门头沟区政府指定部门",
    "district_fangshan": "房山区政府指定部门",
    "district_tongzhou": "通州区政府指定部门",
    "district_shunyi": "顺义区政府指定部门",
    "district_changping": "昌平区政府指定部门",
    "district_daxing": "大兴区政府指定部门",
    "district_huairou": "怀柔区政府指定部门",
    "district_pinggu": "平谷区政府指定部门",
    "district_miyun": "密云区政府指定部门",
    "district_yanqing": "延庆区政府指定部门",
    "district_bda": "北京经济技术开发区指定部门",
}


@dataclass(frozen=True, slots=True)
class Indicator:
    code: str
    label: str
    primary_department: str
    other_departments: tuple[str, ...] = ()
    # 零填报: the applicant declares nothing; the department's data exchange fills it
    # (细则第六条: 通过数据交换方式核查).
    zero_fill: bool = False
    # 细则第七条: evidence is uploaded only where the data exchange (细则第六条) cannot verify.
    # What the indicator's page says about it, before anything is uploaded.
    evidence_note: str = ""

    @property
    def departments(self) -> tuple[str, ...]:
        return (self.primary_department, *self.other_departments)


_ZERO_FILL_NOTE = "无需上传：零填报指标由部门通过数据交换核定（细则第六条）。"
_MANUAL_NOTE = "部门查不到记录时会转人工核查，届时上传的材料可供参考。"

INDICATORS: dict[str, Indicator] = {
    item.code: item
    for item in (
        # 细则第十四条: residence permit, age, criminal record (police); insurance years (HRSS).
        Indicator(
            "eligibility",
            "资格条件",
            "police",
            ("hrss",),
            zero_fill=True,
            evidence_note=_ZERO_FILL_NOTE,
        ),
        # 细则第二条: 市医保局 holds the medical insurance payments, one of the insurance types
        # whose months count (review.models.SocialInsurancePeriod).
        Indicator(
            "employment",
            "合法稳定就业",
            "hrss",
            ("medical_insurance",),
            zero_fill=True,
            evidence_note=_ZERO_FILL_NOTE,
        ),
        Indicator(
            "housing",
            "合法稳定住所",
            "housing_construction",
            ("planning",),
            # Both the property registrations and the rental filings (dormitories too) are in
            # the departments' records: review.models.PropertyRegistration, RentalFiling.
            evidence_note="一般无需上传：规划自然资源委（不动产登记）和住建委（房屋租赁登记备案、单位宿舍）"
            "通过数据交换核查（细则第六条）。" + _MANUAL_NOTE,
        ),
        Indicator(
            "education",
            "教育背景",
            "education",
            evidence_note="一般无需上传：教委通过国内学历学位信息数据交换核查（细则第六条）。"
            + _MANUAL_NOTE,
        ),
        Indicator(
            "job_residence_area",
            "职住区域",
            "planning",
            evidence_note="无需上传：由住所与社会保险记录计算。",
        ),
        Indicator(
            "innovation",
            "创新创业",
            "science",
            ("publicity_dept", "hrss"),
            evidence_note="奖项、竞赛由科委、宣传部、人社局通过数据交换核查，无需上传；"
            "申报股权投资的，部门无法通过数据交换核查，必须上传证明材料（细则第七条）。",
        ),
        Indicator("tax", "纳税", "tax", zero_fill=True, evidence_note=_ZERO_FILL_NOTE),
        Indicator("age", "年龄", "police", zero_fill=True, evidence_note=_ZERO_FILL_NOTE),
        Indicator(
            "honors",
            "荣誉表彰",
            "trade_union",
            ("publicity_dept", "civil_affairs"),
            evidence_note="一般无需上传：总工会、宣传部、民政局通过数据交换核查表彰记录（细则第六条）。"
            + _MANUAL_NOTE,
        ),
        Indicator(
            "law_record", "守法记录", "police", zero_fill=True, evidence_note=_ZERO_FILL_NOTE
        ),
    )
}

# 细则第七条: 对部分指标信息不能通过数据交换比对核查的，申请人应按要求在系统内上传相关凭证材料.
# Of the declared facts, only equity (股权投资) has no department record to compare with
# (review.matching sends it to the manual queue); 细则附件3 lists what proves it.
EQUITY_EVIDENCE = (
    "在北京市市场监督管理局备案的公司章程和企业信用备案信息，以及投资协议、审计报告、"
    "投资资金银行进账单、相关股东会决议或董事会公告（细则附件3）"
)


def evidence_required(code: str, declared_facts: dict | None) -> str | None:
    """Why this declaration cannot be submitted without evidence, or None (细则第七条)."""
    if code == "innovation" and (declared_facts or {}).get("equity"):
        return f"申报了股权投资，部门无法通过数据交换核查，须上传{EQUITY_EVIDENCE}"
    return None


INDICATOR_CODES: tuple[str, ...] = tuple(INDICATORS)
INDICATOR_CHOICES: list[tuple[str, str]] = [(i.code, i.label) for i in INDICATORS.values()]
ZERO_FILL_CODES: tuple[str, ...] = tuple(c for c, i in INDICATORS.items() if i.zero_fill)
DECLARED_CODES: tuple[str, ...] = tuple(c for c, i in INDICATORS.items() if not i.zero_fill)


def indicator_label(code: str) -> str:
    return INDICATORS[code].label


def primary_department_of(code: str) -> str:
    return INDICATORS[code].primary_department


def indicators_reviewed_by(department_code: str) -> list[str]:
    """Indicator codes whose review involves this department (primary or supporting)."""
    return [c for c, i in INDICATORS.items() if department_code in i.departments]
