"""Password rules in Chinese. Django 5.2 changed the minimum-length message to a ``%d``
form its zh_Hans catalogue has no translation for yet, so the stock validator answered in
English on a Chinese page."""

from __future__ import annotations

from django.contrib.auth.password_validation import MinimumLengthValidator


class ChineseMinimumLengthValidator(MinimumLengthValidator):
    def get_error_message(self) -> str:
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"
