"""Reviewer forms: parse and check input only (the services decide)."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from review.batch_files import Limits
from workflow.decisions import DECISIONS, decisions_for
from workflow.facts import CLAIM_FACT_KEYS
from workflow.forms.indicators import (
    PAGES,
    BoundPage,
    IndicatorPage,
    MonthField,
    RowForm,
    Section,
    with_extra_row,
)
from workflow.forms.labels import INSURANCE_DISTRICT_CHOICES
from workflow.indicators import DISTRICT_OFFICES, INDICATOR_CHOICES
from workflow.models import ClaimState, Department, IndicatorClaim


class QueueFilterForm(forms.Form):
    queue = forms.ChoiceField(
        label="队列",
        required=False,
        choices=[
            ("manual", "待人工审核"),
            ("recheck", "复查"),
            ("appeal", "申诉"),
            ("supplement", "待补件"),
            ("supplement_overdue", "补件逾期"),
            ("all", "全部"),
        ],
    )
    state = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *ClaimState.choices]
    )
    indicator = forms.ChoiceField(
        label="指标", required=False, choices=[("", "全部指标"), *INDICATOR_CHOICES]
    )
    older_than_days = forms.IntegerField(
        label="等待超过（天）", required=False, min_value=0, max_value=365
    )


class RecordSearchForm(forms.Form):
    """One person's records by identity number. A form rather than request.POST as it comes:
    PostgreSQL refuses a NUL in the lookup (it was a 500)."""

    id_number = forms.CharField(
        label="公民身份号码",
        max_length=18,
        required=False,
        error_messages={
            "max_length": "公民身份号码：最多 %(limit_value)d 位。",
            "null_characters_not_allowed": "公民身份号码：不能包含空字符（\\0）。",
        },
    )

    def clean_id_number(self) -> str:
        return self.cleaned_data["id_number"].strip().upper()


class SocialInsuranceRow(RowForm):
    # 细则第十五条（一）: 0.25 a normally paid month; back-paid months (补缴) do not count.
    start = MonthField(label="起始月份")
    end = MonthField(label="截止月份", required=False, help_text="仍在缴纳请留空（至今）")
    district = forms.ChoiceField(
        label="缴纳所在区", choices=[("", "请选择"), *INSURANCE_DISTRICT_CHOICES]
    )
    back_paid = forms.BooleanField(label="补缴", required=False)
    FACT_FIELDS = {"from": "start", "to": "end", "district": "district", "back_paid": "back_paid"}

    def to_fact(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "from": d["start"],
            "to": d["end"] or None,
            "district": d["district"],
            "back_paid": bool(d["back_paid"]),
        }

    @classmethod
    def initial_from(cls, item: Any) -> dict[str, Any]:
        return {
            "start": item.get("from"),
            "end": item.get("to") or "",
            "district": item.get("district"),
            "back_paid": bool(item.get("back_paid")),
        }


# The structured editor of the department's figures: the portal's own indicator pages (the
# same rows, labels and engine check the applicant had), plus social insurance periods, which
# applicants never declare (零填报). Other indicators keep the JSON field ("advanced").
EDITOR_PAGES: dict[str, IndicatorPage] = {
    "employment": IndicatorPage(
        "employment",
        "合法稳定就业",
        "",
        sections=(
            Section("social_insurance", SocialInsuranceRow, "社会保险缴纳时间段", "添加一段"),
        ),
    ),
    **{code: PAGES[code] for code in ("housing", "education", "innovation", "honors")},
}
ADD_ROW = "add_row:"


def claim_part(value: Any, indicator: str) -> dict[str, Any] | None:
    """The department's figures as the claim's part of facts format 1 (the data exchange keeps
    a bare list of records for a mismatch, a ``{"housing": [...]}`` object otherwise)."""
    keys = CLAIM_FACT_KEYS.get(indicator, ())
    if isinstance(value, dict):
        return value
    if isinstance(value, list) and len(keys) == 1:
        return {keys[0]: value}
    return None


class DecisionForm(forms.Form):
    """The decision, its reason, and for "adjust" the department's figures: rows of the
    indicator's structured editor (`self.editor`), else a JSON object (advanced)."""

    decision = forms.ChoiceField(
        label="审核结论",
        choices=list(DECISIONS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": "请选择审核结论。"},
    )
    reason = forms.CharField(
        label="审核意见",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写审核意见（必填）。"},
    )
    verified_facts = forms.CharField(
        label="核定信息（高级：facts-format-1 JSON 对象，调整时填写）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        claim: IndicatorClaim,
        facts: dict[str, Any] | None = None,
    ) -> None:
        """`facts`: what to prefill the editor with (the department's figures, else the
        declaration); ignored when bound."""
        self.adding_row = bool(data) and data.get("action", "").startswith(ADD_ROW)
        if self.adding_row:
            data = with_extra_row(data, data["action"][len(ADD_ROW) :])
        super().__init__(data)
        if self.adding_row:
            self._errors = forms.utils.ErrorDict()  # one more row, nothing decided or checked
        self.claim = claim
        # First review offers 通过/不通过/调整; a recheck or appeal 成立/不成立/调整, each
        # saying whose figures will stand.
        self.fields["decision"].choices = list(decisions_for(claim.state).items())
        if claim.state in ("recheck_requested", "appealed"):
            self.fields["decision"].label = (
                "复查结论" if claim.state == "recheck_requested" else "申诉结论（部门复核）"
            )
        page = EDITOR_PAGES.get(claim.indicator)
        self.editor: BoundPage | None = None
        if page is not None:
            del self.fields["verified_facts"]
            self.editor = page.bind(data=data, facts=facts or {}, declared=True)
        elif facts is not None:
            self.initial["verified_facts"] = json.dumps(facts, ensure_ascii=False, indent=2)

    def clean_verified_facts(self):
        text = self.cleaned_data["verified_facts"].strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                f"核定信息不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列"
            ) from None
        if not isinstance(value, dict):
            raise forms.ValidationError("核定信息应为一个 JSON 对象。")
        return value

    def clean(self):
        data = super().clean()
        if data.get("decision") != "adjust":
            data["verified_facts"] = None  # only an adjustment carries new figures
            return data
        if self.editor is None:
            if not data.get("verified_facts") and "verified_facts" not in self.errors:
                self.add_error("verified_facts", "调整审核结果时须填写核定信息。")
            return data
        if not any(f"{key}-TOTAL_FORMS" in self.data for key in self.editor.formsets):
            raise forms.ValidationError("调整审核结果时须填写核定信息。")
        application = self.claim.application
        facts = self.editor.check_with_engine(
            applicant=application.applicant,
            year=application.round.year,
            policy_id=application.round.policy_id,
        )
        if facts is None:
            raise forms.ValidationError(self.editor_errors() or ["核定信息有误，请检查。"])
        data["verified_facts"] = facts
        return data

    def editor_errors(self) -> list[str]:
        """Each error of the editor with the row and the field it is on, in Chinese."""
        assert self.editor is not None
        out = list(self.editor.non_field_errors)
        for section, formset in self.editor.sections:
            out.extend(str(e) for e in formset.non_form_errors())
            for number, row in enumerate(formset.forms, 1):
                for name, errors in row.errors.items():
                    label = row.fields[name].label if name in row.fields else ""
                    where = f"{section.title}第 {number} 项" + (f"「{label}」" if label else "")
                    out.extend(f"{where}：{e}" for e in errors)
        for single, form in self.editor.singles:
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                where = single.title + (f"「{label}」" if label else "")
                out.extend(f"{where}：{e}" for e in errors)
        return out


