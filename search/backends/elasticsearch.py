"""Elasticsearch 8.x backend (official client 8.15–8.19; clusters 8.15–8.19).

Same documents, same analysis pipeline and the same query weights as the embedded engine: the
app's tokens and bigrams become `match` clauses against fields analysed by IK (`ik_max_word` at
index time, `ik_smart` plus the synonym set at search time) and a built-in `cjk_bigram` sub-field.
Analyzer names are configuration: a cluster without IK uses smartcn (`smartcn_tokenizer`).

Indices are versioned (`<alias>_v<n>`) behind a read alias and a write alias; a rebuild fills a new
index and swaps both aliases in one atomic call. Requests use the long forms of the query DSL so
that tests can validate every body against the official API specification.
"""
from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from elasticsearch import ApiError, TransportError, helpers

from search import analysis
from search.backends.base import BackendUnavailable, Concept, ResultPage, SearchHit, TextQuery
from search.documents import Filters, Listing, listing_dict, listing_from_json
from search.regions import region_prefixes

#: (field, boost) per channel: the same weights the embedded engine gets by repeating title and
#: keywords in its single field per channel.
CHANNEL_FIELDS = {"words": (("title", 3.0), ("keywords", 2.0), ("text", 1.0)),
                  "bigrams": (("title.bigram", 2.0), ("text.bigram", 1.0))}
FACET_FIELDS = {"field_code": "field_code", "org_kind": "org_kind", "mode": "modes", "status": "status",
                "region_p": "region_p"}
SORTS = {"newest": ("published", "desc"), "oldest": ("published", "asc"), "amount_desc": ("amount_high", "desc"),
         "amount_asc": ("amount_low", "asc"), "trl_desc": ("trl", "desc")}


@dataclass(frozen=True)
class EsSettings:
    alias: str = "tt_listings"
    index_tokenizer: str = "ik_max_word"
    search_tokenizer: str = "ik_smart"
    synonyms_set: str | None = "tt-synonyms"
    shards: int = 1
    replicas: int = 1
    chunk_size: int = 500
    #: size of the dense vectors (384 for multilingual-e5-small); None: no `embedding` field, no kNN
    dims: int | None = None


def index_body(settings: EsSettings, *, for_rebuild: bool = False) -> dict:
    """Settings and mappings of one versioned index."""
    search_filters = ["cjk_width", "lowercase"]
    analysis_filters = {}
    if settings.synonyms_set:
        analysis_filters["tt_synonyms"] = {"type": "synonym_graph", "synonyms_set": settings.synonyms_set,
                                           "updateable": True}
        search_filters.append("tt_synonyms")
    text = {"type": "text", "analyzer": "tt_index", "search_analyzer": "tt_search",
            "fields": {"bigram": {"type": "text", "analyzer": "tt_bigram"}}}
    keyword = {"type": "keyword"}
    return {
        "settings": {
            "number_of_shards": settings.shards,
            "number_of_replicas": 0 if for_rebuild else settings.replicas,
            "refresh_interval": "-1" if for_rebuild else "1s",
            "analysis": {
                "filter": analysis_filters,
                "analyzer": {
                    "tt_index": {"type": "custom", "tokenizer": settings.index_tokenizer,
                                 "filter": ["cjk_width", "lowercase"]},
                    "tt_search": {"type": "custom", "tokenizer": settings.search_tokenizer, "filter": search_filters},
                    "tt_bigram": {"type": "custom", "tokenizer": "standard",
                                  "filter": ["cjk_width", "lowercase", "cjk_bigram"]},
                },
            },
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": {"tt_platform": {"schema_version": 1}},
            "properties": {
                "doc_id": keyword, "kind": keyword, "field_code": keyword, "region_p": keyword, "modes": keyword,
                "status": keyword, "org_kind": keyword, "version": keyword,
                "public": {"type": "boolean"}, "trl": {"type": "integer"},
                "amount_low": {"type": "scaled_float", "scaling_factor": 100},
                "amount_high": {"type": "scaled_float", "scaling_factor": 100},
                "published": {"type": "date", "format": "epoch_second"},
                "title": text, "keywords": text, "text": text,
                "doc": {"type": "object", "enabled": False},
                **({"embedding": {"type": "dense_vector", "dims": settings.dims, "index": True,
                                  "similarity": "cosine", "index_options": {"type": "int8_hnsw"}}}
                   if settings.dims else {}),
            },
        },
    }


