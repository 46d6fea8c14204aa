"""Embedded backend: a tantivy index in a directory (BM25, field boosts, filters, facets).

Text arrives pre-analysed (search.analysis): words and character bigrams are indexed as
whitespace-separated tokens, so this engine and Elasticsearch share one Chinese pipeline.
Tantivy allows one writer per directory: writes open the writer, commit in a batch and release
it; a second process that finds the lock held gets BackendUnavailable and the outbox keeps the
change for the next drain.
"""
from __future__ import annotations

import collections
import contextlib
import os
import re
import shutil
import threading
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import orjson
import tantivy

from search import analysis
from search.backends.base import BackendUnavailable, Concept, ResultPage, SearchHit, TextQuery
from search.documents import Filters, Listing, listing_dict

#: One field per channel. Title and keywords weigh more because they are repeated in the field
#: (title ×3, keywords ×2 for words; title ×2 for bigrams): one scorer per query term instead of
#: one per term and field keeps long demand queries fast, at equal quality on the dev set.
CHANNEL_FIELDS = {"words": (("w_all", 1.0),), "bigrams": (("b_all", 1.0),)}
TITLE_REPEAT, KEYWORD_REPEAT, TITLE_BIGRAM_REPEAT = 3, 2, 2
SCHEMA_VERSION = "4"
#: Numeric form of document ids ('<kind>:<integer id>') kept in a fast field, so that hits are
#: identified without loading stored documents.
KIND_CODES = {"achievement": 1, "demand": 2}
KIND_NAMES = {v: k for k, v in KIND_CODES.items()}
KIND_FACTOR = 10**12
#: The stored copy of a listing keeps a preview of its text: explanations and filters need no more.
STORED_TEXT_CHARS = 400
#: Post-filter unfiltered hits (see EmbeddedBackend._lexical_post_filtered) while the eligible
#: documents are at least 1/POST_FILTER_MAX_FETCH of the index.
POST_FILTER_MAX_FETCH = 5
_NO_FILTERS = Filters(public_only=False)


def doc_number(doc_id: str) -> int:
    kind, _sep, entity_id = doc_id.partition(":")
    return KIND_CODES[kind] * KIND_FACTOR + int(entity_id)


def doc_id_of(number: int) -> str:
    return f"{KIND_NAMES[number // KIND_FACTOR]}:{number % KIND_FACTOR}"


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in ("kind", "field_code", "status", "org_kind", "mode", "region_p", "version"):
        sb.add_text_field(name, stored=False, tokenizer_name="raw", fast=True)
    for name in ("w_all", "b_all"):
        sb.add_text_field(name, stored=False, tokenizer_name="whitespace", index_option="freq")
    sb.add_integer_field("num", indexed=False, fast=True)
    sb.add_integer_field("trl", indexed=True, fast=True)
    sb.add_integer_field("public", indexed=True, fast=True)
    sb.add_float_field("amount_low", indexed=True, fast=True)
    sb.add_float_field("amount_high", indexed=True, fast=True)
    sb.add_float_field("published", indexed=True, fast=True)
    sb.add_bytes_field("doc", stored=True, indexed=False)
    return sb.build()


def single_character_pattern(char: str) -> str:
    """The bigrams that hold a character: 锂 → 锂. or .锂 (a term-dictionary regex, whole terms)."""
    char = re.escape(char)
    return f"{char}.|.{char}"


def region_prefixes(code: str | None) -> list[str]:
    """'330106' → ['33', '3301', '330106']: a filter on any level finds the levels below."""
    if not code or len(code) != 6:
        return []
    return sorted({code[:2], code[:4], code})


def _analysed_parts(parts: tuple[str, tuple[str, ...], str]) -> tuple[str, str, str, str, str]:
    """The five analysed text fields (words and bigrams, as whitespace-joined tokens) of a listing's
    title, keywords and text. Only these cross to a pool worker: pickling whole listings costs 5×."""
    title, keywords, text = (analysis.normalise(part) for part in (parts[0], " ".join(parts[1]), parts[2]))
    return (" ".join(analysis.tokens(title, for_index=True, normalised=True)),
            " ".join(analysis.tokens(keywords, for_index=True, normalised=True)),
            " ".join(analysis.tokens(text, for_index=True, normalised=True)),
            " ".join(analysis.bigrams(title, normalised=True)),
            " ".join(analysis.bigrams(keywords + " " + text, normalised=True)))