class BulkDecisionForm(forms.Form):
    claim_ids = forms.CharField(widget=forms.MultipleHiddenInput, required=False)
    decision = forms.ChoiceField(
        label="批量审核结论",
        choices=[(k, v) for k, v in DECISIONS.items() if k != "adjust"],
        help_text="待审核的指标可批量“审核通过/不通过”，复查或申诉可批量“成立/不成立”；"
        "所选指标须都能作出该结论，否则全部不作处理。",
    )
    reason = forms.CharField(
        label="审核意见",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写审核意见（必填）。"},
    )


class UploadForm(forms.Form):
    file = forms.FileField(label="数据文件（CSV 或 XLSX）")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("只接受 CSV 或 XLSX 文件。")
        if error := Limits.from_settings().size_error(upload.size):
            raise forms.ValidationError(error)
        return upload


# --- the review loop (细则第七条) -----------------------------------------------------------


class SupplementRequestForm(forms.Form):
    documents = forms.CharField(
        label="需补充的材料",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请在“需补充的材料”中写明要求申请人补充的材料。"},
    )
    due_at = forms.DateTimeField(
        label="补件截止时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        error_messages={
            "required": "请填写“补件截止时间”。",
            "invalid": "“补件截止时间”格式应为 年-月-日 时:分。",
        },
    )


