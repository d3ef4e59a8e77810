"""Key rotation for the columns encrypted at rest (workflow.crypto)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast

from workflow import crypto
from workflow.models import BlindIndexField, EncryptedTextField


@dataclass
class RotationReport:
    rows_checked: dict[str, int] = field(default_factory=dict)
    rows_rewritten: dict[str, int] = field(default_factory=dict)


def _encrypted_models() -> list[tuple[type[models.Model], list[str], list[BlindIndexField]]]:
    # Found in the app registry, so a column any app encrypts is rotated with the rest.
    found = []
    for model in apps.get_models():
        fields = model._meta.concrete_fields
        encrypted = [f.name for f in fields if isinstance(f, EncryptedTextField)]
        if encrypted:
            indexes = [f for f in fields if isinstance(f, BlindIndexField)]
            found.append((model, encrypted, indexes))
    return found


def field_keys_rotate(
    *, chunk_size: int = 1000, progress: Callable[[str], None] | None = None
) -> RotationReport:
    """Re-encrypt every encrypted column under the first key of FIELD_ENCRYPTION_KEYS and
    recompute each blind index under BLIND_INDEX_KEY, one locked chunk of rows per
    transaction. Idempotent: a row already under the first key with a current index is left
    alone, so an interrupted run is simply run again. Afterwards the old keys can be removed."""
    report = RotationReport()
    for model, encrypted, indexes in _encrypted_models():
        label = model._meta.label
        checked = rewritten = 0
        last_pk = 0
        while True:
            with transaction.atomic():
                # Locked, so a concurrent save cannot be overwritten with what was read here.
                rows = list(
                    model.objects.select_for_update()
                    .filter(pk__gt=last_pk)
                    .order_by("pk")
                    .values_list(
                        "pk",
                        *[Cast(name, output_field=models.TextField()) for name in encrypted],
                        *[index.name for index in indexes],
                    )[:chunk_size]
                )
                if not rows:
                    break
                stale = []
                for pk, *values in rows:
                    tokens = dict(zip(encrypted, values[: len(encrypted)], strict=True))
                    current_indexes = values[len(encrypted) :]
                    plain = {name: crypto.decrypt(t) if t else t for name, t in tokens.items()}
                    row = model(pk=pk, **plain)
                    wanted = [index.index_of(row) for index in indexes]
                    if all(not t or crypto.is_current(t) for t in tokens.values()) and (
                        wanted == list(current_indexes)
                    ):
                        continue
                    for index, value in zip(indexes, wanted, strict=True):
                        setattr(row, index.attname, value)
                    stale.append(row)
                if stale:
                    # Writes plaintext through the field: encrypted under the first key.
                    model.objects.bulk_update(
                        stale, [*encrypted, *(index.name for index in indexes)]
                    )
                checked += len(rows)
                rewritten += len(stale)
                last_pk = rows[-1][0]
            if progress is not None:
                progress(f"{label}: {checked} 行已检查，{rewritten} 行已重新加密")
        report.rows_checked[label] = checked
        report.rows_rewritten[label] = rewritten
    return report
