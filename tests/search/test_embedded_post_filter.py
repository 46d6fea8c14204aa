"""The embedded engine answers kind/public/exclusion-filtered match queries by post-filtering an
unfiltered search (tantivy prunes only bare term disjunctions). It must return exactly what the
filtered query returns, and fall back to it whenever post-filtering cannot tell."""
import random

import pytest

from search.backends.base import TextQuery
from search.backends.embedded import EmbeddedBackend
from search.documents import Filters, Listing

VOCAB = [a + b for a in "金银铜铁锡铝锌镍" for b in "材膜粉丝板管线网"]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    rng = random.Random(7)
    engine = EmbeddedBackend(tmp_path_factory.mktemp("post-filter") / "index")
    listings = []
    for n in range(1, 401):
        kind = "demand" if rng.random() < 0.3 else "achievement"
        words = rng.choices(VOCAB, k=rng.randint(3, 12))
        listings.append(Listing(doc_id=f"{kind}:{n}", kind=kind, title=words[0], text="，".join(words),
                                public=rng.random() > 0.15, version="v1"))
    engine.upsert(listings)
    engine.commit()
    return engine


def filtered_only(engine, monkeypatch):
    """The same engine with post-filtering switched off: every query carries its filter clauses."""
    monkeypatch.setattr(engine, "_lexical_post_filtered", lambda *args: None)


def queries():
    rng = random.Random(11)
    for _ in range(25):
        words = {w: rng.choice((0.5, 1.0, 2.0)) for w in rng.sample(VOCAB, rng.randint(1, 6))}
        yield TextQuery(words=words, bigrams={})


FILTERS = [Filters(kind="achievement"), Filters(kind="demand"), Filters(kind="achievement", public_only=False),
           Filters(kind="demand", exclude_ids=("demand:3", "demand:10", "achievement:5")), Filters(public_only=False)]


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("k", [1, 10, 150, 500])
def test_post_filtered_hits_equal_the_filtered_query(engine, monkeypatch, filters, k):
    fast = [engine.lexical(q, filters, k) for q in queries()]
    taken = [engine._lexical_post_filtered(engine._searcher(), engine._text_query(q.words, "words"), filters, k)
             for q in queries()]
    filtered_only(engine, monkeypatch)
    slow = [engine.lexical(q, filters, k) for q in queries()]
    assert [[(h.doc_id, round(h.score, 5)) for h in hits] for hits in fast] == \
           [[(h.doc_id, round(h.score, 5)) for h in hits] for hits in slow]
    assert any(hits for hits in fast)
    if k <= 10:  # small pages are answered by post-filtering, not by the fallback
        assert all(t is not None for t in taken)


def test_hits_respect_kind_public_and_exclusions(engine):
    filters = Filters(kind="demand", exclude_ids=("demand:3",))
    for q in queries():
        for hit in engine.lexical(q, filters, 400):
            listing = engine.get(hit.doc_id)
            assert listing.kind == "demand" and listing.public and hit.doc_id != "demand:3"


def test_other_filters_and_rare_kinds_use_the_filtered_query(engine):
    searcher = engine._searcher()
    text = engine._text_query({VOCAB[0]: 1.0}, "words")
    assert engine._lexical_post_filtered(searcher, text, Filters(kind="achievement", trl_min=3), 10) is None
    assert engine._lexical_post_filtered(searcher, text, Filters(kind="achievement"), 10) is not None


def test_falls_back_when_the_fetched_hits_hold_too_few_eligible_ones(tmp_path, monkeypatch):
    # 钨钢 is said over and over by 60 results and once by 20 demands: the top of an unfiltered
    # search holds only results, so post-filtering finds no demand there and must ask the index.
    engine = EmbeddedBackend(tmp_path / "index")
    engine.upsert([Listing(doc_id=f"achievement:{n}", kind="achievement", title="钨钢", text="钨钢 " * 20,
                           version="v1") for n in range(1, 61)]
                  + [Listing(doc_id=f"demand:{n}", kind="demand", title="需求", text=f"钨钢与{VOCAB[n]}",
                             version="v1") for n in range(1, 21)])
    engine.commit()
    query = TextQuery(words={"钨钢": 1.0}, bigrams={})
    hits = engine.lexical(query, Filters(kind="demand"), 10)
    filtered_only(engine, monkeypatch)
    assert len(hits) == 10 and hits == engine.lexical(query, Filters(kind="demand"), 10)
