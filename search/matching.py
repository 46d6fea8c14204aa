"""Matching: rank listings of the other side for a demand or a result, and say why.

Text relevance comes from several channels fused by reciprocal rank (RRF): BM25 over words,
BM25 over character bigrams, and, when an embedder is configured, dense vectors. Structured fit
(field, maturity, price vs budget, modes, region, freshness) is added as small, visible score
components; a feature the candidate lacks scores neutral, never as a mismatch.
"""
from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from search import analysis
from search.analysis import SynonymTable
from search.backends.base import Concept, SearchBackend, SearchHit, TextQuery
from search.documents import Filters, Listing, MatchQuery, accepts

RRF_K = 60
_POOL = ThreadPoolExecutor(max_workers=3, thread_name_prefix="match-channel")


@dataclass(frozen=True)
class Weights:
    """Tunable knobs, tuned only on the public dev set (see bench/README.md)."""

    title: float = 1.5
    keywords: float = 2.0
    text: float = 1.0
    #: when a text has both, its ask sentences weigh more than its background (see analysis.ask_and_background)
    ask: float = 1.5
    background: float = 0.7
    synonym: float = 0.5
    channel_words: float = 1.0
    channel_bigrams: float = 1.0
    channel_dense: float = 1.0
    depth: int = 200
    #: most query terms kept (heaviest first) per channel
    max_words: int = 128
    max_bigrams: int = 96
    #: "rrf" (reciprocal rank) or "sum" (scores divided by each channel's best, then added)
    fusion: str = "rrf"
    rrf_k: int = RRF_K
    # Structured fit: small next to text relevance (a top text match is worth ~1.0 with "sum").
    field: float = 0.02
    field_mismatch: float = 0.0
    maturity: float = 0.02
    price: float = 0.02
    modes: float = 0.01
    region: float = 0.005
    freshness: float = 0.005


DEFAULT_WEIGHTS = Weights()


@dataclass
class Component:
    """One visible part of a match score, in plain words."""

    key: str
    score: float
    detail: dict = field(default_factory=dict)


@dataclass
class Match:
    doc_id: str
    score: float
    text_score: float
    components: list[Component]
    shared_terms: list[str]
    listing: Listing | None = None
    #: channel → (1-based rank, score ÷ the channel's best score) where that channel found the listing
    channels: dict[str, tuple[int, float]] = field(default_factory=dict)
    #: the dense channel had no vector for this listing (see _without_unseen_votes)
    unseen_dense: bool = False

CHANNEL_NAMES = ("words", "bigrams", "dense")


def text_query(mq: MatchQuery, weights: Weights = DEFAULT_WEIGHTS,
               synonyms: SynonymTable | None = None) -> TextQuery:
    """Weighted words and bigrams of a demand/result: keywords and title count more than body text,
    and a text's ask more than its background."""
    parts = [(mq.title, weights.title), (" ".join(mq.keywords), weights.keywords)]
    ask, background = analysis.ask_and_background(mq.text)
    if ask and background:
        parts += [(" ".join(ask), weights.text * weights.ask),
                  (" ".join(background), weights.text * weights.background)]
    else:
        parts.append((mq.text, weights.text))
    words: Counter[str] = Counter()
    bigrams: Counter[str] = Counter()
    for part, weight in parts:
        for token in analysis.tokens(part):
            words[token] += weight
        for gram in analysis.bigrams(part):
            bigrams[gram] += weight
    if synonyms is not None:
        for extra in synonyms.expand(words):
            words[extra] += weights.synonym
    # Diminishing returns for repeated words: a term said five times is not five times as important.
    # Long texts are cut to their heaviest terms: beyond that, more terms cost time and add noise.
    return TextQuery(words=_top({w: 1 + math.log(c) if c > 1 else c for w, c in words.items()}, weights.max_words),
                     bigrams=_top({b: 1 + math.log(c) if c > 1 else c for b, c in bigrams.items()},
                                  weights.max_bigrams))


