from __future__ import annotations

from django import forms


class CriminalRecordReportForm(forms.Form):
    # 细则第十八条: 申请人和用人单位对上述情况应及时向市人力资源社会保障局书面报告.
    facts = forms.CharField(
        label="书面报告：曾因犯罪被追究刑事责任的情况",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
