"""How many claims in review each department holds, per round, indicator, state and manual
flag: the reviewers' queue counts read these few rows instead of counting a department's
claims (390,000 of them at Beijing's scale, issue 13).

The rows are written by the database, not by Python: triggers on the claims and the
applications (migration 0019_claim_in_review_queue_tally) add a row of +n / -n for every
statement that changes which claims are in review or their key. Claims change through many
writers (the transition mechanism, the data exchange's COPY, import_facts' COPY, bulk_update,
the admin, raw SQL in benchmarks); a counter kept by each of them is exact only until one
forgets, a trigger cannot be forgotten. The rows only ever grow by insertion (no writer waits
on another's counter row); a reader sums them, and folds a department's rows into one per key
when they pile up (`workflow.services.queue_tally.queue_tally_fold`).
"""

from __future__ import annotations

from django.db import models

from workflow.indicators import INDICATOR_CHOICES

from .applications import ClaimState
from .parties import Department
from .rounds import AnnualRound


class QueueTally(models.Model):
    # No foreign-key constraints: the rows are sums the triggers append, and a benchmark's
    # raw cleanup of a round must not be refused because of them (rows of a round that no
    # longer exists are left out by the readers).
    department = models.ForeignKey(
        Department,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name="审核部门",
    )
    round = models.ForeignKey(
        AnnualRound,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name="年度",
    )
    indicator = models.CharField("指标", max_length=30, choices=INDICATOR_CHOICES)
    state = models.CharField("状态", max_length=50, choices=ClaimState.choices)
    needs_manual_review = models.BooleanField("需人工审核")
    n = models.IntegerField("指标数增减")

    class Meta:
        verbose_name = "审核队列计数"
        verbose_name_plural = "审核队列计数"
        indexes = [models.Index(fields=["department", "round"], name="queue_tally_department")]

    def __str__(self) -> str:
        return f"{self.department_id}/{self.round_id} {self.indicator} {self.state} {self.n:+d}"