#: Below this many documents a commit analyses them in-process; above, in a pool of processes.
POOL_THRESHOLD = 4000
#: Queued upserts go to the pool in batches of this size as soon as they are queued (bulk writes only).
EAGER_BATCH = 5000
#: From this many changes a commit uses the bulk writer settings.
BULK_COMMIT = 10_000


#: Queued in place of a document id: delete every document (the start of a rebuild).
_EVERYTHING = "*"
#: Listings per pool task.
POOL_CHUNK = 500


def _analysed_chunk(chunk: list[tuple[str, tuple[str, ...], str]]) -> list[tuple[str, str, str, str, str]]:
    return [_analysed_parts(parts) for parts in chunk]


class _AnalysisQueue:
    """Analysed fields of queued listings, handed back in queue order.

    Segmentation is the costly part of indexing. Small batches (everyday drains) are analysed in-process
    at commit. Bulk writes go to a pool of processes on all cores, batch by batch, as soon as they are
    queued: analysis then overlaps whatever the caller does before it commits (an import writing its
    next rows), and results can be taken as they are ready (`ready`) to feed the index writer early."""

    def __init__(self, workers: int):
        self.workers = workers
        self._pool = None
        self._chunks: collections.deque = collections.deque()  # futures (pool) or lists (in-process)
        self._current: list[tuple[str, str, str, str, str]] = []
        self._position = 0
        self._waiting: list[tuple[str, tuple[str, ...], str]] = []

    @property
    def pooled(self) -> bool:
        return self._pool is not None

    def add(self, listing: Listing) -> None:
        self._waiting.append((listing.title, listing.keywords, listing.text))
        if self.workers > 1 and len(self._waiting) >= EAGER_BATCH:
            self._send()

    def ready(self) -> bool:
        """Whether `next()` would return without waiting."""
        if self._position < len(self._current):
            return True
        return bool(self._chunks) and (isinstance(self._chunks[0], list) or self._chunks[0].done())

    def next(self) -> tuple[str, str, str, str, str]:
        """The fields of the next queued listing, waiting for (or doing) its analysis if needed."""
        while self._position >= len(self._current):
            if not self._chunks:
                self._flush()
            chunk = self._chunks.popleft()
            self._current, self._position = (chunk if isinstance(chunk, list) else chunk.result()), 0
        self._position += 1
        return self._current[self._position - 1]

    def discard(self) -> None:
        self._chunks.clear()
        self._current, self._position, self._waiting = [], 0, []
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _flush(self) -> None:
        if self._pool is not None or (self.workers > 1 and len(self._waiting) >= POOL_THRESHOLD):
            self._send()
        else:
            self._chunks.append(_analysed_chunk(self._waiting))
            self._waiting = []

    def _send(self) -> None:
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            analysis.tokens("预热")  # load the dictionary once, before the workers are forked
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("fork"))
        waiting = self._waiting
        self._chunks.extend(self._pool.submit(_analysed_chunk, waiting[i:i + POOL_CHUNK])
                            for i in range(0, len(waiting), POOL_CHUNK))
        self._waiting = []


def listing_to_json(listing: Listing) -> bytes:
    data = listing_dict(listing)
    data["text"] = data["text"][:STORED_TEXT_CHARS]
    return orjson.dumps(data)  # ~10× json.dumps: every indexed document and every hit pass through here


