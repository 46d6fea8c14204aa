"""One behavioural suite for every backend: always on the embedded engine, and on Elasticsearch
when TT_TEST_ES_URL points at a cluster (skipped with that reason otherwise)."""
import os
import uuid

import pytest

from search import analysis
from search.backends.base import BackendUnavailable
from search.backends.embedded import EmbeddedBackend
from search.documents import Filters, Listing, MatchQuery
from search.matching import keyword_part, match, relaxed, text_query


def listing(n, **kw):
    base = dict(doc_id=f"achievement:{n}", kind="achievement", title=f"成果{n}", text="", field_code="T06",
                region_code="330100", trl=5, modes=("transfer",), amount_low=50.0, amount_high=50.0,
                published_at=1_700_000_000.0 + n, org_kind="university", version=f"v{n}")
    base.update(kw)
    return Listing(**base)


def make_backend(kind, tmp_path):
    if kind == "embedded":
        return EmbeddedBackend(tmp_path / "index")
    url = os.environ.get("TT_TEST_ES_URL")
    if not url:
        pytest.skip("TT_TEST_ES_URL is not set: no Elasticsearch cluster to run the shared suite against")
    from elasticsearch import Elasticsearch

    from search.backends.elasticsearch import ElasticsearchBackend, EsSettings

    tokenizer = os.environ.get("TT_TEST_ES_TOKENIZER", "standard")  # IK when the cluster has it
    settings = EsSettings(alias=f"tt_test_{uuid.uuid4().hex[:8]}", index_tokenizer=tokenizer,
                          search_tokenizer=tokenizer, synonyms_set=None, replicas=0)
    engine = ElasticsearchBackend(Elasticsearch(url), settings)
    engine.ensure_index()
    return engine


@pytest.fixture(params=["embedded", "elasticsearch"])
def backend(request, tmp_path):
    engine = make_backend(request.param, tmp_path)
    engine.upsert([
        listing(1, title="风电叶片覆冰监测方法", text="利用光纤传感监测风力发电机叶片覆冰厚度",
                keywords=("覆冰", "光纤传感")),
        listing(2, title="锂离子电池热管理系统", text="液冷板降低电池包温差", keywords=("锂离子电池", "热管理"),
                field_code="T10", region_code="110100", trl=7, amount_low=300.0, amount_high=300.0),
        listing(3, title="水稻抗病育种", text="分子标记辅助选育抗稻瘟病水稻", keywords=("水稻",), field_code="T09",
                public=False),
        listing(4, kind="demand", doc_id="demand:4", title="需要叶片除冰技术", text="风机叶片结冰严重"),
    ])
    engine.commit()
    yield engine
    if request.param == "elasticsearch":
        engine.client.indices.delete(index=f"{engine.alias}_v*")


def query(text, **kw):
    return text_query(MatchQuery(title=text, text=""), **kw)


def ids(hits):
    return [h.doc_id for h in hits]


def test_lexical_channels_find_the_right_listing(backend):
    for channel in ("words", "bigrams"):
        hits = backend.lexical(query("叶片覆冰"), Filters(kind="achievement"), 10, channel=channel)
        assert ids(hits)[0] == "achievement:1"


def test_filters(backend):
    everything = Filters(kind="achievement", public_only=False)
    q = query("锂离子电池 覆冰 水稻")
    assert set(ids(backend.lexical(q, everything, 10))) == {"achievement:1", "achievement:2", "achievement:3"}
    assert "achievement:3" not in ids(backend.lexical(q, Filters(kind="achievement"), 10))  # not public
    assert ids(backend.lexical(q, Filters(kind="achievement", field_codes=("T10",)), 10)) == ["achievement:2"]
    assert ids(backend.lexical(q, Filters(kind="achievement", region_prefix="11"), 10)) == ["achievement:2"]
    assert ids(backend.lexical(q, Filters(kind="achievement", trl_min=6), 10)) == ["achievement:2"]
    assert ids(backend.lexical(q, Filters(kind="achievement", amount_max=100), 10)) == ["achievement:1"]
    assert ids(backend.lexical(q, Filters(kind="achievement", exclude_ids=("achievement:1",)), 10)) == [
        "achievement:2"]


def test_upsert_replaces_and_delete_removes(backend):
    backend.upsert([listing(1, title="全新标题 储能电站", version="v9")])
    backend.delete(["achievement:2"])
    backend.commit()
    assert backend.get("achievement:1").title == "全新标题 储能电站"
    assert backend.get("achievement:2") is None
    assert backend.versions()["achievement:1"] == "v9"
    assert backend.count() == 3


def test_discard_forgets_uncommitted_changes(backend):
    backend.upsert([listing(1, title="不应出现的标题", version="v9"), listing(7, title="不应出现的成果")])
    backend.delete(["achievement:2"])
    backend.discard()
    backend.commit()
    assert backend.get("achievement:1").title == "风电叶片覆冰监测方法"
    assert backend.get("achievement:2") is not None and backend.get("achievement:7") is None
    backend.upsert([listing(7, title="之后的成果")])  # the backend is still usable afterwards
    backend.commit()
    assert backend.get("achievement:7").title == "之后的成果"


