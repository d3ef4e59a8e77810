"""The point tables of the operating rules' attachments, as data.

Every row cites where it comes from. 细则 = 《北京市积分落户操作管理细则》 (2020 revision,
shared/policy/003); 附件2 education, 附件3 innovation (awards, contests, equity), 附件4 honors.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

D = Decimal

# The contract's districts in the official order: the six central districts first.
CENTRAL_DISTRICT_ORDER = ("东城区", "西城区", "朝阳区", "海淀区", "丰台区", "石景山区")
OUTER_DISTRICT_ORDER = (
    "门头沟区",
    "房山区",
    "通州区",
    "顺义区",
    "昌平区",
    "大兴区",
    "怀柔区",
    "平谷区",
    "密云区",
    "延庆区",
    "北京经济技术开发区",
)
DISTRICT_ORDER = CENTRAL_DISTRICT_ORDER + OUTER_DISTRICT_ORDER
CENTRAL_DISTRICTS = frozenset(CENTRAL_DISTRICT_ORDER)
OUTER_DISTRICTS = frozenset(OUTER_DISTRICT_ORDER)
DISTRICTS = CENTRAL_DISTRICTS | OUTER_DISTRICTS
# 细则第十五条（四）: paying at the city-level agency counts as working inside the six districts.
CITY_LEVEL = "市本级"


# Chinese names of the contract's housing kinds and education levels, for every page that
# shows or asks for them (the award and honor names are in their tables below).
HOUSING_KIND_LABELS: dict[str, str] = {
    "own": "本人自有产权住房",
    "spouse_own": "配偶自有产权住房",
    "rental": "租赁住房（已登记备案）",
    "dorm": "单位宿舍",
}
EDUCATION_LEVEL_LABELS: dict[str, str] = {
    "junior_college": "大学专科（含高职）",
    "bachelor": "大学本科",
    "master": "硕士研究生",
    "doctor": "博士研究生",
}


def is_outside_central(district: str) -> bool:
    return district in OUTER_DISTRICTS


# --- 附件2 教育背景指标积分表 -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EducationRow:
    level: str
    diploma: bool
    degree: bool
    points: Decimal
    deduction_years: int  # 自毕业时间起前 N 年
    label: str
    source: str


EDUCATION_TABLE_2020: tuple[EducationRow, ...] = (
    EducationRow(
        "junior_college", True, False, D("10.5"), 3, "大学专科（含高职）学历", "细则附件2 第1行"
    ),
    EducationRow(
        "bachelor", True, False, D("10.5"), 3, "大学本科学历（无学士学位）", "细则附件2 第2行"
    ),
    EducationRow(
        "bachelor", False, True, D("10.5"), 3, "学士学位（无本科学历）", "细则附件2 第3行"
    ),
    EducationRow("bachelor", True, True, D("15"), 4, "大学本科学历和学士学位", "细则附件2 第4行"),
    EducationRow(
        "master", True, False, D("15"), 4, "硕士研究生学历（无硕士学位）", "细则附件2 第5行"
    ),
    EducationRow("master", False, True, D("15"), 4, "硕士学位（无研究生学历）", "细则附件2 第6行"),
    EducationRow("master", True, True, D("26"), 3, "硕士研究生学历和硕士学位", "细则附件2 第7行"),
    EducationRow(
        "doctor", True, False, D("26"), 3, "博士研究生学历（无博士学位）", "细则附件2 第8行"
    ),
    EducationRow("doctor", False, True, D("26"), 3, "博士学位（无研究生学历）", "细则附件2 第9行"),
    EducationRow("doctor", True, True, D("37"), 3, "博士研究生学历和博士学位", "细则附件2 第10行"),
)

# The trial rules scored only a full qualification: 专科 with its diploma, higher levels with
# both diploma and degree (2020 Q&A 5: "只取得学历或学位…既不能获得…教育背景指标积分").
EDUCATION_TABLE_2018: tuple[EducationRow, ...] = tuple(
    row
    for row in EDUCATION_TABLE_2020
    if (row.level == "junior_college" and row.diploma) or (row.diploma and row.degree)
)


# --- 附件3 创新创业指标积分标准 -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Band:
    """Completer positions or places first..last (inclusive) score ``points``."""

    first: int
    last: int
    points: Decimal
    widened: bool = False  # 2020: skill contests widened from the top 5 to the top 10


@dataclass(frozen=True, slots=True)
class AwardRow:
    code: str
    grade: str | None  # None: the row has no grades
    label: str
    source: str
    points: Decimal | None = None  # every completer / winner scores this
    bands: tuple[Band, ...] = ()  # else by completer position or place
    first_year: int | None = None  # 获奖时间: awards before this year score nothing
    needs_income_tax_wan: Decimal | None = None  # 申报前一个自然年度个人所得税实缴额


def _row(
    code: str,
    grade: str | None,
    label: str,
    source: str,
    points: str | None = None,
    bands: tuple[tuple[int, int, str], ...] = (),
    first_year: int | None = None,
    needs_income_tax_wan: str | None = None,
    widened_from: int | None = None,
) -> AwardRow:
    return AwardRow(
        code,
        grade,
        label,
        source,
        points=None if points is None else D(points),
        bands=tuple(
            Band(first, last, D(p), widened=widened_from is not None and first == widened_from)
            for first, last, p in bands
        ),
        first_year=first_year,
        needs_income_tax_wan=None if needs_income_tax_wan is None else D(needs_income_tax_wan),
    )


_SCI = "细则附件3（一）科技领域"
_CUL = "细则附件3（一）文化领域"
_CON = "细则附件3（二）创新创业大赛"

AWARD_TABLE: tuple[AwardRow, ...] = (
    _row("national_natural_science", "first", "国家自然科学奖一等奖", f"{_SCI}第1项", points="12"),
    _row(
        "national_natural_science",
        "second",
        "国家自然科学奖二等奖",
        f"{_SCI}第1项",
        bands=((1, 3, "12"), (4, 5, "10")),
    ),
    _row(
        "national_technological_invention",
        "first",
        "国家技术发明奖一等奖",
        f"{_SCI}第2项",
        points="12",
    ),
    _row(
        "national_technological_invention",
        "second",
        "国家技术发明奖二等奖",
        f"{_SCI}第2项",
        bands=((1, 3, "12"), (4, 6, "10")),
    ),
    _row(
        "national_sci_tech_progress",
        "special",
        "国家科学技术进步奖特等奖",
        f"{_SCI}第3项",
        bands=((1, 15, "12"), (16, 30, "11"), (31, 50, "10")),
    ),
    _row(
        "national_sci_tech_progress",
        "first",
        "国家科学技术进步奖一等奖",
        f"{_SCI}第3项",
        bands=((1, 5, "12"), (6, 10, "11"), (11, 15, "10")),
    ),
    _row(
        "national_sci_tech_progress",
        "second",
        "国家科学技术进步奖二等奖",
        f"{_SCI}第3项",
        bands=((1, 3, "10"), (4, 6, "9"), (7, 10, "8")),
    ),
    _row(
        "beijing_sci_tech",
        "zgc_outstanding",
        "北京市科学技术奖突出贡献中关村奖",
        f"{_SCI}第4项",
        points="6",
    ),
    _row(
        "beijing_sci_tech",
        "zgc_young",
        "北京市科学技术奖杰出青年中关村奖",
        f"{_SCI}第4项",
        points="6",
    ),
    _row(
        "beijing_sci_tech",
        "major_innovation",
        "北京市科学技术奖重大创新奖",
        f"{_SCI}第4项",
        bands=((1, 6, "6"), (7, 20, "5")),
    ),
    _row(
        "beijing_sci_tech",
        "special",
        "北京市科学技术奖特等奖",
        f"{_SCI}第4项",
        bands=((1, 12, "6"), (13, 30, "5")),
    ),
    _row(
        "beijing_sci_tech",
        "first",
        "北京市科学技术奖一等奖",
        f"{_SCI}第4项",
        bands=((1, 6, "6"), (7, 15, "5")),
    ),
    _row(
        "beijing_sci_tech",
        "second",
        "北京市科学技术奖二等奖",
        f"{_SCI}第4项",
        bands=((1, 4, "6"), (5, 10, "5")),
    ),
    _row(
        "beijing_sci_tech",
        "third",
        "北京市科学技术奖三等奖",
        f"{_SCI}第4项",
        bands=((1, 3, "5"), (4, 6, "4")),
    ),
    _row("five_ones_project", None, "精神文明建设“五个一工程”奖", f"{_CUL}第5项", points="12"),
    _row("china_journalism", "special", "中国新闻奖特别奖", f"{_CUL}第6项", points="12"),
    _row("china_journalism", "first", "中国新闻奖一等奖", f"{_CUL}第6项", points="12"),
    _row("china_journalism", "second", "中国新闻奖二等奖", f"{_CUL}第6项", points="9"),
    _row("china_journalism", "third", "中国新闻奖三等奖", f"{_CUL}第6项", points="6"),
    _row("changjiang_taofen", None, "长江韬奋奖", f"{_CUL}第6项", points="12"),
    _row(
        "beijing_social_science",
        "special",
        "北京市哲学社会科学优秀成果奖特等奖",
        f"{_CUL}第7项",
        points="6",
    ),
    _row(
        "beijing_social_science",
        "first",
        "北京市哲学社会科学优秀成果奖一等奖",
        f"{_CUL}第7项",
        points="6",
    ),
    _row(
        "beijing_social_science",
        "second",
        "北京市哲学社会科学优秀成果奖二等奖",
        f"{_CUL}第7项",
        points="4",
    ),
    _row("beijing_literature_art", None, "北京市文学艺术奖", f"{_CUL}第8项", points="6"),
    _row("capital_civilization", None, "首都精神文明建设奖", f"{_CUL}第9项", points="6"),
    _row("beijing_journalism", "first", "北京新闻奖一等奖", f"{_CUL}第10项", points="6"),
    _row("beijing_journalism", "second", "北京新闻奖二等奖", f"{_CUL}第10项", points="4"),
    _row("beijing_journalism", "third", "北京新闻奖三等奖", f"{_CUL}第10项", points="2"),
    _row(
        "china_innovation_contest",
        "first",
        "中国创新创业大赛行业总决赛一等奖",
        f"{_CON}第1项",
        points="12",
        first_year=2012,
        needs_income_tax_wan="3.5",
    ),
    _row(
        "china_innovation_contest",
        "second",
        "中国创新创业大赛行业总决赛二等奖",
        f"{_CON}第1项",
        points="9",
        first_year=2012,
        needs_income_tax_wan="3.5",
    ),
    _row(
        "china_innovation_contest",
        "third",
        "中国创新创业大赛行业总决赛三等奖",
        f"{_CON}第1项",
        points="6",
        first_year=2012,
        needs_income_tax_wan="3.5",
    ),
    _row(
        "beijing_innovation_contest",
        "first",
        "中国·北京创新创业大赛总决赛一等奖",
        f"{_CON}第2项",
        points="6",
        first_year=2015,
        needs_income_tax_wan="3.5",
    ),
    _row(
        "beijing_innovation_contest",
        "second",
        "中国·北京创新创业大赛总决赛二等奖",
        f"{_CON}第2项",
        points="4",
        first_year=2015,
        needs_income_tax_wan="3.5",
    ),
    _row(
        "beijing_innovation_contest",
        "third",
        "中国·北京创新创业大赛总决赛三等奖",
        f"{_CON}第2项",
        points="2",
        first_year=2015,
        needs_income_tax_wan="3.5",
    ),
    _row(
        "world_skills",
        None,
        "世界技能大赛优胜奖及以上",
        f"{_CON}第3项",
        points="12",
        first_year=2011,
    ),
    _row(
        "national_skill_contest",
        None,
        "国家级一类职业技能竞赛",
        f"{_CON}第4项",
        bands=((1, 1, "12"), (2, 3, "9"), (4, 5, "6")),
        first_year=2011,
        widened_from=4,
    ),
    _row(
        "beijing_skill_contest",
        None,
        "全市性市级一类职业技能竞赛",
        f"{_CON}第5项",
        bands=((1, 1, "6"), (2, 3, "4"), (4, 5, "2")),
        first_year=2011,
        widened_from=4,
    ),
    _row(
        "beijing_cultural_creativity",
        "first",
        "北京市文化创意大赛一等奖",
        f"{_CON}第6项",
        points="6",
    ),
    _row(
        "beijing_cultural_creativity",
        "second",
        "北京市文化创意大赛二等奖",
        f"{_CON}第6项",
        points="4",
    ),
    _row(
        "beijing_cultural_creativity",
        "third",
        "北京市文化创意大赛三等奖",
        f"{_CON}第6项",
        points="3",
    ),
    _row(
        "beijing_cultural_creativity",
        "single",
        "北京市文化创意大赛单项奖",
        f"{_CON}第6项",
        points="2",
    ),
    _row(
        "china_chuangyi",
        "first",
        "“中国创翼”创业创新大赛全国决赛一等奖",
        f"{_CON}第7项",
        points="12",
        first_year=2020,
    ),
    _row(
        "china_chuangyi",
        "second",
        "“中国创翼”创业创新大赛全国决赛二等奖",
        f"{_CON}第7项",
        points="9",
        first_year=2020,
    ),
    _row(
        "china_chuangyi",
        "third",
        "“中国创翼”创业创新大赛全国决赛三等奖",
        f"{_CON}第7项",
        points="6",
        first_year=2020,
    ),
    _row(
        "chuangye_beijing",
        "first",
        "“创业北京”创业创新大赛决赛一等奖",
        f"{_CON}第8项",
        points="6",
        first_year=2020,
    ),
    _row(
        "chuangye_beijing",
        "second",
        "“创业北京”创业创新大赛决赛二等奖",
        f"{_CON}第8项",
        points="4",
        first_year=2020,
    ),
    _row(
        "chuangye_beijing",
        "third",
        "“创业北京”创业创新大赛决赛三等奖",
        f"{_CON}第8项",
        points="2",
        first_year=2020,
    ),
)

AWARD_ROWS: dict[tuple[str, str | None], AwardRow] = {
    (row.code, row.grade): row for row in AWARD_TABLE
}
AWARD_CODES = frozenset(row.code for row in AWARD_TABLE)
_GRADES: dict[str, tuple[str, ...]] = {}
for _award_row in AWARD_TABLE:
    if _award_row.grade is not None:
        _GRADES.setdefault(_award_row.code, ())
        _GRADES[_award_row.code] += (_award_row.grade,)


def award_grades(code: str) -> tuple[str, ...]:
    """The grades a code's rows are split by; empty when the code has no grades."""
    return _GRADES.get(code, ())


