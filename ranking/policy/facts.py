"""Applicant facts, format 1 (shared/contracts/facts-format-1.md): parsed and validated.

Validation happens once, here, before any scoring: every error names the field it is
about (``social_insurance[2].to``), so a clerk or an applicant knows what to fix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from ranking.policy.identity import parse_id_number, validate_credit_code
from ranking.policy.months import Month, parse_date, parse_month
from ranking.policy.params import POLICIES
from ranking.policy.tables import AWARD_CODES, CITY_LEVEL, DISTRICTS, HONOR_CODES, award_grades


class FactsError(ValueError):
    """Bad facts; ``field`` is the dotted path of the offending value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Person:
    id_number: str
    name: str
    gender: str
    birth_date: dt.date
    female_job: str | None


class InsurancePeriod(NamedTuple):
    start: Month
    end: Month | None  # None: still ongoing, runs to the cut-off
    district: str
    back_paid: bool


class HousingPeriod(NamedTuple):
    start: Month
    end: Month | None
    kind: str  # own, spouse_own, rental, dorm
    district: str


class EducationItem(NamedTuple):
    level: str
    diploma: bool
    degree: bool
    graduated_on: dt.date


class Award(NamedTuple):
    code: str
    grade: str | None
    rank: int | None
    role: str | None
    year: int


@dataclass(frozen=True, slots=True)
class Equity:
    qualified_firm: bool
    investor_funding_3y_wan: Decimal
    equity_financing_3y_wan: Decimal
    holding_pct: Decimal
    full_year: bool


class Honor(NamedTuple):
    code: str
    year: int | None


@dataclass(frozen=True, slots=True)
class Facts:
    year: int
    policy_id: str
    person: Person
    employer_credit_code: str | None
    employer_name: str | None
    residence_permit_issued_on: dt.date | None
    criminal_record: bool
    social_insurance: tuple[InsurancePeriod, ...]
    housing: tuple[HousingPeriod, ...]
    education: tuple[EducationItem, ...]
    awards: tuple[Award, ...]
    equity: Equity | None
    income_tax: Mapping[int, Decimal]
    tax_violations: tuple[dt.date, ...]
    honors: tuple[Honor, ...]
    detentions: tuple[dt.date, ...]


_TOP_KEYS = {
    "format", "year", "policy", "person", "employer", "residence_permit", "criminal_record",
    "social_insurance", "housing", "education", "awards", "equity", "tax", "honors", "detentions",
}
_PERSON_KEYS = {"id_number", "name", "gender", "birth_date", "female_job"}
_EMPLOYER_KEYS = {"credit_code", "name"}
_PERMIT_KEYS = {"issued_on"}
_INSURANCE_KEYS = {"from", "to", "district", "back_paid"}
_HOUSING_KEYS = {"from", "to", "kind", "district"}
_EDUCATION_KEYS = {"level", "diploma", "degree", "graduated_on"}
_AWARD_KEYS = {"code", "grade", "rank", "role", "year"}
_EQUITY_KEYS = {
    "qualified_firm", "investor_funding_3y_wan", "equity_financing_3y_wan", "holding_pct",
    "full_year",
}
_TAX_KEYS = {"income_tax", "violations"}
_HONOR_KEYS = {"code", "year"}
HOUSING_KINDS = ("own", "spouse_own", "rental", "dorm")
EDUCATION_LEVELS = ("junior_college", "bachelor", "master", "doctor")
FEMALE_JOBS = ("worker", "cadre")
DEFAULT_POLICY_FROM_2020 = "beijing-2020"
DEFAULT_POLICY_BEFORE_2020 = "beijing-2018"


def default_policy_id(year: int) -> str:
    return DEFAULT_POLICY_FROM_2020 if year >= 2020 else DEFAULT_POLICY_BEFORE_2020


