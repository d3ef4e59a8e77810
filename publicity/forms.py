from __future__ import annotations

from django import forms

from publicity.models import HomeKind, Settlement, SettlementChild
from publicity.services_settlement import MATERIAL_FIELDS


class ListSearchForm(forms.Form):
    """The public list's search box. A form, not request.GET as it comes: PostgreSQL refuses
    a NUL in a query parameter (a 500), and a 100,000-character search is no name."""

    q = forms.CharField(
        label="按姓名、单位名称或公示编号查询",
        max_length=100,
        required=False,
        error_messages={
            "max_length": "查询：最多 %(limit_value)d 个字。",
            "null_characters_not_allowed": "查询：不能包含空字符（\\0）。",
        },
    )


class ObjectionForm(forms.Form):
    number = forms.CharField(label="被举报人公示编号", max_length=12)
    reporter_name = forms.CharField(label="举报人姓名", max_length=60)
    reporter_id_number = forms.CharField(label="举报人公民身份号码", max_length=18)
    reporter_contact = forms.CharField(label="联系方式（电话或地址）", max_length=100)
    # Issue 14: a 2.4 MB objection was accepted (only the request body limit stopped it).
    facts = forms.CharField(
        label="举报事实",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"max_length": "举报事实：最多 %(limit_value)d 个字，请精简后提交。"},
    )


class ObjectionDecisionForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label="核查结论",
        choices=[("1", "查证属实（取消落户资格，不递补）"), ("0", "查无实据")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    outcome = forms.CharField(label="核查情况", widget=forms.Textarea(attrs={"rows": 4}))


class SettlementMaterialsForm(forms.ModelForm):
    """The applicant's part of 落户办理 (细则第十一条、第十二条): where to settle, the archive."""

    has_archive = forms.TypedChoiceField(
        label="人事档案",
        choices=[
            ("1", "有档案（按规定办理档案审核）"),
            ("0", "无档案（出具无档案诚信声明，附件1）"),
        ],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Settlement
        # The fields the service saves and audits: one list, so the form never offers one
        # it would refuse.
        fields = list(MATERIAL_FIELDS)
        widgets = {"home_kind": forms.RadioSelect}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home_kind"].required = True
        self.fields["home_kind"].choices = HomeKind.choices
        self.fields["home_address"].required = True
        if self.instance.pk:
            self.initial["has_archive"] = "1" if self.instance.has_archive else "0"

    def clean(self):
        data = super().clean()
        if data.get("has_archive") and not data.get("archive_holder", "").strip():
            self.add_error("archive_holder", "有档案的，请填写档案存放单位。")
        kind = data.get("home_kind")
        if kind and kind != HomeKind.COLLECTIVE and not data.get("home_document", "").strip():
            self.add_error(
                "home_document", "请填写住房证明（产权证书、租赁合同或分配通知单）的编号。"
            )
        return data


class SettlementChildForm(forms.ModelForm):
    class Meta:
        model = SettlementChild
        fields = [
            "name",
            "birth_date",
            "id_number",
            "accompanying",
            "hukou_booklet",
            "birth_certificate",
        ]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class SettlementReturnForm(forms.Form):
    reason = forms.CharField(
        label="退回原因（需补正的材料）", widget=forms.Textarea(attrs={"rows": 3})
    )


class SettlementRecordForm(forms.Form):
    residence_permit_cancelled = forms.BooleanField(
        label="已依法注销申请人的《北京市居住证》（细则第十二条）",
        required=False,
    )


class FraudForm(forms.Form):
    reason = forms.CharField(label="弄虚作假的事实", widget=forms.Textarea(attrs={"rows": 4}))
    # 细则第十七条: the unit is barred only on an explicit finding that it assisted.
    employer_assisted = forms.BooleanField(
        label="查实用人单位协助提供虚假材料（单位当年及以后 5 年内不受理其积分落户申请事项）",
        required=False,
    )
    employer_reason = forms.CharField(
        label="用人单位协助造假的事实",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