def test_rebuild_keeps_the_old_documents_visible_until_it_finishes(backend):
    backend.begin_rebuild()
    backend.upsert([listing(10, title="重建后的成果")])
    backend.commit()
    assert backend.get("achievement:1") is not None and backend.get("achievement:10") is None
    backend.finish_rebuild()
    assert backend.get("achievement:1") is None and backend.get("achievement:10").title == "重建后的成果"
    assert backend.count() == 1


def test_a_rebuild_given_up_leaves_the_index_as_it_was(backend):
    backend.begin_rebuild()
    backend.upsert([listing(10, title="重建后的成果")])
    backend.commit()
    backend.discard()
    assert backend.count() == 4 and backend.get("achievement:10") is None
    backend.upsert([listing(11, title="之后的成果")])
    backend.commit()
    assert backend.get("achievement:11").title == "之后的成果" and backend.count() == 5


def test_index_persists_across_instances(backend, tmp_path):
    if not isinstance(backend, EmbeddedBackend):
        pytest.skip("embedded only: a directory reopened by a second instance")
    again = EmbeddedBackend(tmp_path / "index")
    assert again.get("achievement:1").title == "风电叶片覆冰监测方法"


def test_one_writer_per_directory(backend, tmp_path):
    if not isinstance(backend, EmbeddedBackend):
        pytest.skip("embedded only: tantivy's writer lock")
    held = backend._index.writer(heap_size=15_000_000, num_threads=1)
    try:
        backend.upsert([listing(7)])
        with pytest.raises(BackendUnavailable):
            backend.commit()
    finally:
        del held


def test_search_page_facets_and_sort(backend):
    page = backend.search_page([], Filters(kind="achievement"), offset=0, limit=10, sort="amount_desc",
                               facets=("field_code",))
    assert ids(page.hits) == ["achievement:2", "achievement:1"]
    assert page.total == 2
    assert page.facets["field_code"] == {"T06": 1, "T10": 1}


def test_a_search_box_word_needs_every_concept_it_holds(backend):
    synonyms = analysis.default_synonyms()

    def page(*words):
        return backend.search_page([keyword_part(w, synonyms) for w in words], Filters(kind="achievement"),
                                   offset=0, limit=10, sort="relevance", facets=())

    # 电池监测 holds 电池 and 监测: the ice-monitoring result has only the one, the battery result the other
    assert page("电池监测").total == 0

    def page_relaxed(*words):
        return backend.search_page([relaxed([keyword_part(w, synonyms) for w in words])],
                                   Filters(kind="achievement"), offset=0, limit=10, sort="relevance", facets=())

    # relaxed, one concept is enough; a shared bigram alone (管理 of 管理学) is not
    assert set(ids(page_relaxed("电池监测").hits)) == {"achievement:1", "achievement:2"}
    assert set(ids(page_relaxed("叶片", "电池").hits)) == {"achievement:1", "achievement:2"}
    assert page_relaxed("管理学").total == 0
    # a related term stands for its word (锂电池 → 锂离子电池); all of a word's bigrams stand for it too
    assert ids(page("锂电池热管理").hits) == ["achievement:2"]
    assert ids(page("管理系统").hits) == ["achievement:2"]
    # a single character is a search of its own (锂, 氢), found inside the bigrams that hold it
    assert ids(page("锂").hits) == ["achievement:2"]
    assert ids(page("锂", "叶片").hits) == []
    # every part of the box counts, each on its own
    assert ids(page("叶片", "光纤监测").hits) == ["achievement:1"]
    assert page("叶片", "电池").total == 0


def test_match_explains_itself(backend):
    demand = MatchQuery(title="叶片结冰怎么办", text="风机叶片覆冰导致停机", keywords=("覆冰",), field_code="T06",
                        trl=4, amount_high=100.0, modes=("transfer",), region_code="330200")
    matches = match(backend, demand, limit=5)
    top = matches[0]
    assert top.doc_id == "achievement:1"
    assert "覆冰" in top.shared_terms
    keys = {c.key: c for c in top.components}
    assert keys["field"].detail == {"same": True}
    assert keys["maturity"].score > 0 and keys["price"].score > 0
    assert keys["modes"].detail == {"overlap": ["transfer"]} and keys["region"].detail == {"same_province": True}


def test_missing_features_are_neutral(backend):
    bare = MatchQuery(title="叶片覆冰", text="")
    top = match(backend, bare, limit=1)[0]
    assert {c.key for c in top.components} == {"freshness"}


def test_a_second_instance_sees_commits_of_the_first(tmp_path):
    """Two processes share an index directory: the reader picks up the writer's commits."""
    writer, reader = EmbeddedBackend(tmp_path / "shared"), EmbeddedBackend(tmp_path / "shared")
    assert reader.count() == 0
    writer.upsert([listing(1, title="叶片覆冰")])
    writer.commit()
    assert reader.get("achievement:1") is not None