def _object(value: Any, field: str, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FactsError(field or "facts", "应为 JSON 对象")
    if not allowed.issuperset(value):
        unknown = sorted(set(value) - allowed)[0]
        raise FactsError(f"{field}.{unknown}" if field else unknown, "未知字段")
    return value


def _list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise FactsError(field, "应为列表")
    return value


def _bool(value: Any, field: str, default: bool | None = None) -> bool:
    if value is None and default is not None:
        return default
    if not isinstance(value, bool):
        raise FactsError(field, "应为 true 或 false")
    return value


def _str(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FactsError(field, "不能为空")
    return value.strip()


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise FactsError(field, "应为整数")
    try:
        return int(value)
    except ValueError as exc:
        raise FactsError(field, "应为整数") from exc


def _date(value: Any, field: str) -> dt.date:
    if not isinstance(value, str):
        raise FactsError(field, "应为 YYYY-MM-DD 格式的日期")
    try:
        return parse_date(value)
    except ValueError as exc:
        raise FactsError(field, str(exc)) from exc


def _month(value: Any, field: str) -> Month:
    if not isinstance(value, str):
        raise FactsError(field, "应为 YYYY-MM 格式的月份")
    try:
        return parse_month(value)
    except ValueError as exc:
        raise FactsError(field, str(exc)) from exc


def _money(value: Any, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FactsError(field, "应为十进制数字字符串")
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise FactsError(field, "应为十进制数字字符串") from exc
    if not amount.is_finite() or amount < 0:
        raise FactsError(field, "应为非负数")
    return amount


def _period_bounds(item: Mapping[str, Any], field: str) -> tuple[Month, Month | None]:
    if "from" not in item:
        raise FactsError(f"{field}.from", "缺少开始月份")
    start = _month(item["from"], f"{field}.from")
    raw_end = item.get("to")
    end = None if raw_end is None else _month(raw_end, f"{field}.to")
    if end is not None and end < start:
        raise FactsError(f"{field}.to", "结束月份早于开始月份")
    return start, end


def _district(value: Any, field: str, *, allow_city_level: bool) -> str:
    if value in DISTRICTS or (allow_city_level and value == CITY_LEVEL):
        return str(value)
    raise FactsError(field, f"未知的区：{value!r}")


def _person(raw: Any) -> Person:
    data = _object(raw, "person", _PERSON_KEYS)
    if "id_number" not in data:
        raise FactsError("person.id_number", "缺少身份证号码")
    if not isinstance(data["id_number"], str):
        raise FactsError("person.id_number", "应为字符串")
    try:
        identity = parse_id_number(data["id_number"])
    except ValueError as exc:
        raise FactsError("person.id_number", str(exc)) from exc
    name = _str(data.get("name"), "person.name")
    gender = data.get("gender", identity.gender)
    if gender not in ("M", "F"):
        raise FactsError("person.gender", "应为 M 或 F")
    if gender != identity.gender:
        raise FactsError("person.gender", "与身份证号码不符")
    birth_date = identity.birth_date
    if data.get("birth_date") is not None:
        birth_date = _date(data["birth_date"], "person.birth_date")
        if birth_date != identity.birth_date:
            raise FactsError("person.birth_date", "与身份证号码不符")
    female_job = data.get("female_job")
    if gender == "F":
        if female_job not in FEMALE_JOBS:
            raise FactsError("person.female_job", "女性申请人须填写 worker（工人）或 cadre（干部）")
    elif female_job is not None:
        raise FactsError("person.female_job", "男性申请人应为 null")
    return Person(identity.number, name, gender, birth_date, female_job)


def parse_facts(raw: Any) -> Facts:
    """Validate one applicant's facts (format 1); raises FactsError naming the field."""
    data = _object(raw, "", _TOP_KEYS)
    if data.get("format") != 1:
        raise FactsError("format", "应为 1")
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise FactsError("year", "应为申报年度，如 2020")
    policy_id = data.get("policy") or default_policy_id(year)
    if policy_id not in POLICIES:
        raise FactsError("policy", f"未知的政策：{policy_id!r}")
    if "person" not in data:
        raise FactsError("person", "缺少申请人信息")
    person = _person(data["person"])

    credit_code = employer_name = None
    if data.get("employer") is not None:
        employer = _object(data["employer"], "employer", _EMPLOYER_KEYS)
        if employer.get("credit_code") is not None:
            try:
                credit_code = validate_credit_code(_str(employer["credit_code"], "employer.credit_code"))
            except ValueError as exc:
                raise FactsError("employer.credit_code", str(exc)) from exc
        if employer.get("name") is not None:
            employer_name = _str(employer["name"], "employer.name")

    permit_issued_on = None
    if data.get("residence_permit") is not None:
        permit = _object(data["residence_permit"], "residence_permit", _PERMIT_KEYS)
        if permit.get("issued_on") is not None:
            permit_issued_on = _date(permit["issued_on"], "residence_permit.issued_on")

    insurance = []
    for index, item in enumerate(_list(data.get("social_insurance"), "social_insurance")):
        field = f"social_insurance[{index}]"
        item = _object(item, field, _INSURANCE_KEYS)
        start, end = _period_bounds(item, field)
        district = _district(item.get("district"), f"{field}.district", allow_city_level=True)
        back_paid = _bool(item.get("back_paid"), f"{field}.back_paid", default=False)
        insurance.append(InsurancePeriod(start, end, district, back_paid))

    housing = []
    for index, item in enumerate(_list(data.get("housing"), "housing")):
        field = f"housing[{index}]"
        item = _object(item, field, _HOUSING_KEYS)
        start, end = _period_bounds(item, field)
        kind = item.get("kind")
        if kind not in HOUSING_KINDS:
            raise FactsError(f"{field}.kind", f"未知的住所类型：{kind!r}")
        district = _district(item.get("district"), f"{field}.district", allow_city_level=False)
        housing.append(HousingPeriod(start, end, str(kind), district))

    education = []
    for index, item in enumerate(_list(data.get("education"), "education")):
        field = f"education[{index}]"
        item = _object(item, field, _EDUCATION_KEYS)
        level = item.get("level")
        if level not in EDUCATION_LEVELS:
            raise FactsError(f"{field}.level", f"未知的学历层次：{level!r}")
        education.append(
            EducationItem(
                str(level),
                _bool(item.get("diploma"), f"{field}.diploma", default=False),
                _bool(item.get("degree"), f"{field}.degree", default=False),
                _date(item.get("graduated_on"), f"{field}.graduated_on"),
            )
        )

    awards = []
    for index, item in enumerate(_list(data.get("awards"), "awards")):
        field = f"awards[{index}]"
        item = _object(item, field, _AWARD_KEYS)
        code = item.get("code")
        if code not in AWARD_CODES:
            raise FactsError(f"{field}.code", f"未知的奖项代码：{code!r}")
        grade = item.get("grade")
        grades = award_grades(str(code))
        if grades and grade not in grades:
            raise FactsError(f"{field}.grade", f"该奖项的等级应为 {'、'.join(grades)} 之一")
        rank = None if item.get("rank") is None else _int(item["rank"], f"{field}.rank")
        if rank is not None and rank < 1:
            raise FactsError(f"{field}.rank", "名次或完成人位次应从 1 开始")
        role = item.get("role")
        if role is not None and not isinstance(role, str):
            raise FactsError(f"{field}.role", "应为字符串")
        award_year = _int(item.get("year"), f"{field}.year")
        awards.append(Award(str(code), None if grade is None else str(grade), rank, role, award_year))

    equity = None
    if data.get("equity") is not None:
        raw_equity = _object(data["equity"], "equity", _EQUITY_KEYS)
        equity = Equity(
            _bool(raw_equity.get("qualified_firm"), "equity.qualified_firm", default=False),
            _money(raw_equity.get("investor_funding_3y_wan", "0"), "equity.investor_funding_3y_wan"),
            _money(raw_equity.get("equity_financing_3y_wan", "0"), "equity.equity_financing_3y_wan"),
            _money(raw_equity.get("holding_pct", "0"), "equity.holding_pct"),
            _bool(raw_equity.get("full_year"), "equity.full_year", default=False),
        )

    income_tax: dict[int, Decimal] = {}
    violations: list[dt.date] = []
    if data.get("tax") is not None:
        tax = _object(data["tax"], "tax", _TAX_KEYS)
        raw_income = tax.get("income_tax") or {}
        if not isinstance(raw_income, Mapping):
            raise FactsError("tax.income_tax", "应为以年份为键的对象")
        for key, amount in raw_income.items():
            field = f"tax.income_tax.{key}"
            if not isinstance(key, str) or len(key) != 4 or not key.isdigit():
                raise FactsError(field, "年份应为四位数字")
            income_tax[int(key)] = _money(amount, field)
        for index, item in enumerate(_list(tax.get("violations"), "tax.violations")):
            violations.append(_penalty_date(item, f"tax.violations[{index}]"))

    honors = []
    for index, item in enumerate(_list(data.get("honors"), "honors")):
        field = f"honors[{index}]"
        if isinstance(item, str):
            code, honor_year = item, None
        else:
            item = _object(item, field, _HONOR_KEYS)
            code = item.get("code")
            honor_year = None if item.get("year") is None else _int(item["year"], f"{field}.year")
        if code not in HONOR_CODES:
            raise FactsError(f"{field}.code" if not isinstance(item, str) else field, f"未知的荣誉代码：{code!r}")
        honors.append(Honor(str(code), honor_year))

    detentions = [
        _penalty_date(item, f"detentions[{index}]")
        for index, item in enumerate(_list(data.get("detentions"), "detentions"))
    ]

    criminal_record = _bool(data.get("criminal_record"), "criminal_record", default=False)
    return Facts(
        year=year,
        policy_id=str(policy_id),
        person=person,
        employer_credit_code=credit_code,
        employer_name=employer_name,
        residence_permit_issued_on=permit_issued_on,
        criminal_record=criminal_record,
        social_insurance=tuple(insurance),
        housing=tuple(housing),
        education=tuple(education),
        awards=tuple(awards),
        equity=equity,
        income_tax=income_tax,
        tax_violations=tuple(violations),
        honors=tuple(honors),
        detentions=tuple(detentions),
    )


def _penalty_date(item: Any, field: str) -> dt.date:
    # The contract lists penalties as dates; an object {"date": ...} is accepted too.
    if isinstance(item, Mapping):
        item = _object(item, field, {"date"}).get("date")
        field = f"{field}.date"
    return _date(item, field)
