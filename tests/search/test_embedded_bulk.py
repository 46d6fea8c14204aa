"""Bulk writes on the embedded engine: analysis in a process pool, started while upserts are queued,
must hand every listing its own fields (order preserved across batches) and leave nothing behind."""
import pytest

from search import analysis
from search.backends.embedded import EmbeddedBackend, writer
from search.documents import Filters, Listing, MatchQuery
from search.matching import text_query

# distinct two-character words per listing (numbers would be split into Latin runs)
WORDS = [a + b for a in "甲乙丙丁戊己庚辛壬癸" for b in "子丑寅卯辰巳午未申酉戌亥"]


def listing(n):
    return Listing(doc_id=f"achievement:{n}", kind="achievement", title=f"材料{WORDS[n]}", text=f"关于{WORDS[n]}的研究",
                   version=f"v{n}")


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(writer, "EAGER_BATCH", 25)
    monkeypatch.setattr(writer, "POOL_THRESHOLD", 20)


def top_hit(engine, word):
    hits = engine.lexical(text_query(MatchQuery(title=word, text="")), Filters(kind="achievement"), 3,
                          channel="bigrams")
    return hits[0].doc_id if hits else None


def test_pool_analysis_keeps_each_listing_with_its_own_fields(tmp_path, small_batches):
    engine = EmbeddedBackend(tmp_path / "index", analysis_workers=2)
    for start in (0, 30, 60):  # batches sent early to the pool, then a remainder analysed at commit
        engine.upsert(listing(n) for n in range(start, start + 30))
    engine.commit()
    assert engine.count() == 90
    for n in (0, 24, 25, 29, 30, 59, 61, 89):
        assert top_hit(engine, WORDS[n]) == f"achievement:{n}"


def test_discard_with_batches_in_the_pool(tmp_path, small_batches):
    engine = EmbeddedBackend(tmp_path / "index", analysis_workers=2)
    engine.upsert(listing(n) for n in range(60))
    engine.discard()
    engine.upsert(listing(n) for n in range(60, 65))
    engine.commit()
    assert engine.count() == 5 and top_hit(engine, WORDS[62]) == "achievement:62"



def test_pool_workers_segment_with_the_terms_taught_to_the_parent(small_batches):
    analysis.teach(["覆冰舞动监测"])  # no shipped dictionary has it: only teaching keeps it whole
    taught = Listing(doc_id="achievement:1", kind="achievement", title="线路覆冰舞动监测系统", text="覆冰舞动监测",
                     version="v1")
    in_process = writer._analysed_chunk([(taught.title, taught.keywords, taught.text)])[0]
    queue = writer._AnalysisQueue(workers=2)
    try:
        for _ in range(30):  # past the patched EAGER_BATCH: analysed in the pool
            queue.add(taught)
        assert queue.pooled
        pooled = [queue.next() for _ in range(30)]
    finally:
        queue.discard()
    assert "覆冰舞动监测" in in_process[0].split()
    assert pooled == [in_process] * 30
