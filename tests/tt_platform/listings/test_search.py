"""List pages served by the search engine: synonyms, facets, all-words-or-relaxed, suggestions."""
from search import analysis
from tests.corpus import ice_corpus as corpus


def test_search_page_uses_the_engine_with_synonyms_and_facets(client, db, index):
    ice, battery, _hidden, _demand = corpus(db)
    html = client.get("/results/", query_string={"q": "结冰"}).get_data(as_text=True)
    # 结冰 finds 覆冰 through the synonym table
    assert f'href="/results/{ice.id}"' in html and f'href="/results/{battery.id}"' not in html
    assert "(1)" in html  # facet counts beside the filter options


def test_search_box_words_must_all_match_else_the_page_says_it_relaxed(client, db, index):
    ice, battery, _hidden, _demand = corpus(db)
    ice_link, battery_link = f'href="/results/{ice.id}"', f'href="/results/{battery.id}"'

    # 叶片监测 holds 叶片 and 监测: only the ice result has both
    html = client.get("/results/", query_string={"q": "叶片监测"}).get_data(as_text=True)
    assert ice_link in html and battery_link not in html and "partial-match" not in html
    assert "共找到 1 项成果" in html or "1 results found" in html

    # 电池监测: no result has both words, so the page shows those with either, and says so
    html = client.get("/results/", query_string={"q": "电池监测"}).get_data(as_text=True)
    assert ice_link in html and battery_link in html
    assert "partial-match" in html and "没有同时包含全部搜索词的结果" in html

    # a single character is searched for; a word too short or common to search for is named, as are
    # the words after the eighth
    html = client.get("/results/", query_string={"q": "a 锂"}).get_data(as_text=True)
    assert battery_link in html and ice_link not in html
    assert "ignored-words" in html and "未参与搜索" in html and "：a<" in html
    many = " ".join(["锂电池"] * 8 + ["热管理", "叶片"])
    html = client.get("/results/", query_string={"q": many}).get_data(as_text=True)
    assert battery_link in html and "热管理、叶片" in html

    # a word found past the summary: the result shows the text around it, highlighted
    html = client.get("/results/", query_string={"q": "光纤光栅"}).get_data(as_text=True)
    assert ice_link in html and "基于<mark>光纤光栅</mark>的叶片结冰厚度在线监测" in html

    # nothing at all: no notice, the suggestions instead
    html = client.get("/results/", query_string={"q": "量子点"}).get_data(as_text=True)
    assert "partial-match" not in html and ice_link not in html


def test_empty_search_suggests_other_terms(client, db, index):
    corpus(db)
    html = client.get("/results/", query_string={"q": "热带气旋"}).get_data(as_text=True)
    assert "共找到 0 项成果" in html
    assert "试试：" in html and ">台风</a>" in html  # 热带气旋 ↔ 台风 in the related-term table
    html = client.get("/results/", query_string={"q": "覆冰"}).get_data(as_text=True)
    assert "试试：" not in html  # results found: no suggestions


def test_suggestions_function():
    table = analysis.SynonymTable.from_rows([["覆冰", "结冰"]], version="t")
    assert analysis.suggestions("结冰", table)[0] == "覆冰"
    assert analysis.suggestions("锂离子")[0] == "锂离子电池"  # a longer domain term