class OriginalsInviteForm(forms.Form):
    office = forms.ModelChoiceField(
        label="查验部门（服务窗口所在区）",
        # 细则第二条: 各区政府、北京经济技术开发区指定相关部门 (seeded by migration 0012).
        queryset=Department.objects.filter(code__in=DISTRICT_OFFICES),
        empty_label="请选择",
        error_messages={"required": "请选择“查验部门”。"},
    )
    documents = forms.CharField(
        label="需查验的原件",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请在“需查验的原件”中写明要查验的原件。"},
    )
    book_from = forms.DateField(
        label="可预约起始日",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "请填写“可预约起始日”。",
            "invalid": "“可预约起始日”格式应为 年-月-日。",
        },
    )
    book_until = forms.DateField(
        label="可预约截止日",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "请填写“可预约截止日”。",
            "invalid": "“可预约截止日”格式应为 年-月-日。",
        },
    )


class WindowDayForm(forms.Form):
    window = forms.ModelChoiceField(
        label="服务窗口",
        queryset=None,
        empty_label="请选择",
        error_messages={"required": "请选择“服务窗口”。"},
    )
    date = forms.DateField(
        label="日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写“日期”。", "invalid": "“日期”格式应为 年-月-日。"},
    )
    morning_capacity = forms.IntegerField(label="上午可预约人数", min_value=0, max_value=500)
    afternoon_capacity = forms.IntegerField(label="下午可预约人数", min_value=0, max_value=500)

    def __init__(self, *args: Any, windows: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["window"].queryset = windows


class OriginalsRecordForm(forms.Form):
    attended = forms.TypedChoiceField(
        label="到场情况",
        choices=[("1", "已到场查验"), ("0", "未到场")],
        coerce=lambda v: v == "1",
        error_messages={"required": "请选择“到场情况”。"},
    )
    originals_match = forms.TypedChoiceField(
        label="原件与所传材料是否一致",
        required=False,
        choices=[("", "—"), ("1", "一致"), ("0", "不一致")],
        coerce=lambda v: v == "1",
        empty_value=None,
    )
    outcome = forms.CharField(
        label="查验结果", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class JointCheckOpenForm(forms.Form):
    subject = forms.CharField(
        label="核察事项",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请在“核察事项”中写明需要核察的内容。"},
    )
    # Chosen by code, not by id: a posted id past the database's integer range would reach
    # the query (found by tests/test_fuzz_endpoints.py); a code is only ever compared as text.
    departments = forms.ModelMultipleChoiceField(
        label="参与部门",
        queryset=Department.objects.all(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请选择“参与部门”（至少两个）。"},
    )


class JointCheckFindingForm(forms.Form):
    finding = forms.CharField(
        label="核查意见",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写“核查意见”。"},
    )
    fraud_suspected = forms.BooleanField(label="发现弄虚作假", required=False)


class JointCheckConcludeForm(forms.Form):
    outcome = forms.CharField(
        label="核察结论",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写“核察结论”。"},
    )
    fraud_found = forms.BooleanField(
        label="查实弄虚作假（转管理员依细则第十七条处理）", required=False
    )
