"""Model fields for personal data at rest (workflow.crypto): an encrypted text column that
reads back as plaintext, and the blind index kept beside an encrypted identity number."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models

from workflow import crypto


class EncryptedTextField(models.TextField):
    """Plaintext in Python, an AES-GCM token in the database (workflow.crypto); "" and NULL stay as they are.

    The column cannot be compared (each token is random), so every lookup but `isnull` is
    refused: a `filter(id_number=…)` would silently match nothing. Find identity numbers
    through their blind index (`Applicant.objects.by_id_number`).
    """

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def formfield(self, **kwargs: Any) -> Any:
        # One line of text in a form (the admin's), not the TextField's textarea.
        return super().formfield(**{"widget": forms.TextInput, **kwargs})


class BlindIndexField(models.CharField):
    """The HMAC blind index of the identity number in `source`, computed whenever the row is
    written (save() and bulk_create() both call pre_save) so it cannot disagree with it."""

    def __init__(self, *args: Any, source: str = "id_number", **kwargs: Any):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if kwargs.get("max_length") == 64:
            del kwargs["max_length"]
        kwargs.pop("editable", None)  # always False: written by pre_save, never by a form
        return name, path, args, kwargs

    def index_of(self, instance: models.Model) -> str | None:
        number = getattr(instance, self.source)
        return crypto.id_number_index(number) if number else None

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = self.index_of(model_instance)
        setattr(model_instance, self.attname, value)
        return value
