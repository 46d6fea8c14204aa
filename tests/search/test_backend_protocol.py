"""What the app asks of any backend beyond search: whether it answers kNN itself, and what it does
when the related-term table changes."""
import inspect

import pytest

from search.analysis import SynonymTable, default_synonyms
from search.backends.base import SearchBackend
from search.backends.elasticsearch import ElasticsearchBackend, EsSettings
from search.backends.embedded import EmbeddedBackend
from search.documents import Filters, Listing, MatchQuery
from search.matching import keyword_part, text_query
from tests.search import es_support
from tests.search.test_elasticsearch_spec import canned

TABLE = SynonymTable.from_rows([["覆冰", "结冰"], ["锂电", "锂离子电池"]], version="test-2")


def protocol_members():
    return sorted(name for name in vars(SearchBackend) if not name.startswith("_") and name != "name")


@pytest.mark.parametrize("backend_class", [EmbeddedBackend, ElasticsearchBackend])
def test_both_backends_have_every_protocol_member(backend_class):
    missing = [name for name in protocol_members() if not hasattr(backend_class, name)]
    assert missing == []
    assert "use_synonyms" in protocol_members() and "knn_available" in protocol_members()
    assert inspect.signature(backend_class.use_synonyms).parameters.keys() == {"self", "table"}


def synonym_requests():
    return [(m, t.split("?")[0], b) for m, t, b in es_support.RecordingNode.requests
            if t.split("?")[0].startswith("/_synonyms/")]


def test_elasticsearch_use_synonyms_pushes_the_new_table_to_its_synonyms_set():
    backend = ElasticsearchBackend(es_support.client(canned), EsSettings(synonyms_set="tt-synonyms"),
                                   synonyms=default_synonyms())
    backend.use_synonyms(TABLE)
    assert backend.synonyms is TABLE
    assert synonym_requests() == [("PUT", "/_synonyms/tt-synonyms", {"synonyms_set": [
        {"id": "r0", "synonyms": "结冰, 覆冰"}, {"id": "r1", "synonyms": "锂电, 锂离子电池"}]})]


def test_elasticsearch_without_a_synonyms_set_keeps_the_table_and_sends_nothing():
    backend = ElasticsearchBackend(es_support.client(canned), EsSettings(synonyms_set=None))
    backend.use_synonyms(TABLE)
    assert backend.synonyms is TABLE and es_support.RecordingNode.requests == []


@pytest.mark.parametrize(("dims", "available"), [(None, False), (0, False), (4, True)])
def test_elasticsearch_answers_knn_when_its_index_holds_vectors(dims, available):
    backend = ElasticsearchBackend(es_support.client(canned), EsSettings(dims=dims))
    assert backend.knn_available is available
    if available:
        hits = backend.knn([0.1, 0.2, 0.3, 0.4], Filters(kind="achievement"), 5)
        assert [h.doc_id for h in hits] == ["achievement:1"]


@pytest.fixture
def embedded(tmp_path):
    engine = EmbeddedBackend(tmp_path / "index")
    engine.upsert([Listing(doc_id="achievement:1", kind="achievement", title="风电叶片覆冰监测", text="光纤传感",
                           version="v1"),
                   Listing(doc_id="achievement:2", kind="achievement", title="叶片结冰预警", text="", version="v1")])
    engine.commit()
    return engine


def test_embedded_has_no_knn_of_its_own(embedded):
    assert embedded.knn_available is False
    with pytest.raises(NotImplementedError):
        embedded.knn([0.1, 0.2], Filters(), 5)


def test_embedded_use_synonyms_changes_nothing(embedded, tmp_path):
    def answers():
        query = text_query(MatchQuery(title="覆冰", text=""), synonyms=TABLE)
        lexical = [(h.doc_id, round(h.score, 5)) for h in embedded.lexical(query, Filters(), 10)]
        page = embedded.search_page([keyword_part("覆冰", TABLE)], Filters(), offset=0, limit=10,
                                    sort="relevance", facets=())
        return lexical, [h.doc_id for h in page.hits], page.total

    files = sorted((p.name, p.stat().st_mtime_ns) for p in (tmp_path / "index").iterdir())
    before = answers()
    state = dict(vars(embedded))
    assert embedded.use_synonyms(TABLE) is None
    assert embedded.use_synonyms(SynonymTable()) is None
    assert vars(embedded) == state and answers() == before
    assert sorted((p.name, p.stat().st_mtime_ns) for p in (tmp_path / "index").iterdir()) == files
    assert before[1] == ["achievement:1", "achievement:2"]  # the query brought its related term (结冰) along
