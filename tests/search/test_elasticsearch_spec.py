"""The Elasticsearch backend through the real client over a recording transport: every body it
sends is validated against the official API specification, and the validator is shown to fail
on a typo in each kind of body."""
import copy
import json

import jsonschema
import pytest

from search.analysis import default_synonyms
from search.backends.base import BackendUnavailable, TextQuery
from search.backends.elasticsearch import ElasticsearchBackend, EsSettings, index_body
from search.documents import Filters, Listing
from search.matching import keyword_part, relaxed
from tests.search import es_support
from tests.search.es_support import SpecValidator, mapping_fields, named_fields, template_for


@pytest.fixture(scope="module")
def spec():
    return SpecValidator()


def canned(method, path, body):
    """Small, well-formed responses; they do not emulate search behaviour."""
    if method == "HEAD":
        return 404, None
    if path.endswith("/_bulk"):
        items = [{list(line)[0]: {"_id": line[list(line)[0]]["_id"], "status": 200}}
                 for line in body if list(line)[0] in ("index", "delete")]
        return 200, {"took": 1, "errors": False, "items": items}
    if path.endswith("/_search") or path == "/_search/scroll":
        hit = {"_index": "tt_listings_v1", "_id": "achievement:1", "_score": 2.5,
               "_source": {"version": "v1", "doc": {
                   "doc_id": "achievement:1", "kind": "achievement", "title": "覆冰监测", "text": "", "keywords": [],
                   "field_code": "T06", "region_code": "330100", "trl": 5, "modes": [], "amount_low": None,
                   "amount_high": None, "published_at": None, "status": "published", "org_kind": None,
                   "org_name": "", "external_ref": None, "public": True, "version": "v1"}}}
        hits = [] if path == "/_search/scroll" else [hit]
        return 200, {"took": 1, "timed_out": False, "_scroll_id": "s1",
                     "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
                     "hits": {"total": {"value": len(hits), "relation": "eq"}, "max_score": 2.5, "hits": hits},
                     "aggregations": {"field_code": {"buckets": [{"key": "T06", "doc_count": 1}]},
                                      "region_p": {"buckets": [{"key": "33", "doc_count": 1}]}}}
    if path.endswith("/_count"):
        return 200, {"count": 1, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0}}
    if path.startswith("/_alias/") or path.endswith("/_alias/tt_listings"):
        return 200, {"tt_listings_v1": {"aliases": {"tt_listings": {}}}}
    return 200, {"acknowledged": True, "shards_acknowledged": True, "index": path.strip("/"), "result": "created"}


def listing(n, **kw):
    return Listing(doc_id=f"achievement:{n}", kind="achievement", title=f"叶片覆冰监测{n}", text="光纤传感",
                   keywords=("覆冰",), field_code="T06", region_code="330100", trl=5, modes=("transfer",),
                   amount_low=50.0, amount_high=50.0, published_at=1_700_000_000.0, version=f"v{n}", **kw)


def exercise(backend):
    backend.ensure_index()
    backend.upsert([listing(1), listing(2)])
    backend.delete(["achievement:3"])
    backend.commit()
    query = TextQuery(words={"覆冰": 2.0, "监测": 1.0}, bigrams={"覆冰": 1.0})
    full = Filters(kind="achievement", field_codes=("T06",), region_prefix="33", trl_min=3, trl_max=9,
                   mode="transfer", amount_min=1, amount_max=500, statuses=("published",), org_kind="university",
                   exclude_ids=("achievement:9",))
    hits = backend.lexical(query, full, 50, channel="words")
    backend.lexical(query, Filters(kind="achievement"), 50, channel="bigrams")
    page = backend.search_page([query], full, offset=0, limit=20, sort="amount_desc",
                               facets=("field_code", "region_p"))
    backend.search_page([], Filters(kind="demand"), offset=20, limit=20, sort="relevance", facets=("status",))
    # a search box's parts, each with the concepts a listing must have
    parts = [keyword_part("PLC控制系统", default_synonyms()), keyword_part("结冰"), keyword_part("锂")]
    backend.search_page(parts, Filters(kind="achievement"), offset=0, limit=20, sort="relevance", facets=())
    backend.search_page([relaxed(parts)], Filters(kind="achievement"), offset=0, limit=20, sort="relevance",
                        facets=())
    if backend.settings.dims:
        backend.knn([0.5] * backend.settings.dims, full, 50)
    got = backend.get("achievement:1")
    versions = backend.versions()
    backend.count()
    backend.begin_rebuild()
    backend.upsert([listing(1)])
    backend.commit()
    backend.finish_rebuild()
    return hits, page, got, versions


