"""Identity numbers on pages: masked (110105********0212) wherever the full number is not
the reader's own or their task's (a reviewer's claim page keeps it)."""

from __future__ import annotations

from django import template

from ranking.policy.identity import mask_id_number

register = template.Library()


@register.filter
def masked_id(value: object) -> str:
    """`{{ applicant.id_number|masked_id }}`; None and "" stay empty."""
    if value is None:
        return ""
    return mask_id_number(str(value))