def listing_from_json(raw: bytes) -> Listing:
    data = orjson.loads(raw)
    for key in ("keywords", "modes"):
        data[key] = tuple(data[key])
    return Listing(**data)


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, path: str | Path, *, writer_heap: int = 64_000_000, writer_threads: int = 1,
                 analysis_workers: int | None = None):
        self.path = Path(path)
        self.analysis_workers = analysis_workers or os.cpu_count() or 1
        self.writer_heap = writer_heap
        self.writer_threads = writer_threads
        self.schema = _schema()
        self._lock = threading.Lock()
        self._pending: collections.deque[tuple[str, Listing | None]] = collections.deque()
        self._analysis = _AnalysisQueue(self.analysis_workers)
        self._bulk: _Writer | None = None  # the writer of the write in progress
        self._rebuilding = False
        self._meta_stamp: int | None = None
        self._eligible_counts: dict[tuple, int] = {}
        self._index = self._open()

    # --- index lifecycle ---------------------------------------------------------------------------
    def _open(self) -> tantivy.Index:
        self.path.mkdir(parents=True, exist_ok=True)
        marker = self.path / "SCHEMA_VERSION"
        if marker.exists() and marker.read_text().strip() != SCHEMA_VERSION:
            shutil.rmtree(self.path)  # an old layout: rebuilt from the database by `flask search rebuild`
            self.path.mkdir(parents=True)
        try:
            index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        except (ValueError, OSError) as exc:
            raise BackendUnavailable(str(exc)) from exc
        marker.write_text(SCHEMA_VERSION)
        return index

    def begin_rebuild(self) -> None:
        """A rebuild refills this directory in one writer session: everything is deleted and re-added,
        and readers keep seeing the old documents until `finish_rebuild` commits (tantivy publishes a
        commit atomically). Commits in between only hand documents to the writer."""
        with self._lock:
            self._end_write(rollback=True)
            self._rebuilding = True
            self._pending.append((_EVERYTHING, None))

    def finish_rebuild(self) -> None:
        with self._lock:
            self._rebuilding = False
        self.commit()

    def clear(self) -> None:
        with self._lock, self._writer() as writer:
            writer.delete_all_documents()
            writer.commit()
        self._index.reload()

    def _writer(self, bulk: bool = False):
        # Bulk commits (imports, rebuilds) get a bigger heap and two indexing threads: fewer, larger
        # segments and both cores; everyday commits stay small.
        heap, threads = (max(self.writer_heap, 256_000_000), max(self.writer_threads, 2)) if bulk else \
            (self.writer_heap, self.writer_threads)
        try:
            return _Writer(self._index.writer(heap_size=heap, num_threads=threads))
        except (ValueError, OSError, RuntimeError) as exc:  # the lock is held by another process
            raise BackendUnavailable(f"index writer unavailable: {exc}") from exc

    # --- writes ------------------------------------------------------------------------------------
    # Changes queue up in `_pending` and become visible at `commit`. A bulk write (its listings analysed
    # in the pool) opens the writer early and feeds it whatever the pool has finished at each upsert:
    # tantivy's indexing threads then work while the caller is still producing listings. Nothing is
    # visible before commit; `discard` rolls the writer back.
    def upsert(self, listings: Iterable[Listing]) -> int:
        n = 0
        with self._lock:
            for listing in listings:
                self._pending.append(("upsert", listing))
                self._analysis.add(listing)
                n += 1
            if self._analysis.pooled:
                try:
                    self._feed(wait=False)
                except BackendUnavailable:
                    self._end_write(rollback=True)
                    raise
        return n

    def delete(self, doc_ids: Iterable[str]) -> int:
        n = 0
        with self._lock:
            for doc_id in doc_ids:
                self._pending.append((doc_id, None))
                n += 1
        return n

    def discard(self) -> None:
        with self._lock:
            self._end_write(rollback=True)

    def commit(self) -> None:
        """Apply the queued upserts and deletes in one writer session."""
        with self._lock:
            if not self._pending and self._bulk is None:
                return
            try:
                self._feed(wait=True)
                if self._rebuilding:
                    return  # published by finish_rebuild
                self._bulk.writer.commit()
            except BaseException:
                self._end_write(rollback=True)
                raise
            self._end_write(rollback=False)
            self._index.reload()

    def _feed(self, *, wait: bool) -> None:
        """Hand queued changes to the writer in order, as far as their analysis is done (or all)."""
        if self._bulk is None:
            self._bulk = self._writer(
                bulk=self._rebuilding or self._analysis.pooled or len(self._pending) >= BULK_COMMIT)
        writer, pending = self._bulk.writer, self._pending
        while pending:
            key, listing = pending[0]
            if listing is not None and not wait and not self._analysis.ready():
                return
            pending.popleft()
            if key == _EVERYTHING:
                writer.delete_all_documents()
                continue
            writer.delete_documents_by_term("id", listing.doc_id if listing is not None else key)
            if listing is not None:
                writer.add_document(self._document(listing, self._analysis.next()))

    def _end_write(self, *, rollback: bool) -> None:
        self._pending.clear()
        self._rebuilding = False
        self._analysis.discard()
        if self._bulk is not None:
            if rollback:
                with contextlib.suppress(Exception):
                    self._bulk.writer.rollback()
            self._bulk.close()
            self._bulk = None

    def _document(self, listing: Listing, fields: tuple[str, str, str, str, str]) -> tantivy.Document:
        doc = tantivy.Document()
        doc.add_text("id", listing.doc_id)
        doc.add_integer("num", doc_number(listing.doc_id))
        doc.add_text("kind", listing.kind)
        doc.add_text("status", listing.status)
        doc.add_text("version", listing.version)
        if listing.field_code:
            doc.add_text("field_code", listing.field_code)
        if listing.org_kind:
            doc.add_text("org_kind", listing.org_kind)
        for mode in listing.modes:
            doc.add_text("mode", mode)
        for prefix in region_prefixes(listing.region_code):
            doc.add_text("region_p", prefix)
        w_title, w_kw, w_text, b_title, b_text = fields
        doc.add_text("w_all", " ".join([w_title] * TITLE_REPEAT + [w_kw] * KEYWORD_REPEAT + [w_text]))
        doc.add_text("b_all", " ".join([b_title] * TITLE_BIGRAM_REPEAT + [b_text]))
        doc.add_integer("trl", listing.trl or 0)
        doc.add_integer("public", 1 if listing.public else 0)
        doc.add_float("amount_low", listing.amount_low if listing.amount_low is not None else -1.0)
        doc.add_float("amount_high", listing.amount_high if listing.amount_high is not None else -1.0)
        doc.add_float("published", listing.published_at or 0.0)
        doc.add_bytes("doc", listing_to_json(listing))
        return doc

    # --- reads -------------------------------------------------------------------------------------
    def _searcher(self):
        # Another process (a `flask search drain` worker, another web worker) may have committed:
        # reload when the index's meta file changed. One stat() per search.
        try:
            stamp = (self.path / "meta.json").stat().st_mtime_ns
        except FileNotFoundError:
            stamp = None
        if stamp != self._meta_stamp:
            self._index.reload()
            self._meta_stamp = stamp
        return self._index.searcher()

    def count(self) -> int:
        return self._searcher().num_docs

    def get(self, doc_id: str) -> Listing | None:
        return self.get_many([doc_id]).get(doc_id)

    def get_many(self, doc_ids: Sequence[str]) -> dict[str, Listing]:
        if not doc_ids:
            return {}
        searcher = self._searcher()
        query = tantivy.Query.term_set_query(self.schema, "id", list(doc_ids))
        hits = searcher.search(query, len(doc_ids), count=False).hits
        docs = (listing_from_json(searcher.doc(addr)["doc"][0]) for _score, addr in hits)
        return {doc.doc_id: doc for doc in docs}

    def all_listings(self) -> Iterable[Listing]:
        searcher = self._searcher()
        total = searcher.num_docs
        if not total:
            return []
        result = searcher.search(tantivy.Query.all_query(), total)
        return [listing_from_json(searcher.doc(addr)["doc"][0]) for _score, addr in result.hits]

    def versions(self) -> dict[str, str]:
        return {listing.doc_id: listing.version for listing in self.all_listings()}

    def _filter_clauses(self, f: Filters) -> list:
        s, q = self.schema, tantivy.Query
        clauses = []

        def must(query):
            clauses.append((tantivy.Occur.Must, q.const_score_query(query, 0.0)))

        if f.kind:
            must(q.term_query(s, "kind", f.kind))
        if f.public_only:
            must(q.term_query(s, "public", 1))
        if f.field_codes:
            must(q.term_set_query(s, "field_code", list(f.field_codes)))
        if f.region_prefix:
            must(q.term_query(s, "region_p", f.region_prefix))
        if f.trl_min or f.trl_max:
            must(q.range_query(s, "trl", tantivy.FieldType.Integer, f.trl_min or 1, f.trl_max or 9))
        if f.mode:
            must(q.term_query(s, "mode", f.mode))
        if f.amount_min is not None:
            must(q.range_query(s, "amount_high", tantivy.FieldType.Float, float(f.amount_min), 1e12))
        if f.amount_max is not None:
            must(q.range_query(s, "amount_low", tantivy.FieldType.Float, 0.0, float(f.amount_max)))
        if f.statuses:
            must(q.term_set_query(s, "status", list(f.statuses)))
        if f.org_kind:
            must(q.term_query(s, "org_kind", f.org_kind))
        for doc_id in f.exclude_ids:
            clauses.append((tantivy.Occur.MustNot, q.term_query(s, "id", doc_id)))
        return clauses

    def _text_query(self, terms: dict[str, float], channel: str):
        s, q = self.schema, tantivy.Query
        should = []
        for field_name, boost in CHANNEL_FIELDS[channel]:
            for term, weight in terms.items():
                should.append((tantivy.Occur.Should, q.boost_query(q.term_query(s, field_name, term), boost * weight)))
        return q.boolean_query(should) if should else None

    def _concept_query(self, concept: Concept):
        s, q, should = self.schema, tantivy.Query, tantivy.Occur.Should
        options = [(should, q.term_query(s, field_name, word))
                   for field_name, _boost in CHANNEL_FIELDS["words"] for word in concept.words]
        if concept.bigrams:
            options += [(should, q.boolean_query([(tantivy.Occur.Must, q.term_query(s, field_name, gram))
                                                  for gram in concept.bigrams]))
                        for field_name, _boost in CHANNEL_FIELDS["bigrams"]]
        if concept.char:
            options += [(should, q.regex_query(s, field_name, single_character_pattern(concept.char)))
                        for field_name, _boost in CHANNEL_FIELDS["bigrams"]]
        return q.boolean_query(options)

    def lexical(self, query: TextQuery, filters: Filters, k: int, *, channel: str = "words") -> list[SearchHit]:
        terms = query.words if channel == "words" else query.bigrams
        text_query = self._text_query(terms, channel)
        if text_query is None:
            return []
        searcher = self._searcher()
        found = self._lexical_post_filtered(searcher, text_query, filters, k)
        if found is not None:
            return found
        full = tantivy.Query.boolean_query([(tantivy.Occur.Must, text_query), *self._filter_clauses(filters)])
        # count=False: no total to count lets tantivy skip blocks that cannot reach the top k (block-max WAND)
        hits = searcher.search(full, k, count=False).hits
        numbers = searcher.fast_field_values("num", [addr for _score, addr in hits])
        return [SearchHit(doc_id_of(n), score) for (score, _addr), n in zip(hits, numbers, strict=True)]

    def _lexical_post_filtered(self, searcher, text_query, filters: Filters, k: int) -> list[SearchHit] | None:
        """The top k of a match query filtered by kind/public/exclusions, or None if this way cannot tell.

        Tantivy skips blocks that cannot reach the top k (block-max WAND) only for a bare disjunction
        of terms; any filter clause makes it score every matching document, 2–3× slower for long
        demand texts. Filters are not scored, so the eligible hits among the top `fetch` unfiltered
        ones, in order, are exactly the filtered top k whenever at least k of them are eligible.
        """
        if replace(filters, kind=None, public_only=False, exclude_ids=()) != _NO_FILTERS:
            return None  # other filters need the index (ranges, term sets)
        total = searcher.num_docs
        eligible = self._eligible_count(searcher, filters.kind, filters.public_only)
        if not eligible or eligible * POST_FILTER_MAX_FETCH < total:
            return None  # a small share of the index: the filtered query is cheaper
        fetch = int(k * total / eligible * 1.2) + len(filters.exclude_ids) + 10
        hits = searcher.search(text_query, fetch, count=False).hits
        addrs = [addr for _score, addr in hits]
        numbers = searcher.fast_field_values("num", addrs)
        public = searcher.fast_field_values("public", addrs) if filters.public_only else None
        kind_code = KIND_CODES[filters.kind] if filters.kind else None
        excluded = {doc_number(doc_id) for doc_id in filters.exclude_ids}
        out = []
        for i, ((score, _addr), number) in enumerate(zip(hits, numbers, strict=True)):
            if ((kind_code is None or number // KIND_FACTOR == kind_code) and (public is None or public[i] == 1)
                    and number not in excluded):
                out.append(SearchHit(doc_id_of(number), score))
                if len(out) == k:
                    return out
        return out if len(hits) < fetch else None  # fewer than k eligible in a full fetch: there may be more

    def _eligible_count(self, searcher, kind: str | None, public_only: bool) -> int:
        """Documents of a kind (public ones only, if asked), counted once per index version."""
        key = (self._meta_stamp, kind, public_only)
        count = self._eligible_counts.get(key)
        if count is None:
            clauses = self._filter_clauses(Filters(kind=kind, public_only=public_only))
            query = tantivy.Query.boolean_query(clauses) if clauses else tantivy.Query.all_query()
            count = searcher.search(query, 1, count=True).count or 0
            self._eligible_counts = {k: v for k, v in self._eligible_counts.items() if k[0] == self._meta_stamp}
            self._eligible_counts[key] = count
        return count

    def search_page(self, query: Sequence[TextQuery] | None, filters: Filters, *, offset: int, limit: int,
                    sort: str, facets: Sequence[str] = ()) -> ResultPage:
        """A page for the search pages: every part of `query` must match (one part per word the user
        typed: all its concepts, or one with `any_concept`); relevance or a field order; facet counts."""
        q = tantivy.Query
        clauses = self._filter_clauses(filters)
        text_query = None
        musts = []
        for part in query or ():
            alternatives = [tq for tq in (self._text_query(part.words, "words"),
                                          self._text_query(part.bigrams, "bigrams")) if tq is not None]
            # the concepts decide which listings match (scoring nothing); the words and bigrams rank
            concepts = [self._concept_query(c) for c in part.concepts]
            if part.any_concept and concepts:
                concepts = [q.boolean_query([(tantivy.Occur.Should, c) for c in concepts])]
            part_clauses = [(tantivy.Occur.Must, q.const_score_query(c, 0.0)) for c in concepts]
            if alternatives:
                ranking = q.boolean_query([(tantivy.Occur.Should, a) for a in alternatives])
                part_clauses.append((tantivy.Occur.Should if part_clauses else tantivy.Occur.Must, ranking))
            if part_clauses:
                musts.append((tantivy.Occur.Must, q.boolean_query(part_clauses)))
        if musts:
            text_query = q.boolean_query(musts)
        base = q.boolean_query(([(tantivy.Occur.Must, text_query)] if text_query else
                                [(tantivy.Occur.Must, q.all_query())]) + clauses)
        searcher = self._searcher()
        if sort == "relevance" and text_query is None:
            sort = "newest"
        order_by = {"newest": ("published", tantivy.Order.Desc), "oldest": ("published", tantivy.Order.Asc),
                    "amount_desc": ("amount_high", tantivy.Order.Desc),
                    "amount_asc": ("amount_low", tantivy.Order.Asc), "trl_desc": ("trl", tantivy.Order.Desc)}
        if sort in order_by and not (sort == "relevance" and text_query):
            field_name, order = order_by[sort]
            result = searcher.search(base, limit, count=True, order_by_field=field_name, offset=offset, order=order)
        else:
            result = searcher.search(base, limit, count=True, offset=offset)
        hits = [SearchHit(searcher.doc(addr)["id"][0], float(score) if isinstance(score, float) else 0.0)
                for score, addr in result.hits]
        facet_counts = {}
        if facets:
            aggs = {name: {"terms": {"field": name, "size": 400}} for name in facets}
            raw = searcher.aggregate(base, aggs)
            for name in facets:
                facet_counts[name] = {b["key"]: b["doc_count"] for b in raw.get(name, {}).get("buckets", [])}
        return ResultPage(hits=hits, total=result.count or 0, facets=facet_counts)


class _Writer:
    """Context manager that always releases tantivy's writer lock."""

    def __init__(self, writer):
        self.writer = writer

    def __enter__(self):
        return self.writer

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self) -> None:
        # The lock is released when the writer is dropped, whether or not merging finished cleanly.
        with contextlib.suppress(Exception):
            self.writer.wait_merging_threads()
        del self.writer
