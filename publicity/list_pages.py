"""A published list's pages, prepared once per list version and shared by every web process.

The public list is the busiest public page while it is on show (issue 13). A page of it
changes only with the list's version (an upheld objection cancels an admission and bumps
`Publication.list_version`, `publicity.services._entry_cancel`), so each page's table is
rendered once per version: every page of the whole list by the publish job, right after
publication (`list_pages_prepare`), and a search's page, or a page the cache lost, by the
first request for it. They are kept in the "published" cache (Redis in production: one
render serves every process; a per-process cache had each of the web processes render
each of the ~120 pages once more). Nothing is invalidated by hand: a fragment's key holds
the list's version and its moment, and the templates as deployed.
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


@functools.cache
def templates_digest() -> str:
    """The templates as deployed (read once per process): a deploy that changes how the list
    looks renders its pages anew, and its ETags change (no 304 for a page of the old look)."""
    digest = hashlib.sha256()
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(directory).rglob("*.html")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def table_key(*, publication: Publication, per_page: int, number: int, query: str) -> str:
    """What one page's table shows depends on: the list (its version, and the moment of that
    version, so a database restored or rebuilt never meets another list's pages), the page,
    the search, and the templates."""
    return ":".join(
        (
            str(publication.pk),
            str(publication.list_version),
            publication.list_changed_at.isoformat(),
            templates_digest(),
            str(per_page),
            str(number),
            query,
        )
    )


def table_context(*, publication: Publication, page: Any, query: str) -> dict[str, Any]:
    """The page's context for its table: the key, and the rows (read only if the table is
    rendered: `publicity_page`'s rows are lazy)."""
    return {
        "table_key": table_key(
            publication=publication,
            per_page=page.paginator.per_page,
            number=page.number,
            query=query,
        ),
        "table_seconds": FRAGMENT_SECONDS,
        "rows": page.object_list,
        "columns": COLUMNS,
    }


def cancelled_shown(publication: Publication) -> int:
    """How many on the list were cancelled (the page's note), counted once per version."""
    key = f"publicity:cancelled:{publication.pk}:{publication.list_version}:{publication.list_changed_at.isoformat()}"
    return caches[CACHE].get_or_set(
        key, lambda: selectors.cancelled_count(publication), FRAGMENT_SECONDS
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
