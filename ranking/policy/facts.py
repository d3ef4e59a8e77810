"""Applicant facts, format 1 (shared/contracts/facts-format-1.md): parsed and validated.

Validation happens once, here, before any scoring: every error names the field it is
about (``social_insurance[2].to``), so a clerk or an applicant knows what to fix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple, TypeVar

from ranking.policy.identity import parse_id_number, validate_credit_code
from ranking.policy.months import Month, parse_date, parse_month
from ranking.policy.params import POLICIES
from ranking.policy.tables import AWARD_CODES, CITY_LEVEL, DISTRICTS, HONOR_CODES, award_grades

T = TypeVar("T")


class FactsError(ValueError):
    """Bad facts; ``field`` is the dotted path of the offending value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(slots=True)  # not frozen, like Facts: nothing mutates either
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


@dataclass(slots=True)  # not frozen: a frozen __init__ sets its 17 fields one call each
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
    # 细则第十五条（四）: 职住区域 is an indicator the applicant declares (and must then settle
    # in that home); absent means declared, so every earlier file keeps its meaning.
    job_residence_area_declared: bool = True


_TOP_KEYS = frozenset(
    {
        "format",
        "year",
        "policy",
        "person",
        "employer",
        "residence_permit",
        "criminal_record",
        "social_insurance",
        "housing",
        "education",
        "awards",
        "equity",
        "tax",
        "honors",
        "detentions",
        "job_residence_area_declared",
    }
)
_PERSON_KEYS = frozenset({"id_number", "name", "gender", "birth_date", "female_job"})
_EMPLOYER_KEYS = frozenset({"credit_code", "name"})
_PERMIT_KEYS = frozenset({"issued_on"})
_INSURANCE_KEYS = frozenset({"from", "to", "district", "back_paid"})
_HOUSING_KEYS = frozenset({"from", "to", "kind", "district"})
_EDUCATION_KEYS = frozenset({"level", "diploma", "degree", "graduated_on"})
_AWARD_KEYS = frozenset({"code", "grade", "rank", "role", "year"})
_EQUITY_KEYS = frozenset(
    {
        "qualified_firm",
        "investor_funding_3y_wan",
        "equity_financing_3y_wan",
        "holding_pct",
        "full_year",
    }
)
_TAX_KEYS = frozenset({"income_tax", "violations"})
_HONOR_KEYS = frozenset({"code", "year"})
_PENALTY_KEYS = frozenset({"date"})
HOUSING_KINDS = ("own", "spouse_own", "rental", "dorm")
EDUCATION_LEVELS = ("junior_college", "bachelor", "master", "doctor")
FEMALE_JOBS = ("worker", "cadre")
DEFAULT_POLICY_FROM_2020 = "beijing-2020"
DEFAULT_POLICY_BEFORE_2020 = "beijing-2018"


def default_policy_id(year: int) -> str:
    return DEFAULT_POLICY_FROM_2020 if year >= 2020 else DEFAULT_POLICY_BEFORE_2020


def _object(value: Any, field: str, allowed: frozenset[str]) -> Mapping[str, Any]:
    # type() first: isinstance against the Mapping ABC is slow, and JSON gives plain dicts.
    if type(value) is not dict and not isinstance(value, Mapping):
        raise FactsError(field, "应为 JSON 对象")
    if not allowed.issuperset(value):
        unknown = sorted(set(value) - allowed)[0]
        # An empty key would leave the error naming no field at all.
        raise FactsError(_join(field, unknown or '""'), "未知字段")
    return value


def _join(prefix: str, field: str) -> str:
    if not prefix:
        return field
    if not field:
        return prefix
    return f"{prefix}{field}" if field.startswith("[") else f"{prefix}.{field}"


def _within(prefix: str, error: FactsError) -> FactsError:
    return FactsError(_join(prefix, error.field), error.message)


def _list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if type(value) is not list:
        raise FactsError(field, "应为列表")
    return value


def _items(value: Any, field: str, parse: Callable[[Any], T]) -> tuple[T, ...]:
    """Parse each item with field names relative to the item; the path ``field[i]`` is
    prefixed only when an error is raised (building it for every item costs more)."""
    if not value and (value is None or type(value) is list):
        return ()  # absent or empty: most applicants' awards, honors, detentions
    items = _list(value, field)
    try:
        return tuple(map(parse, items))
    except FactsError:
        pass
    # An item is wrong: parse again one by one (pure, so the same error) to say which.
    for index, item in enumerate(items):
        try:
            parse(item)
        except FactsError as error:
            raise _within(f"{field}[{index}]", error) from None
    raise AssertionError("unreachable: an item failed once and not again")  # pragma: no cover


def _bool(value: Any, field: str, default: bool | None = None) -> bool:
    if value is None and default is not None:
        return default
    if not isinstance(value, bool):
        raise FactsError(field, "应为 true 或 false")
    return value


