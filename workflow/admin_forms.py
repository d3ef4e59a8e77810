"""Forms of the admin's intermediate pages: decisions that need more than a button press.

They parse input only; the decision itself is the service's (windows, roles, audit)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from workflow.decisions import RECONSIDERATION_DECISIONS

RECONSIDERATION_CHOICES = list(RECONSIDERATION_DECISIONS.items())

FACTS_HELP = 'JSON 对象，格式见 facts-format-1（只填写该指标涉及的字段，如 {"education": [...]}）。'


class ButtonReasonForm(forms.Form):
    """The reason typed beside a plain transition button (no intermediate page). Parsed by a
    form, not read raw from POST: a NUL reached the audit row and PostgreSQL refused it (500)."""

    reason = forms.CharField(
        label="原因",
        required=False,
        max_length=2000,
        error_messages={
            "max_length": "原因：最多 %(limit_value)d 个字。",
            "null_characters_not_allowed": "原因：不能包含空字符（\\0）。",
        },
    )


class FactsField(forms.JSONField):
    """Verified facts as a JSON object (the claim's part of facts-format-1)."""

    default_error_messages = {"invalid": "核定信息不是有效的 JSON，请检查括号、引号和逗号。"}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "核定信息（JSON）")
        kwargs.setdefault("help_text", FACTS_HELP)
        kwargs.setdefault(
            "widget", forms.Textarea(attrs={"rows": 12, "cols": 80, "class": "vLargeTextField"})
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        # Readable initial text (indented, Chinese kept as is).
        if isinstance(value, dict | list):
            import json

            return json.dumps(value, ensure_ascii=False, indent=2)
        return super().prepare_value(value)

    def clean(self, value: Any) -> Any:
        facts = super().clean(value)
        if facts is not None and not isinstance(facts, dict):
            raise ValidationError("核定信息必须是 JSON 对象（以 { 开头）。", code="not_object")
        return facts


def _reason_field(label: str = "理由") -> forms.CharField:
    return forms.CharField(
        label=label,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        error_messages={"required": f"请填写{label}（必填，记入审计日志并告知申请人）。"},
    )


class ClaimAdjustForm(forms.Form):
    verified_facts = FactsField()
    reason = _reason_field("调整理由")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["verified_facts"].error_messages["required"] = (
            "请填写核定信息（调整审核结果时必填）。"
        )


class _OutcomeWithFactsForm(forms.Form):
    """An outcome; new facts go with one outcome only (never silently ignored)."""

    facts_required_for = ""
    facts_required_message = ""
    facts_forbidden_for: tuple[str, ...] = ()
    facts_forbidden_message = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        outcome, facts = data.get("outcome"), data.get("verified_facts")
        if outcome == self.facts_required_for and not facts:
            self.add_error("verified_facts", self.facts_required_message)
        if outcome in self.facts_forbidden_for and facts:
            self.add_error("verified_facts", self.facts_forbidden_message)
        return data


class RecheckDecisionForm(_OutcomeWithFactsForm):
    # 细则第五条: 复查 — the department keeps or changes its result.
    outcome = forms.ChoiceField(
        label="复查结论",
        choices=RECONSIDERATION_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择复查结论。"},
    )
    verified_facts = FactsField(required=False, help_text="仅“调整”时填写。" + FACTS_HELP)
    reason = _reason_field("复查意见")
    facts_required_for = "adjust"
    facts_required_message = "选择“调整”时须填写新的核定信息。"
    facts_forbidden_for = ("uphold", "dismiss")
    facts_forbidden_message = "“成立”按申报信息、“不成立”按部门原核定信息，不能另填核定信息。"


class AppealDecisionForm(_OutcomeWithFactsForm):
    # 细则第八条: 申诉 — the department's review (部门复核) decides it.
    outcome = forms.ChoiceField(
        label="申诉结论",
        choices=RECONSIDERATION_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择申诉结论。"},
    )
    verified_facts = FactsField(required=False, help_text="仅“调整”时填写。" + FACTS_HELP)
    reason = _reason_field("复核意见")
    facts_required_for = "adjust"
    facts_required_message = "选择“调整”时须填写新的核定信息。"
    facts_forbidden_for = ("uphold", "dismiss")
    facts_forbidden_message = "“成立”按申报信息、“不成立”按部门原核定信息，不能另填核定信息。"
