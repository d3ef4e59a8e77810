"""Reviewer forms: parse and check input only (the services decide)."""

from __future__ import annotations

import json

from django import forms

from review.services.decisions import DECISIONS
from workflow.indicators import INDICATOR_CHOICES
from workflow.models import ClaimState

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class QueueFilterForm(forms.Form):
    queue = forms.ChoiceField(
        label="队列",
        required=False,
        choices=[
            ("manual", "待人工审核"),
            ("recheck", "复查"),
            ("appeal", "申诉"),
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


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="审核结论", choices=list(DECISIONS.items()), widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label="审核意见",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写审核意见（必填）。"},
    )
    verified_facts = forms.CharField(
        label="核定信息（调整时填写，JSON）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

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
        if data.get("decision") == "adjust" and not data.get("verified_facts"):
            self.add_error("verified_facts", "调整审核结果时须填写核定信息。")
        return data


class BulkDecisionForm(forms.Form):
    claim_ids = forms.CharField(widget=forms.MultipleHiddenInput, required=False)
    decision = forms.ChoiceField(
        label="批量审核结论", choices=[(k, v) for k, v in DECISIONS.items() if k != "adjust"]
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
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("文件超过 50 MB，请分批导入。")
        return upload
