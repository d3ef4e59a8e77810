"""The public 积分模拟计算器 form: one applicant's facts (format 1) as a form and row formsets.

Parsing only: the form turns what was typed into a facts-format-1 dict and hands the engine's
validation errors (``FactsError.field`` such as ``social_insurance[2].to``) back to the row
and field they are about. Scoring stays in ``ranking.policy``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django import forms
from django.forms import BaseFormSet, formset_factory

from ranking.policy import FactsError
from ranking.policy.identity import make_id_number
from ranking.policy.tables import (
    AWARD_TABLE,
    CITY_LEVEL,
    DISTRICT_ORDER,
    EDUCATION_LEVEL_LABELS,
    HONORS,
    HOUSING_KIND_LABELS,
)

# Synthetic identity numbers use 朝阳区's area code; only the birth date and gender matter.
SYNTHETIC_ID_AREA = "110105"
SYNTHETIC_NAME = "模拟申请人"

BLANK = ("", "请选择")
HOUSING_DISTRICTS = [BLANK, *((d, d) for d in DISTRICT_ORDER)]
INSURANCE_DISTRICTS = [
    BLANK,
    (CITY_LEVEL, "市本级（视同城六区）"),
    *((d, d) for d in DISTRICT_ORDER),
]
HOUSING_KINDS = [BLANK, *HOUSING_KIND_LABELS.items()]
EDUCATION_LEVELS = [BLANK, *EDUCATION_LEVEL_LABELS.items()]
# One choice per row of 细则附件3: "code" or "code:grade".
AWARD_CHOICES = [
    BLANK,
    *(
        (row.code if row.grade is None else f"{row.code}:{row.grade}", row.label)
        for row in AWARD_TABLE
    ),
]
HONOR_CHOICES = [(code, label) for code, (label, _source) in HONORS.items()]
POLICY_CHOICES = [
    ("", "按申报年度默认"),
    ("beijing-2020", "2020年修订版（beijing-2020）"),
    ("beijing-2018", "试行版（beijing-2018）"),
]

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


class MonthField(forms.CharField):
    """A month as YYYY-MM (``<input type=month>``; a plain text box where unsupported)."""

    widget = forms.TextInput(
        attrs={"type": "month", "placeholder": "YYYY-MM", "pattern": r"\d{4}-\d{2}"}
    )

    def clean(self, value: Any) -> str | None:
        value = super().clean(value)
        if not value:
            return None
        match = _MONTH.match(value.strip().replace("/", "-").replace(".", "-"))
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise forms.ValidationError("请按 YYYY-MM 格式填写月份，如 2009-07")
        return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"


def _date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "请按 YYYY-MM-DD 格式填写日期"},
    )


def _money_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(
            attrs={"step": "0.01", "inputmode": "decimal", "placeholder": "0"}
        ),
    )


class ApplicantForm(forms.Form):
    year = forms.IntegerField(label="申报年度", min_value=2018, max_value=2100)
    policy = forms.ChoiceField(label="适用政策", choices=POLICY_CHOICES, required=False)
    birth_date = _date_field("出生日期")
    gender = forms.ChoiceField(label="性别", choices=[BLANK, ("M", "男"), ("F", "女")])
    female_job = forms.ChoiceField(
        label="女性身份",
        required=False,
        choices=[("", "（男性不填）"), ("worker", "工人"), ("cadre", "干部")],
        help_text="法定退休年龄按出生月份查渐进式延迟退休年龄表：女工人 50 岁起、女干部 55 岁起",
    )
    residence_permit_issued_on = _date_field(
        "北京市居住证签发日期", required=False, help_text="未取得请留空"
    )
    criminal_record = forms.BooleanField(label="有刑事犯罪记录", required=False)
    job_residence_area_declared = forms.BooleanField(
        label="申报职住区域指标",
        required=False,
        help_text="申报本项指标的，取得落户资格后须在该城六区以外的自有住所落户；不申报不计分"
        "（细则第十五条（四））。",
    )
    tax_y3 = _money_field("申报前第三年个人所得税（元）")
    tax_y2 = _money_field("申报前第二年个人所得税（元）")
    tax_y1 = _money_field("申报前一年个人所得税（元）")
    equity_qualified_firm = forms.BooleanField(
        label="所在企业为符合条件的创新创业企业", required=False
    )
    equity_investor_funding_3y_wan = _money_field("近3年获经备案的投资机构投资（万元）")
    equity_financing_3y_wan = _money_field("近3年累计股权类现金融资（万元）")
    equity_holding_pct = _money_field("本人持股比例（%）")
    equity_full_year = forms.BooleanField(label="申报前一年全年持股", required=False)
    honors = forms.MultipleChoiceField(
        label="荣誉表彰", required=False, choices=HONOR_CHOICES, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, offset in (("tax_y3", 3), ("tax_y2", 2), ("tax_y1", 1)):
            self.fields[name].widget.attrs["data-year-offset"] = str(offset)
        # Label the three tax boxes with their calendar years (simulator.js relabels on change).
        raw_year = self.data.get("year") if self.is_bound else (self.initial or {}).get("year")
        try:
            year = int(raw_year)
        except (TypeError, ValueError):
            return
        for name, tax_year in self.tax_years(year).items():
            self.fields[name].label = f"{tax_year}年个人所得税（元）"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("gender") == "F" and not data.get("female_job"):
            self.add_error("female_job", "女性申请人请选择工人或干部（退休年龄不同）")
        return data

    def tax_years(self, year: int) -> dict[str, int]:
        return {"tax_y3": year - 3, "tax_y2": year - 2, "tax_y1": year - 1}


class InsuranceRowForm(forms.Form):
    start = MonthField(label="开始月份")
    end = MonthField(label="结束月份", required=False, help_text="留空表示至今")
    district = forms.ChoiceField(label="缴费所在区", choices=INSURANCE_DISTRICTS)
    back_paid = forms.BooleanField(label="补缴", required=False)


class HousingRowForm(forms.Form):
    start = MonthField(label="开始月份")
    end = MonthField(label="结束月份", required=False, help_text="留空表示至今")
    kind = forms.ChoiceField(label="住所类型", choices=HOUSING_KINDS)
    district = forms.ChoiceField(label="所在区", choices=HOUSING_DISTRICTS)


class EducationRowForm(forms.Form):
    level = forms.ChoiceField(label="层次", choices=EDUCATION_LEVELS)
    diploma = forms.BooleanField(label="取得学历", required=False)
    degree = forms.BooleanField(label="取得学位", required=False)
    graduated_on = _date_field("毕业（授予）日期")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("diploma") and not data.get("degree"):
            self.add_error("diploma", "请至少勾选学历或学位之一")
        return data


class AwardRowForm(forms.Form):
    award = forms.ChoiceField(label="奖项", choices=AWARD_CHOICES)
    rank = forms.IntegerField(
        label="完成人位次/名次",
        required=False,
        min_value=1,
        max_value=999,
        help_text="按位次计分的奖项必填",
    )
    year = forms.IntegerField(label="获奖年份", min_value=1950, max_value=2100)


class PenaltyRowForm(forms.Form):
    date = _date_field("日期")


class RowFormSet(BaseFormSet):
    """Rows the applicant adds and removes. Every row is an "extra" row: an untouched row is
    ignored, a row with DELETE ticked is dropped, whatever the page was first shown with."""

    def __init__(
        self,
        *args: Any,
        initial: list[dict[str, Any]] | None = None,
        blank_rows: int = 2,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, initial=initial, **kwargs)
        self.extra = len(initial or []) + blank_rows

    def initial_form_count(self) -> int:
        return 0

    def kept_forms(self) -> list[forms.Form]:
        """The rows that count, in page order: changed and not deleted (after is_valid)."""
        return [
            form for form in self.forms if form.has_changed() and not self._should_delete_form(form)
        ]


def _formset(form: type[forms.Form]) -> type[BaseFormSet]:
    # absolute_max as max_num: Django's default (max_num + 1000) built 1,060 row forms per
    # section for a posted TOTAL_FORMS of 10**30 — 20 s of work on a public page, found by
    # fuzzing; the portal's indicator pages cap theirs the same way.
    return formset_factory(
        form,
        formset=RowFormSet,
        can_delete=True,
        max_num=60,
        absolute_max=60,
        validate_max=True,
    )


# (facts key, form prefix, formset class, section title, field map facts key -> form field)
SECTIONS: tuple[tuple[str, str, type[BaseFormSet], str, dict[str, str]], ...] = (
    (
        "social_insurance",
        "si",
        _formset(InsuranceRowForm),
        "社会保险缴纳记录",
        {"from": "start", "to": "end", "district": "district", "back_paid": "back_paid"},
    ),
    (
        "housing",
        "housing",
        _formset(HousingRowForm),
        "住所记录",
        {"from": "start", "to": "end", "kind": "kind", "district": "district"},
    ),
    (
        "education",
        "edu",
        _formset(EducationRowForm),
        "教育背景",
        {
            "level": "level",
            "diploma": "diploma",
            "degree": "degree",
            "graduated_on": "graduated_on",
        },
    ),
    (
        "awards",
        "award",
        _formset(AwardRowForm),
        "创新创业奖项",
        {"code": "award", "grade": "award", "rank": "rank", "role": "award", "year": "year"},
    ),
    ("tax.violations", "violation", _formset(PenaltyRowForm), "涉税违法记录", {"date": "date"}),
    ("detentions", "detention", _formset(PenaltyRowForm), "行政拘留记录", {"date": "date"}),
)
_MAIN_FIELDS = {
    "year": "year",
    "policy": "policy",
    "person.birth_date": "birth_date",
    "person.gender": "gender",
    "person.female_job": "female_job",
    "person.id_number": "birth_date",
    "person.name": "birth_date",
    "residence_permit.issued_on": "residence_permit_issued_on",
    "criminal_record": "criminal_record",
    "job_residence_area_declared": "job_residence_area_declared",
    "equity.qualified_firm": "equity_qualified_firm",
    "equity.investor_funding_3y_wan": "equity_investor_funding_3y_wan",
    "equity.equity_financing_3y_wan": "equity_financing_3y_wan",
    "equity.holding_pct": "equity_holding_pct",
    "equity.full_year": "equity_full_year",
}
_ROW_PATH = re.compile(r"^(?P<key>[a-z_.]+)\[(?P<index>\d+)\](?:\.(?P<field>\w+))?$")


def example_initial(year: int) -> dict[str, Any]:
    """The contract's example applicant (facts-format-1.md): 78.09 points in 2020."""
    return {
        "main": {
            "year": year,
            "policy": "",
            "birth_date": dt.date(1985, 7, 12),
            "gender": "M",
            "residence_permit_issued_on": dt.date(2016, 3, 1),
            "job_residence_area_declared": True,
            "tax_y3": Decimal("0"),
            "tax_y2": Decimal("1200.00"),
            "tax_y1": Decimal("3000.00"),
        },
        "si": [{"start": "2009-07", "end": "", "district": "朝阳区", "back_paid": False}],
        "housing": [{"start": "2015-05", "end": "", "kind": "own", "district": "通州区"}],
        "edu": [
            {
                "level": "bachelor",
                "diploma": True,
                "degree": True,
                "graduated_on": dt.date(2009, 6, 30),
            }
        ],
    }


