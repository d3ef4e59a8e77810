"""A published list's pages, prepared once per list version and shared by every web process.

The public list is the busiest public page while it is on show (issue 13). A page of the
whole list changes only with the list's version (an upheld objection cancels an admission
and bumps `Publication.list_version`, `publicity.services._entry_cancel`), so each page's
table is rendered once per version: every page by the publish job, right after publication
(`list_pages_prepare`), and a page the cache lost by the first request for it. They are
kept in the "published" cache (Redis in production: one render serves every process; a
per-process cache had each web process render each of the ~120 pages once more). Nothing
is invalidated by hand: a page's key holds the list's version and the page's look as
deployed (`page_revision`).

A search's page stays in the per-process "rendered" cache for ten minutes: anyone can ask
for any text, and the shared Redis (the task queue and the sessions too) never evicts.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.core.paginator import Paginator
from django.template.loader import render_to_string

from publicity import selectors
from publicity.models import Publication
from ranking.policy import INDICATOR_CODES, INDICATOR_LABELS

CACHE = "published"
# Long enough to outlast the 7 days of publicity and the weeks of settlement after them; a
# page asked for later than that is rendered again, once.
FRAGMENT_SECONDS = 60 * 24 * 3600
TABLE_TEMPLATE = "publicity/_list_table.html"
COLUMNS = [INDICATOR_LABELS[code] for code in INDICATOR_CODES]


SEARCH_CACHE, SEARCH_SECONDS = "rendered", 600


@functools.cache
def page_revision() -> str:
    """The list page's look as deployed, read once per process: the templates, the code that
    shapes its rows (`publicity.selectors`) and the indicator columns. A deploy that changes
    any of them renders the pages anew (the old ones are never read again, and expire) and
    changes the pages' ETags (no 304 for a page of the old look)."""
    digest = hashlib.sha256(repr(COLUMNS).encode())
    digest.update(Path(selectors.__file__).read_bytes())
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(directory).rglob("*.html")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def table_key(*, publication: Publication, per_page: int, number: int, query: str) -> str:
    """What one page's table shows depends on: the list at its version, the page, the search,
    and the page's look as deployed."""
    return ":".join((publication.version_key, page_revision(), str(per_page), str(number), query))


def table_context(*, publication: Publication, page: Any, query: str) -> dict[str, Any]:
    """The page's context for its table: where it is kept, its key, and the rows (read only
    if the table is rendered: `publicity_page`'s rows are lazy)."""
    return {
        "table_cache": SEARCH_CACHE if query else CACHE,
        "table_seconds": SEARCH_SECONDS if query else FRAGMENT_SECONDS,
        "table_key": table_key(
            publication=publication,
            per_page=page.paginator.per_page,
            number=page.number,
            query=query,
        ),
        "rows": page.object_list,
        "columns": COLUMNS,
    }


def cancelled_count_cached(publication: Publication) -> int:
    """How many on the list were cancelled (the page's note), counted once per version."""
    return caches[CACHE].get_or_set(
        f"publicity:cancelled:{publication.version_key}",
        lambda: selectors.cancelled_count(publication),
        FRAGMENT_SECONDS,
    )


def list_pages_prepare(*, publication: Publication) -> int:
    """Render every page of the whole list (no search) into the shared cache, as the list
    page's `{% cache %}` would on a miss; returns the number of pages. Idempotent."""
    cache = caches[CACHE]
    pages = Paginator(range(publication.admitted_count), selectors.PAGE_SIZE).page_range
    for number in pages:
        page = selectors.publicity_page(publication=publication, page=number)
        context = table_context(publication=publication, page=page, query="")
        cache.set(
            make_template_fragment_key("publicity_table", [context["table_key"]]),
            render_to_string(TABLE_TEMPLATE, context),
            FRAGMENT_SECONDS,
        )
    return len(pages)