def keyword_part(word: str, synonyms: SynonymTable | None = None) -> TextQuery:
    """One word typed into a search box, ranked like a title. Each word the segmenter finds in it is
    a concept a listing must have (PLC控制系统 → plc and 控制系统): by the word, a related term, or all
    of the word's bigrams. Its words and bigrams alone would let any shared bigram (控制, 系统) in."""
    tq = text_query(MatchQuery(title=word, text=""), synonyms=synonyms)
    concepts = tuple(
        Concept(words=(token, *sorted(synonyms.related(token) if synonyms else ())),
                bigrams=tuple(dict.fromkeys(analysis.bigrams(token, normalised=True))))
        for token in dict.fromkeys(analysis.tokens(word)))
    if not concepts and not tq.bigrams:  # a single character: 锂, 氢, 硅 are real searches
        concepts = tuple(Concept(char=char) for char in analysis.single_characters(word))
    return TextQuery(tq.words, tq.bigrams, concepts)


def relaxed(parts: Sequence[TextQuery]) -> TextQuery:
    """The parts of a search box as one query that any of their concepts satisfies, all their words
    and bigrams ranking: what to show when no listing holds them all."""
    words: Counter[str] = Counter()
    bigrams: Counter[str] = Counter()
    for part in parts:
        words.update(part.words)
        bigrams.update(part.bigrams)
    return TextQuery(dict(words), dict(bigrams), tuple(c for part in parts for c in part.concepts), any_concept=True)


def _top(terms: dict[str, float], n: int) -> dict[str, float]:
    if len(terms) <= n:
        return terms
    return dict(sorted(terms.items(), key=lambda kv: (-kv[1], kv[0]))[:n])


def rrf(rankings: Sequence[tuple[list[SearchHit], float]], k: int = RRF_K) -> dict[str, float]:
    fused: dict[str, float] = {}
    for hits, weight in rankings:
        for rank, hit in enumerate(hits, start=1):
            fused[hit.doc_id] = fused.get(hit.doc_id, 0.0) + weight / (k + rank)
    return fused


def score_sum(rankings: Sequence[tuple[list[SearchHit], float]]) -> dict[str, float]:
    """Each channel's scores divided by its best score, weighted and added (CombSUM)."""
    fused: dict[str, float] = {}
    for hits, weight in rankings:
        if not hits:
            continue
        best = max(h.score for h in hits) or 1.0
        for hit in hits:
            fused[hit.doc_id] = fused.get(hit.doc_id, 0.0) + weight * hit.score / best
    return fused


def fuse(rankings: Sequence[tuple[list[SearchHit], float]], weights: Weights) -> dict[str, float]:
    if weights.fusion == "rrf":
        # rescaled so that a first place in every channel is worth about as much as with "sum"
        return {d: s * (weights.rrf_k + 1) for d, s in rrf(rankings, weights.rrf_k).items()}
    return score_sum(rankings)


def _positions(channels: Sequence[tuple[list[SearchHit], float]]) -> dict[str, dict[str, tuple[int, float]]]:
    """Where each channel put each listing, by channel: rank and score relative to the channel's best
    (features for a learned ranker, see ranker.py; read only for the listings that are returned)."""
    out: dict[str, dict[str, tuple[int, float]]] = {}
    for name, (hits, _weight) in zip(CHANNEL_NAMES, channels, strict=False):
        best = max((h.score for h in hits), default=0.0) or 1.0
        out[name] = {hit.doc_id: (rank, hit.score / best) for rank, hit in enumerate(hits, start=1)}
    return out


def _without_unseen_votes(fused: dict[str, float], dense: DenseChannel, weights: Weights) -> dict[str, float]:
    """A listing the dense channel cannot see (no vector yet: new or just edited, before `flask search
    embed`) gets no vote from it, which is not a bad vote: its fused score is the weighted mean of the
    channels that could score it, scaled to all channels, as if the missing one agreed with them.
    Parameter-free; a listing with a vector is scored as before."""
    lexical = weights.channel_words + weights.channel_bigrams
    if lexical <= 0:
        return fused
    scale = (lexical + weights.channel_dense) / lexical
    has = _has_vector(dense.store)
    return {doc_id: score if has(doc_id) else score * scale for doc_id, score in fused.items()}


