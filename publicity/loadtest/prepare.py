"""A published round of N applicants for the load test, made once per database.

Made with ranking's benchmark helpers (bulk rows, synthetic totals, the real ranking write)
and published through the real services (the city's approval, then `publicity_publish`), so
the public list, its search, pages and downloads are exactly what a real publication serves.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from publicity.selectors import publication_published
from publicity.services import publication_prepare, publicity_publish
from ranking.benchmarks import make_round, rank_synthetic
from ranking.services import ranking_run_approve
from workflow.models import AnnualRound, Application, Phase
from workflow.services import quota_approve

# A past year: the round's publicity week runs now, and round_current() would take the
# newer of two running rounds as the site's current one; the demo's applicants must keep
# theirs (load_demo's current year), so the load round is older than any demo round.
LOAD_YEAR = 2020
QUOTA = 6000


def load_round_prepare(*, applicants: int, log=print) -> int:
    """Publish year LOAD_YEAR's list with `applicants` ranked applications; return how many
    the published round holds. Idempotent: a round already published is kept as it is (a
    different size needs a fresh database, because the audit log never forgets rows)."""
    existing = AnnualRound.objects.filter(year=LOAD_YEAR).first()
    if existing is not None:
        count = Application.objects.filter(round=existing).count()
        if publication_published(year=LOAD_YEAR) is None:
            raise SystemExit(
                f"{LOAD_YEAR}年度轮次已存在但未公示（{count} 份申请）：请换一个空数据库再运行。"
            )
        if count != applicants:
            log(f"  keeping the published {LOAD_YEAR} round of {count:,} (asked {applicants:,})")
        _published_prepare(log)
        return count
    now = timezone.now()
    # load_demo made the city's approver; the approvals go through the real services.
    approver = get_user_model().objects.get(username="city-approver")
    with transaction.atomic():
        round, ids, totals = make_round(applicants, year=LOAD_YEAR)
        quota_approve(round=round, quota=QUOTA, document_number="压测〔2020〕1号", actor=approver)
        run = rank_synthetic(round=round, ids=ids, totals=totals, quota=QUOTA, now=now)
        ranking_run_approve(run=run, document_number="压测〔2020〕2号", actor=approver, now=now)
        AnnualRound.objects.filter(pk=round.pk).update(phase=Phase.PUBLICITY)
        round.refresh_from_db()
        publicity_publish(round=round, now=now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum would do before the crowd arrives
    _published_prepare(log)
    return applicants


def _published_prepare(log) -> None:
    # What the publish job prepares after publishing, again on every run: the pages live in
    # Redis, which may have been emptied since the database was made.
    pages = publication_prepare(publication=publication_published(year=LOAD_YEAR))
    log(f"  downloads and {pages} list pages prepared")
