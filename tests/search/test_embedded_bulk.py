"""Bulk writes on the embedded engine: analysis in a process pool, started while upserts are queued,
must hand every listing its own fields (order preserved across batches) and leave nothing behind."""
import pytest

from search.backends import embedded
from search.backends.embedded import EmbeddedBackend
from search.documents import Filters, Listing, MatchQuery
from search.matching import text_query

# distinct two-character words per listing (numbers would be split into Latin runs)
WORDS = [a + b for a in "甲乙丙丁戊己庚辛壬癸" for b in "子丑寅卯辰巳午未申酉戌亥"]


def listing(n):
    return Listing(doc_id=f"achievement:{n}", kind="achievement", title=f"材料{WORDS[n]}", text=f"关于{WORDS[n]}的研究",
                   version=f"v{n}")


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(embedded, "EAGER_BATCH", 25)
    monkeypatch.setattr(embedded, "POOL_THRESHOLD", 20)


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
