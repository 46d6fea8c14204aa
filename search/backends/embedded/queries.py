"""Reads from the embedded engine: match queries (BM25 per channel, filters), search pages (concepts,
sorts, facets) and stored listings. Another process may have committed: each read reloads the index
when its meta file changed."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import tantivy

from search.analysis import SynonymTable, single_character_pattern
from search.backends.base import BackendUnavailable, Concept, ResultPage, SearchHit, TextQuery, file_stamp
from search.backends.embedded.schema import CHANNEL_FIELDS, KIND_CODES, KIND_FACTOR, doc_id_of, doc_number
from search.documents import Filters, Listing, listing_from_json

#: Post-filter unfiltered hits (see IndexQueries._lexical_post_filtered) while the eligible
#: documents are at least 1/POST_FILTER_MAX_FETCH of the index.
POST_FILTER_MAX_FETCH = 5
_NO_FILTERS = Filters(public_only=False)


class IndexQueries:
    """The reading part of EmbeddedBackend: lexical, search_page, get, get_many, versions, count."""

    #: the index directory, its schema and the opened index (set by EmbeddedBackend)
    path: Path
    schema: tantivy.Schema
    _index: tantivy.Index

    #: set by EmbeddedBackend: why ranked reads are refused, or None
    incomplete: str | None

    #: The dense channel asks the application's vector store (search.embeddings.VectorStore): this
    #: index holds no vectors.
    knn_available = False

    def _init_queries(self) -> None:
        self._meta_stamp: tuple | None = None
        self._eligible_counts: dict[tuple, int] = {}

    def knn(self, vector, filters: Filters, k: int) -> list[SearchHit]:
        raise NotImplementedError("the embedded engine holds no vectors: use search.embeddings.VectorStore")

    def use_synonyms(self, table: SynonymTable) -> None:
        """Nothing to do: this engine keeps no copy of the related-term table. Queries arrive with
        their terms already expanded (search.matching.text_query and keyword_part take the table),
        so the next query uses the new one."""

    def _ranked_reads_allowed(self) -> None:
        reason = self.incomplete
        if reason is not None:
            raise BackendUnavailable(f"the search index needs a rebuild ({reason})")

    def generation(self) -> tuple | None:
        """The index's meta file's stamp (tantivy renames a new one into place at every commit). The
        reader reloads on the same value (_searcher), so a read that follows this call sees a generation
        at least as new."""
        return file_stamp(self.path / "meta.json")

    def _searcher(self):
        # Another process (a `flask search drain` worker, another web worker) may have committed:
        # reload when the index's meta file changed. One stat() per search.
        stamp = self.generation()
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
        self._ranked_reads_allowed()
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
        self._ranked_reads_allowed()
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
