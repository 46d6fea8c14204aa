"""Matches both ways and similar listings, over the configured backend, with the rows they point to.

A match page asks for two lists (the other side, and similar listings of the same side): both come
from one prepared query, with one read of the related-term table and one vector lookup."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from search import evaluation, ranker, term_proposals
from search.backends.base import BackendUnavailable
from search.documents import ACHIEVEMENT, DEMAND, Filters, MatchQuery, split_doc_id
from search.matching import DEFAULT_WEIGHTS, DenseChannel, Match, PreparedQuery, match, prepare
from tt_platform import page_cache
from tt_platform.achievements.models import Achievement
from tt_platform.database import db
from tt_platform.demands.models import Demand
from tt_platform.indexing import registry
from tt_platform.indexing.engine import get_backend, get_vectors
from tt_platform.judgments import services as judgments
from tt_platform.listings import search as listing_search
from tt_platform.listings.models import PUBLIC_STATES
from tt_platform.matching import learned
from tt_platform.matching.models import MatchSummary
from tt_platform.vocabulary import services as vocabulary

#: The two sides of a match, by the name URLs use.
LISTING_KINDS = {"demand": Demand, "result": Achievement}

OTHER_SIDE = {DEMAND: ACHIEVEMENT, ACHIEVEMENT: DEMAND}


@dataclass
class MatchRow:
    """A match with the database row it points to (for rendering)."""

    match: Match
    listing: object


@dataclass
class MatchPage:
    """What a listing's match page shows: the other side, and similar listings of its own side."""

    rows: list[MatchRow]
    similar: list[MatchRow]
    #: the learned model that ordered `rows`, when one is switched on
    learned: learned.Active | None = None
    #: names everything the ranking depends on (see `ranking_key`); None when it could not be cached.
    #: The page's fragment cache keys each suggestion's card on it.
    key: tuple | None = None


def _dense(backend) -> DenseChannel | None:
    vectors = get_vectors()
    if vectors is None or not len(vectors.store):
        return None
    return DenseChannel(vectors.store, vectors.embedder, knn=backend.knn if backend.knn_available else None)


class _Pipeline:
    """One backend, one term table, one dense channel and one prepared query for a stored listing."""

    def __init__(self, listing):
        self.backend = get_backend()
        self.synonyms = vocabulary.search_table()
        self.dense = _dense(self.backend)
        self.doc = registry.entities()[listing.entity_type].to_document(listing)
        self.kind = listing.entity_type
        self._prepared: PreparedQuery | None = None

    def _query(self, target: str) -> MatchQuery:
        return MatchQuery.from_listing(self.doc, target, Filters(kind=target, exclude_ids=(self.doc.doc_id,)))

    def candidates(self, target: str, limit: int, *, explain: bool = True) -> list[Match]:
        """The fusion's ranking, as shipped."""
        mq = self._query(target)
        if self._prepared is None:
            self._prepared = prepare(mq, synonyms=self.synonyms, dense=self.dense)
        return match(self.backend, mq, limit=limit, prepared=self._prepared, explain=explain)

    def untuned(self, target: str, limit: int) -> list[str]:
        """The untuned fusion's ranking (what a learned model must beat)."""
        found = match(self.backend, self._query(target), limit=limit, weights=learned.UNTUNED, dense=self.dense,
                      explain=False)
        return [m.doc_id for m in found]

    def candidates_for(self, target: str, limit: int, *, model: learned.Active | None = None) -> list[Match]:
        """The ranking a page shows: the fusion's, re-ordered by the learned model when one is on."""
        if model is None:
            return self.candidates(target, limit)
        # the learned model re-orders the fusion's best; it never adds a listing
        return model.model.rerank(self.candidates(target, max(limit, learned.DEPTH)), DEFAULT_WEIGHTS)[:limit]

    def run(self, target: str, limit: int, *, model: learned.Active | None = None) -> list[MatchRow]:
        return _with_rows(target, self.candidates_for(target, limit, model=model))


def _with_rows(target: str, found: list[Match]) -> list[MatchRow]:
    """Each match with its database row, in one query; a listing no longer in the database is left out."""
    rows = registry.rows(target, [m.doc_id for m in found])
    return [MatchRow(m, rows[m.doc_id]) for m in found if m.doc_id in rows]


def matches_for(listing, *, same_side: bool = False, limit: int = 10) -> list[MatchRow]:
    """Ranked listings of the other side (or of the same side: 'similar') for a stored listing."""
    pipeline = _Pipeline(listing)
    if same_side:
        return pipeline.run(listing.entity_type, limit)
    return pipeline.run(OTHER_SIDE[listing.entity_type], limit, model=learned.active())


def ranking_key(listing, model: learned.Active | None) -> tuple | None:
    """What a stored listing's ranking depends on, as a value that changes with it: the listing (its id
    and last change), the index's commit and the term table's version (listings.search.generation), the
    learned model's version and the vectors held (the files the store was read from, and what this process
    changed in it since).
    None when the engine cannot say (no caching)."""
    generation = listing_search.generation()
    if generation is None:
        return None
    vectors = get_vectors()
    return (listing.entity_type, listing.id, listing.updated_at, generation, model.version if model else None,
            (vectors.store.loaded_stamp, vectors.store.changes) if vectors is not None else None)