def award_row(code: str, grade: str | None) -> AwardRow:
    return AWARD_ROWS[(code, grade if code in _GRADES else None)]


@dataclass(frozen=True, slots=True)
class EquityBand:
    min_financing_wan: Decimal
    points: Decimal
    label: str
    source: str


# 细则附件3（三）: firm's equity financing over 3 years, best band first.
EQUITY_TABLE: tuple[EquityBand, ...] = (
    EquityBand(
        D("4000"), D("6"), "近3年累计获得4000万元（含）以上股权类现金融资", "细则附件3（三）"
    ),
    EquityBand(
        D("2000"), D("4"), "近3年累计获得2000万元（含）～4000万元股权类现金融资", "细则附件3（三）"
    ),
    EquityBand(
        D("500"), D("2"), "近3年累计获得500万元（含）～2000万元股权类现金融资", "细则附件3（三）"
    ),
)
EQUITY_MIN_INVESTOR_FUNDING_WAN = D("500")  # 近3年累计获得经备案的投资机构投资不少于500万元
EQUITY_MIN_HOLDING_PCT = D("10")  # 当年持股比例不低于10%

# --- 附件4 荣誉表彰指标积分标准 -----------------------------------------------------------
HONORS: dict[str, tuple[str, str]] = {
    "national_model_worker": ("全国劳动模范", "细则附件4 第1项"),
    "beijing_model_worker": ("北京市劳动模范", "细则附件4 第2项"),
    "model_worker_equivalent": ("享受同级劳模待遇的先进典型", "细则附件4 第3项"),
    "national_moral_model": ("全国道德模范", "细则附件4 第4-8项"),
    "capital_moral_model": ("首都道德模范", "细则附件4 第9项"),
    "national_heroic_model": ("全国见义勇为英雄模范", "细则附件4 第10项"),
    "capital_heroic_citizen": ("首都见义勇为好市民", "细则附件4 第11项"),
}
HONOR_CODES = frozenset(HONORS)
HONOR_POINTS = D("20")