def _str(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FactsError(field, "不能为空")
    if "\x00" in value:
        # Names are stored (import_facts, the admin's verified facts): PostgreSQL refuses NUL.
        raise FactsError(field, "不能包含空字符（\\0）")
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
    if type(value) is not str and (
        isinstance(value, bool) or not isinstance(value, str | int | float)
    ):
        raise FactsError(field, "应为十进制数字字符串")
    try:
        amount = Decimal(value if type(value) is str else str(value))
    except InvalidOperation as exc:
        raise FactsError(field, "应为十进制数字字符串") from exc
    if not amount.is_finite() or amount < _NO_MONEY:
        raise FactsError(field, "应为非负数")
    return amount


_NO_MONEY = Decimal(0)


def _period_bounds(item: Mapping[str, Any]) -> tuple[Month, Month | None]:
    if "from" not in item:
        raise FactsError("from", "缺少开始月份")
    start = _month(item["from"], "from")
    raw_end = item.get("to")
    end = None if raw_end is None else _month(raw_end, "to")
    if end is not None and end < start:
        raise FactsError("to", "结束月份早于开始月份")
    return start, end


def _code(value: Any) -> bool:
    """Whether a value can be one of the contract's codes: a list or an object (which JSON
    may put anywhere) would make the set lookup itself raise TypeError (unhashable)."""
    return isinstance(value, str)


def _district(value: Any, field: str, *, allow_city_level: bool) -> str:
    if _code(value) and value in DISTRICTS or (allow_city_level and value == CITY_LEVEL):
        return str(value)
    raise FactsError(field, f"未知的区：{value!r}")


def _person(raw: Any) -> Person:
    data = _object(raw, "", _PERSON_KEYS)
    if "id_number" not in data:
        raise FactsError("id_number", "缺少身份证号码")
    if not isinstance(data["id_number"], str):
        raise FactsError("id_number", "应为字符串")
    try:
        identity = parse_id_number(data["id_number"])
    except ValueError as exc:
        raise FactsError("id_number", str(exc)) from exc
    name = _str(data.get("name"), "name")
    gender = data.get("gender", identity.gender)
    if gender not in ("M", "F"):
        raise FactsError("gender", "应为 M 或 F")
    if gender != identity.gender:
        raise FactsError("gender", "与身份证号码不符")
    birth_date = identity.birth_date
    if data.get("birth_date") is not None:
        birth_date = _date(data["birth_date"], "birth_date")
        if birth_date != identity.birth_date:
            raise FactsError("birth_date", "与身份证号码不符")
    female_job = data.get("female_job")
    if gender == "F":
        if female_job not in FEMALE_JOBS:
            raise FactsError("female_job", "女性申请人须填写 worker（工人）或 cadre（干部）")
    elif female_job is not None:
        raise FactsError("female_job", "男性申请人应为 null")
    return Person(identity.number, name, gender, birth_date, female_job)


def _insurance_period(raw: Any) -> InsurancePeriod:
    item = _object(raw, "", _INSURANCE_KEYS)
    start, end = _period_bounds(item)
    district = _district(item.get("district"), "district", allow_city_level=True)
    return InsurancePeriod(
        start, end, district, _bool(item.get("back_paid"), "back_paid", default=False)
    )


def _housing_period(raw: Any) -> HousingPeriod:
    item = _object(raw, "", _HOUSING_KEYS)
    start, end = _period_bounds(item)
    kind = item.get("kind")
    if kind not in HOUSING_KINDS:
        raise FactsError("kind", f"未知的住所类型：{kind!r}")
    district = _district(item.get("district"), "district", allow_city_level=False)
    return HousingPeriod(start, end, str(kind), district)


def _education_item(raw: Any) -> EducationItem:
    item = _object(raw, "", _EDUCATION_KEYS)
    level = item.get("level")
    if level not in EDUCATION_LEVELS:
        raise FactsError("level", f"未知的学历层次：{level!r}")
    return EducationItem(
        str(level),
        _bool(item.get("diploma"), "diploma", default=False),
        _bool(item.get("degree"), "degree", default=False),
        _date(item.get("graduated_on"), "graduated_on"),
    )


def _award(raw: Any) -> Award:
    item = _object(raw, "", _AWARD_KEYS)
    code = item.get("code")
    if not _code(code) or code not in AWARD_CODES:
        raise FactsError("code", f"未知的奖项代码：{code!r}")
    grade = item.get("grade")
    grades = award_grades(str(code))
    if grades and grade not in grades:
        raise FactsError("grade", f"该奖项的等级应为 {'、'.join(grades)} 之一")
    rank = None if item.get("rank") is None else _int(item["rank"], "rank")
    if rank is not None and rank < 1:
        raise FactsError("rank", "名次或完成人位次应从 1 开始")
    role = item.get("role")
    if role is not None and (not isinstance(role, str) or "\x00" in role):
        raise FactsError("role", "应为不含空字符的字符串")
    return Award(
        str(code), None if grade is None else str(grade), rank, role, _int(item.get("year"), "year")
    )


def _honor(raw: Any) -> Honor:
    # The contract names the codes but not the item's shape: a code, or {"code", "year"}.
    if isinstance(raw, str):
        if raw not in HONOR_CODES:
            raise FactsError("", f"未知的荣誉代码：{raw!r}")
        return Honor(raw, None)
    item = _object(raw, "", _HONOR_KEYS)
    code = item.get("code")
    if not _code(code) or code not in HONOR_CODES:
        raise FactsError("code", f"未知的荣誉代码：{code!r}")
    return Honor(str(code), None if item.get("year") is None else _int(item["year"], "year"))


def _penalty_date(raw: Any) -> dt.date:
    # The contract lists penalties as dates; an object {"date": ...} is accepted too.
    if isinstance(raw, Mapping):
        return _date(_object(raw, "", _PENALTY_KEYS).get("date"), "date")
    return _date(raw, "")


def _equity(raw: Any) -> Equity:
    item = _object(raw, "", _EQUITY_KEYS)
    return Equity(
        _bool(item.get("qualified_firm"), "qualified_firm", default=False),
        _money(item.get("investor_funding_3y_wan", "0"), "investor_funding_3y_wan"),
        _money(item.get("equity_financing_3y_wan", "0"), "equity_financing_3y_wan"),
        _money(item.get("holding_pct", "0"), "holding_pct"),
        _bool(item.get("full_year"), "full_year", default=False),
    )


def _tax(raw: Any) -> tuple[dict[int, Decimal], tuple[dt.date, ...]]:
    tax = _object(raw, "", _TAX_KEYS)
    raw_income = tax.get("income_tax") or {}
    if not isinstance(raw_income, Mapping):
        raise FactsError("income_tax", "应为以年份为键的对象")
    income_tax: dict[int, Decimal] = {}
    for key, amount in raw_income.items():
        # isascii: str.isdigit() is true for '²²²²', which int() then refuses.
        if not isinstance(key, str) or len(key) != 4 or not key.isascii() or not key.isdigit():
            raise FactsError(f"income_tax.{key}", "年份应为四位数字")
        try:
            income_tax[int(key)] = _money(amount, "")
        except FactsError as error:  # the field's name built only for an error
            raise FactsError(f"income_tax.{key}", error.message) from None
    return income_tax, _items(tax.get("violations"), "violations", _penalty_date)


def _in(prefix: str, parse: Callable[[Any], T], raw: Any) -> T:
    try:
        return parse(raw)
    except FactsError as error:
        raise _within(prefix, error) from None


def parse_facts(raw: Any) -> Facts:
    """Validate one applicant's facts (format 1); raises FactsError naming the field."""
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise FactsError("facts", "应为 JSON 对象")
    data = _object(raw, "", _TOP_KEYS)
    if data.get("format") != 1:
        raise FactsError("format", "应为 1")
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise FactsError("year", "应为申报年度，如 2020")
    policy_id = data.get("policy") or default_policy_id(year)
    if not _code(policy_id) or policy_id not in POLICIES:
        raise FactsError("policy", f"未知的政策：{policy_id!r}")
    if "person" not in data:
        raise FactsError("person", "缺少申请人信息")
    person = _in("person", _person, data["person"])

    credit_code = employer_name = None
    if data.get("employer") is not None:
        employer = _object(data["employer"], "employer", _EMPLOYER_KEYS)
        if employer.get("credit_code") is not None:
            try:
                credit_code = validate_credit_code(
                    _str(employer["credit_code"], "employer.credit_code")
                )
            except ValueError as exc:
                raise FactsError("employer.credit_code", str(exc)) from exc
        if employer.get("name") is not None:
            employer_name = _str(employer["name"], "employer.name")

    permit_issued_on = None
    if data.get("residence_permit") is not None:
        permit = _object(data["residence_permit"], "residence_permit", _PERMIT_KEYS)
        if permit.get("issued_on") is not None:
            permit_issued_on = _date(permit["issued_on"], "residence_permit.issued_on")

    income_tax: Mapping[int, Decimal] = {}
    violations: tuple[dt.date, ...] = ()
    if data.get("tax") is not None:
        income_tax, violations = _in("tax", _tax, data["tax"])
    equity = None if data.get("equity") is None else _in("equity", _equity, data["equity"])

    return Facts(
        year=year,
        policy_id=str(policy_id),
        person=person,
        employer_credit_code=credit_code,
        employer_name=employer_name,
        residence_permit_issued_on=permit_issued_on,
        criminal_record=_bool(data.get("criminal_record"), "criminal_record", default=False),
        social_insurance=_items(
            data.get("social_insurance"), "social_insurance", _insurance_period
        ),
        housing=_items(data.get("housing"), "housing", _housing_period),
        education=_items(data.get("education"), "education", _education_item),
        awards=_items(data.get("awards"), "awards", _award),
        equity=equity,
        income_tax=income_tax,
        tax_violations=violations,
        honors=_items(data.get("honors"), "honors", _honor),
        detentions=_items(data.get("detentions"), "detentions", _penalty_date),
        job_residence_area_declared=_bool(
            data.get("job_residence_area_declared"), "job_residence_area_declared", default=True
        ),
    )
