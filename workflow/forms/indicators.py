"""One page per declared indicator, shaped like the facts it declares (facts format 1).

A page is a few *sections* (rows to add and remove: housing periods, education items,
awards, honors) and *single* forms (equity). Its output is the claim's `declared_facts`
with exactly the keys `workflow.facts.CLAIM_FACT_KEYS` gives the indicator, checked by the
policy engine's own parser (`ranking.policy.parse_facts`) so the portal can never accept
what scoring would refuse; a `FactsError` names a field (``housing[2].to``) and is put back
on that row's field, so the page says exactly what to fix.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict

from ranking.policy import FactsError, parse_facts
from ranking.policy.identity import parse_id_number
from ranking.policy.months import parse_month
from workflow.facts import CLAIM_FACT_KEYS, person_facts

from .labels import (
    DISTRICT_CHOICES,
    EDUCATION_LEVEL_LABELS,
    HONOR_LABELS,
    HOUSING_KIND_LABELS,
    award_choices,
    award_value,
)

_PICK = [("", "请选择")]


class MonthInput(forms.TextInput):
    input_type = "month"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"placeholder": "YYYY-MM", "pattern": r"\d{4}-\d{2}", **(attrs or {})})


class MonthField(forms.CharField):
    """A month as the contract writes it: YYYY-MM."""

    widget = MonthInput

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if value:
            try:
                parse_month(value)
            except ValueError as error:
                raise forms.ValidationError(
                    f"请按 YYYY-MM 格式填写月份，如 2015-05（{error}）。"
                ) from error
        return value


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


# 教育背景: nobody finishes a school before this age; an earlier date is a typing error.
MIN_GRADUATION_AGE = 14


@dataclass(frozen=True)
class RowLimits:
    """What a row's dates are checked against: who declares, for which round, on which day."""

    today: dt.date
    year: int  # the round's year Y; items count up to Y-1 (细则第十六条)
    birth_date: dt.date | None = None

    @classmethod
    def of(cls, *, applicant: Any, year: int, today: dt.date) -> RowLimits:
        try:
            birth_date = parse_id_number(applicant.id_number).birth_date
        except ValueError:
            birth_date = None
        return cls(today=today, year=year, birth_date=birth_date)

    @property
    def age_14_on(self) -> dt.date | None:
        if self.birth_date is None:
            return None
        born = self.birth_date
        try:
            return born.replace(year=born.year + MIN_GRADUATION_AGE)
        except ValueError:  # born on 29 February
            return dt.date(born.year + MIN_GRADUATION_AGE, 3, 1)