def _has_vector(store) -> Callable[[str], bool]:
    """The store's cheap membership test where it has one (VectorStore.has), else its vector look-up."""
    has = getattr(store, "has", None)
    return has if callable(has) else (lambda doc_id: store.vector(doc_id) is not None)


@dataclass(frozen=True)
class DenseChannel:
    """The dense channel: a stored listing uses its own vector, other text is embedded; the nearest
    come from the vector store, or from the engine's kNN when given (Elasticsearch)."""

    store: object
    embedder: object | None = None
    #: (vector, filters, k) → hits, when the engine holds the vectors
    knn: Callable | None = None

    def stored_vector(self, mq: MatchQuery):
        """A stored listing's own vector (None for other text, or before `flask search embed`)."""
        return self.store.vector(mq.source_id) if mq.source_id else None

    def embedded_vector(self, mq: MatchQuery):
        """The query's text embedded now: tens of milliseconds on the CPU (None without a model)."""
        from search.embeddings import query_text  # here, not at the top: numpy loads only with a dense channel

        return self.embedder.query(query_text(mq)) if self.embedder is not None else None

    def nearest(self, vector, mq: MatchQuery, filters: Filters, k: int) -> list[SearchHit]:
        if vector is None:
            return []
        if self.knn is not None:
            return self.knn(vector, filters, k)
        kind = filters.kind or mq.target_kind
        return [SearchHit(doc_id, score) for doc_id, score in self.store.nearest(kind, vector, k, filters.exclude_ids)]


@dataclass(frozen=True)
class PreparedQuery:
    """A query's weighted terms and its vector: computed once, then run against one side or several
    (a match page asks for the other side and for similar listings of the same side)."""

    text: TextQuery
    vector: object | None


def prepare(mq: MatchQuery, *, weights: Weights = DEFAULT_WEIGHTS, synonyms: SynonymTable | None = None,
            dense: DenseChannel | None = None) -> PreparedQuery:
    tq = text_query(mq, weights, synonyms)
    # A text to embed is embedded first, alone: the model's OpenMP threads stall whenever tantivy's
    # searches take a core from under them (ad-hoc p95 +10–30 ms on 2 cores). A stored vector is free.
    # It runs on a pool thread all the same: OpenMP keeps a team of threads per calling thread, and a
    # web server's fresh request threads would each start a new one (+20 ms).
    vector = dense.stored_vector(mq) if dense is not None else None
    if dense is not None and vector is None:
        vector = _POOL.submit(dense.embedded_vector, mq).result()
    return PreparedQuery(tq, vector)


def match(backend: SearchBackend, mq: MatchQuery, *, limit: int = 20, weights: Weights = DEFAULT_WEIGHTS,
          synonyms: SynonymTable | None = None, dense: DenseChannel | None = None, now: float | None = None,
          explain: bool = True, prepared: PreparedQuery | None = None) -> list[Match]:
    """The ranked listings `mq` asks for. Pass `prepared` (from `prepare`) to reuse its terms and vector
    for another side or filter; it must come from a query with the same text."""
    if prepared is None:
        prepared = prepare(mq, weights=weights, synonyms=synonyms, dense=dense)
    tq, vector = prepared.text, prepared.vector
    filters = mq.filters
    # Then the searches run side by side: tantivy and numpy release the GIL, so two cores help.
    futures = [(_POOL.submit(backend.lexical, tq, filters, weights.depth, channel="words"), weights.channel_words),
               (_POOL.submit(backend.lexical, tq, filters, weights.depth, channel="bigrams"),
                weights.channel_bigrams)]
    if dense is not None:
        futures.append((_POOL.submit(dense.nearest, vector, mq, filters, weights.depth), weights.channel_dense))
    channels = [(future.result(), weight) for future, weight in futures]
    fused = fuse(channels, weights)
    positions = _positions(channels)
    if dense is not None and vector is not None and channels[-1][0]:
        fused = _without_unseen_votes(fused, dense, weights)
    # Structured fit (≤ 0.08 in all) reorders only near neighbours: a few candidates beyond `limit` do.
    ranked = sorted(fused.items(), key=lambda kv: kv[1], reverse=True)[: max(limit + 10, 30)]
    now = now or time.time()
    out = []
    docs = backend.get_many([doc_id for doc_id, _score in ranked])
    for doc_id, text_score in ranked:
        listing = docs.get(doc_id)
        if listing is None or not accepts(filters, listing):
            continue  # e.g. a dense-only candidate that the filters exclude, or a vector of a removed listing
        components = fit_components(mq, listing, weights, now)
        score = text_score + sum(c.score for c in components)
        where = {name: ranks[doc_id] for name, ranks in positions.items() if doc_id in ranks}
        out.append(Match(doc_id, score, text_score, components, [], listing, channels=where,
                         unseen_dense=dense is not None and not _has_vector(dense.store)(doc_id)))
    out.sort(key=lambda m: m.score, reverse=True)
    out = out[:limit]
    if explain:  # only the matches that are shown: segmenting candidates' texts is the costly part
        for m in out:
            m.shared_terms = shared_terms(tq, m.listing)
    return out


