"""The engine-backed list pages: keyword search over one side, with facets, highlights and paging.

When the engine is unavailable the caller (listings/views.py) serves the page from the database."""
from __future__ import annotations

import math

from search import analysis
from search.backends.base import BackendUnavailable
from search.documents import Filters
from search.matching import keyword_part, relaxed
from tt_platform.indexing import registry
from tt_platform.indexing.engine import get_backend
from tt_platform.listings.browse import region_prefix
from tt_platform.vocabulary import services as vocabulary


class EnginePage:
    """The subset of Flask-SQLAlchemy's Pagination the templates use, for engine results."""

    def __init__(self, items, total: int, page: int, per_page: int):
        self.items, self.total, self.page, self.per_page = items, total, page, per_page
        self.pages = max(1, math.ceil(total / per_page)) if total else 0
        self.has_prev, self.has_next = page > 1, page < self.pages
        self.prev_num, self.next_num = page - 1, page + 1

    def iter_pages(self, left_edge=1, left_current=2, right_current=3, right_edge=1):
        last = 0
        for num in range(1, self.pages + 1):
            if (num <= left_edge or self.page - left_current <= num <= self.page + right_current
                    or num > self.pages - right_edge):
                if last + 1 != num:
                    yield None
                yield num
                last = num


def generation() -> tuple | None:
    """What an engine-served list page shows, besides its URL and locale, as a value that changes with
    it: the index's commit (every listing change reaches it through the outbox) and the related-term
    table's version (it expands the words searched for). None when the engine cannot say (then no page
    is cached: tt_platform/page_cache.py)."""
    try:
        stamp = get_backend().generation()
    except BackendUnavailable:
        return None
    if stamp is None:
        return None
    return stamp, vocabulary.version_key()


FACETS = ("field_code", "org_kind", "mode", "status", "region_p")
#: Words of a search box that count; the page names the others.
MAX_WORDS = 8


def search_page(kind: str, params, per_page: int, *, relax: bool = True):
    """Search a side with the engine: (page, facets, highlight terms). Raises BackendUnavailable.

    A listing must hold every concept of every word typed; when none does and `relax`, the page shows
    the listings that hold some of them, best first, and says so (facets["partial"])."""
    backend = get_backend()
    filters = Filters(
        kind=kind, field_codes=(params.field,) if params.field else (),
        region_prefix=region_prefix(params.region) if params.region else None, trl_min=params.trl_min,
        mode=params.mode or None,
        amount_min=float(params.amount_min) if params.amount_min is not None else None,
        amount_max=float(params.amount_max) if params.amount_max is not None else None,
        statuses=(params.status,) if params.status else (), org_kind=params.org_kind or None,
    )
    parts = []
    terms: list[str] = []
    synonyms = vocabulary.search_table()
    words = params.q.split()
    ignored = []  # too short or too common to search for: said on the page, never dropped silently
    for word in words[:MAX_WORDS]:
        tq = keyword_part(word, synonyms)
        if tq.words or tq.bigrams or tq.concepts:
            parts.append(tq)
            terms.extend(tq.words or [c.char for c in tq.concepts if c.char] or [word])
        else:
            ignored.append(word)
    ignored += words[MAX_WORDS:]
    # single characters (锂) only filter: with nothing to rank by, the newest come first
    sort = "newest" if params.sort == "relevance" and not any(p.words or p.bigrams for p in parts) else params.sort
    offset = (params.page - 1) * per_page
    result = backend.search_page(parts, filters, offset=offset, limit=per_page, sort=sort, facets=FACETS)
    partial = relax and result.total == 0 and any(part.concepts for part in parts)
    if partial:
        result = backend.search_page([relaxed(parts)], filters, offset=offset, limit=per_page, sort=sort,
                                     facets=FACETS)
    rows = registry.rows(kind, [h.doc_id for h in result.hits])
    items = [rows[h.doc_id] for h in result.hits if h.doc_id in rows]
    facets = dict(result.facets)
    facets["province"] = {k + "0000": v for k, v in facets.pop("region_p", {}).items() if len(k) == 2}
    facets["partial"] = partial and result.total > 0
    facets["ignored"] = ignored
    if result.total == 0 and params.q:  # "did you mean": related and longer domain terms
        facets["suggestions"] = analysis.suggestions(params.q, synonyms)
    return EnginePage(items, result.total, params.page, per_page), facets, terms