@pytest.mark.parametrize("dims", [None, 4], ids=["lexical", "with-dense-vectors"])
def test_every_request_body_is_valid_against_the_spec(spec, dims):
    backend = ElasticsearchBackend(es_support.client(canned), EsSettings(dims=dims), synonyms=default_synonyms(),
                                   vector_of=lambda doc_id: [0.1, 0.2, 0.3, 0.4])
    hits, page, got, versions = exercise(backend)
    # the backend understood the responses
    assert hits[0].doc_id == "achievement:1" and hits[0].score == 2.5
    assert page.total == 1 and page.facets["field_code"] == {"T06": 1}
    assert got.title == "覆冰监测" and versions == {"achievement:1": "v1"}

    mapping = index_body(EsSettings(dims=dims))["mappings"]
    fields = mapping_fields(mapping) | {"_id"}
    checked = set()
    for method, target, body in es_support.RecordingNode.requests:
        path = target.split("?")[0]
        if path.endswith("/_bulk"):
            for line in body:
                if set(line) & {"index", "create", "update", "delete"}:
                    spec.validate_bulk_line(line)
                else:
                    assert set(line) <= set(mapping["properties"]), set(line) - set(mapping["properties"])
            checked.add("bulk")
            continue
        if body is None:
            continue
        template = template_for(method, target)
        # every body the backend sends must have its operation in the specification check
        assert template is not None or path == "/_search/scroll", (method, target)
        if template is None:
            continue
        spec.validate(method, template, body)
        if template == "/{index}/_search":
            assert named_fields(body) <= fields, named_fields(body) - fields
        checked.add(template)
    assert checked >= {"bulk", "/{index}", "/_aliases", "/{index}/_search", "/_synonyms/{id}",
                       "/{index}/_settings"}
    concept_bodies = [b for m, t, b in es_support.RecordingNode.requests
                      if isinstance(b, dict) and '"operator": "and"' in json.dumps(b)]
    assert len(concept_bodies) == 2 and len(concept_bodies[0]["query"]["bool"]["must"]) == 3
    one_of = concept_bodies[1]["query"]["bool"]["must"][0]["bool"]["filter"]
    assert len(one_of) == 1 and len(one_of[0]["bool"]["should"]) == 4  # plc, 控制系统, 结冰, 锂
    assert '"regexp"' in json.dumps(concept_bodies[0])
    knn_bodies = [b for m, t, b in es_support.RecordingNode.requests if b and isinstance(b, dict) and "knn" in b]
    assert bool(knn_bodies) == bool(dims)
    if dims:
        assert mapping["properties"]["embedding"]["dims"] == dims
        bulk_docs = [line for m, t, b in es_support.RecordingNode.requests if t.split("?")[0].endswith("/_bulk")
                     for line in b if "embedding" in line]
        assert bulk_docs and len(bulk_docs[0]["embedding"]) == 4


def test_alias_swap_is_one_atomic_call():
    def alias_exists(method, path, body):
        return (200, None) if method == "HEAD" else canned(method, path, body)

    backend = ElasticsearchBackend(es_support.client(alias_exists), EsSettings(synonyms_set=None))
    exercise(backend)
    swaps = [b for m, t, b in es_support.RecordingNode.requests if t.startswith("/_aliases")]
    last = swaps[-1]["actions"]
    assert [next(iter(a)) for a in last] == ["remove", "remove", "add", "add"]
    assert last[-1]["add"]["is_write_index"] is True


def test_a_rebuild_given_up_deletes_its_new_index_and_writes_go_to_the_live_alias_again():
    backend = ElasticsearchBackend(es_support.client(canned), EsSettings(synonyms_set=None))
    backend.ensure_index()
    backend.begin_rebuild()
    created = [t.split("?")[0].strip("/") for m, t, b in es_support.RecordingNode.requests
               if m == "PUT" and t.split("?")[0].strip("/").startswith(f"{backend.alias}_v")][-1]
    backend.upsert([listing(1)])
    backend.discard()
    assert ("DELETE", f"/{created}") in [(m, t.split("?")[0]) for m, t, b in es_support.RecordingNode.requests]
    backend.upsert([listing(2)])
    backend.commit()
    bulk = [b for m, t, b in es_support.RecordingNode.requests if t.split("?")[0].endswith("/_bulk")][-1]
    assert [line["index"]["_index"] for line in bulk if "index" in line] == [backend.write_alias]
    assert not any(line.get("index", {}).get("_id") == "achievement:1" for line in bulk)