def document_source(listing: Listing, vector=None) -> dict:
    """The _source of one listing (text normalised by the shared pipeline), with its vector if any."""
    source = {
        "doc_id": listing.doc_id, "kind": listing.kind, "field_code": listing.field_code,
        "region_p": region_prefixes(listing.region_code), "modes": list(listing.modes), "status": listing.status,
        "org_kind": listing.org_kind, "version": listing.version, "public": listing.public,
        "trl": listing.trl or 0,
        "amount_low": listing.amount_low if listing.amount_low is not None else -1,
        "amount_high": listing.amount_high if listing.amount_high is not None else -1,
        "published": int(listing.published_at or 0),
        "title": analysis.normalise(listing.title), "keywords": analysis.normalise(" ".join(listing.keywords)),
        "text": analysis.normalise(listing.text),
        "doc": json.loads(json.dumps(listing_dict(listing), ensure_ascii=False)),
    }
    if vector is not None:
        source["embedding"] = [round(float(x), 6) for x in vector]
    return source


def filter_clauses(f: Filters) -> tuple[list[dict], list[dict]]:
    """(filter, must_not) clauses in the long forms of the query DSL."""
    flt: list[dict] = []
    if f.kind:
        flt.append({"term": {"kind": {"value": f.kind}}})
    if f.public_only:
        flt.append({"term": {"public": {"value": True}}})
    if f.field_codes:
        flt.append({"terms": {"field_code": list(f.field_codes)}})
    if f.region_prefix:
        flt.append({"term": {"region_p": {"value": f.region_prefix}}})
    if f.trl_min or f.trl_max:
        flt.append({"range": {"trl": {"gte": f.trl_min or 1, "lte": f.trl_max or 9}}})
    if f.mode:
        flt.append({"term": {"modes": {"value": f.mode}}})
    if f.amount_min is not None:
        flt.append({"range": {"amount_high": {"gte": f.amount_min}}})
    if f.amount_max is not None:
        flt.append({"range": {"amount_low": {"gte": 0, "lte": f.amount_max}}})
    if f.statuses:
        flt.append({"terms": {"status": list(f.statuses)}})
    if f.org_kind:
        flt.append({"term": {"org_kind": {"value": f.org_kind}}})
    must_not = [{"ids": {"values": list(f.exclude_ids)}}] if f.exclude_ids else []
    return flt, must_not


def text_clauses(terms: dict[str, float], channel: str) -> list[dict]:
    return [{"match": {field: {"query": term, "boost": round(boost * weight, 4)}}}
            for field, boost in CHANNEL_FIELDS[channel] for term, weight in terms.items()]


def concept_clause(concept: Concept) -> dict:
    """Any of the concept's words in a words field, or all of its bigrams in one bigram field."""
    options = [{"match": {field: {"query": word, "operator": "and"}}}
               for field, _boost in CHANNEL_FIELDS["words"] for word in concept.words]
    if concept.bigrams:
        options += [{"match": {field: {"query": " ".join(concept.bigrams), "operator": "and"}}}
                    for field, _boost in CHANNEL_FIELDS["bigrams"]]
    if concept.char:  # in a bigram, or alone (cjk_bigram keeps a character with no neighbour)
        options += [clause for field, _boost in CHANNEL_FIELDS["bigrams"] for clause in (
            {"regexp": {field: {"value": analysis.single_character_pattern(concept.char)}}},
            {"term": {field: {"value": concept.char}}})]
    return {"bool": {"should": options, "minimum_should_match": 1}}


def lexical_body(query: TextQuery, filters: Filters, k: int, channel: str) -> dict | None:
    terms = query.words if channel == "words" else query.bigrams
    should = text_clauses(terms, channel)
    if not should:
        return None
    flt, must_not = filter_clauses(filters)
    return {"size": k, "_source": False, "track_total_hits": False,
            "query": {"bool": {"should": should, "minimum_should_match": 1, "filter": flt, "must_not": must_not}}}


def knn_body(vector, filters: Filters, k: int) -> dict:
    """Approximate kNN with the filters inside the kNN clause (pre-filtering). The Basic licence has
    no `rrf` retriever, so fusion with the lexical channels happens in the application."""
    flt, must_not = filter_clauses(filters)
    return {"size": k, "_source": False,
            "knn": {"field": "embedding", "query_vector": [round(float(x), 6) for x in vector], "k": k,
                    "num_candidates": max(100, 2 * k), "filter": [{"bool": {"filter": flt, "must_not": must_not}}]}}


