from django import forms


class NoticePreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(
        label="同时用电子邮件通知我", required=False, help_text="发送到账号登记的邮箱。"
    )
    sms_enabled = forms.BooleanField(
        label="同时用短信通知我", required=False, help_text="发送到登记的手机号码（仅申请人）。"
    )
