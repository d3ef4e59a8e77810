"""Registration forms: each error is attached to the field it is about."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation

from ranking.policy.identity import mask_id_number, parse_id_number, validate_credit_code
from workflow.models import FemaleJob


class _PasswordPair(forms.Form):
    password1 = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="再次输入密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_password2(self) -> str:
        first, second = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if first and second and first != second:
            raise forms.ValidationError("两次输入的密码不一致。")
        return second

    def _check_password(self, user_like) -> None:
        password = self.cleaned_data.get("password1")
        if password:
            try:
                password_validation.validate_password(password, user_like)
            except forms.ValidationError as error:
                self.add_error("password1", error)


class ApplicantRegistrationForm(_PasswordPair):
    id_number = forms.CharField(
        label="公民身份号码",
        max_length=18,
        help_text="18 位，最后一位可能是 X；注册后用它登录。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    name = forms.CharField(label="姓名", max_length=60)
    phone = forms.RegexField(
        label="手机号码",
        regex=r"^1\d{10}$",
        error_messages={"invalid": "手机号码应为 11 位数字，以 1 开头。"},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label="电子邮箱", help_text="用于找回密码。")
    female_job = forms.ChoiceField(
        label="女性岗位类别",
        required=False,
        choices=[("", "（男性不填）"), *FemaleJob.choices],
        help_text="女性申请人必填：工人退休年龄 50 周岁，干部（管理岗）55 周岁（细则第十四条）。",
    )
    field_order = ["id_number", "name", "phone", "email", "female_job", "password1", "password2"]

    def clean_id_number(self) -> str:
        raw = self.cleaned_data["id_number"].strip().upper()
        try:
            return parse_id_number(raw).number
        except ValueError as error:
            raise forms.ValidationError(f"公民身份号码无效：{error}") from error

    def clean(self):
        data = super().clean()
        number = data.get("id_number")
        if number:
            gender = parse_id_number(number).gender
            if gender == "F" and not data.get("female_job"):
                self.add_error("female_job", "女性申请人须选择岗位类别（工人或干部）。")
            if gender == "M" and data.get("female_job"):
                self.add_error("female_job", "男性申请人不填写女性岗位类别。")
        self._check_password(None)
        return data


class UnitRegistrationForm(_PasswordPair):
    credit_code = forms.CharField(
        label="统一社会信用代码", max_length=18, help_text="18 位，见营业执照。"
    )
    unit_name = forms.CharField(label="单位名称", max_length=200)
    contact_name = forms.CharField(label="经办人姓名", max_length=60)
    username = forms.RegexField(
        label="经办人登录用户名",
        regex=r"^[A-Za-z0-9_.@+-]{4,150}$",
        error_messages={"invalid": "用户名为 4 位以上的字母、数字或 _ . @ + -。"},
    )
    email = forms.EmailField(label="经办人电子邮箱", help_text="用于找回密码。")
    field_order = [
        "credit_code",
        "unit_name",
        "contact_name",
        "username",
        "email",
        "password1",
        "password2",
    ]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        # Applicants log in by typing their identity number: a unit user name that is one
        # would be that person's login, and no user name may be an identity number.
        if mask_id_number(username) != username:
            raise forms.ValidationError("用户名不能使用公民身份号码；申请人请使用“申请人注册”。")
        return username

    def clean_credit_code(self) -> str:
        raw = self.cleaned_data["credit_code"].strip().upper()
        try:
            return validate_credit_code(raw)
        except ValueError as error:
            raise forms.ValidationError(f"统一社会信用代码无效：{error}") from error

    def clean(self):
        data = super().clean()
        self._check_password(None)
        return data