def page_body(parts: Sequence[TextQuery] | None, filters: Filters, *, offset: int, limit: int, sort: str,
              facets: Sequence[str]) -> dict:
    flt, must_not = filter_clauses(filters)
    must = []
    for part in parts or ():
        should = text_clauses(part.words, "words") + text_clauses(part.bigrams, "bigrams")
        # the concepts decide which listings match (as filters: no score); the words and bigrams rank
        required = [concept_clause(c) for c in part.concepts]
        if part.any_concept and required:
            required = [{"bool": {"should": required, "minimum_should_match": 1}}]
        if required:
            must.append({"bool": {"filter": required, "should": should}})
        elif should:
            must.append({"bool": {"should": should, "minimum_should_match": 1}})
    body: dict = {"from": offset, "size": limit, "_source": False, "track_total_hits": True,
                  "query": {"bool": {"must": must or [{"match_all": {}}], "filter": flt, "must_not": must_not}}}
    if sort == "relevance" and not must:
        sort = "newest"
    if sort in SORTS:
        field, order = SORTS[sort]
        body["sort"] = [{field: {"order": order}}, {"doc_id": {"order": "asc"}}]
    if facets:
        body["aggregations"] = {name: {"terms": {"field": FACET_FIELDS[name], "size": 400}} for name in facets}
    return body


