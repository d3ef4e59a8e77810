"""A bound form's errors as the lines a page's message area shows (redirect-after-POST pages
have no form to render the errors beside their fields)."""

from __future__ import annotations

from django import forms


def form_error_messages(form: forms.Form) -> list[str]:
    """Each error named by its field's label ("批准文号：这个字段是必填项。"), unless the
    message already names it; a form-wide error as it is."""
    out = []
    for name, errors in form.errors.items():
        label = str(form.fields[name].label) if name in form.fields else ""
        out.extend(
            f"{label}：{error}" if label and label not in error else error for error in errors
        )
    return out
