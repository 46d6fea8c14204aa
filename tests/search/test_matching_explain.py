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


def test_a_demands_ask_weighs_more_than_its_background():
    from search.documents import MatchQuery
    from search.matching import text_query

    both = text_query(MatchQuery(title="", text="罗非鱼池塘养殖病害多。希望引进益生菌制剂。"))
    plain = text_query(MatchQuery(title="", text="罗非鱼池塘养殖病害多。益生菌制剂效果好。"))
    assert both.words["益生菌"] > plain.words["益生菌"] == plain.words["罗非鱼"] > both.words["罗非鱼"]
    assert both.bigrams["益生"] > plain.bigrams["益生"] == plain.bigrams["罗非"] > both.bigrams["罗非"]