class ElasticsearchBackend:
    name = "elasticsearch"

    def __init__(self, client, settings: EsSettings | None = None, synonyms: analysis.SynonymTable | None = None,
                 vector_of=None):
        self.client = client
        self.settings = settings or EsSettings()
        self.synonyms = synonyms
        #: doc_id → vector (or None): the app's vector store, so documents carry their embedding
        self.vector_of = vector_of
        self._actions: list[dict] = []
        self._rebuild_index: str | None = None

    # --- indices and aliases ---------------------------------------------------------------------
    @property
    def alias(self) -> str:
        return self.settings.alias

    @property
    def write_alias(self) -> str:
        return f"{self.settings.alias}-write"

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (ApiError, TransportError) as exc:
            raise BackendUnavailable(f"elasticsearch: {exc}") from exc

    def use_synonyms(self, table: analysis.SynonymTable) -> None:
        """The search-time related-term table changed: keep it and push it to the synonyms set, which
        the search analyzer reloads (`updateable`), so no reindex is needed."""
        self.synonyms = table
        self.put_synonyms()

    def put_synonyms(self) -> None:
        """Write the table to the cluster's synonyms set (none configured, or no table: nothing)."""
        if not (self.settings.synonyms_set and self.synonyms):
            return
        rules = [{"id": f"r{i}", "synonyms": ", ".join(sorted(group))} for i, group in enumerate(self.synonyms.groups)]
        self._call(self.client.synonyms.put_synonym, id=self.settings.synonyms_set, synonyms_set=rules)

    def ensure_index(self) -> str:
        """Create the first versioned index and both aliases if the alias does not exist yet."""
        if self._call(self.client.indices.exists_alias, name=self.alias):
            return self.alias
        self.put_synonyms()
        name = f"{self.alias}_v{int(time.time())}"
        body = index_body(self.settings)
        self._call(self.client.indices.create, index=name, settings=body["settings"], mappings=body["mappings"])
        self._call(self.client.indices.update_aliases, actions=[
            {"add": {"index": name, "alias": self.alias}},
            {"add": {"index": name, "alias": self.write_alias, "is_write_index": True}}])
        return name

    def begin_rebuild(self) -> None:
        """Start filling a new versioned index; readers keep the old one until finish_rebuild()."""
        self.put_synonyms()
        name = f"{self.alias}_v{int(time.time() * 1000)}"
        body = index_body(self.settings, for_rebuild=True)
        self._call(self.client.indices.create, index=name, settings=body["settings"], mappings=body["mappings"])
        self._rebuild_index = name

    def finish_rebuild(self) -> None:
        """Restore live settings, refresh, and swap both aliases in one atomic call; drop old indices."""
        name, self._rebuild_index = self._rebuild_index, None
        if name is None:
            return
        self._call(self.client.indices.put_settings, index=name, settings={
            "index": {"number_of_replicas": self.settings.replicas, "refresh_interval": "1s"}})
        self._call(self.client.indices.refresh, index=name)
        old = []
        if self._call(self.client.indices.exists_alias, name=self.alias):
            old = list(self._call(self.client.indices.get_alias, name=self.alias).body)
        actions = [{"remove": {"index": o, "alias": a}} for o in old for a in (self.alias, self.write_alias)]
        actions += [{"add": {"index": name, "alias": self.alias}},
                    {"add": {"index": name, "alias": self.write_alias, "is_write_index": True}}]
        self._call(self.client.indices.update_aliases, actions=actions)
        for o in old:
            self._call(self.client.indices.delete, index=o)

    def clear(self) -> None:
        self.begin_rebuild()
        self.finish_rebuild()

    # --- writes ----------------------------------------------------------------------------------
    def _target(self) -> str:
        return self._rebuild_index or self.write_alias

    def upsert(self, listings: Iterable[Listing]) -> int:
        n = 0
        for listing in listings:
            vector = self.vector_of(listing.doc_id) if (self.vector_of and self.settings.dims) else None
            self._actions.append({"_op_type": "index", "_index": self._target(), "_id": listing.doc_id,
                                  "_source": document_source(listing, vector)})
            n += 1
        return n

    def delete(self, doc_ids: Iterable[str]) -> int:
        n = 0
        for doc_id in doc_ids:
            self._actions.append({"_op_type": "delete", "_index": self._target(), "_id": doc_id})
            n += 1
        return n

    def discard(self) -> None:
        self._actions = []
        if self._rebuild_index is not None:  # a rebuild given up: its half-filled index goes
            name, self._rebuild_index = self._rebuild_index, None
            with contextlib.suppress(BackendUnavailable):
                self._call(self.client.indices.delete, index=name)

    def commit(self) -> None:
        actions, self._actions = self._actions, []
        if not actions:
            return
        self.ensure_index() if self._rebuild_index is None else None
        _ok, errors = self._call(helpers.bulk, self.client, actions, chunk_size=self.settings.chunk_size,
                                 raise_on_error=False, refresh=self._rebuild_index is None and "wait_for")
        # deleting a document that is not there is fine: deletes are idempotent
        real = [e for e in errors if e.get("delete", {}).get("status") != 404]
        if real:
            raise BackendUnavailable(f"elasticsearch bulk: {len(real)} failed items, first: {real[0]}")

    # --- reads -----------------------------------------------------------------------------------
    def lexical(self, query: TextQuery, filters: Filters, k: int, *, channel: str = "words") -> list[SearchHit]:
        body = lexical_body(query, filters, k, channel)
        if body is None:
            return []
        response = self._call(self.client.search, index=self.alias, **body)
        return [SearchHit(hit["_id"], float(hit["_score"] or 0.0)) for hit in response["hits"]["hits"]]

    @property
    def knn_available(self) -> bool:
        """The index has an `embedding` field (EsSettings.dims) and documents carry their vectors."""
        return bool(self.settings.dims)

    def knn(self, vector, filters: Filters, k: int) -> list[SearchHit]:
        response = self._call(self.client.search, index=self.alias, **knn_body(vector, filters, k))
        return [SearchHit(hit["_id"], float(hit["_score"] or 0.0)) for hit in response["hits"]["hits"]]

    def search_page(self, query: Sequence[TextQuery] | None, filters: Filters, *, offset: int, limit: int,
                    sort: str, facets: Sequence[str] = ()) -> ResultPage:
        body = page_body(query, filters, offset=offset, limit=limit, sort=sort, facets=facets)
        response = self._call(self.client.search, index=self.alias, **body)
        hits = [SearchHit(h["_id"], float(h.get("_score") or 0.0)) for h in response["hits"]["hits"]]
        aggs = response.get("aggregations") or {}
        facet_counts = {name: {b["key"]: b["doc_count"] for b in aggs.get(name, {}).get("buckets", [])}
                        for name in facets}
        return ResultPage(hits=hits, total=response["hits"]["total"]["value"], facets=facet_counts)

    def get(self, doc_id: str) -> Listing | None:
        return self.get_many([doc_id]).get(doc_id)

    def get_many(self, doc_ids: Sequence[str]) -> dict[str, Listing]:
        if not doc_ids:
            return {}
        response = self._call(self.client.search, index=self.alias, size=len(doc_ids),
                              source={"includes": ["doc"]}, query={"ids": {"values": list(doc_ids)}})
        docs = (listing_from_json(json.dumps(h["_source"]["doc"]).encode()) for h in response["hits"]["hits"])
        return {doc.doc_id: doc for doc in docs}

    def versions(self) -> dict[str, str]:
        scan = helpers.scan(self.client, index=self.alias, query={"query": {"match_all": {}}},
                            _source={"includes": ["version"]}, size=1000)
        return {hit["_id"]: hit["_source"].get("version", "") for hit in self._call(list, scan)}

    def count(self) -> int:
        return int(self._call(self.client.count, index=self.alias)["count"])

    def generation(self) -> None:
        """Unknown without a request to the cluster (a refresh is not observable locally): None, so the
        app caches no page or ranking read from Elasticsearch."""
        return None
