"""Small forms: evidence upload, recheck/appeal, the unit's answer, the employer's credit code."""

from __future__ import annotations

from typing import Any

from django import forms

from ranking.policy.identity import validate_credit_code
from workflow.evidence import ALLOWED_LABEL


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django docs, "Uploading multiple files")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class EvidenceUploadForm(forms.Form):
    # Not marked required: evidence is needed only where the data exchange cannot verify
    # (the page says which); an empty upload is still refused, by clean_file.
    file = MultipleFileField(
        label="选择文件",
        required=False,
        help_text=f"{ALLOWED_LABEL} 格式，可一次选择多个文件。",
    )

    def clean_file(self) -> list[Any]:
        files = self.cleaned_data["file"]
        if not files:
            raise forms.ValidationError("请选择要上传的文件。")
        return files


class EvidenceReplaceForm(forms.Form):
    """One file in the place of an uploaded one (before submission)."""

    file = forms.FileField(
        label="替换为",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
        error_messages={"required": "请选择用来替换的文件。"},
    )


class ObjectionForm(forms.Form):
    reason = forms.CharField(
        label="理由",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "请填写理由。"},
    )
    file = MultipleFileField(
        label="证明材料（可选）",
        required=False,
        help_text=f"{ALLOWED_LABEL} 格式，可一次选择多个文件。",
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("请填写理由。")
        return reason


class EmployerCodeForm(forms.Form):
    credit_code = forms.CharField(
        label="用人单位统一社会信用代码",
        max_length=18,
        help_text="填写为您在京缴纳社会保险的用人单位的 18 位统一社会信用代码，由单位确认后方可填报积分指标。",
    )

    def clean_credit_code(self) -> str:
        from workflow.models import Employer

        raw = self.cleaned_data["credit_code"].strip().upper()
        try:
            code = validate_credit_code(raw)
        except ValueError as error:
            raise forms.ValidationError(f"统一社会信用代码无效：{error}") from error
        employer = Employer.objects.filter(credit_code=code).first()
        if employer is None:
            raise forms.ValidationError(
                "未找到该统一社会信用代码的单位：请确认单位已在本系统注册。"
            )
        self.employer = employer
        return code


class EmployerSearchForm(forms.Form):
    q = forms.CharField(
        label="单位名称或统一社会信用代码",
        max_length=200,
        required=False,
        help_text="输入单位名称中的至少两个字，或信用代码的前几位。",
    )


class RejectAffiliationForm(forms.Form):
    reason = forms.CharField(
        label="不予确认的原因",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写不予确认的原因。"},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("请填写不予确认的原因。")
        return reason