def match_page(listing, *, limit: int = 20, similar_limit: int = 6) -> MatchPage:
    """Both lists of a match page from one pipeline. Raises BackendUnavailable.

    The two rankings (viewer-independent: only public listings are ranked) are kept per worker under
    `ranking_key` (tt_platform/page_cache.py); the rows they point to are read from the database on
    every call, so the page shows each listing as it is now, and a listing gone since is left out."""
    model = learned.active()
    base = ranking_key(listing, model)
    key = (*base, limit, similar_limit) if base is not None else None
    rankings = page_cache.cache("rankings")
    found = rankings.get(key) if key is not None else None
    if found is None:
        pipeline = _Pipeline(listing)
        found = (pipeline.candidates_for(OTHER_SIDE[listing.entity_type], limit, model=model),
                 pipeline.candidates_for(listing.entity_type, similar_limit))
        if key is not None:
            rankings.put(key, found, 2000 * (len(found[0]) + len(found[1])) + 200)
    other, same = found
    return MatchPage(rows=_with_rows(OTHER_SIDE[listing.entity_type], other),
                     similar=_with_rows(listing.entity_type, same), learned=model, key=key)


def match_demand_text(mq: MatchQuery, limit: int = 100) -> list[Match]:
    backend = get_backend()
    return match(backend, mq, limit=limit, synonyms=vocabulary.search_table(), dense=_dense(backend))


__all__ = ["BackendUnavailable", "MatchPage", "MatchRow", "match_demand_text", "match_page", "matches_for",
           "summarise_demands", "evaluate_judgments", "train_ranker", "propose_terms"]


def summarise_demands(limit: int | None = None) -> int:
    """Refresh MatchSummary for published demands that have none or changed since: a result counts as
    a match when it shares technical terms with the demand. Returns how many were refreshed."""
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
    return count


def evaluate_judgments(depth: int = 50):
    """Score the current ranking on the installation's judgments: each judged listing's match list (50
    deep) against its graded suggestions. Returns (Scores, judgments, by_field), or None without any."""
    judged = judgments.qrels()
    if not judged:
        return None
    runs: dict[str, list[str]] = {}
    for query_doc in judged:
        kind, listing_id = split_doc_id(query_doc)
        listing = db.session.get(registry.model(kind), listing_id) if registry.model(kind) else None
        if listing is None:
            continue  # deleted since: it scores 0, as a query the run lacks does
        runs[query_doc] = [row.match.doc_id for row in matches_for(listing, limit=depth)]
    scores = evaluation.evaluate(judged, runs)
    fields = judgments.query_fields()
    by_field: dict[str, dict] = {}
    for query_doc, figures in scores.per_query.items():
        by_field.setdefault(fields.get(query_doc) or "", []).append(figures)
    summary = {}
    for code, rows in by_field.items():
        def mean(key, rows=rows):
            values = [r[key] for r in rows if key in r and r[key] == r[key]]  # NaN != NaN: not judged
            return round(sum(values) / len(values), 4) if values else None
        summary[code] = {"queries": len(rows), "ndcg10": mean("ndcg10"), "recall50": mean("recall50"),
                         "mrr10": mean("mrr10")}
    return scores, sum(len(t) for t in judged.values()), summary


def train_ranker() -> tuple[int, ranker.Decision] | None:
    """Fit the learned re-ranker on the installation's judgments, cross-validated by query, and keep it as
    the next version (switched on only if it beats the untuned fusion; see search/ranker.py)."""
    data: dict[str, ranker.QueryData] = {}
    for query_doc, grades in judgments.qrels().items():
        kind, listing_id = split_doc_id(query_doc)
        model = registry.model(kind)
        listing = db.session.get(model, listing_id) if model is not None else None
        if listing is None:
            continue
        pipeline = _Pipeline(listing)
        target = OTHER_SIDE[listing.entity_type]
        data[query_doc] = ranker.QueryData(judged=grades, untuned=pipeline.untuned(target, learned.DEPTH),
                                           candidates=pipeline.candidates(target, learned.DEPTH, explain=False))
    if not data:
        return None
    decision = ranker.cross_validate(data, DEFAULT_WEIGHTS)
    return learned.save(decision), decision


def propose_terms() -> tuple[int, int]:
    """Related-term pairs from the installation's judgments (search/term_proposals.py), kept for the
    operators to accept or reject. Returns (pairs proposed now, of which new)."""
    judged = judgments.qrels()
    wanted: dict[str, set[int]] = {}
    for query_doc, grades in judged.items():
        for doc in (query_doc, *grades):
            kind, listing_id = split_doc_id(doc)
            wanted.setdefault(kind, set()).add(listing_id)
    texts = {}
    for kind, ids in wanted.items():
        entity = registry.entities().get(kind)
        if entity is None:
            continue
        for row in db.session.scalars(sa.select(entity.model).where(entity.model.id.in_(sorted(ids)))):
            doc = entity.to_document(row)
            texts[doc.doc_id] = " ".join((doc.title, " ".join(doc.keywords), doc.text))
    proposals = term_proposals.propose(texts, judged, vocabulary.current_table())
    return len(proposals), vocabulary.record_proposals(proposals)
