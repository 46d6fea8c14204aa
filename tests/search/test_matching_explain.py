"""Shared-term explanations: which query words a candidate contains, most important first."""
from search.backends.base import TextQuery
from search.documents import Listing
from search.matching import shared_terms


def result(title: str, text: str = "", keywords: tuple[str, ...] = ()) -> Listing:
    return Listing(doc_id="achievement:1", kind="achievement", title=title, text=text, keywords=keywords)


def test_chinese_words_count_inside_longer_words_and_heaviest_come_first():
    query = TextQuery(words={"电池": 1.0, "隔膜": 3.0, "风电": 2.0}, bigrams={})
    doc = result("锂离子电池复合隔膜", keywords=("涂覆",))
    assert shared_terms(query, doc) == ["隔膜", "电池"]


def test_latin_words_match_whole_words_only_after_normalisation():
    query = TextQuery(words={"ion": 1.0, "lidar": 1.0}, bigrams={})
    assert shared_terms(query, result("Motion control", "车载ＬＩＤＡＲ点云")) == ["lidar"]


def test_limit_caps_the_list():
    query = TextQuery(words={f"词{i}": float(i) for i in range(20)}, bigrams={})
    doc = result(" ".join(f"词{i}" for i in range(20)))
    assert shared_terms(query, doc, limit=3) == ["词19", "词18", "词17"]