class SimulatorInput:
    """The applicant form plus one formset per kind of row, bound together."""

    def __init__(self, data: Any | None = None, *, initial: dict[str, Any] | None = None) -> None:
        initial = initial or {}
        self.main = ApplicantForm(data, initial=initial.get("main"))
        self.sections = []
        for facts_key, prefix, formset_class, title, field_map in SECTIONS:
            formset = formset_class(data, prefix=prefix, initial=initial.get(prefix) or [])
            self.sections.append(
                {
                    "key": facts_key,
                    "prefix": prefix,
                    "formset": formset,
                    "title": title,
                    "field_map": field_map,
                }
            )
        self._by_key = {section["key"]: section for section in self.sections}
        self._by_prefix = {section["prefix"]: section for section in self.sections}
        self.errors_summary: list[str] = []

    def formset(self, prefix: str) -> BaseFormSet:
        return self._by_prefix[prefix]["formset"]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.sections)

    def is_valid(self) -> bool:
        valid = self.main.is_valid()
        for section in self.sections:
            valid = section["formset"].is_valid() and valid
        if not valid:
            self._summarise_form_errors()
        return valid

    # --- facts ---------------------------------------------------------------------------

    def synthetic_id_number(self) -> str:
        main = self.main.cleaned_data
        return make_id_number(SYNTHETIC_ID_AREA, main["birth_date"], 1, main["gender"])

    def facts(self) -> dict[str, Any]:
        """Facts format 1 for what was entered (after is_valid)."""
        main = self.main.cleaned_data
        year = main["year"]
        facts: dict[str, Any] = {
            "format": 1,
            "year": year,
            "person": {
                "id_number": self.synthetic_id_number(),
                "name": SYNTHETIC_NAME,
                "gender": main["gender"],
                "birth_date": main["birth_date"].isoformat(),
                "female_job": (main.get("female_job") or None) if main["gender"] == "F" else None,
            },
            "residence_permit": (
                {"issued_on": main["residence_permit_issued_on"].isoformat()}
                if main.get("residence_permit_issued_on")
                else None
            ),
            "criminal_record": bool(main.get("criminal_record")),
            "job_residence_area_declared": bool(main.get("job_residence_area_declared")),
            "social_insurance": [
                {
                    "from": row["start"],
                    "to": row["end"],
                    "district": row["district"],
                    "back_paid": bool(row.get("back_paid")),
                }
                for row in self._rows("social_insurance")
            ],
            "housing": [
                {
                    "from": row["start"],
                    "to": row["end"],
                    "kind": row["kind"],
                    "district": row["district"],
                }
                for row in self._rows("housing")
            ],
            "education": [
                {
                    "level": row["level"],
                    "diploma": bool(row.get("diploma")),
                    "degree": bool(row.get("degree")),
                    "graduated_on": row["graduated_on"].isoformat(),
                }
                for row in self._rows("education")
            ],
            "awards": [self._award(row) for row in self._rows("awards")],
            "equity": self._equity(main),
            "tax": {
                "income_tax": {
                    str(tax_year): str(main.get(name) or Decimal("0"))
                    for name, tax_year in self.main.tax_years(year).items()
                },
                "violations": [row["date"].isoformat() for row in self._rows("tax.violations")],
            },
            "honors": list(main.get("honors") or []),
            "detentions": [row["date"].isoformat() for row in self._rows("detentions")],
        }
        if main.get("policy"):
            facts["policy"] = main["policy"]
        return facts

    def _rows(self, facts_key: str) -> list[dict[str, Any]]:
        return [form.cleaned_data for form in self._by_key[facts_key]["formset"].kept_forms()]

    @staticmethod
    def _award(row: dict[str, Any]) -> dict[str, Any]:
        code, _, grade = row["award"].partition(":")
        return {
            "code": code,
            "grade": grade or None,
            "rank": row.get("rank"),
            "role": None,
            "year": row["year"],
        }

    @staticmethod
    def _equity(main: dict[str, Any]) -> dict[str, Any] | None:
        amounts = (
            "equity_investor_funding_3y_wan",
            "equity_financing_3y_wan",
            "equity_holding_pct",
        )
        if not main.get("equity_qualified_firm") and not any(main.get(name) for name in amounts):
            return None
        return {
            "qualified_firm": bool(main.get("equity_qualified_firm")),
            "investor_funding_3y_wan": str(main.get("equity_investor_funding_3y_wan") or 0),
            "equity_financing_3y_wan": str(main.get("equity_financing_3y_wan") or 0),
            "holding_pct": str(main.get("equity_holding_pct") or 0),
            "full_year": bool(main.get("equity_full_year")),
        }

    # --- errors --------------------------------------------------------------------------

    def add_facts_error(self, error: FactsError) -> None:
        """Show the engine's validation error next to the field (and row) it names."""
        path, message = error.field, error.message
        if path in _MAIN_FIELDS:
            self._main_error(_MAIN_FIELDS[path], message)
            return
        if path.startswith("tax.income_tax."):
            tax_year = path.rsplit(".", 1)[-1]
            year = self.main.cleaned_data.get("year")
            by_year = (
                {str(y): name for name, y in self.main.tax_years(year).items()} if year else {}
            )
            self._main_error(by_year.get(tax_year), message)
            return
        if path.startswith("honors"):
            self._main_error("honors", message)
            return
        match = _ROW_PATH.match(path)
        section = self._by_key.get(match.group("key")) if match else None
        if match and section:
            rows = section["formset"].kept_forms()
            index = int(match.group("index"))
            if index < len(rows):
                field = section["field_map"].get(
                    match.group("field") or "", next(iter(section["field_map"].values()))
                )
                row = rows[index]
                row.add_error(field, message)
                self.errors_summary.append(
                    f"{section['title']}第 {index + 1} 行 · {row.fields[field].label}：{message}"
                )
                return
        self._main_error(None, f"{path}：{message}")

    def _main_error(self, field: str | None, message: str) -> None:
        self.main.add_error(field, message)
        label = self.main.fields[field].label if field else "填写内容"
        self.errors_summary.append(f"{label}：{message}")

    def _summarise_form_errors(self) -> None:
        for field, errors in self.main.errors.items():
            label = self.main.fields[field].label if field in self.main.fields else "填写内容"
            self.errors_summary.extend(f"{label}：{error}" for error in errors)
        for section in self.sections:
            formset = section["formset"]
            for error in formset.non_form_errors():
                self.errors_summary.append(f"{section['title']}：{error}")
            row_number = 0
            for form in formset.forms:
                if not form.has_changed() or formset._should_delete_form(form):
                    continue
                row_number += 1
                for field, errors in form.errors.items():
                    label = form.fields[field].label if field in form.fields else "本行"
                    self.errors_summary.extend(
                        f"{section['title']}第 {row_number} 行 · {label}：{error}"
                        for error in errors
                    )
