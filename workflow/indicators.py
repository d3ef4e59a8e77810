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

    @property
    def departments(self) -> tuple[str, ...]:
        return (self.primary_department, *self.other_departments)


INDICATORS: dict[str, Indicator] = {
    item.code: item
    for item in (
        # 细则第十四条: residence permit, age, criminal record (police); insurance years (HRSS).
        Indicator("eligibility", "资格条件", "police", ("hrss",), zero_fill=True),
        Indicator("employment", "合法稳定就业", "hrss", zero_fill=True),
        Indicator("housing", "合法稳定住所", "housing_construction", ("planning",)),
        Indicator("education", "教育背景", "education"),
        Indicator("job_residence_area", "职住区域", "planning"),
        Indicator("innovation", "创新创业", "science", ("publicity_dept", "hrss")),
        Indicator("tax", "纳税", "tax", zero_fill=True),
        Indicator("age", "年龄", "police", zero_fill=True),
        Indicator("honors", "荣誉表彰", "trade_union", ("publicity_dept", "civil_affairs")),
        Indicator("law_record", "守法记录", "police", zero_fill=True),
    )
}

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
