"""The form of 核验公示名单: a list file, and the year, policy and quota when the file does not
say them."""

from __future__ import annotations

from django import forms

from ranking.policy import POLICIES

MAX_LIST_BYTES = 20 * 1024 * 1024  # a 6,000-row list is ~1 MB as CSV, less as XLSX


class ListAuditForm(forms.Form):
    file = forms.FileField(
        label="名单文件（CSV 或 XLSX）",
        error_messages={"required": "请选择要核验的名单文件。"},
    )
    year = forms.IntegerField(
        label="年度",
        required=False,
        min_value=2018,
        max_value=2100,
        help_text="留空则取文件标题或公示编号中的年度。",
    )
    policy = forms.ChoiceField(
        label="政策版本",
        required=False,
        choices=[("", "按年度默认")]
        + [(policy_id, f"{v.title}（{policy_id}）") for policy_id, v in POLICIES.items()],
    )
    quota = forms.IntegerField(
        label="年度落户规模",
        required=False,
        min_value=1,
        help_text="填写后核验名单人数不少于规模。",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError("只接受 CSV 或 XLSX 文件。")
        if upload.size > MAX_LIST_BYTES:
            raise forms.ValidationError("文件超过 20 MB。")
        return upload