class RowForm(forms.Form):
    """One row of a section; FACT_FIELDS maps a facts key to the form field that holds it.

    `limits`, when given, refuses impossible dates on the row's own field (a date in the
    future, an award after the round's cut-off year), so the page says which row is wrong.
    """

    FACT_FIELDS: dict[str, str] = {}

    def __init__(self, *args: Any, limits: RowLimits | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits

    def to_fact(self) -> Any:
        raise NotImplementedError

    @classmethod
    def initial_from(cls, item: Any) -> dict[str, Any]:
        raise NotImplementedError


class HousingRow(RowForm):
    # 细则第十五条（二）: own housing 1/12 a month, rental or dorm 1/24; district decides 职住区域.
    start = MonthField(label="起始月份")
    end = MonthField(label="截止月份", required=False, help_text="仍在居住请留空（至今）")
    kind = forms.ChoiceField(label="住所类型", choices=[*_PICK, *HOUSING_KIND_LABELS.items()])
    district = forms.ChoiceField(label="所在区", choices=[*_PICK, *DISTRICT_CHOICES])
    FACT_FIELDS = {"from": "start", "to": "end", "kind": "kind", "district": "district"}

    def to_fact(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "from": d["start"],
            "to": d["end"] or None,
            "kind": d["kind"],
            "district": d["district"],
        }

    @classmethod
    def initial_from(cls, item: Any) -> dict[str, Any]:
        return {
            "start": item.get("from"),
            "end": item.get("to") or "",
            "kind": item.get("kind"),
            "district": item.get("district"),
        }


class EducationRow(RowForm):
    # 细则附件2: the best item counts; 学历 and 学位 are separate certificates.
    level = forms.ChoiceField(label="层次", choices=[*_PICK, *EDUCATION_LEVEL_LABELS.items()])
    diploma = forms.BooleanField(label="取得学历（毕业证书）", required=False)
    degree = forms.BooleanField(label="取得学位（学位证书）", required=False)
    graduated_on = forms.DateField(
        label="毕业（授予）日期",
        widget=DateInput,
        error_messages={"invalid": "请按 YYYY-MM-DD 格式填写日期。"},
    )
    FACT_FIELDS = {
        "level": "level",
        "diploma": "diploma",
        "degree": "degree",
        "graduated_on": "graduated_on",
    }

    def clean(self):
        data = super().clean()
        if data.get("level") and not data.get("diploma") and not data.get("degree"):
            self.add_error("diploma", "请至少勾选学历或学位之一。")
        return data

    def clean_graduated_on(self) -> dt.date:
        graduated_on = self.cleaned_data["graduated_on"]
        limits = self.limits
        if limits is None:
            return graduated_on
        if graduated_on > limits.today:
            raise forms.ValidationError(
                f"毕业（授予）日期 {graduated_on:%Y-%m-%d} 晚于今天，请填写已取得证书上的日期。"
            )
        age_14_on = limits.age_14_on
        if age_14_on is not None and graduated_on < age_14_on:
            raise forms.ValidationError(
                f"毕业（授予）日期 {graduated_on:%Y-%m-%d} 早于您年满 {MIN_GRADUATION_AGE} 周岁"
                f"（{age_14_on:%Y-%m-%d}，按公民身份号码中的出生日期计算），请核对证书上的日期。"
            )
        return graduated_on

    def to_fact(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "level": d["level"],
            "diploma": bool(d["diploma"]),
            "degree": bool(d["degree"]),
            "graduated_on": d["graduated_on"].isoformat(),
        }

    @classmethod
    def initial_from(cls, item: Any) -> dict[str, Any]:
        return {
            "level": item.get("level"),
            "diploma": bool(item.get("diploma")),
            "degree": bool(item.get("degree")),
            "graduated_on": item.get("graduated_on"),
        }


class AwardRow(RowForm):
    # 细则附件3: the catalogue of awards and contests, by code and grade.
    award = forms.ChoiceField(label="奖项（按细则附件3目录）", choices=[*_PICK, *award_choices()])
    rank = forms.IntegerField(
        label="完成人位次或名次",
        required=False,
        min_value=1,
        max_value=999,
        help_text="按证书所列位次；无位次的奖项可不填。",
    )
    year = forms.IntegerField(label="获奖年份", min_value=1949, max_value=2100)
    FACT_FIELDS = {
        "code": "award",
        "grade": "award",
        "role": "award",
        "rank": "rank",
        "year": "year",
    }

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        limits = self.limits
        if limits is None:
            return year
        if year > limits.today.year:
            raise forms.ValidationError(f"获奖年份 {year} 年晚于今年，请填写证书上的年份。")
        if year > limits.year - 1:
            # 细则第十六条: a round counts what was obtained by 12月31日 of the year before.
            raise forms.ValidationError(
                f"{limits.year}年度只计 {limits.year - 1} 年 12 月 31 日前获得的奖项："
                f"{year} 年的奖项请在下一年度申报。"
            )
        return year

    def to_fact(self) -> dict[str, Any]:
        d = self.cleaned_data
        code, _, grade = d["award"].partition(":")
        return {
            "code": code,
            "grade": grade or None,
            "rank": d["rank"],
            "role": None,
            "year": d["year"],
        }

    @classmethod
    def initial_from(cls, item: Any) -> dict[str, Any]:
        return {
            "award": award_value(item.get("code", ""), item.get("grade")),
            "rank": item.get("rank"),
            "year": item.get("year"),
        }


class HonorRow(RowForm):
    # 细则附件4: any one listed honor scores 20 (not summed).
    honor = forms.ChoiceField(
        label="荣誉称号（按细则附件4目录）", choices=[*_PICK, *HONOR_LABELS.items()]
    )
    year = forms.IntegerField(label="授予年份", required=False, min_value=1949, max_value=2100)
    FACT_FIELDS = {"code": "honor", "year": "year"}

    def to_fact(self) -> dict[str, Any]:
        return {"code": self.cleaned_data["honor"], "year": self.cleaned_data["year"]}

    @classmethod
    def initial_from(cls, item: Any) -> dict[str, Any]:
        if isinstance(item, str):
            return {"honor": item}
        return {"honor": item.get("code"), "year": item.get("year")}


class EquityForm(forms.Form):
    # 细则附件3（三）: 创业企业股权类现金融资 (投资机构投资≥500万元, 持股≥10%).
    has_equity = forms.BooleanField(label="申报创业企业股权融资", required=False)
    qualified_firm = forms.BooleanField(label="企业为符合条件的创新创业企业", required=False)
    investor_funding_3y_wan = forms.DecimalField(
        label="近3年经备案投资机构投资（万元）",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    equity_financing_3y_wan = forms.DecimalField(
        label="近3年累计股权类现金融资（万元）",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    holding_pct = forms.DecimalField(
        label="本人当年持股比例（%）",
        required=False,
        min_value=0,
        max_value=100,
        max_digits=6,
        decimal_places=2,
    )
    full_year = forms.BooleanField(label="持股满一年", required=False)
    FACT_FIELDS = {
        name: name
        for name in (
            "qualified_firm",
            "investor_funding_3y_wan",
            "equity_financing_3y_wan",
            "holding_pct",
            "full_year",
        )
    }

    def clean(self):
        data = super().clean()
        if data.get("has_equity"):
            for name in ("investor_funding_3y_wan", "equity_financing_3y_wan", "holding_pct"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, "申报股权融资时必须填写此项。")
        return data

    def to_fact(self) -> dict[str, Any] | None:
        d = self.cleaned_data
        if not d.get("has_equity"):
            return None

        def money(value: Decimal | None) -> str:
            return format(value or Decimal("0"), "f")

        return {
            "qualified_firm": bool(d["qualified_firm"]),
            "investor_funding_3y_wan": money(d["investor_funding_3y_wan"]),
            "equity_financing_3y_wan": money(d["equity_financing_3y_wan"]),
            "holding_pct": money(d["holding_pct"]),
            "full_year": bool(d["full_year"]),
        }

    @classmethod
    def initial_from(cls, item: Any) -> dict[str, Any]:
        if not item:
            return {"has_equity": False}
        return {"has_equity": True, **{k: item.get(k) for k in cls.FACT_FIELDS}}


class DeclareForm(forms.Form):
    """For 职住区域: nothing to type; the department derives it from housing and insurance."""

    declare = forms.BooleanField(
        label="我申报职住区域指标，并承诺取得落户资格后在该城六区以外的自有住所落户"
        "（由规划自然资源委根据已申报的住所和社保缴纳记录核定）",
        error_messages={"required": "请勾选此项以申报职住区域指标。"},
    )
    FACT_FIELDS: dict[str, str] = {}

    def to_fact(self) -> None:
        return None

    @classmethod
    def initial_from(cls, item: Any) -> dict[str, Any]:
        return {"declare": True}


@dataclass(frozen=True)
class Section:
    key: str  # facts key: the list this section's rows make
    row_form: type[RowForm]
    title: str
    add_label: str


@dataclass(frozen=True)
class Single:
    key: str  # facts key this form's object makes (None output = key absent)
    form: type[forms.Form]
    title: str


@dataclass(frozen=True)
class IndicatorPage:
    code: str
    title: str
    intro: str
    sections: tuple[Section, ...] = ()
    singles: tuple[Single, ...] = ()

    def bind(
        self,
        *,
        data: QueryDict | None = None,
        facts: dict[str, Any] | None = None,
        declared: bool = False,
        limits: RowLimits | None = None,
    ) -> BoundPage:
        """Bound to `data` (POST or a draft), else filled from the claim's declared `facts`."""
        return BoundPage(self, data=data, facts=facts or {}, declared=declared, limits=limits)


PAGES: dict[str, IndicatorPage] = {
    "housing": IndicatorPage(
        "housing",
        "合法稳定住所",
        "按时间段逐行填写在京居住情况：自有产权住房每月 1/12 分，租赁住房（须登记备案）或单位宿舍每月 1/24 分；"
        "累计月数不超过社保缴纳月数（细则第十五条（二））。所在区同时用于核定职住区域指标。",
        sections=(Section("housing", HousingRow, "居住时间段", "添加一段居住时间"),),
    ),
    "education": IndicatorPage(
        "education",
        "教育背景",
        "填写取得的国民教育学历和学位，按最高一项计分；取得学历（学位）期间累计的居住及就业分数将被扣除（细则附件2）。",
        sections=(Section("education", EducationRow, "学历学位", "添加一项学历学位"),),
    ),
    "job_residence_area": IndicatorPage(
        "job_residence_area",
        "职住区域",
        "2018年1月起在城六区以外自有住房居住（及就业）的，每满一年加 2 或 3 分，最高 12 分（细则第十五条（四））。"
        "本指标须勾选申报，不申报不计分；申报本项指标的申请人，取得落户资格后须在该自有住所落户。"
        "勾选后无需另行填写，由部门根据住所与社保记录核定。",
        singles=(Single("declare", DeclareForm, "申报"),),
    ),
    "innovation": IndicatorPage(
        "innovation",
        "创新创业",
        "按细则附件3目录填写获得的奖项、大赛名次或创业企业股权融资；取最高一项计分，最高 12 分，不累加。",
        sections=(Section("awards", AwardRow, "奖项与大赛", "添加一项奖项"),),
        singles=(Single("equity", EquityForm, "创业企业股权融资"),),
    ),
    "honors": IndicatorPage(
        "honors",
        "荣誉表彰",
        "获得细则附件4所列荣誉称号的，加 20 分（多项不累加）。",
        sections=(Section("honors", HonorRow, "荣誉称号", "添加一项荣誉"),),
    ),
}
DECLARED_PAGES = tuple(PAGES)

_FIELD = re.compile(r"^(?P<key>\w+)(?:\[(?P<index>\d+)\])?(?:\.(?P<sub>\w+))?")


class BoundPage:
    """The page's forms bound to POST/draft data (or filled from declared facts)."""

    def __init__(
        self,
        page: IndicatorPage,
        *,
        data: QueryDict | None,
        facts: dict[str, Any],
        declared: bool = False,
        limits: RowLimits | None = None,
    ) -> None:
        self.page = page
        self.data = data
        self.non_field_errors: list[str] = []
        self.formsets: dict[str, forms.BaseFormSet] = {}
        self.forms: dict[str, forms.Form] = {}
        self._rows: dict[str, list[RowForm]] = {}
        for section in page.sections:
            formset_class = forms.formset_factory(
                section.row_form,
                extra=0 if (data is None and facts.get(section.key)) else 1,
                can_delete=True,
                max_num=50,
                absolute_max=50,
                validate_max=True,
            )
            row_kwargs = {"limits": limits}
            if data is not None:
                formset = formset_class(data, prefix=section.key, form_kwargs=row_kwargs)
            else:
                initial = [
                    section.row_form.initial_from(item) for item in facts.get(section.key) or []
                ]
                formset = formset_class(prefix=section.key, initial=initial, form_kwargs=row_kwargs)
            self.formsets[section.key] = formset
        for single in page.singles:
            if data is not None:
                self.forms[single.key] = single.form(data, prefix=single.key)
            else:
                known = declared or single.key in facts
                initial = single.form.initial_from(facts.get(single.key)) if known else None
                self.forms[single.key] = single.form(prefix=single.key, initial=initial)

    @property
    def sections(self) -> list[tuple[Section, forms.BaseFormSet]]:
        return [(s, self.formsets[s.key]) for s in self.page.sections]

    @property
    def singles(self) -> list[tuple[Single, forms.Form]]:
        return [(s, self.forms[s.key]) for s in self.page.singles]

    def is_valid(self) -> bool:
        valid = all(
            [fs.is_valid() for fs in self.formsets.values()]
            + [f.is_valid() for f in self.forms.values()]
        )
        return valid and not self.non_field_errors

    @property
    def error_count(self) -> int:
        count = len(self.non_field_errors)
        for formset in self.formsets.values():
            count += len(formset.non_form_errors()) + sum(len(e) for e in formset.errors)
        return count + sum(len(f.errors) for f in self.forms.values())

    def declared_facts(self) -> dict[str, Any]:
        """The claim's part of facts format 1 (call after is_valid)."""
        facts: dict[str, Any] = {}
        self._rows = {}
        for section in self.page.sections:
            rows = [
                form
                for form in self.formsets[section.key].forms
                if form.has_changed() and not form.cleaned_data.get("DELETE")
            ]
            self._rows[section.key] = rows
            facts[section.key] = [form.to_fact() for form in rows]
        for single in self.page.singles:
            value = self.forms[single.key].to_fact()
            if single.key in CLAIM_FACT_KEYS.get(self.page.code, ()):
                facts[single.key] = value
        return facts

    def check_with_engine(
        self, *, applicant: Any, year: int, policy_id: str
    ) -> dict[str, Any] | None:
        """Validate through the policy engine's parser; the declared facts, or None with errors set."""
        if not self.is_valid():
            return None
        declared = self.declared_facts()
        whole = {
            "format": 1,
            "year": year,
            "policy": policy_id,
            "person": person_facts(applicant),
            **declared,
        }
        try:
            parse_facts(whole)
        except FactsError as error:
            self.put_error(error)
            return None
        return declared

    def put_error(self, error: FactsError) -> None:
        """Attach the engine's error to the form field it names (``awards[1].grade`` → that row's 奖项)."""
        match = _FIELD.match(error.field)
        if match:
            key, index, sub = match["key"], match["index"], match["sub"]
            if index is not None and key in self._rows and int(index) < len(self._rows[key]):
                row = self._rows[key][int(index)]
                row.add_error(row.FACT_FIELDS.get(sub or "", None), error.message)
                return
            if key in self.forms:
                single = self.forms[key]
                single.add_error(
                    getattr(single, "FACT_FIELDS", {}).get(sub or "", None), error.message
                )
                return
        self.non_field_errors.append(f"{error.field}：{error.message}")


def with_extra_row(data: QueryDict, key: str) -> QueryDict:
    """The same POST with one more empty row in section `key` (adding a row without JavaScript)."""
    copy = data.copy()
    name = f"{key}-TOTAL_FORMS"
    try:
        total = int(copy.get(name, "0"))
    except ValueError:
        total = 0
    copy[name] = str(min(total + 1, 50))
    return copy


def draft_data(data: QueryDict) -> dict[str, list[str]]:
    """POST data as a JSON-able draft (the CSRF token and the button pressed left out).

    NUL characters are dropped: PostgreSQL's jsonb refuses \\u0000 (the autosave was a 500),
    no keyboard types one, and the declaration itself still refuses it on its field."""
    return {
        k.replace("\x00", ""): [v.replace("\x00", "") for v in data.getlist(k)]
        for k in data
        if k not in ("csrfmiddlewaretoken", "action")
    }


def data_from_draft(saved: dict[str, list[str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, values in saved.items():
        data.setlist(key, [str(v) for v in values])
    return data