_LATIN_WORD = re.compile(r"[a-z0-9][a-z0-9.+\-]*")


def shared_terms(tq: TextQuery, listing: Listing, limit: int = 12) -> list[str]:
    """Query words that occur in the listing, most important first (for highlighting in both texts).

    A Chinese word counts when it occurs in the listing's text (锂电池 contains 电池): the same rule
    the highlighter uses, and no segmentation of candidates on the request path. Latin words must
    match a whole word ("ion" does not occur in "motion").
    """
    text = analysis.normalise(" ".join((listing.title, " ".join(listing.keywords), listing.text[:300])))
    latin = set(_LATIN_WORD.findall(text))
    common = [w for w in tq.words if (w in latin if w.isascii() else w in text)]
    common.sort(key=lambda w: (-tq.words[w], -len(w)))
    return common[:limit]


def fit_components(mq: MatchQuery, doc: Listing, w: Weights, now: float) -> list[Component]:
    """Structured fit. Each component is in [-1, 1] times its weight; unknown → 0 (neutral)."""
    comps: list[Component] = []
    if mq.field_code and doc.field_code:
        same = mq.field_code == doc.field_code
        comps.append(Component("field", w.field if same else -w.field_mismatch, {"same": same}))
    demand_trl, result_trl = (mq.trl, doc.trl) if doc.kind == "achievement" else (doc.trl, mq.trl)
    if demand_trl and result_trl:
        gap = result_trl - demand_trl
        value = 1.0 if gap >= 0 else max(-1.0, gap / 3)
        comps.append(Component("maturity", w.maturity * value, {"required": demand_trl, "offered": result_trl}))
    budget_hi, price = ((mq.amount_high, doc.amount_low) if doc.kind == "achievement"
                        else (doc.amount_high, mq.amount_low))
    if budget_hi is not None and price is not None and budget_hi >= 0 and price >= 0:
        value = 1.0 if price <= budget_hi else max(-1.0, -(price - budget_hi) / max(budget_hi, 1.0))
        comps.append(Component("price", w.price * value, {"budget": budget_hi, "price": price}))
    if mq.modes and doc.modes:
        overlap = sorted(set(mq.modes) & set(doc.modes))
        comps.append(Component("modes", w.modes * (1.0 if overlap else -0.5), {"overlap": overlap}))
    if mq.region_code and doc.region_code:
        same_province = mq.region_code[:2] == doc.region_code[:2]
        comps.append(Component("region", w.region * (1.0 if same_province else 0.0),
                               {"same_province": same_province}))
    if doc.published_at:
        age_days = max(0.0, (now - doc.published_at) / 86400)
        comps.append(Component("freshness", w.freshness * math.exp(-age_days / 365), {"age_days": int(age_days)}))
    return comps
