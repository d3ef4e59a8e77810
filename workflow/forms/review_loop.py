"""The applicant's forms of the review loop: answering a 补件 request, booking a 原件查验 slot."""

from __future__ import annotations

from typing import Any

from django import forms

from workflow.evidence import ALLOWED_LABEL
from workflow.models import HalfDay, ServiceWindow

from .objections import MultipleFileField


class SupplementAnswerForm(forms.Form):
    file = MultipleFileField(
        label="补件材料", help_text=f"{ALLOWED_LABEL} 格式，可一次选择多个文件。"
    )
    note = forms.CharField(
        label="说明（可选）",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_file(self) -> list[Any]:
        files = self.cleaned_data["file"]
        if not files:
            raise forms.ValidationError("请至少上传一份补件材料。")
        return files


class BookingForm(forms.Form):
    window = forms.ModelChoiceField(
        label="服务窗口",
        queryset=ServiceWindow.objects.none(),
        empty_label="请选择",
        error_messages={
            "required": "请选择“服务窗口”。",
            "invalid_choice": "请选择列出的服务窗口。",
        },
    )
    date = forms.DateField(
        label="预约日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "请填写“预约日期”。",
            "invalid": "“预约日期”格式应为 年-月-日。",
        },
    )
    half = forms.ChoiceField(
        label="时段",
        choices=HalfDay.choices,
        error_messages={"required": "请选择“时段”（上午或下午）。"},
    )

    def __init__(self, *args: Any, check: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["window"].queryset = ServiceWindow.objects.filter(
            department_id=check.department_id
        )
        self.fields["window"].label_from_instance = lambda w: f"{w.name}（{w.address}）"
        self.fields[
            "date"
        ].help_text = (
            f"可预约 {check.book_from:%Y-%m-%d} 至 {check.book_until:%Y-%m-%d}（含当日）。"
        )
