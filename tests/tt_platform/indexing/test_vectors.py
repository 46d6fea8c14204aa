"""The vector store across processes: a web worker sees vectors that another process (the index drain,
`flask search embed`) saved, without a restart; its own saves and a store caught mid-save change nothing."""
import json

import pytest

from search.documents import Listing
from search.embeddings import HashEmbedder, VectorStore
from tt_platform.indexing import engine


def listing(n: int, title: str) -> Listing:
    return Listing(doc_id=f"achievement:{n}", kind="achievement", title=title, text="")


@pytest.fixture
def held(app, monkeypatch):
    """The vectors this process holds, looked at for changes on every call (not once a second)."""
    monkeypatch.setattr(engine, "VECTOR_RELOAD_CHECK_SECONDS", 0.0)
    with app.app_context():
        engine.reset_backend()
        yield engine.get_vectors
        engine.reset_backend()


def other_process_store(app) -> VectorStore:
    """The same files opened by another instance, as the drain process opens them."""
    embedder = HashEmbedder()
    return VectorStore(app.config["SEARCH_VECTOR_DIR"], embedder.dims, embedder.name)


def test_vectors_saved_by_another_process_are_seen_without_a_restart(app, held):
    before = held()
    assert not before.store.has("achievement:990001")
    drain = other_process_store(app)
    drain.put([listing(990001, "风电叶片覆冰在线监测")], HashEmbedder())
    drain.save()
    after = held()
    assert after.store is not before.store and after.store.has("achievement:990001")
    assert held().store is after.store  # read once: no change since, no second opening
    drain.remove(["achievement:990001"])
    drain.save()
    assert not held().store.has("achievement:990001")


def test_its_own_save_does_not_reopen_the_store(app, held):
    vectors = held()
    vectors.store.put([listing(990002, "储能锂电池热失控预警")], HashEmbedder())
    vectors.store.save()
    assert held().store is vectors.store


def test_a_store_caught_mid_save_keeps_the_vectors_held(app, held, caplog):
    drain = other_process_store(app)
    drain.put([listing(990003, "高比能固态电池电解质")], HashEmbedder())
    drain.save()
    vectors = held()
    assert vectors.store.has("achievement:990003")
    meta = drain.path / f"{drain.model}-meta.json"  # ids written, their matrix not yet
    data = json.loads(meta.read_text())
    data["ids"]["achievement"].append("achievement:990004")
    meta.write_text(json.dumps(data))
    assert held().store is vectors.store and "not reopened" in caplog.text
    drain.save()  # the save completes: the next look opens it
    assert held().store is not vectors.store and held().store.has("achievement:990003")
