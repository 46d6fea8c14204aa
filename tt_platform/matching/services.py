"""Matches both ways, similar listings and engine-backed search pages, over the configured backend."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import sqlalchemy as sa

from search import analysis
from search.backends.base import BackendUnavailable
from search.documents import ACHIEVEMENT, DEMAND, Filters, MatchQuery
from search.matching import Match, keyword_part, match, relaxed
from tt_platform.database import db
from tt_platform.indexing import registry
from tt_platform.indexing.engine import get_backend
from tt_platform.listings.browse import region_prefix

OTHER_SIDE = {DEMAND: ACHIEVEMENT, ACHIEVEMENT: DEMAND}


@dataclass
class MatchRow:
    """A match with the database row it points to (for rendering)."""

    match: Match
    listing: object


def _rows(kind: str, doc_ids: list[str]) -> dict[str, object]:
    model = registry.model(kind)
    ids = [int(d.split(":", 1)[1]) for d in doc_ids]
    rows = db.session.scalars(sa.select(model).where(model.id.in_(ids))).all() if ids else []
    return {f"{kind}:{r.id}": r for r in rows}


def _synonyms():
    from flask import current_app

    from tt_platform.matching import terms

    return terms.current_table() if current_app.config["SEARCH_SYNONYMS"] else None


def _dense():
    from search.matching import DenseChannel
    from tt_platform.indexing.engine import get_vectors

    vectors = get_vectors()
    if vectors is None or not len(vectors.store):
        return None
    backend = get_backend()
    knn = backend.knn if getattr(backend, "settings", None) is not None and backend.settings.dims else None
    return DenseChannel(vectors.store, vectors.embedder, knn=knn)


def matches_for(listing, *, same_side: bool = False, limit: int = 10) -> list[MatchRow]:
    """Ranked listings of the other side (or of the same side: 'similar') for a stored listing."""
    entity = registry.entities()[listing.entity_type]
    doc = entity.to_document(listing)
    target = listing.entity_type if same_side else OTHER_SIDE[listing.entity_type]
    mq = MatchQuery.from_listing(doc, target, Filters(kind=target, exclude_ids=(doc.doc_id,)))
    found = match(get_backend(), mq, limit=limit, synonyms=_synonyms(), dense=_dense())
    rows = _rows(target, [m.doc_id for m in found])
    return [MatchRow(m, rows[m.doc_id]) for m in found if m.doc_id in rows]


def match_demand_text(mq: MatchQuery, limit: int = 100) -> list[Match]:
    return match(get_backend(), mq, limit=limit, synonyms=_synonyms(), dense=_dense())


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
    synonyms = _synonyms()
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
    rows = _rows(kind, [h.doc_id for h in result.hits])
    items = [rows[h.doc_id] for h in result.hits if h.doc_id in rows]
    facets = dict(result.facets)
    facets["province"] = {k + "0000": v for k, v in facets.pop("region_p", {}).items() if len(k) == 2}
    facets["partial"] = partial and result.total > 0
    facets["ignored"] = ignored
    if result.total == 0 and params.q:  # "did you mean": related and longer domain terms
        facets["suggestions"] = analysis.suggestions(params.q, synonyms)
    return EnginePage(items, result.total, params.page, per_page), facets, terms


__all__ = ["BackendUnavailable", "MatchRow", "matches_for", "search_page", "match_demand_text"]


def summarise_demands(limit: int | None = None) -> int:
    """Refresh MatchSummary for published demands that have none or changed since: a result counts as
    a match when it shares technical terms with the demand. Returns how many were refreshed."""
    from tt_platform.demands.models import Demand
    from tt_platform.listings.models import PUBLIC_STATES
    from tt_platform.matching.models import MatchSummary

    stale = (sa.select(Demand).outerjoin(MatchSummary, MatchSummary.demand_id == Demand.id)
             .where(Demand.status.in_(PUBLIC_STATES),
                    sa.or_(MatchSummary.demand_id.is_(None), MatchSummary.computed_at < Demand.updated_at))
             .order_by(Demand.id))
    if limit:
        stale = stale.limit(limit)
    count = 0
    for demand in db.session.scalars(stale).all():
        rows = [row for row in matches_for(demand, limit=10) if row.match.shared_terms]
        summary = db.session.get(MatchSummary, demand.id) or MatchSummary(demand_id=demand.id)
        summary.computed_at = dt.datetime.now(dt.UTC)
        summary.matched_results = len(rows)
        summary.top_result_id = rows[0].listing.id if rows else None
        db.session.add(summary)
        count += 1
    db.session.flush()
    return count