# --- 法定退休年龄（细则第十四条（二）按国家退休政策调整执行） ------------------------------


@dataclass(frozen=True, slots=True)
class RetirementSchedule:
    """The statutory retirement age by birth month for one group of people.

    The 2024 gradual schedule (全国人大常委会《关于实施渐进式延迟法定退休年龄的决定》, in force
    2025-01-01): people born from ``raised_from`` on retire one month later for every
    ``birth_months_per_step`` birth months, up to ``max_extra_months``; people born before it
    keep the old age.
    """

    group: str  # M, cadre, worker
    label: str
    base_years: int
    raised_from: int  # Month (year * 12 + month - 1) of the first birth month raised
    birth_months_per_step: int
    max_extra_months: int
    source: str


_RETIREMENT_SOURCE = (
    "细则第十四条（二）；《关于实施渐进式延迟法定退休年龄的决定》（2025年1月1日起施行）"
)
RETIREMENT_SCHEDULES: dict[str, RetirementSchedule] = {
    row.group: row
    for row in (
        RetirementSchedule("M", "男职工", 60, 1965 * 12, 4, 36, _RETIREMENT_SOURCE),
        RetirementSchedule("cadre", "女干部", 55, 1970 * 12, 4, 36, _RETIREMENT_SOURCE),
        RetirementSchedule("worker", "女工人", 50, 1975 * 12, 2, 60, _RETIREMENT_SOURCE),
    )
}
