"""Housekeeping of the queue tally (workflow/models/queue_tally.py): its rows are appended by
database triggers, a few per statement that moves claims; folding a department's round into
one row per key keeps the reviewers' counts a read of a few dozen rows. The sums never change."""

from __future__ import annotations

from collections import Counter

from django.db import transaction

from workflow.models import QueueTally

# Rows of one department's round before a reader folds them (a reviewer's decision adds two,
# a chunk of the data exchange a few dozen; a folded round has one per key, ≤ 60).
FOLD_AT = 400


def queue_tally_fold(*, department_id: int, round_id: int) -> None:
    """Replace a department's round's tally rows by their sums, one row per key. Rows that
    another transaction is folding at the same moment are skipped, not waited for (each
    transaction replaces only the rows it locked by their sum, so the totals hold)."""
    with transaction.atomic():
        rows = list(
            QueueTally.objects.select_for_update(skip_locked=True)
            .filter(department_id=department_id, round_id=round_id)
            .values_list("pk", "indicator", "state", "needs_manual_review", "n")
        )
        sums: Counter[tuple[str, str, bool]] = Counter()
        for _, indicator, state, manual, n in rows:
            sums[(indicator, state, manual)] += n
        QueueTally.objects.filter(pk__in=[row[0] for row in rows]).delete()
        QueueTally.objects.bulk_create(
            QueueTally(
                department_id=department_id,
                round_id=round_id,
                indicator=indicator,
                state=state,
                needs_manual_review=manual,
                n=n,
            )
            for (indicator, state, manual), n in sums.items()
            if n
        )