def test_server_errors_become_backend_unavailable():
    backend = ElasticsearchBackend(es_support.client(lambda m, p, b: (503, {"error": "unavailable"})),
                                   EsSettings())
    with pytest.raises(BackendUnavailable):
        backend.lexical(TextQuery(words={"覆冰": 1.0}, bigrams={}), Filters(), 10)


def test_failed_bulk_items_are_reported():
    def partial(method, path, body):
        if path.endswith("/_bulk"):
            return 200, {"took": 1, "errors": True, "items": [
                {"index": {"_id": "achievement:1", "status": 400, "error": {"type": "mapper_parsing_exception"}}}]}
        return canned(method, path, body)

    backend = ElasticsearchBackend(es_support.client(partial), EsSettings())
    backend.upsert([listing(1)])
    with pytest.raises(BackendUnavailable, match="mapper_parsing_exception"):
        backend.commit()


# --- the validator must be able to fail: one injected typo per kind of body ----------------------

def recorded_bodies():
    backend = ElasticsearchBackend(es_support.client(canned), EsSettings(), synonyms=default_synonyms())
    exercise(backend)
    return es_support.RecordingNode.requests


def first(requests, predicate):
    return copy.deepcopy(next(b for m, t, b in requests if predicate(m, t, b)))


def test_validator_rejects_a_typo_in_each_kind_of_body(spec):
    requests = recorded_bodies()
    mapping = first(requests, lambda m, t, b: m == "PUT" and template_for(m, t) == "/{index}")
    bad_mapping = copy.deepcopy(mapping)
    bad_mapping["mappings"]["properties"]["title"]["type"] = "txt"
    bad_settings = copy.deepcopy(mapping)
    bad_settings["settings"]["analysis"]["analyzer"]["tt_index"]["tokeniser"] = "ik_max_word"
    search = first(requests, lambda m, t, b: t.split("?")[0].endswith("/_search") and b and "aggregations" in b)
    bad_search = json.loads(json.dumps(search).replace('"must_not"', '"mustnot"'))
    bad_aggs = copy.deepcopy(search)
    terms = bad_aggs["aggregations"]["field_code"]["terms"]
    terms["feild"] = terms.pop("field")
    aliases = first(requests, lambda m, t, b: t.startswith("/_aliases"))
    bad_aliases = copy.deepcopy(aliases)
    bad_aliases["actions"][0] = {"remvoe": bad_aliases["actions"][0].popitem()[1]}
    for label, template, body in (("mapping", "/{index}", bad_mapping), ("settings", "/{index}", bad_settings),
                                  ("search", "/{index}/_search", bad_search), ("aggs", "/{index}/_search", bad_aggs),
                                  ("aliases", "/_aliases", bad_aliases)):
        method = "PUT" if template == "/{index}" else "POST"
        with pytest.raises(jsonschema.ValidationError):  # noqa: PT012 - the fail names the body kind
            spec.validate(method, template, body)
            pytest.fail(f"the {label} typo passed")
    with pytest.raises(jsonschema.ValidationError):
        spec.validate("POST", "/{index}/_search", {**search, "sizee": 10})
    from search.backends.elasticsearch import knn_body

    bad_knn = knn_body([0.1, 0.2], Filters(kind="achievement"), 10)
    bad_knn["knn"]["num_candidate"] = bad_knn["knn"].pop("num_candidates")
    with pytest.raises(jsonschema.ValidationError):
        spec.validate("POST", "/{index}/_search", bad_knn)
    spec.validate("POST", "/{index}/_search", knn_body([0.1, 0.2], Filters(kind="achievement"), 10))
    bad_vector = index_body(EsSettings(dims=4))
    bad_vector["mappings"]["properties"]["embedding"]["dim"] = bad_vector["mappings"]["properties"]["embedding"].pop(
        "dims")
    with pytest.raises(jsonschema.ValidationError):
        spec.validate("PUT", "/{index}", bad_vector)
    with pytest.raises(jsonschema.ValidationError):
        spec.validate_bulk_line({"idnex": {"_index": "x", "_id": "1"}})
    with pytest.raises(jsonschema.ValidationError):
        spec.validate("PUT", "/{index}", {"settings": {"number_of_replicas": "one"}})
    # a field the mapping does not have is caught by the field-name check
    fields = mapping_fields(mapping["mappings"])
    assert not named_fields({"query": {"term": {"feild_code": {"value": "T01"}}}}) <= fields
